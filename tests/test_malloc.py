"""ember raises glibc's malloc thresholds at import, unless told not to (ember/_malloc.py)."""
import os
import platform
import subprocess
import sys

import pytest

CHECK = "import ember._malloc as m; print(m.tune())"


def _tune_in_fresh_process(**env):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "EMBER_MALLOC"))}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", CHECK], env=full, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_tuned_on_glibc():
    assert _tune_in_fresh_process() == "True"


@pytest.mark.parametrize("env", [{"EMBER_MALLOC_TUNING": "0"},
                                 {"MALLOC_TRIM_THRESHOLD_": "1000000"},
                                 {"MALLOC_MMAP_THRESHOLD_": "1000000"}])
def test_user_settings_win(env):
    assert _tune_in_fresh_process(**env) == "False"
