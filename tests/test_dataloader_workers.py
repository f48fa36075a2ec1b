"""DataLoader with worker processes: same batches as num_workers=0 and as torch's workers
(worker seeding included), errors re-raised with the worker's traceback, dead and slow
workers reported, and no worker process left behind."""
import gc
import multiprocessing
import os
import random
import re
import signal
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.utils.data as ed  # noqa: E402
import torch.utils.data as td  # noqa: E402

LIBS = {"ember": (ember, ed), "torch": (torch, td)}


def children():
    return {p.pid for p in multiprocessing.active_children()}


@pytest.fixture(autouse=True)
def no_leftover_workers():
    """Every test must end with no worker process of its own still running (torch's
    iterator can be kept by a reference cycle after a worker error, hence the gc)."""
    before = children()
    yield
    gc.collect()
    deadline = time.monotonic() + 10
    while children() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert children() - before == set()


def plain(x):
    if isinstance(x, (ember.Tensor, torch.Tensor)):
        return x.tolist()
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    return x


class RandomDS:
    """Samples carry what the worker's random generators give: ember/torch, NumPy, random."""

    def __init__(self, lib_name, n=10):
        self.lib_name, self.n = lib_name, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        lib, d = LIBS[self.lib_name]
        info = d.get_worker_info()
        wid, seed = (info.id, info.seed) if info else (-1, 0)
        return (lib.tensor([i, wid]), lib.rand(2), float(np.random.rand()), random.random(),
                seed)


class FailingDS:
    def __init__(self, exc_type=ValueError):
        self.exc_type = exc_type

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise self.exc_type(f"bad sample {i}")
        return i


