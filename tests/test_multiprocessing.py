"""ember.multiprocessing: tensors cross process boundaries through shared memory (no copy),
Hogwild-style in-place training of one shared model, spawn() and its error reports.

The child functions live at module level (spawn children import this module), and torch
is not imported here, so those children start quickly.
"""
import multiprocessing
import pickle
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest

import ember
import ember.multiprocessing as mp
from ember.multiprocessing import _shared

FORK = mp.get_context("fork")
DTYPES = [ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64,
          ember.float16, ember.bfloat16, ember.float32, ember.float64, ember.complex64]


def roundtrip(obj):
    """What a receiving process rebuilds (done in-process: the same reducers run)."""
    return pickle.loads(ForkingPickler.dumps(obj))


def sample(dtype):
    t = (ember.arange(24) % 5).to(dtype)
    return t.view(2, 3, 4)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_share_memory_in_place(dtype):
    t = sample(dtype)
    before = t.clone()
    assert not _shared.is_shared(t) and not t.is_shared()
    assert _shared.share_memory_(t) is t
    assert t.is_shared() and t.dtype is dtype and ember.equal(t, before)
    data = t._data
    _shared.share_memory_(t)  # already shared: nothing moves
    assert t._data is data
    back = roundtrip(t)
    assert back.dtype is dtype and back.shape == t.shape and ember.equal(back, before)
    assert back.data_ptr() == t.data_ptr()  # the same pages, mapped once in this process


def test_views_and_layouts():
    root = ember.arange(20.)
    base = root.view(4, 5)
    view = base.t()[1:, ::2]  # non-contiguous view with an offset
    _shared.share_memory_(view)
    assert view.is_shared() and root.is_shared()  # the tensor it views moved along
    assert not base.is_shared()  # ember: other views follow when they are shared in turn
    _shared.share_memory_(base)
    assert base.is_shared() and base.data_ptr() == root.data_ptr()  # the same shared copy
    view.mul_(-1)
    assert base[0, 1].item() == -1.0 and base[1, 1].item() == 6.0 and root[11].item() == -11
    for t in [ember.tensor(3.5), ember.empty(0, 3), ember.ones(3, 1).expand(3, 4),
              ember.arange(12).view(3, 4)[1:, 1::2]]:
        back = roundtrip(t)
        assert back.shape == t.shape and back.stride() == t.stride()
        assert ember.equal(back, t)


def test_autograd_flags_and_parameter():
    leaf = ember.ones(3, requires_grad=True)
    back = roundtrip(leaf)
    assert back.requires_grad and back.is_leaf
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        ForkingPickler.dumps(leaf * 2)
    from ember.nn.parameter import Parameter
    p = Parameter(ember.zeros(2))
    q = roundtrip(p)
    assert type(q) is Parameter and q.requires_grad and q.is_shared()
    _shared.share_memory_(p)  # (a no-op when Parameter's reducer already moved it)
    q.data.add_(5)
    assert p.tolist() == [5.0, 5.0]


def _child_edit(q, out):
    batch = q.get()
    a, b, info = batch["a"], batch["b"], batch["info"]
    a[0] = 100  # b views the same storage: the parent sees both writes
    out.put((a.is_shared(), b[0, 0].item(), info, a.sum().item()))


def test_queue_between_processes():
    q, out = FORK.Queue(), FORK.Queue()
    p = FORK.Process(target=_child_edit, args=(q, out))
    p.start()
    a = ember.arange(6.)
    q.put({"a": a, "b": a.view(2, 3), "info": "x"})
    shared, b00, info, total = out.get(timeout=30)
    p.join(30)
    assert (shared, b00, info, total) == (True, 100.0, "x", 115.0)
    assert a.is_shared() and a[0].item() == 100.0 and p.exitcode == 0


def _hogwild_worker(rank, w, b, xs, ys, steps):
    """Plain SGD on y = 2x + 1, updating the shared parameters in place, without locks."""
    for step in range(steps):
        i = (rank * 7 + step) % len(xs)
        err = (w * xs[i] + b - ys[i]).item()
        w.sub_(0.05 * err * xs[i].item())
        b.sub_(0.05 * err)


def test_hogwild_training():
    w, b = ember.zeros(()), ember.zeros(())
    _shared.share_memory_(w)
    _shared.share_memory_(b)
    xs = ember.linspace(-1, 1, 16)
    ys = 2 * xs + 1
    procs = [FORK.Process(target=_hogwild_worker, args=(r, w, b, xs, ys, 300)) for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert abs(w.item() - 2) < 0.05 and abs(b.item() - 1) < 0.05


def _fill(i, t):
    t[i] = i + 1


def _fail(i):
    if i == 1:
        raise ValueError("boom in child")


def _exit(i):
    if i == 0:
        import os
        os._exit(7)


def test_spawn():
    t = ember.zeros(3)
    _shared.share_memory_(t)
    assert mp.spawn(_fill, args=(t,), nprocs=2) is None
    assert t.tolist() == [1.0, 2.0, 0.0]


def test_start_processes_errors():
    with pytest.raises(mp.ProcessRaisedException) as e:
        mp.start_processes(_fail, nprocs=2, start_method="fork")
    assert "-- Process 1 terminated with the following error:" in str(e.value)
    assert "ValueError: boom in child" in str(e.value) and e.value.error_index == 1
    with pytest.raises(mp.ProcessExitedException, match="process 0 terminated with exit code 7"):
        mp.start_processes(_exit, nprocs=2, start_method="fork")
    ctx = mp.start_processes(_fill, args=(ember.zeros(2),), nprocs=2, join=False,
                             start_method="fork")
    assert len(ctx.pids()) == 2
    while not ctx.join():
        pass


def _square_sum(t):
    return (t * t).sum().item()


def test_pool_and_api():
    with FORK.Pool(2) as pool:
        assert pool.map(_square_sum, [ember.ones(3) * k for k in range(4)]) == [0, 3, 12, 27]
    for name in ["Process", "Queue", "SimpleQueue", "Pool", "Event", "Lock", "get_context",
                 "set_start_method", "get_start_method", "get_all_start_methods", "cpu_count",
                 "spawn", "start_processes", "ProcessContext"]:
        assert hasattr(mp, name), name
    assert mp.get_sharing_strategy() in mp.get_all_sharing_strategies()
    with pytest.raises(AssertionError, match="invalid sharing strategy"):
        mp.set_sharing_strategy("nope")
    assert mp.get_start_method() in multiprocessing.get_all_start_methods()


@pytest.mark.skipif(ember.Tensor.share_memory_ is not _shared.share_memory_,
                    reason="Tensor.share_memory_ is not wired to ember.multiprocessing yet "
                           "(ember/_tensor_methods.py)")
def test_tensor_method():
    t = ember.ones(2)
    assert t.share_memory_() is t and t.is_shared()
    assert isinstance(t._data, np.ndarray)
