"""`ember run script.py` runs an unmodified PyTorch script on ember, workers included."""
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import torch
    import torch.nn as nn
    import torch.multiprocessing as mp
    from torch.utils.data import DataLoader, TensorDataset

    def main():
        torch.manual_seed(0)
        x = torch.randn(64, 3)
        y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
        model = nn.Linear(3, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(5):
            for xb, yb in DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True):
                opt.zero_grad()
                loss = nn.functional.mse_loss(model(xb), yb)
                loss.backward()
                opt.step()
        print("loss %.6f" % loss.item(), [round(v, 4) for v in model.weight.data.view(-1).tolist()])

    if __name__ == "__main__":
        main()
""")


def test_ember_run_matches_torch(tmp_path):
    torch = pytest.importorskip("torch")
    del torch
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    got = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], capture_output=True,
                         text=True, env=env, timeout=300)
    want = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300)
    assert got.returncode == 0, got.stderr[-2000:]
    assert got.stdout == want.stdout


def test_ember_run_names_missing_api(tmp_path):
    script = tmp_path / "missing.py"
    script.write_text("import torch\ntorch.definitely_not_an_api(1)\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    got = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], capture_output=True,
                         text=True, env=env, timeout=120)
    assert got.returncode != 0
    assert "AttributeError: ember has no torch.definitely_not_an_api yet" in got.stderr
