"""The loop each DataLoader worker process runs, and ``get_worker_info``.

A worker seeds itself (``base_seed + worker_id`` for ``random`` and ember, a mixed state
for NumPy, exactly as PyTorch does), runs ``worker_init_fn``, then takes ``(task, index)``
pairs from its index queue and puts ``(task, batch)`` on the shared result queue. An
exception becomes an `ExceptionWrapper` the main process re-raises. ``None`` on the index
queue means stop; the worker also stops when the main process disappears.
"""
import os
import queue
import random
from dataclasses import dataclass

import ember

from . import HAS_NUMPY, MP_STATUS_CHECK_INTERVAL, ExceptionWrapper, signal_handling


class ManagerWatchdog:
    """Tells whether the process that started this worker is still alive."""

    def __init__(self):
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self):
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


_worker_info = None


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """Information about the current DataLoader worker process: `id` (0 to
    num_workers - 1), `num_workers`, `seed` and this process's copy of the `dataset`."""

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


def get_worker_info():
    """The `WorkerInfo` of this DataLoader worker process; None in the main process."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's IterableDataset copy is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Persistent workers: start a new epoch."""

    seed: int = None


_MASK32 = 0xFFFFFFFF


def _generate_state(base_seed, worker_id):
    """The four 32-bit words PyTorch seeds NumPy with in a worker: NumPy's SeedSequence
    hash of ``[worker_id, base_seed low word, base_seed high word, 0]``."""
    mult_a, mult_b = 0x931E8875, 0x58F38DED
    hash_a = [0x43B0D7E5]

    def hash_(value):
        value = (value ^ hash_a[0]) & _MASK32
        hash_a[0] = (hash_a[0] * mult_a) & _MASK32
        value = (value * hash_a[0]) & _MASK32
        return (value ^ (value >> 16)) & _MASK32

    def mix(x, y):
        r = ((0xCA01F9DD * x) - (0x4973F715 * y)) & _MASK32
        return (r ^ (r >> 16)) & _MASK32

    entropy = [worker_id, base_seed & _MASK32, base_seed >> 32, 0]
    pool = [hash_(e) for e in entropy]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    hash_b = 0x8B51F9DD
    state = []
    for value in pool:
        value = (value ^ hash_b) & _MASK32
        hash_b = (hash_b * mult_b) & _MASK32
        value = (value * hash_b) & _MASK32
        state.append((value ^ (value >> 16)) & _MASK32)
    return state


def _seed_worker(base_seed, worker_id):
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    if HAS_NUMPY:
        import numpy as np
        np.random.seed(_generate_state(base_seed, worker_id))
    return seed


def _packed(data, worker_id, fd_channel):
    """`data` packed for the trip to the main process, or the error that prevented it."""
    from . import transfer  # (imports ember.multiprocessing, which workers have loaded)
    try:
        return transfer.pack(data, worker_id, fd_channel)
    except Exception:
        return ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation,
                 collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers,
                 persistent_workers, shared_seed, fd_channel=None):
    """The body of a worker process (see the module docstring). ember-specific:
    `fd_channel`, when given, is the socket the shared memory of each batch goes through
    (see `transfer.py`)."""
    manager_pid = os.getppid()
    try:
        signal_handling._set_worker_signal_handlers()
        if hasattr(ember, "set_num_threads"):
            ember.set_num_threads(1)
        seed = _seed_worker(base_seed, worker_id)

        global _worker_info
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)

        from ember.utils.data.dataloader import _DatasetKind

        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                  collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")

        iteration_end = False
        watchdog = ManagerWatchdog()
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                      collate_fn, drop_last)
                continue
            if r is None:
                break  # the main process asks us to stop
            if done_event.is_set() or iteration_end:
                continue  # draining the queue until the final None
            idx, index = r
            if init_exception is not None:
                data = init_exception
                init_exception = None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(
                            where=f"in DataLoader worker process {worker_id}")
                if fd_channel is not None and not isinstance(
                        data, (ExceptionWrapper, _IterableDatasetStopIteration)):
                    data = _packed(data, worker_id, fd_channel)
            data_queue.put((idx, data))
            del data, idx, index, r
    except KeyboardInterrupt:
        interrupted = True  # the main process handles Ctrl-C
    else:
        interrupted = False
    if done_event.is_set() or interrupted or os.getppid() != manager_pid:
        # nobody will read what is still buffered: do not wait on it when exiting
        data_queue.cancel_join_thread()
        data_queue.close()
