"""Data loading and serialization benchmarks: ember against PyTorch in the same run.

    python bench/bench_data_io.py     # prints a Markdown table of times and ratios

DataLoader throughput over one epoch of the same TensorDataset, save/load of a ~100 MB
state dict (and load with mmap=True), and the wall time of the quickstart example.
"""
import os
import subprocess
import sys
import tempfile
import time

# one thread for both frameworks, set before either loads its thread pools
# (torch.set_num_threads(1) itself slows NumPy's small ops down in the same process)
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

N_SAMPLES = 20_000
BATCH = 64


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def epoch_fn(m, x, y, workers):
    """One shuffled epoch of a DataLoader over TensorDataset(x, y), touching every batch."""
    data = m.utils.data
    dataset = data.TensorDataset(m.from_numpy(x), m.from_numpy(y))
    loader = data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=workers)

    def epoch():
        n = 0
        for xb, yb in loader:
            n += xb.shape[0]
        assert n == N_SAMPLES
    return epoch


def state_dict(m, total_mb=100, per_tensor=1 << 20):
    """A dict of float32 tensors of 4 MB each, `total_mb` MB in all."""
    rng = np.random.default_rng(0)
    n = total_mb * (1 << 20) // (4 * per_tensor)
    return {"layer%d.weight" % i: m.from_numpy(rng.standard_normal(per_tensor).astype(np.float32))
            for i in range(n)}


def serialization_rows(tmp):
    import torch

    import ember
    rows = []
    paths = {}
    saves = {}
    for m in (ember, torch):
        sd = state_dict(m)
        path = os.path.join(tmp, "%s.pt" % m.__name__)
        paths[m] = path
        saves[m] = best(lambda: m.save(sd, path))
        mb = os.path.getsize(path) / (1 << 20)
    rows.append(("save, %.0f MB state dict (25 float32 tensors)" % mb, saves[ember], saves[torch]))

    def load(m, **kw):
        def run():
            sd = m.load(paths[m], **kw)
            assert len(sd) == 25
        return run
    rows.append(("load, same file", best(load(ember)), best(load(torch))))
    rows.append(("load, mmap=True", best(load(ember, mmap=True)), best(load(torch, mmap=True))))

    def load_and_sum(m):
        def run():
            sd = m.load(paths[m], mmap=True)
            for v in sd.values():
                v.sum()
        return run
    rows.append(("load, mmap=True, then sum every tensor",
                 best(load_and_sum(ember)), best(load_and_sum(torch))))
    # the files hold the same values: check that each loads the other's
    a = ember.load(paths[torch])["layer3.weight"].numpy()
    b = torch.load(paths[ember])["layer3.weight"].numpy()
    assert np.array_equal(a, b)
    return rows


def quickstart_time(tmp):
    """Wall time of the quickstart example, 3 epochs, in a fresh interpreter."""
    cmd = [sys.executable, "-m", "ember.examples.quickstart", "--epochs", "3", "--no-progress",
           "--out", os.path.join(tmp, "quickstart")]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=root, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    import torch

    import ember
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N_SAMPLES, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, N_SAMPLES)
    loader_rows = []
    for workers in (0, 2):
        te = best(epoch_fn(ember, x, y, workers))
        tt = best(epoch_fn(torch, x, y, workers))
        loader_rows.append((workers, te, tt))
    with tempfile.TemporaryDirectory() as tmp:
        io_rows = serialization_rows(tmp)
        tq = quickstart_time(tmp)

    print("| benchmark | ember | torch | ratio (time) |")
    print("|---|---|---|---|")
    for workers, te, tt in loader_rows:
        print("| DataLoader epoch, 20,000 x 3x32x32 float32, batch 64, shuffle, num_workers=%d "
              "| %.3f s (%.0f samples/s) | %.3f s (%.0f samples/s) | %.2fx |"
              % (workers, te, N_SAMPLES / te, tt, N_SAMPLES / tt, te / tt))
    for name, te, tt in io_rows:
        print("| %s | %.4f s | %.4f s | %.2fx |" % (name, te, tt, te / tt))
    print("| `python -m ember.examples.quickstart --epochs 3 --no-progress` (wall, incl. startup) "
          "| %.2f s | | |" % tq)


if __name__ == "__main__":
    main()
