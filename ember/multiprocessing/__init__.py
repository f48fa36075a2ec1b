"""``torch.multiprocessing``: Python's ``multiprocessing`` with tensors shared, not copied.

Everything of ``multiprocessing`` is here (``Process``, ``Queue``, ``SimpleQueue``,
``Pool``, ``get_context``, ``set_start_method``, ...). Importing this module registers
reducers (see `reductions.py`) so that a tensor sent to another process through any of
them is moved to shared memory and mapped by the receiver: both see the same storage,
which is what Hogwild-style training (several processes updating one model) relies on.
``spawn`` starts N processes running ``fn(i, *args)`` and reports their failures.
"""
import multiprocessing
import sys
from multiprocessing import *  # noqa: F401,F403

from .reductions import init_reductions
from .spawn import (ENV_VAR_PARALLEL_START, ProcessContext, ProcessException,  # noqa: F401
                    ProcessExitedException, ProcessRaisedException, SpawnContext, spawn,
                    start_processes)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies"]
__all__ += multiprocessing.__all__

if sys.platform in ("darwin", "win32"):
    _sharing_strategy = "file_system"
    _all_sharing_strategies = {"file_system"}
else:
    _sharing_strategy = "file_descriptor"
    _all_sharing_strategies = {"file_descriptor", "file_system"}


def set_sharing_strategy(new_strategy):
    """Sets the strategy for sharing CPU tensors. ember passes file descriptors of anonymous
    shared files under either name (nothing is left behind in /dev/shm)."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, "
                             f"expected one of {_all_sharing_strategies}")
    _sharing_strategy = new_strategy


def get_sharing_strategy():
    """Returns the current strategy for sharing CPU tensors."""
    return _sharing_strategy


def get_all_sharing_strategies():
    """Returns the set of sharing strategies supported on this system."""
    return _all_sharing_strategies


def _set_thread_name(name):
    """Names the current thread (seen in ``top -H``); best effort."""
    import threading
    threading.current_thread().name = name


def _get_thread_name():
    import threading
    return threading.current_thread().name


init_reductions()
