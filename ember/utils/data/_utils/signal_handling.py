"""Noticing DataLoader workers that die (a crash, a kill, out of memory) so the main
process raises instead of waiting for data forever.

PyTorch raises from a SIGCHLD handler; ember checks the same thing when the main process
polls its workers (`_error_if_any_worker_fails`, and the process sentinels the
DataLoader waits on), so no exception is ever raised at an arbitrary point of the program.
Workers enable ``faulthandler``, which prints where a worker crashed.
"""
import faulthandler
import os
import signal
import threading

_worker_pids = {}  # id(DataLoader iterator) -> tuple of worker pids
_lock = threading.Lock()


def worker_failure_message(pid, exitcode):
    """PyTorch's message for a worker that ended with `exitcode` (negative: a signal)."""
    if exitcode < 0:
        sig = -exitcode
        name = signal.strsignal(sig) if hasattr(signal, "strsignal") else str(sig)
        msg = f"DataLoader worker (pid {pid}) is killed by signal: {name}. "
        if sig == getattr(signal, "SIGBUS", None):
            msg += ("It is possible that dataloader's workers are out of shared memory. "
                    "Please try to raise your shared memory limit.")
        return msg
    return (f"DataLoader worker (pid {pid}) exited unexpectedly with exit code {exitcode}. "
            "Details are lost due to multiprocessing. Rerunning with num_workers=0 may give "
            "better error trace.")


def _set_worker_pids(key, pids):
    with _lock:
        if key in _worker_pids:
            raise RuntimeError("_set_worker_pids should be called only once for each "
                               "_BaseDataLoaderIter.")
        _worker_pids[key] = tuple(pids)


def _remove_worker_pids(key):
    with _lock:
        if _worker_pids.pop(key, None) is None:
            raise RuntimeError("Cannot find worker information for _BaseDataLoaderIter with "
                               f"id {key}")


def _error_if_any_worker_fails():
    """Raises RuntimeError if a registered worker has ended abnormally (without reaping
    it, so ``multiprocessing`` still sees its exit code)."""
    with _lock:
        pids = [pid for group in _worker_pids.values() for pid in group]
    for pid in pids:
        try:
            info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except (ChildProcessError, OSError, AttributeError):
            continue
        if info is None:
            continue
        if info.si_code == os.CLD_EXITED and info.si_status != 0:
            raise RuntimeError(worker_failure_message(pid, info.si_status))
        if info.si_code in (os.CLD_KILLED, os.CLD_DUMPED):
            raise RuntimeError(worker_failure_message(pid, -info.si_status))


def _set_worker_signal_handlers():
    """In a worker: print a traceback if it crashes (SIGSEGV, SIGBUS, SIGFPE, ...)."""
    try:
        faulthandler.enable()
    except (RuntimeError, ValueError, OSError):  # no usable stderr
        pass


def _set_SIGCHLD_handler():
    """Kept for API parity; worker deaths are detected by polling (see module doc)."""
