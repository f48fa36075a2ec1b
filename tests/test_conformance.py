"""The seed conformance cases listed in conformance_passing.txt must keep passing.

The list only grows: add a case when it starts passing, never remove one.
"""
import os
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
RUNNER = ROOT.parent / "shared" / "conformance" / "run.py"


def _cases():
    lines = (HERE / "conformance_passing.txt").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


@pytest.mark.skipif(not RUNNER.exists(), reason="shared/conformance is not beside the repo")
def test_listed_conformance_cases_pass():
    cases = _cases()
    assert cases, "conformance_passing.txt lists no case"
    args = [sys.executable, str(RUNNER), "--module", "ember", "-j", str(os.cpu_count() or 2),
            "--timeout", "300"]  # generous: CI machines vary; the VGG cases build 138M weights
    for c in cases:
        args += ["-k", c]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=2400)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "%d passed, 0 failed" % len(cases) in proc.stdout, proc.stdout[-4000:]
