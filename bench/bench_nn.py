"""Training-step benchmarks: ember against PyTorch in the same run, plus training parity.

    python bench/bench_nn.py       # prints a Markdown table, then the parity checks

Each benchmark times one full training step (forward, loss, backward, optimizer step)
with the same shapes in both frameworks. The parity checks start ember from PyTorch's
weights, train both for 20 SGD steps on the same batches and compare the loss curves.
"""
import os
import time

# one thread for both frameworks, set before either loads its thread pools
# (torch.set_num_threads(1) itself slows NumPy's small ops down in the same process)
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def best(fn, repeat=10, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


# ---- models, written once for either framework `m` (ember or torch) ----

def mlp(m):
    nn = m.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(),
                         nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def lenet(m):
    nn = m.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def resnet_block(m, c=64):
    nn = m.nn

    class BasicBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(c)
            self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(c)
            self.head = nn.Linear(c, 10)

        def forward(self, x):
            y = m.relu(self.bn1(self.conv1(x)))
            y = m.relu(self.bn2(self.conv2(y)) + x)
            return self.head(y.mean((2, 3)))
    return BasicBlock()


def lstm_classifier(m, vocab=None, inp=128, hidden=256):
    nn = m.nn

    class LSTMNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab, inp) if vocab else None
            self.lstm = nn.LSTM(inp, hidden)
            self.fc = nn.Linear(hidden, vocab or 10)

        def forward(self, x):
            if self.embed is not None:
                x = self.embed(x)
            out, _ = self.lstm(x)
            # language model: every step predicts; classifier: the last step does
            return self.fc(out) if self.embed is not None else self.fc(out[-1])
    return LSTMNet()


# ---- timing ----

def step_fn(m, model, x, y, lr=0.01):
    """One training step of `model` on (x, y) with SGD and cross-entropy."""
    opt = m.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = m.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


CASES = [
    ("MLP 784-256-128-10, batch 128", mlp, (128, 1, 28, 28), 128, 30),
    ("LeNet-5, batch 64, 1x28x28", lenet, (64, 1, 28, 28), 64, 15),
    ("ResNet basic block 64ch 32x32, batch 16", resnet_block, (16, 64, 32, 32), 16, 5),
    ("LSTM 128->256, seq 35, batch 20, Linear->10", lstm_classifier, (35, 20, 128), 20, 8),
]


def bench_steps():
    import torch

    import ember
    rng = np.random.default_rng(0)
    rows = []
    for name, make, xshape, n, repeat in CASES:
        x = rng.standard_normal(xshape).astype(np.float32)
        y = rng.integers(0, 10, n)
        times = []
        for m in (ember, torch):
            m.manual_seed(0)
            times.append(best(step_fn(m, make(m), m.tensor(x), m.tensor(y)), repeat=repeat))
        rows.append((name, times[0], times[1]))
    return rows


# ---- parity ----

def copy_weights(src, dst):
    """Load the torch module's parameters and buffers into the ember module, as NumPy arrays."""
    import ember
    state = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in src.state_dict().items()}
    dst.load_state_dict(state)


def loss_curve(m, model, batches, steps=20, lr=0.05):
    opt = m.optim.SGD(model.parameters(), lr=lr)
    loss_fn = m.nn.CrossEntropyLoss()
    losses = []
    for i in range(steps):
        x, y = batches[i % len(batches)]
        x, y = m.from_numpy(x), m.from_numpy(y)
        opt.zero_grad()
        out = model(x)
        loss = loss_fn(out.reshape(-1, out.shape[-1]), y.reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses)


def parity(make, batches, lr):
    import torch

    import ember
    torch.manual_seed(0)
    tm = make(torch)
    em = make(ember)
    copy_weights(tm, em)
    lt = loss_curve(torch, tm, batches, lr=lr)
    le = loss_curve(ember, em, batches, lr=lr)
    return float(np.max(np.abs(le - lt) / np.abs(lt))), lt[0], lt[-1]


def parity_checks():
    rng = np.random.default_rng(1)
    lenet_batches = [(rng.standard_normal((16, 1, 28, 28)).astype(np.float32),
                      rng.integers(0, 10, 16)) for _ in range(5)]
    lm_batches = [(rng.integers(0, 50, (20, 8)), rng.integers(0, 50, (20, 8))) for _ in range(5)]
    return [
        ("LeNet-5, 20 SGD steps (lr 0.05), batch 16", parity(lenet, lenet_batches, lr=0.05)),
        ("LSTM LM (embedding 50x32, LSTM 32->64, Linear 64->50), seq 20, batch 8, 20 SGD steps (lr 1.0)",
         parity(lambda m: lstm_classifier(m, vocab=50, inp=32, hidden=64), lm_batches, lr=1.0)),
    ]


def main():
    rows = bench_steps()
    print("| training step | ember (s) | torch (s) | ratio |")
    print("|---|---|---|---|")
    for name, te, tt in rows:
        print("| %s | %.4f | %.4f | %.2fx |" % (name, te, tt, te / tt))
    print()
    print("| training parity (weights copied from torch) | loss first -> last (torch) | max relative loss difference | goal |")
    print("|---|---|---|---|")
    for name, (diff, first, last) in parity_checks():
        print("| %s | %.4f -> %.4f | %.2e | <= 1e-4 %s |"
              % (name, first, last, diff, "ok" if diff <= 1e-4 else "MISSED"))


if __name__ == "__main__":
    main()