class TwoArgError(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


class TwoArgDS(FailingDS):
    def __getitem__(self, i):
        raise TwoArgError(1, 2)


class SlowDS:
    def __init__(self, n=40, delay=0.2):
        self.n, self.delay = n, delay

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        time.sleep(self.delay if i % 3 == 0 else 0.001)
        return i


class KilledDS:
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        return i


def _stream_class(d):
    class Stream(d.IterableDataset):
        """0..n-1, split between the workers with get_worker_info()."""

        def __init__(self, n):
            self.n, self.start = n, 0

        def __iter__(self):
            info = d.get_worker_info()
            step = info.num_workers if info else 1
            first = info.id if info else 0
            return iter(range(self.start + first, self.n, step))
    return Stream


STREAMS = {"ember": _stream_class(ed), "torch": _stream_class(td)}


def _init_fn(worker_id):
    """worker_init_fn: shifts the dataset copy of worker 1 (seen through get_worker_info)."""
    for _, d in LIBS.values():
        info = d.get_worker_info()
        if info is not None and info.id == 1:
            info.dataset.start = 100


def load(name, dataset, seed=0, **kw):
    lib, d = LIBS[name]
    lib.manual_seed(seed)
    return [plain(b) for b in d.DataLoader(dataset, **kw)]


def test_workers_match_torch_and_single_process():
    kw = dict(batch_size=3, shuffle=True, num_workers=2)
    ours = load("ember", RandomDS("ember"), **kw)
    theirs = load("torch", RandomDS("torch"), **kw)
    assert ours == theirs  # orders, worker ids, seeds and every worker RNG stream
    single = load("ember", RandomDS("ember"), batch_size=3, shuffle=True)
    assert [b[0] for b in single] == [[[i, -1] for i, _ in b[0]] for b in ours]
    gen_kw = dict(batch_size=4, num_workers=2, shuffle=True, drop_last=True, prefetch_factor=1)
    g = [load(n, RandomDS(n, 13), generator=LIBS[n][0].Generator().manual_seed(9), **gen_kw)
         for n in LIBS]
    assert g[0] == g[1]


def test_worker_batches_come_through_shared_memory():
    batches = list(ed.DataLoader(ed.TensorDataset(ember.arange(12.).view(6, 2)), batch_size=4,
                                 num_workers=1))
    assert [b[0].tolist() for b in batches] == [[[0., 1.], [2., 3.], [4., 5.], [6., 7.]],
                                                [[8., 9.], [10., 11.]]]
    assert all(b[0].is_shared() for b in batches)


def _normalize(text):
    """The message without file paths and line numbers (and their source excerpts)."""
    text = re.sub(r'File "[^"]*", line \d+, in .*', "File", text)
    return [ln for ln in text.splitlines() if ln.strip() and "^" not in ln]


def _torch_reference(dataset, worker_id):
    """What torch's worker would send for this exception: torch's own ExceptionWrapper."""
    from torch._utils import ExceptionWrapper
    try:
        dataset[5]
    except Exception:  # noqa: BLE001
        wrapper = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
    try:
        wrapper.reraise()
    except Exception as e:  # noqa: BLE001
        return type(e), _normalize(str(e))


@pytest.mark.parametrize("dataset", [FailingDS(ValueError), FailingDS(KeyError), TwoArgDS()])
def test_worker_exception_reraised_with_traceback(dataset):
    before = children()
    try:
        load("ember", dataset, batch_size=2, num_workers=2)
    except Exception as err:  # noqa: BLE001
        ours = type(err), _normalize(str(err))
    else:
        raise AssertionError("no error")
    assert children() - before == set()  # the iterator and its workers are gone at once
    ref_type, ref_lines = _torch_reference(dataset, 0)  # worker 0 fails first
    assert ours[0] is ref_type
    # ours has the worker-side frames (loop, fetcher) the local reference does not
    assert ours[1][:2] == ref_lines[:2] and ours[1][-1] == ref_lines[-1]
    assert ours[1][0].startswith("Caught ") and ours[1][1] == \
        "Original Traceback (most recent call last):"


def test_iterable_dataset_with_workers_and_init_fn():
    for kw in [dict(batch_size=2, num_workers=2), dict(batch_size=None, num_workers=2),
               dict(batch_size=3, num_workers=2, worker_init_fn=_init_fn)]:
        ours, theirs = (load(n, STREAMS[n](9), **kw) for n in LIBS)
        assert ours == theirs, kw


def test_persistent_workers_and_out_of_order():
    def epochs(name, **kw):
        lib, d = LIBS[name]
        lib.manual_seed(4)
        loader = d.DataLoader(RandomDS(name, 7), batch_size=2, num_workers=2, shuffle=True,
                              persistent_workers=True, **kw)
        out = [[plain(b) for b in loader] for _ in range(2)]
        pids = [w.pid for w in loader._iterator._workers]
        out.append([plain(b) for b in loader])
        assert pids == [w.pid for w in loader._iterator._workers]  # same processes reused
        del loader
        return out
    assert epochs("ember") == epochs("torch")
    ours = [i for b in load("ember", SlowDS(12, 0.05), batch_size=2, num_workers=2,
                            in_order=False) for i in b]
    assert sorted(ours) == list(range(12))


def test_timeout_and_dead_worker():
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.05 seconds$"):
        load("ember", SlowDS(), batch_size=4, num_workers=1, timeout=0.05)
    with pytest.raises(RuntimeError,
                       match=r"^DataLoader worker \(pid\(s\) \d+\) exited unexpectedly$") as e:
        load("ember", KilledDS(), batch_size=2, num_workers=2)
    assert re.match(r"DataLoader worker \(pid \d+\) is killed by signal: Killed. $",
                    str(e.value.__cause__))
    del e
    assert time.monotonic() - t0 < 8  # reported at once, not after a polling interval


def test_no_leftover_workers_after_break_and_gc():
    before = children()
    it = iter(ed.DataLoader(SlowDS(delay=0.05), batch_size=2, num_workers=2))
    assert next(it) is not None and len(children() - before) == 2
    del it  # garbage collection of the iterator stops its workers
    assert children() - before == set()
    for _ in ed.DataLoader(SlowDS(delay=0.05), batch_size=2, num_workers=2):
        break
    assert children() - before == set()


def test_spawn_context():
    data = ed.TensorDataset(ember.arange(10), ember.arange(10) * 2)
    loader = ed.DataLoader(data, batch_size=4, num_workers=1, multiprocessing_context="spawn")
    assert [[t.tolist() for t in b] for b in loader] == \
        [[[0, 1, 2, 3], [0, 2, 4, 6]], [[4, 5, 6, 7], [8, 10, 12, 14]], [[8, 9], [16, 18]]]


# --- how batches travel: descriptors over the worker's socket, pages written with pwritev -----

def test_transfer_round_trip_many_segments():
    """pack/unpack: a structure with tensors in more segments than one message carries,
    two views of one segment, and plain objects; the receiver sees the sender's memory."""
    from ember.utils.data._utils import transfer
    main_end, worker_end = transfer.channel_pair()
    try:
        tensors = [ember.full((3,), float(i)).share_memory_() for i in range(300)]
        base = ember.arange(6.).share_memory_()
        data = {"many": tensors, "views": (base[:3], base[3:]), "x": [1, "a", None]}
        packed = transfer.pack(data, 0, worker_end)
        assert len(packed.segments) == 301
        out = transfer.unpack(packed, main_end)
        assert [t.tolist() for t in out["many"]] == [[float(i)] * 3 for i in range(300)]
        assert [v.tolist() for v in out["views"]] == [[0., 1., 2.], [3., 4., 5.]]
        assert out["x"] == [1, "a", None]
        out["views"][1][0] = 30.
        assert base[3].item() == 30.  # one storage: the same pages
        with pytest.raises(RuntimeError, match="did not arrive"):
            transfer.unpack(packed, main_end)  # nothing left on the socket
    finally:
        main_end.close()
        worker_end.close()


def test_transfer_detects_out_of_step_descriptors():
    from ember.utils.data._utils import transfer
    main_end, worker_end = transfer.channel_pair()
    try:
        first = transfer.pack(ember.ones(2).share_memory_(), 0, worker_end)
        second = transfer.pack(ember.zeros(2).share_memory_(), 0, worker_end)
        with pytest.raises(RuntimeError, match="does not match"):
            transfer.unpack(second, main_end)  # gets the descriptor sent for `first`
        assert transfer.unpack(second, main_end).tolist() == [0., 0.]
        del first
    finally:
        main_end.close()
        worker_end.close()


@pytest.mark.parametrize("make", [
    lambda: [ember.arange(12.).view(3, 4)[i] for i in range(3)],
    lambda: [ember.arange(12.).view(4, 3).t()[i] for i in range(3)],  # not contiguous
    lambda: [ember.tensor(i) for i in range(1500)],  # more buffers than one pwritev takes
    lambda: [ember.tensor([True, False]), ember.tensor([False, False])],
    lambda: [ember.ones(0, 2), ember.ones(0, 2)],
    lambda: [ember.arange(6, dtype=ember.int16).view(2, 3)] * 2,
])
def test_shared_stack_equals_stack(make):
    """In a worker, default_collate writes batches into shared memory: same result as
    ember.stack and torch.stack, whichever way the pages are filled."""
    from ember.utils.data._utils import collate
    batch = make()
    out = collate._stack_fast(batch, shared=True)
    assert out.is_shared() and out.is_contiguous()
    expected = ember.stack(batch)
    assert out.dtype == expected.dtype and out.shape == expected.shape
    assert out.tolist() == expected.tolist()
    assert out.tolist() == torch.stack([torch.tensor(t.tolist(), dtype=getattr(
        torch, str(t.dtype).split(".")[-1])) for t in batch]).tolist()


class RowsDS:
    """Samples are rows of one tensor, batches collated by a collate_fn that returns them
    as they are (moved to shared memory when they are sent)."""

    def __init__(self, lib_name):
        lib, _ = LIBS[lib_name]
        self.data = lib.arange(20.).view(10, 2)

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return {"row": self.data[i], "i": i, "name": f"s{i}"}


def _as_list(batch):
    return batch


def test_worker_batches_of_any_structure_match_torch():
    def run(name, **kw):
        lib, d = LIBS[name]
        lib.manual_seed(0)
        out = []
        for b in d.DataLoader(RowsDS(name), num_workers=2, **kw):
            out.append(plain([[s["row"], s["i"], s["name"]] for s in b])
                       if isinstance(b, list) else plain([b["row"], b["i"], b["name"]]))
        return out
    for kw in [dict(batch_size=3, collate_fn=_as_list), dict(batch_size=None),
               dict(batch_size=4, shuffle=True)]:
        assert run("ember", **kw) == run("torch", **kw), kw


class Unpicklable:
    def __reduce__(self):
        raise TypeError("cannot send this")


class UnpicklableDS:
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return Unpicklable()


def test_unpicklable_batch_is_reported():
    """A batch the worker cannot send is an error in the main process, not a hang."""
    with pytest.raises(TypeError, match="cannot send this"):
        list(ed.DataLoader(UnpicklableDS(), batch_size=2, num_workers=1,
                           collate_fn=_as_list))


def test_no_descriptors_left_open():
    """Sockets, received segments and queues are all closed once the batches are gone."""
    def open_fds():
        gc.collect()
        return len(os.listdir("/proc/self/fd"))
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("no /proc")
    data = ed.TensorDataset(ember.arange(40.).view(20, 2), ember.arange(20))
    for _ in ed.DataLoader(data, batch_size=3, num_workers=2):
        pass
    before = open_fds()
    for persistent in (False, True):
        loader = ed.DataLoader(data, batch_size=3, num_workers=2, shuffle=True,
                               persistent_workers=persistent)
        kept = [b for _ in range(2) for b in loader]
        assert len(kept) == 14
        del loader, kept
    assert open_fds() == before


def test_closing_a_channel_releases_batches_never_taken():
    """Descriptors of batches the main process never took are closed with the channel, even
    while another process holds a copy of the socket."""
    from ember.utils.data._utils import transfer
    main_end, worker_end = transfer.channel_pair()
    copy = main_end.dup()  # what a worker forked by another DataLoader would hold
    try:
        shared = [ember.ones(4).share_memory_() for _ in range(3)]
        for t in shared:
            transfer.pack(t, 0, worker_end)
        transfer.close_channel(main_end)
        copy.setblocking(False)
        with pytest.raises(BlockingIOError):
            copy.recv(1)  # the queued descriptors are gone from the socket
    finally:
        copy.close()
        worker_end.close()
