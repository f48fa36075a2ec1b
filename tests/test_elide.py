"""Temporary elision (ember/ops/_elide.py): ``+ - * /`` reuse the buffer of a large temporary
left operand, as NumPy's operators do, and never touch memory anyone else can see."""
import sys
import tracemalloc

import numpy as np
import pytest

import ember

N = 1 << 17          # above the elision threshold
needs_elision = pytest.mark.skipif(sys.version_info >= (3, 14),
                                   reason="no elision where stack references are borrowed")


def _peak_buffers(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / (4 * N)
    finally:
        tracemalloc.stop()


@needs_elision
def test_chains_allocate_like_numpy():
    a, b = ember.ones(N), ember.full((N,), 2.0)
    # NumPy: a*b allocates, + and the rest reuse it, exp allocates its result
    assert _peak_buffers(lambda: ember.exp(a * b + a)) < 2.1
    assert _peak_buffers(lambda: ((a * b + a) * b - a) / b) < 1.1
    assert _peak_buffers(lambda: (a * 2 + 1) / 3 - 0.5) < 1.1


def _chains(m):
    """The same expressions on ember or NumPy (which never shares buffers with the user's)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, N // 64)).astype(np.float32)
    y = rng.standard_normal((64, N // 64)).astype(np.float32)
    row = rng.standard_normal(N // 64).astype(np.float32)
    z = np.zeros_like(x)
    if m is ember:
        x, y, row, z = (ember.from_numpy(v.copy()) for v in (x, y, row, z))
    return [x * y + x, (x * y) - row, (x - y) * 2.5, (x + 1) / y, (x * 0) / z,
            (x * y) / 0.0, (row * 2) + x, (x * 1) + y[:1], (x.T * 1) + 1,
            (x * y).T + row[:, None]]


def test_values_equal_numpys():
    with np.errstate(divide="ignore", invalid="ignore"):
        want = _chains(np)
    for got, want in zip(_chains(ember), want):
        np.testing.assert_array_equal(got.numpy(), want)


def test_float64_complex_and_integer_chains():
    for dtype in (ember.float64, ember.complex64, ember.int64, ember.float16, ember.bfloat16):
        a = ember.ones(N, dtype=dtype)
        r = (a * 3 + a) * 2 - a
        assert r.dtype is dtype
        assert float(r[0].real if dtype.is_complex else r[0]) == 7
        assert float(a[0].real if dtype.is_complex else a[0]) == 1


def test_what_others_can_see_is_never_written():
    a = ember.ones(N)
    named = a * 2
    _ = named + 1
    assert named[0].item() == 2
    assert ember.add(a * 2, 1)[0].item() == 3          # a direct call, not the operator
    held = a * 2
    ember.Tensor.__add__(held, 1)
    assert held[0].item() == 2
    arr = np.ones(N, np.float32)
    _ = ember.from_numpy(arr) + 1                          # the user's array
    assert arr[0] == 1
    base = a * 2
    _ = base[::1] + 1                                      # a view of a named tensor
    _ = base.view(2, -1) * 5
    assert base[0].item() == 2
    shared = a * 2
    alias = shared.numpy()
    del shared
    _ = ember.from_numpy(alias) * 0
    assert alias[0] == 2
    kept = a * 2
    _ = kept.detach() + 1                                  # shares kept's array
    assert kept[0].item() == 2
    things = [a * 2]
    _ = things[0] + 1
    assert things[0][0].item() == 2


def test_autograd_operands_are_left_alone():
    w = ember.ones(N, requires_grad=True)
    y = (w * 2) + 1                                        # records a graph: no elision
    y.sum().backward()
    assert w.grad[0].item() == 2
    x = ember.ones(N, requires_grad=True)
    out = x.exp()                                          # saves its output for backward
    (out * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.e, rtol=1e-6)


def test_shapes_that_do_not_fit_the_left_operand_fall_back():
    r = (ember.ones(1, N) * 2) + ember.ones(2, N)          # result larger than the temporary
    assert r.shape == (2, N) and r[1, 5].item() == 3
    r = (ember.ones(N) * 2) * ember.ones(3, 1)
    assert r.shape == (3, N) and r[2, 7].item() == 2
    with pytest.raises(RuntimeError, match="must match"):
        (ember.ones(N) * 2) + ember.ones(3)
