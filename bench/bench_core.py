"""Core benchmarks: ember against PyTorch (and raw NumPy) in the same run.

    python bench/bench_core.py          # prints a Markdown table of times and ratios
"""
import os
import subprocess
import sys
import time

# one thread for both frameworks, set before either loads its thread pools
# (torch.set_num_threads(1) itself slows NumPy's small ops down in the same process)
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def best(fn, repeat=15):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def add_chain(m, n=10000, grad=False):
    def run():
        x = m.ones(4, requires_grad=grad)
        y = x
        for _ in range(n):
            y = y + x
        if grad:
            y.sum().backward()
    return run


def matmul(m, n=1024):
    a = m.ones(n, n)
    b = m.ones(n, n)
    return lambda: a @ b


def elementwise(m, n=4_000_000):
    a = m.ones(n)
    b = m.ones(n)
    exp = np.exp if m is np_like else m.exp
    return lambda: exp(a * b + a)


def import_time(module):
    """Seconds to import `module` in a fresh interpreter, and its resident memory (MB) after.

    ember's bytecode is compiled first, as `pip install` does (NumPy's and PyTorch's ships
    compiled): with PYTHONDONTWRITEBYTECODE set, an editable checkout would otherwise be
    compiled from source at every import."""
    if module == "ember":
        import compileall
        import importlib.util
        compileall.compile_dir(os.path.dirname(importlib.util.find_spec(module).origin), quiet=2)
    code = ("import time; t=time.perf_counter(); import %s; d=time.perf_counter()-t; "
            "rss=[l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]; "
            "print(d, rss)" % module)
    out = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split()
           for _ in range(5)]
    return min(float(o[0]) for o in out), min(int(o[1]) for o in out) / 1024


def main():
    import torch

    import ember
    rows = []
    for name, make, ref in [
        ("10,000 adds, 4 elements, no grad", lambda m: add_chain(m), "torch"),
        ("10,000 adds, 4 elements, grad + backward", lambda m: add_chain(m, grad=True), "torch"),
    ]:
        te, tt = best(make(ember)), best(make(torch))
        rows.append((name, te, tt, "torch", te / tt))
    for name, make in [("matmul 1024x1024", matmul), ("exp(a*b+a), 4M float32", elementwise)]:
        te = best(make(ember))
        tn = best(make(np_like))
        tt = best(make(torch))
        rows.append((name, te, tn, "NumPy", te / tn))
        rows.append((name, te, tt, "torch", te / tt))
    ie, me = import_time("ember")
    inp, mn = import_time("numpy")
    it, mt = import_time("torch")
    print("| benchmark | ember (s) | reference (s) | reference | ratio |")
    print("|---|---|---|---|---|")
    for name, te, tr, ref, ratio in rows:
        print("| %s | %.4f | %.4f | %s | %.2fx |" % (name, te, tr, ref, ratio))
    print("| import | %.3f s, %.0f MB | numpy %.3f s, %.0f MB; torch %.3f s, %.0f MB | | +%.3f s, +%.0f MB over numpy |"
          % (ie, me, inp, mn, it, mt, ie - inp, me - mn))


class np_like:
    """NumPy with the two factory calls the benchmarks use."""
    @staticmethod
    def ones(*shape, requires_grad=False):
        return np.ones(shape, dtype=np.float32)


if __name__ == "__main__":
    main()
