"""Keeps freed array memory in the process rather than handing it back to the kernel.

glibc's malloc returns large freed blocks to the kernel (blocks above its mmap threshold are
unmapped, and free memory at the top of the heap is trimmed). A training step allocates and
frees the same few megabytes of buffers every time, so each step would fault its pages back in,
which on a small network costs as much as the arithmetic. At import ember raises glibc's
thresholds once (``mallopt``, as the ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_``
environment variables would), so that those buffers are reused from the heap.

It does nothing when either variable is set, when ``EMBER_MALLOC_TUNING=0``, or where the C
library is not glibc. The cost: up to `TRIM_THRESHOLD` bytes of freed memory stay with the process.
"""
import ctypes
import os

M_TRIM_THRESHOLD = -1      # glibc's mallopt parameter numbers
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's upper limit for it on 64-bit systems
TRIM_THRESHOLD = 128 << 20


def tune():
    """Raises glibc's mmap and trim thresholds; returns whether it did."""
    env = os.environ
    if env.get("EMBER_MALLOC_TUNING", "1") == "0" or "MALLOC_MMAP_THRESHOLD_" in env \
            or "MALLOC_TRIM_THRESHOLD_" in env:
        return False
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return False
    if not hasattr(libc, "gnu_get_libc_version"):     # not glibc: its parameters may differ
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
