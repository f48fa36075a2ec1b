"""``torch.set_num_threads`` / ``get_num_threads``: the BLAS thread count NumPy's matmuls use.

NumPy has no API for it, so ember finds the OpenBLAS library NumPy loaded and calls its own
setter (``openblas_set_num_threads``, possibly with SciPy's symbol prefix/suffix).
"""
import ctypes
import os
import re

_PREFIXES = ("scipy_", "")
_SUFFIXES = ("64_", "")
_state = {"n": None}


def _openblas():
    try:
        maps = open("/proc/self/maps").read()
    except OSError:
        return None
    for path in sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for p in _PREFIXES:
            for s in _SUFFIXES:
                setter = getattr(lib, "%sopenblas_set_num_threads%s" % (p, s), None)
                getter = getattr(lib, "%sopenblas_get_num_threads%s" % (p, s), None)
                if setter is not None and getter is not None:
                    getter.restype = ctypes.c_int
                    return setter, getter
    return None


def set_num_threads(n):
    """Sets how many threads the CPU kernels (NumPy's BLAS) use."""
    n = int(n)
    if n < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    _state["n"] = n
    blas = _openblas()
    if blas is not None:
        blas[0](n)


def get_num_threads():
    if _state["n"] is not None:
        return _state["n"]
    blas = _openblas()
    if blas is not None:
        return int(blas[1]())
    return os.cpu_count() or 1


def set_num_interop_threads(n):
    """Accepted for compatibility; ember runs its ops on the calling thread."""
    if int(n) < 1:
        raise RuntimeError("set_num_interop_threads expects a positive integer")


def get_num_interop_threads():
    return 1
