"""The index op family (ember/ops/index_*.py) against PyTorch.

Every row of the tables runs the same function on ember and on torch with the same inputs
(NumPy arrays turned into tensors of either library, optionally viewed non-contiguously) and
must give the same values, dtypes and shapes, or raise the same exception type and message.
Differentiable rows also compare gradients with torch's and pass ember's gradcheck.
"""
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

R = np.random.default_rng(1234)


def F(*shape, dtype=np.float32):
    """Random floats (distinct with high probability)."""
    return R.standard_normal(shape).astype(dtype)


def N(*shape, lo=-4, hi=5, dtype=np.int64):
    """Random integers (many ties)."""
    return R.integers(lo, hi, shape).astype(dtype)


def IDX(shape, size, dtype=np.int64):
    """Random valid indices in [0, size)."""
    return R.integers(0, max(size, 1), shape).astype(dtype)


def B(*shape):
    return R.random(shape) > 0.5


def P(shape, size):
    """A random permutation prefix (distinct indices) of length shape along a 1-D index."""
    return R.permutation(size)[:shape].astype(np.int64)


T = lambda t: t.transpose(0, 1)          # noqa: E731  non-contiguous views of the first input
S = lambda t: t[::2]                     # noqa: E731


def _lib_args(L, args, view):
    out = []
    for k, a in enumerate(args):
        if isinstance(a, np.ndarray):
            a = L.from_numpy(a.copy())
            if k == 0 and view is not None:
                a = view(a)
        out.append(a)
    return out


def _run(L, fn, args, view=None):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", fn(L, *_lib_args(L, args, view))
    except Exception as e:  # noqa: BLE001  compared with torch's exception below
        return "err", e


def same(e, t, rtol=None):
    """Asserts that ember's result `e` equals torch's `t` (tensors, tuples, scalars)."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), type(e)
        assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
        assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
        te, ee = t.detach().numpy(), e.detach().numpy()
        if t.dtype in (torch.float32, torch.float16):
            np.testing.assert_allclose(ee, te, rtol=rtol or 1e-5, atol=1e-6, equal_nan=True)
        elif t.dtype == torch.float64:
            np.testing.assert_allclose(ee, te, rtol=rtol or 1e-10, atol=1e-12, equal_nan=True)
        else:
            np.testing.assert_array_equal(ee, te)
    elif isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), (e, t)
        if type(t).__module__ == "torch.return_types":
            assert type(e).__name__ == type(t).__name__
        for a, b in zip(e, t):
            same(a, b, rtol)
    else:
        assert e == t or (e != e and t != t), (e, t)


def check(fn, args, view=None, rtol=None):
    """Runs `fn(lib, *tensors)` on both libraries and compares results or exceptions."""
    ks, t = _run(torch, fn, args, view)
    ke, e = _run(ember, fn, args, view)
    if ks == "err":
        assert ke == "err", "torch raised %r but ember returned %r" % (t, e)
        assert type(e).__name__ == type(t).__name__, (e, t)
        assert str(e).split("\n")[0] == str(t).split("\n")[0], (str(e), str(t))
        return
    assert ke == "ok", "ember raised %r" % (e,)
    same(e, t, rtol)


def case(id, fn, *args, view=None):
    return pytest.param(fn, args, view, id=id)


# --- values and errors ----------------------------------------------------------------------------

X34 = F(3, 4)
X234 = F(2, 3, 4, dtype=np.float64)

VALUE_CASES = [
    # gather / take_along_dim
    case("gather-dim0", lambda L, x, i: x.gather(0, i), X34, IDX((2, 4), 3)),
    case("gather-dim1-small", lambda L, x, i: L.gather(x, 1, i), X34, IDX((2, 3), 4)),
    case("gather-neg-dim-3d", lambda L, x, i: x.gather(-2, i), X234, IDX((2, 5, 3), 3)),
    case("gather-int32-index", lambda L, x, i: x.gather(1, i), X34, IDX((3, 2), 4, np.int32)),
    case("gather-0d", lambda L, x, i: x.gather(0, i), np.array(2.5), np.array(0)),
    case("gather-0d-1d", lambda L, x, i: x.gather(0, i), np.array(2.5), np.array([0, 0])),
    case("gather-empty", lambda L, x, i: x.gather(0, i), X34, IDX((0, 4), 3)),
    case("gather-transposed", lambda L, x, i: x.gather(1, i), X34, IDX((4, 2), 3), view=T),
    case("gather-int", lambda L, x, i: x.gather(1, i), N(3, 4), IDX((3, 6), 4)),
    case("gather-bool", lambda L, x, i: x.gather(0, i), B(3, 4), IDX((3, 4), 3)),
    case("gather-out", lambda L, x, i: L.gather(x, 0, i, out=L.zeros(1)), X34, IDX((2, 4), 3)),
    case("gather-err-oob", lambda L, x, i: x.gather(0, i), X34, np.array([[5]])),
    case("gather-err-neg", lambda L, x, i: x.gather(0, i), X34, np.array([[0, -1]])),
    case("gather-err-dtype", lambda L, x, i: x.gather(0, i), X34, np.array([[1.0]])),
    case("gather-err-int16", lambda L, x, i: x.gather(0, i), X34, np.array([[1]], np.int16)),
    case("gather-err-ndim", lambda L, x, i: x.gather(0, i), X34, np.array([1])),
    case("gather-err-size", lambda L, x, i: x.gather(1, i), X34, IDX((4, 1), 3)),
    case("gather-err-dim", lambda L, x, i: x.gather(2, i), X34, IDX((1, 1), 3)),
    case("take_along_dim", lambda L, x, i: L.take_along_dim(x, i, 1), X34, IDX((3, 2), 4)),
    case("take_along_dim-bcast", lambda L, x, i: L.take_along_dim(x, i, 0), X234,
         IDX((2, 1, 4), 2)),
    case("take_along_dim-flat", lambda L, x, i: L.take_along_dim(x, i), X34, IDX((2, 3), 12)),
    case("take_along_dim-neg", lambda L, x, i: L.take_along_dim(x, i, 0), X34,
         np.array([[-1, -3, 0, 2]])),
    case("take_along_dim-err-dtype", lambda L, x, i: L.take_along_dim(x, i, 0), X34,
         np.array([[0.0]])),
    case("take_along_dim-err-ndim", lambda L, x, i: L.take_along_dim(x, i, 0), X34,
         np.array([0])),
    # scatter family
    case("scatter-src", lambda L, x, i, s: x.scatter(0, i, s), X34, P(3, 3).reshape(3, 1).repeat(4, 1), F(3, 4)),
    case("scatter-value", lambda L, x, i: x.scatter(1, i, -2.5), X34, IDX((3, 2), 4)),
    case("scatter-value-kw", lambda L, x, i: L.scatter(x, 1, i, value=7), N(3, 4), IDX((3, 2), 4)),
    case("scatter-int-value", lambda L, x, i: x.scatter(0, i, 2.7), N(3, 4), IDX((1, 4), 3)),
    case("scatter-small-src", lambda L, x, i, s: x.scatter(1, i, s), X34,
         np.array([[0], [3], [1]]), F(3, 5)),
    case("scatter-add-reduce", lambda L, x, i, s: x.scatter(0, i, s, reduce="add"), X34,
         IDX((3, 4), 3), F(3, 4)),
    case("scatter-mul-reduce", lambda L, x, i: x.scatter(0, i, 2.0, reduce="multiply"), X34,
         IDX((3, 4), 3)),
    case("scatter-0d", lambda L, x, i: x.scatter(0, i, 3.0), np.array(1.5), np.array(0)),
    case("scatter-3d", lambda L, x, i, s: x.scatter(2, i, s), X234,
         np.argsort(R.random((2, 3, 4)), -1)[..., :2], F(2, 3, 2, dtype=np.float64)),
    case("scatter-transposed", lambda L, x, i: x.scatter(0, i, 0.5), X34, IDX((2, 3), 4),
         view=T),
    case("scatter_-inplace", lambda L, x, i: x.clone().scatter_(1, i, 9.0), X34,
         IDX((3, 1), 4)),
    case("scatter-0d-index-1d", lambda L, x, i: L.zeros(10).scatter_(0, i, value=1),
         np.zeros(1), np.array(3)),
    case("scatter-err-oob", lambda L, x, i: x.scatter(0, i, 1.0), X34, np.array([[3]])),
    case("scatter-err-dtype", lambda L, x, i, s: x.scatter(0, i, s), X34, np.array([[0]]),
         np.ones((1, 1), np.int64)),
    case("scatter-err-size", lambda L, x, i: x.scatter(0, i, 1.0), X34, IDX((1, 5), 3)),
    case("scatter-err-src-size", lambda L, x, i, s: x.scatter(0, i, s), X34, IDX((1, 2), 3),
         F(1, 1)),
    case("scatter-err-reduce", lambda L, x, i, s: x.scatter(0, i, s, reduce="mean"), X34,
         IDX((1, 2), 3), F(1, 2)),
    case("scatter-err-index-dtype", lambda L, x, i: x.scatter(0, i, 1.0), X34,
         np.array([[0.0]])),
    case("scatter_add", lambda L, x, i, s: x.scatter_add(0, i, s), X34, IDX((5, 4), 3),
         F(5, 4)),
    case("scatter_add-int", lambda L, x, i, s: L.scatter_add(x, 1, i, s), N(3, 4),
         IDX((3, 6), 4), N(3, 6)),
    case("scatter_add_-inplace", lambda L, x, i, s: x.clone().scatter_add_(1, i, s), X34,
         IDX((3, 2), 4), F(3, 2)),
    case("scatter_add-err-oob", lambda L, x, i, s: x.scatter_add(0, i, s), X34,
         np.array([[-1]]), F(1, 1)),
]
for _red in ["sum", "prod", "mean", "amax", "amin"]:
    for _inc in (True, False):
        VALUE_CASES += [
            case("scatter_reduce-%s-%s" % (_red, _inc),
                 lambda L, x, i, s, r=_red, inc=_inc: x.scatter_reduce(0, i, s, r,
                                                                       include_self=inc),
                 X34, IDX((4, 4), 3), F(4, 4)),
            case("scatter_reduce-int-%s-%s" % (_red, _inc),
                 lambda L, x, i, s, r=_red, inc=_inc: L.scatter_reduce(x, 1, i, s, r,
                                                                       include_self=inc),
                 N(3, 5), IDX((3, 4), 5), N(3, 4)),
        ]
VALUE_CASES += [
    case("scatter_reduce-err", lambda L, x, i, s: x.scatter_reduce(0, i, s, "foo"), X34,
         IDX((1, 2), 3), F(1, 2)),
    case("scatter_reduce_-inplace", lambda L, x, i, s: x.clone().scatter_reduce_(
        0, i, s, "amax", include_self=False), X34, IDX((2, 4), 3), F(2, 4)),
    # index_select / index_add / index_copy / index_fill / index_reduce
    case("index_select", lambda L, x, i: x.index_select(1, i), X34, IDX((5,), 4)),
    case("index_select-3d-neg-dim", lambda L, x, i: L.index_select(x, -1, i), X234,
         IDX((3,), 4)),
    case("index_select-int32", lambda L, x, i: x.index_select(0, i), X34,
         IDX((2,), 3, np.int32)),
    case("index_select-0d-index", lambda L, x, i: x.index_select(0, i), X34, np.array(1)),
    case("index_select-0d", lambda L, x, i: x.index_select(0, i), np.array(3.0),
         np.array([0])),
    case("index_select-empty", lambda L, x, i: x.index_select(0, i), X34,
         np.zeros(0, np.int64)),
    case("index_select-slice", lambda L, x, i: x.index_select(0, i), X34, IDX((3,), 2),
         view=S),
    case("index_select-bool", lambda L, x, i: x.index_select(1, i), B(3, 4), IDX((3,), 4)),
    case("index_select-err-oob", lambda L, x, i: x.index_select(0, i), X34, np.array([3])),
    case("index_select-err-neg", lambda L, x, i: x.index_select(0, i), X34, np.array([-1])),
    case("index_select-err-oob-dim1", lambda L, x, i: x.index_select(1, i), X34,
         np.array([0, 5])),
    case("index_select-err-2d", lambda L, x, i: x.index_select(0, i), X34, np.array([[0]])),
    case("index_select-err-float", lambda L, x, i: x.index_select(0, i), X34,
         np.array([0.0])),
    case("index_select-err-scalar", lambda L, x, i: x.index_select(0, i), np.array(3.0),
         np.array([0, 0])),
    case("index_add", lambda L, x, i, s: x.index_add(0, i, s), X34, IDX((5,), 3), F(5, 4)),
    case("index_add-alpha", lambda L, x, i, s: L.index_add(x, 1, i, s, alpha=2.5), X34,
         IDX((3,), 4), F(3, 3)),
    case("index_add-int-alpha", lambda L, x, i, s: x.index_add(0, i, s, alpha=2), N(3, 4),
         IDX((2,), 3), N(2, 4)),
    case("index_add-0d", lambda L, x, i, s: x.index_add(0, i, s), np.array(2.0),
         np.array([0]), np.array(3.0)),
    case("index_add_-inplace", lambda L, x, i, s: x.clone().index_add_(1, i, s), X34,
         IDX((2,), 4), F(3, 2)),
    case("index_add-err-shape", lambda L, x, i, s: x.index_add(0, i, s), X34, IDX((2,), 3),
         F(2, 3)),
    case("index_add-err-count", lambda L, x, i, s: x.index_add(0, i, s), X34, IDX((2,), 3),
         F(3, 4)),
    case("index_add-err-dtype", lambda L, x, i, s: x.index_add(0, i, s), X34, IDX((2,), 3),
         F(2, 4, dtype=np.float64)),
    case("index_add-err-oob", lambda L, x, i, s: x.index_add(0, i, s), X34, np.array([0, 3]),
         F(2, 4)),
    case("index_copy", lambda L, x, i, s: x.index_copy(1, i, s), X34, P(3, 4), F(3, 3)),
    case("index_copy_-inplace", lambda L, x, i, s: x.clone().index_copy_(0, i, s), N(3, 4),
         P(2, 3), N(2, 4)),
    case("index_copy-err-oob", lambda L, x, i, s: x.index_copy(0, i, s), X34, np.array([0, 5]),
         F(2, 4)),
    case("index_copy-err-int32", lambda L, x, i, s: x.index_copy(0, i, s), X34,
         np.array([0], np.int32), F(1, 4)),
    case("index_copy-err-shape", lambda L, x, i, s: x.index_copy(0, i, s), X34,
         np.array([0]), F(1, 3)),
    case("index_fill", lambda L, x, i: x.index_fill(1, i, -1.5), X34, IDX((2,), 4)),
    case("index_fill-neg", lambda L, x, i: x.index_fill(0, i, 7), N(3, 4), np.array([-1, 0])),
    case("index_fill-tensor-value", lambda L, x, i, v: x.index_fill(0, i, v), X34,
         np.array([1]), np.array(4.0)),
    case("index_fill-bool", lambda L, x, i: x.index_fill(0, i, True), B(3, 4), np.array([1])),
    case("index_fill_-inplace", lambda L, x, i: x.clone().index_fill_(1, i, 0), X234,
         np.array([0, 2])),
    case("index_fill-err-oob", lambda L, x, i: x.index_fill(0, i, 1.0), X34, np.array([5])),
    case("index_fill-err-int32", lambda L, x, i: x.index_fill(0, i, 1.0), X34,
         np.array([0], np.int32)),
    case("index_fill-err-value-dim", lambda L, x, i, v: x.index_fill(0, i, v), X34,
         np.array([0]), np.array([1.0], np.float32)),
    case("index_reduce-prod", lambda L, x, i, s: x.index_reduce(0, i, s, "prod"), X34,
         IDX((4,), 3), F(4, 4)),
    case("index_reduce-mean-excl", lambda L, x, i, s: x.index_reduce(
        1, i, s, "mean", include_self=False), X34, IDX((3,), 4), F(3, 3)),
    case("index_reduce-amax", lambda L, x, i, s: L.index_reduce(x, 0, i, s, "amax"), N(3, 4),
         IDX((2,), 3), N(2, 4)),
    case("index_reduce-err", lambda L, x, i, s: x.index_reduce(0, i, s, "sum"), X34,
         IDX((2,), 3), F(2, 4)),
    # take / put
    case("take", lambda L, x, i: x.take(i), X34, IDX((2, 3), 12)),
    case("take-neg", lambda L, x, i: L.take(x, i), X34, np.array([-1, -12, 3])),
    case("take-transposed", lambda L, x, i: x.take(i), X34, IDX((5,), 12), view=T),
    case("take-0d", lambda L, x, i: x.take(i), np.array(5.0), np.array([0, 0])),
    case("take-err-oob", lambda L, x, i: x.take(i), X34, np.array([12])),
    case("take-err-neg", lambda L, x, i: x.take(i), X34, np.array([-13])),
    case("take-err-int32", lambda L, x, i: x.take(i), X34, np.array([1], np.int32)),
    case("put", lambda L, x, i, s: x.put(i, s), X34, P(5, 12), F(5)),
    case("put-accumulate", lambda L, x, i, s: x.put(i, s, accumulate=True), X34,
         IDX((2, 3), 12), F(2, 3)),
    case("put_-inplace-neg", lambda L, x, i, s: x.clone().put_(i, s), N(3, 4),
         np.array([-1, 0]), N(2)),
    case("put-err-count", lambda L, x, i, s: x.put(i, s), X34, np.array([1, 2]), F(1)),
    case("put-err-dtype", lambda L, x, i, s: x.put(i, s), X34, np.array([1]), N(1)),
    case("put-err-oob", lambda L, x, i, s: x.put(i, s), X34, np.array([15]), F(1)),
    # masks
    case("masked_select", lambda L, x, m: L.masked_select(x, m), X34, B(3, 4)),
    case("masked_select-bcast", lambda L, x, m: L.masked_select(x, m), X34, B(4)),
    case("masked_select-bcast-both", lambda L, x, m: L.masked_select(x, m), F(3), B(2, 1)),
    case("masked_select-transposed", lambda L, x, m: L.masked_select(x, m), X34, B(4, 3),
         view=T),
    case("masked_select-err-dtype", lambda L, x, m: L.masked_select(x, m), X34, N(3, 4)),
    case("masked_select-err-shape", lambda L, x, m: L.masked_select(x, m), X34, B(3)),
    case("masked_scatter", lambda L, x, m, s: x.masked_scatter(m, s), X34, B(3, 4), F(20)),
    case("masked_scatter-bcast", lambda L, x, m, s: x.masked_scatter(m, s), X34, B(4),
         F(4, 5)),
    case("masked_scatter-bcast-self", lambda L, x, m, s: x.masked_scatter(m, s), F(3),
         B(2, 3), F(6)),
    case("masked_scatter_-inplace", lambda L, x, m, s: x.clone().masked_scatter_(m, s), N(3, 4),
         B(3, 4), N(12)),
    case("masked_scatter-err-few", lambda L, x, m, s: x.masked_scatter(m, s), X34,
         np.ones((3, 4), bool), F(2)),
    case("masked_scatter-err-dtype", lambda L, x, m, s: x.masked_scatter(m, s), X34, B(3, 4),
         N(12)),
    case("masked_scatter-err-shape", lambda L, x, m, s: x.masked_scatter(m, s), X34, B(3),
         F(20)),
    case("masked_scatter-err-mask", lambda L, x, m, s: x.masked_scatter(m, s), X34, N(3, 4),
         F(12)),
    # diagonals
    case("diag-vec", lambda L, x: L.diag(x), F(4)),
    case("diag-vec-offset", lambda L, x: L.diag(x, -2), N(3)),
    case("diag-mat", lambda L, x: L.diag(x, 1), X34),
    case("diag-mat-far", lambda L, x: x.diag(-5), X34),
    case("diag-mat-transposed", lambda L, x: L.diag(x), X34, view=T),
    case("diag-err-3d", lambda L, x: L.diag(x), X234),
    case("diag-err-0d", lambda L, x: L.diag(x), np.array(1.0)),
    case("diag_embed", lambda L, x: L.diag_embed(x), X34),
    case("diag_embed-offset-dims", lambda L, x: x.diag_embed(1, 0, 2), X34),
    case("diag_embed-neg", lambda L, x: L.diag_embed(x, -1, -1, 0), X234),
    case("diag_embed-err-dims", lambda L, x: L.diag_embed(x, 0, 1, 1), X34),
    case("diagflat", lambda L, x: L.diagflat(x, -1), X34),
    case("diagflat-0d", lambda L, x: L.diagflat(x), np.array(2.0)),
    case("diagonal_scatter", lambda L, x, s: L.diagonal_scatter(x, s), X34, F(3)),
    case("diagonal_scatter-offset", lambda L, x, s: x.diagonal_scatter(s, 1, 1, 0), X34, F(2)),
    case("diagonal_scatter-3d", lambda L, x, s: x.diagonal_scatter(s, 0, 0, 2), X234,
         F(3, 2, dtype=np.float64)),
    case("diagonal_scatter-err", lambda L, x, s: L.diagonal_scatter(x, s), X34, F(2)),
    case("select_scatter", lambda L, x, s: L.select_scatter(x, s, 0, -1), X34, F(4)),
    case("select_scatter-3d", lambda L, x, s: x.select_scatter(s, 2, 1), X234,
         F(2, 3, dtype=np.float64)),
    case("select_scatter-err-size", lambda L, x, s: L.select_scatter(x, s, 0, 1), X34, F(3)),
    case("select_scatter-err-index", lambda L, x, s: L.select_scatter(x, s, 0, 3), X34, F(4)),
    case("slice_scatter", lambda L, x, s: L.slice_scatter(x, s, 1, 0, None, 2), X34, F(3, 2)),
    case("slice_scatter-default", lambda L, x, s: x.slice_scatter(s, start=1), X34, F(2, 4)),
    case("slice_scatter-neg", lambda L, x, s: L.slice_scatter(x, s, 0, -1), X34, F(1, 4)),
    case("slice_scatter-err", lambda L, x, s: L.slice_scatter(x, s, start=5), X34, F(1, 4)),
    case("fill_diagonal_", lambda L, x: x.clone().fill_diagonal_(2.0), X34),
    case("fill_diagonal_-tall-wrap", lambda L, x: x.fill_diagonal_(-1, wrap=True), F(7, 3)),
    case("fill_diagonal_-tall", lambda L, x: x.fill_diagonal_(-1), F(7, 3)),
    case("fill_diagonal_-cube", lambda L, x: x.fill_diagonal_(5), N(3, 3, 3)),
    case("fill_diagonal_-err-shape", lambda L, x: x.fill_diagonal_(5), X234),
    case("fill_diagonal_-err-1d", lambda L, x: x.fill_diagonal_(5), F(3)),
    case("trace", lambda L, x: L.trace(x), X34),
    case("trace-int", lambda L, x: x.trace(), N(3, 5, dtype=np.int32)),
    case("trace-transposed", lambda L, x: x.trace(), X34, view=T),
    case("trace-empty", lambda L, x: x.trace(), F(0, 3)),
    case("trace-err-3d", lambda L, x: x.trace(), X234),
    case("trace-err-bool", lambda L, x: x.trace(), B(3, 3)),
    case("tril_indices", lambda L: L.tril_indices(3, 4, 1)),
    case("tril_indices-neg", lambda L: L.tril_indices(4, 3, -1, dtype=L.int32)),
    case("tril_indices-empty", lambda L: L.tril_indices(0, 4)),
    case("triu_indices", lambda L: L.triu_indices(3, 4, -1)),
    case("triu_indices-far", lambda L: L.triu_indices(4, 3, 10)),
    case("tril_indices-err-dtype", lambda L: L.tril_indices(3, 3, dtype=L.float32)),
    # kron / cross
    case("kron", lambda L, a, b: L.kron(a, b), F(2, 3), F(3, 2)),
    case("kron-mixed-rank", lambda L, a, b: L.kron(a, b), F(2, 2), F(3)),
    case("kron-int-float", lambda L, a, b: L.kron(a, b), N(2), F(3)),
    case("kron-0d", lambda L, a, b: L.kron(a, b), np.array(2), N(3)),
    case("cross-dim", lambda L, a, b: L.cross(a, b, dim=1), F(4, 3), F(4, 3)),
    case("cross-default-dim", lambda L, a, b: L.cross(a, b), F(3, 5), F(3, 5)),
    case("cross-bcast", lambda L, a, b: L.cross(a, b, dim=-1), F(2, 3), F(1, 3)),
    case("cross-int", lambda L, a, b: a.cross(b, dim=0), N(3, 2, dtype=np.int32),
         N(3, 2, dtype=np.int32)),
    case("cross-err-size", lambda L, a, b: L.cross(a, b, dim=1), F(3, 4), F(3, 4)),
    case("cross-err-no3", lambda L, a, b: L.cross(a, b), F(2, 4), F(2, 4)),
    case("cross-err-dtype", lambda L, a, b: L.cross(a, b, dim=1), F(2, 3), N(2, 3)),
    case("cross-err-bcast", lambda L, a, b: L.cross(a, b, dim=1), F(4, 3), F(2, 3)),
    # searchsorted / bucketize
    case("searchsorted", lambda L, s, v: L.searchsorted(s, v), np.sort(N(10)), N(3, 4)),
    case("searchsorted-right", lambda L, s, v: L.searchsorted(s, v, right=True),
         np.sort(N(10)), N(7)),
    case("searchsorted-side", lambda L, s, v: L.searchsorted(s, v, side="right"),
         np.sort(N(10)), N(7)),
    case("searchsorted-nd", lambda L, s, v: L.searchsorted(s, v), np.sort(N(2, 3, 6), -1),
         N(2, 3, 4)),
    case("searchsorted-scalar", lambda L, s: L.searchsorted(s, 1), np.sort(N(10))),
    case("searchsorted-float-scalar", lambda L, s: L.searchsorted(s, 0.5), np.sort(N(10))),
    case("searchsorted-int32", lambda L, s, v: L.searchsorted(s, v, out_int32=True),
         np.sort(F(10)), F(5)),
    case("searchsorted-mixed", lambda L, s, v: L.searchsorted(s, v), np.sort(F(10)), N(5)),
    case("searchsorted-sorter", lambda L, s, v, o: L.searchsorted(s, v, sorter=o),
         np.array([5, 1, 3, 9]), N(6, lo=0, hi=10), np.array([1, 2, 0, 3])),
    case("searchsorted-nan", lambda L, s, v: L.searchsorted(s, v),
         np.array([1.0, 2.0, np.nan]), np.array([np.nan, 1.5, 3.0])),
    case("searchsorted-empty", lambda L, s, v: L.searchsorted(s, v), np.zeros(0), F(3)),
    case("searchsorted-err-side", lambda L, s, v: L.searchsorted(s, v, right=True,
                                                                  side="left"),
         np.sort(N(10)), N(3)),
    case("searchsorted-err-shape", lambda L, s, v: L.searchsorted(s, v), np.sort(N(2, 5), -1),
         N(3)),
    case("bucketize", lambda L, x, b: L.bucketize(x, b), N(3, 4), np.sort(N(6))),
    case("bucketize-right-int32", lambda L, x, b: L.bucketize(x, b, right=True,
                                                              out_int32=True),
         F(5), np.sort(F(4))),
    case("bucketize-scalar", lambda L, b: L.bucketize(2, b), np.sort(N(6))),
    case("bucketize-err-2d", lambda L, x, b: L.bucketize(x, b), N(3), np.sort(N(2, 3), -1)),
    # counting
    case("bincount", lambda L, x: L.bincount(x), N(20, lo=0, hi=6)),
    case("bincount-minlength", lambda L, x: x.bincount(minlength=10), N(5, lo=0, hi=6)),
    case("bincount-weights", lambda L, x, w: L.bincount(x, w), N(8, lo=0, hi=4), F(8)),
    case("bincount-weights64", lambda L, x, w: L.bincount(x, weights=w), N(8, lo=0, hi=4),
         F(8, dtype=np.float64)),
    case("bincount-int-weights", lambda L, x, w: L.bincount(x, w), N(8, lo=0, hi=4), N(8)),
    case("bincount-empty", lambda L, x: L.bincount(x), np.zeros(0, np.int64)),
    case("bincount-uint8", lambda L, x: L.bincount(x), N(5, lo=0, hi=4, dtype=np.uint8)),
    case("bincount-err-neg", lambda L, x: L.bincount(x), np.array([1, -1])),
    case("bincount-err-2d", lambda L, x: L.bincount(x), N(2, 2, lo=0)),
    case("bincount-err-float", lambda L, x: L.bincount(x), F(3)),
    case("bincount-err-weights", lambda L, x, w: L.bincount(x, w), N(3, lo=0), F(2)),
    case("bincount-err-minlength", lambda L, x: L.bincount(x, minlength=-1), N(3, lo=0)),
    case("histc", lambda L, x: L.histc(x, bins=7, min=-1, max=1), F(50)),
    case("histc-auto", lambda L, x: x.histc(5), F(4, 5, dtype=np.float64)),
    case("histc-default", lambda L, x: L.histc(x), F(30)),
    case("histc-constant", lambda L, x: L.histc(x, bins=3), np.ones(4, np.float32)),
    case("histc-empty", lambda L, x: L.histc(x, bins=3), np.zeros(0, np.float32)),
    case("histc-err-int", lambda L, x: L.histc(x), N(3)),
    case("histc-err-range", lambda L, x: L.histc(x, bins=3, min=3, max=1), F(3)),
    case("histc-err-bins", lambda L, x: L.histc(x, bins=0), F(3)),
    case("histc-err-inf", lambda L, x: L.histc(x, bins=3), np.array([1.0, np.inf], np.float32)),
    case("histogram", lambda L, x: L.histogram(x, bins=4), F(30)),
    case("histogram-range-weight", lambda L, x, w: L.histogram(x, 5, range=(-1.0, 1.0),
                                                               weight=w), F(30), F(30)),
    case("histogram-edges-density", lambda L, x, b: L.histogram(x, b, density=True),
         F(30, dtype=np.float64), np.array([-2.0, -0.5, 0.0, 0.3, 2.0])),
    case("histogram-density", lambda L, x: x.histogram(6, density=True), F(3, 10)),
    case("histogram-constant", lambda L, x: L.histogram(x, bins=2), np.ones(3, np.float32)),
    case("histogram-empty", lambda L, x: L.histogram(x, bins=2), np.zeros(0, np.float32)),
    case("histogram-err-int", lambda L, x: L.histogram(x, bins=2), N(3)),
    case("histogram-err-bins", lambda L, x: L.histogram(x, bins=0), F(3)),
    case("histogram-err-range", lambda L, x: L.histogram(x, bins=2, range=(3.0, 0.0)), F(3)),
    case("histogram-err-dtype", lambda L, x, b: L.histogram(x, b), F(3),
         np.array([0.0, 1.0])),
    # diff
    case("diff", lambda L, x: L.diff(x), X34),
    case("diff-n2-dim0", lambda L, x: x.diff(n=2, dim=0), X234),
    case("diff-large-n", lambda L, x: L.diff(x, n=5, dim=0), X34),
    case("diff-n0", lambda L, x: L.diff(x, n=0), X34),
    case("diff-bool", lambda L, x: L.diff(x), B(6)),
    case("diff-int", lambda L, x: L.diff(x, dim=0), N(4, 3)),
    case("diff-prepend-append", lambda L, x, p, a: L.diff(x, prepend=p, append=a), X34,
         F(3, 1), F(3, 2)),
    case("diff-prepend-promote", lambda L, x, p: L.diff(x, prepend=p), N(3, 4),
         F(3, 1, dtype=np.float64)),
    case("diff-transposed", lambda L, x: L.diff(x, dim=0), X34, view=T),
    case("diff-err-0d", lambda L, x: L.diff(x), np.array(1.0)),
    case("diff-err-order", lambda L, x: L.diff(x, n=-1), X34),
    case("diff-err-prepend", lambda L, x, p: L.diff(x, prepend=p), X34, F(3)),
    # cummax / cummin / logcumsumexp
    case("cummax", lambda L, x: L.cummax(x, 1), N(3, 6)),
    case("cummin-neg-dim", lambda L, x: x.cummin(-2), N(2, 5, 3)),
    case("cummax-float", lambda L, x: x.cummax(0), X34),
    case("cummax-nan", lambda L, x: L.cummax(x, 0), np.array([1.0, np.nan, 0.0, np.nan, 3.0])),
    case("cummin-nan", lambda L, x: L.cummin(x, 0), np.array([1.0, np.nan, 0.0, np.nan, 3.0])),
    case("cummax-bool", lambda L, x: L.cummax(x, 0), B(7)),
    case("cummax-0d", lambda L, x: L.cummax(x, 0), np.array(2.0)),
    case("cummax-empty", lambda L, x: L.cummax(x, 1), F(0, 3)),
    case("cummin-transposed", lambda L, x: L.cummin(x, 1), N(4, 3), view=T),
    case("logcumsumexp", lambda L, x: L.logcumsumexp(x, 1), X34),
    case("logcumsumexp-3d", lambda L, x: x.logcumsumexp(-3), X234),
    case("logcumsumexp-inf", lambda L, x: L.logcumsumexp(x, 0),
         np.array([1.0, np.inf, 2.0, -np.inf])),
    case("logcumsumexp-all-neg-inf", lambda L, x: L.logcumsumexp(x, 0),
         np.array([-np.inf, -np.inf])),
    case("logcumsumexp-0d", lambda L, x: L.logcumsumexp(x, 0), np.array(2.0)),
    case("logcumsumexp-err-int", lambda L, x: L.logcumsumexp(x, 0), N(3)),
    # cdist / renorm
    case("cdist", lambda L, a, b: L.cdist(a, b), F(5, 3), F(4, 3)),
    case("cdist-p1", lambda L, a, b: L.cdist(a, b, p=1), F(5, 3), F(4, 3)),
    case("cdist-p0", lambda L, a, b: L.cdist(a, b, p=0), N(5, 3, dtype=np.float32),
         N(4, 3, dtype=np.float32)),
    case("cdist-pinf", lambda L, a, b: L.cdist(a, b, p=float("inf")), F(5, 3), F(4, 3)),
    case("cdist-p3-batch", lambda L, a, b: L.cdist(a, b, p=3), F(2, 5, 3, dtype=np.float64),
         F(1, 4, 3, dtype=np.float64)),
    case("cdist-mm", lambda L, a, b: L.cdist(a, b), F(30, 4, dtype=np.float64),
         F(6, 4, dtype=np.float64)),
    case("cdist-err-cols", lambda L, a, b: L.cdist(a, b), F(5, 3), F(4, 2)),
    case("cdist-err-1d", lambda L, a, b: L.cdist(a, b), F(3), F(4, 3)),
    case("cdist-err-int", lambda L, a, b: L.cdist(a, b), N(3, 3), N(4, 3)),
    case("cdist-err-p", lambda L, a, b: L.cdist(a, b, p=-1), F(3, 3), F(4, 3)),
    case("cdist-err-dtype", lambda L, a, b: L.cdist(a, b), F(3, 3),
         F(4, 3, dtype=np.float64)),
    case("renorm", lambda L, x: L.renorm(x, 2, 0, 1.5), X34 * 2),
    case("renorm-dim1-p1", lambda L, x: x.renorm(1, 1, 2.0), X234),
    case("renorm-inf", lambda L, x: x.renorm(float("inf"), -1, 1.0), X234),
    case("renorm_-inplace", lambda L, x: x.clone().renorm_(3, 0, 1.0), X34),
    case("renorm-err-maxnorm", lambda L, x: L.renorm(x, 2, 0, -1), X34),
    case("renorm-err-p", lambda L, x: L.renorm(x, 0, 0, 1), X34),
    case("renorm-err-1d", lambda L, x: L.renorm(x, 2, 0, 1), F(3)),
    case("renorm-err-int", lambda L, x: L.renorm(x, 2, 0, 1), N(3, 3)),
]


@pytest.mark.parametrize("fn,args,view", VALUE_CASES)
def test_matches_torch(fn, args, view):
    check(fn, args, view)


def test_scatter_inplace_returns_self_and_bumps_version():
    x = ember.zeros(3, 4)
    r = x.scatter_(1, ember.tensor([[1], [2], [0]]), 5.0)
    assert r is x and x._version == 1
    assert x.sum().item() == 15.0


def test_cross_without_dim_warns():
    with pytest.warns(UserWarning, match="without specifying the dim"):
        ember.cross(ember.ones(3, 3), ember.ones(3, 3))


def test_histogram_prints_like_torch():
    x = np.array([1.0, 2.0, 1.0], np.float32)
    e = ember.histogram(ember.from_numpy(x), bins=4)
    t = torch.histogram(torch.from_numpy(x), bins=4)
    assert repr(e) == repr(t)
    assert repr(ember.cummax(ember.tensor([1, 3, 2]), 0)) == repr(
        torch.cummax(torch.tensor([1, 3, 2]), 0))


# --- gradients ------------------------------------------------------------------------------------

def D(*shape):
    return R.standard_normal(shape)


def gcase(id, fn, *args, grads=(0,)):
    return pytest.param(fn, args, grads, id=id)


GRAD_CASES = [
    gcase("gather", lambda L, x, i: x.gather(1, i), D(3, 4), IDX((3, 5), 4)),
    gcase("gather-0d", lambda L, x, i: x.gather(0, i), np.array(1.5), np.array([0, 0])),
    gcase("take_along_dim", lambda L, x, i: L.take_along_dim(x, i, 0), D(3, 4),
          IDX((2, 1), 3)),
    gcase("scatter-src", lambda L, x, i, s: x.scatter(1, i, s), D(3, 4),
          np.argsort(R.random((3, 4)), 1)[:, :2], D(3, 2), grads=(0, 2)),
    gcase("scatter-value", lambda L, x, i: x.scatter(0, i, 2.0), D(3, 4), IDX((2, 4), 3)),
    gcase("scatter_add", lambda L, x, i, s: x.scatter_add(0, i, s), D(3, 4), IDX((5, 4), 3),
          D(5, 4), grads=(0, 2)),
    gcase("scatter_add-0d", lambda L, x, i, s: x.scatter_add(0, i, s), np.array(1.0),
          np.array(0), np.array(2.0), grads=(0, 2)),
    gcase("index_select", lambda L, x, i: x.index_select(1, i), D(3, 4), IDX((6,), 4)),
    gcase("index_add", lambda L, x, i, s: x.index_add(0, i, s, alpha=1.5), D(3, 4),
          IDX((5,), 3), D(5, 4), grads=(0, 2)),
    gcase("index_copy", lambda L, x, i, s: x.index_copy(1, i, s), D(3, 4), P(2, 4), D(3, 2),
          grads=(0, 2)),
    gcase("index_fill", lambda L, x, i: x.index_fill(0, i, 3.0), D(3, 4), np.array([0, 2])),
    gcase("index_fill-tensor", lambda L, x, i, v: x.index_fill(1, i, v), D(3, 4),
          np.array([1, 3]), np.array(0.5), grads=(0, 2)),
    gcase("take", lambda L, x, i: x.take(i), D(3, 4), IDX((2, 5), 12)),
    gcase("put", lambda L, x, i, s: x.put(i, s), D(3, 4), P(5, 12), D(5), grads=(0, 2)),
    gcase("put-accumulate", lambda L, x, i, s: x.put(i, s, accumulate=True), D(3, 4),
          IDX((6,), 12), D(6), grads=(0, 2)),
    gcase("masked_select", lambda L, x, m: L.masked_select(x, m), D(3, 4), B(3, 4)),
    gcase("masked_select-bcast", lambda L, x, m: L.masked_select(x, m), D(4), B(3, 4)),
    gcase("masked_scatter", lambda L, x, m, s: x.masked_scatter(m, s), D(3, 4), B(3, 4),
          D(14), grads=(0, 2)),
    gcase("diag-vec", lambda L, x: L.diag(x, 1), D(3)),
    gcase("diag-mat", lambda L, x: L.diag(x, -1), D(3, 4)),
    gcase("diag_embed", lambda L, x: L.diag_embed(x, 1, 0, 2), D(2, 3)),
    gcase("diagflat", lambda L, x: L.diagflat(x), D(2, 2)),
    gcase("diagonal_scatter", lambda L, x, s: L.diagonal_scatter(x, s, 1), D(3, 4), D(3),
          grads=(0, 1)),
    gcase("select_scatter", lambda L, x, s: L.select_scatter(x, s, 1, 2), D(3, 4), D(3),
          grads=(0, 1)),
    gcase("slice_scatter", lambda L, x, s: L.slice_scatter(x, s, 1, 1, 4, 2), D(3, 4),
          D(3, 2), grads=(0, 1)),
    gcase("trace", lambda L, x: L.trace(x), D(3, 4)),
    gcase("kron", lambda L, a, b: L.kron(a, b), D(2, 3), D(2, 2), grads=(0, 1)),
    gcase("cross", lambda L, a, b: L.cross(a, b, dim=1), D(4, 3), D(1, 3), grads=(0, 1)),
    gcase("cdist", lambda L, a, b: L.cdist(a, b), D(4, 3), D(5, 3), grads=(0, 1)),
    gcase("cdist-p1", lambda L, a, b: L.cdist(a, b, p=1), D(4, 3), D(5, 3), grads=(0, 1)),
    gcase("cdist-p3", lambda L, a, b: L.cdist(a, b, p=3), D(2, 4, 3), D(2, 5, 3),
          grads=(0, 1)),
    gcase("cdist-pinf", lambda L, a, b: L.cdist(a, b, p=float("inf")), D(4, 3), D(5, 3),
          grads=(0, 1)),
    gcase("cdist-mm", lambda L, a, b: L.cdist(a, b), D(27, 3), D(5, 3), grads=(0, 1)),
    gcase("diff", lambda L, x, p: L.diff(x, n=2, dim=0, prepend=p), D(4, 3), D(1, 3),
          grads=(0, 1)),
    gcase("cummax", lambda L, x: L.cummax(x, 1)[0], D(3, 5)),
    gcase("cummin", lambda L, x: L.cummin(x, 0)[0], D(4, 3)),
    gcase("logcumsumexp", lambda L, x: L.logcumsumexp(x, 1), D(3, 5)),
    gcase("renorm", lambda L, x: L.renorm(x, 2, 0, 1.0), D(3, 4) * 2),
    gcase("renorm-p3", lambda L, x: L.renorm(x, 3, 1, 1.0), D(3, 4) * 2),
    gcase("renorm-inf", lambda L, x: L.renorm(x, float("inf"), 1, 1.0), D(3, 4) * 2),
]
for _red in ["sum", "prod", "mean", "amax", "amin"]:
    for _inc in (True, False):
        GRAD_CASES.append(gcase(
            "scatter_reduce-%s-%s" % (_red, _inc),
            lambda L, x, i, s, r=_red, inc=_inc: x.scatter_reduce(0, i, s, r, include_self=inc),
            D(3, 4), IDX((4, 4), 3), D(4, 4), grads=(0, 2)))
GRAD_CASES.append(gcase("scatter_reduce-prod-zeros",
                        lambda L, x, i, s: x.scatter_reduce(0, i, s, "prod"),
                        np.array([[0.0, 2.0], [3.0, 0.0]]), np.array([[0, 0], [0, 1]]),
                        np.array([[2.0, 0.0], [0.0, 5.0]]), grads=(0, 2)))
GRAD_CASES.append(gcase("index_reduce-amax",
                        lambda L, x, i, s: x.index_reduce(0, i, s, "amax"),
                        D(3, 4), IDX((4,), 3), D(4, 4), grads=(0, 2)))


def _grad_inputs(L, args, grads):
    ts = _lib_args(L, args, None)
    for k in grads:
        ts[k].requires_grad_()
    return ts


@pytest.mark.parametrize("fn,args,grads", GRAD_CASES)
def test_gradients_match_torch(fn, args, grads):
    res = {}
    for L in (torch, ember):
        ts = _grad_inputs(L, args, grads)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(L, *ts)
        w = L.from_numpy(np.linspace(-1.0, 2.0, max(out.numel(), 1))[:out.numel()].reshape(
            tuple(out.shape)).copy())
        (out * w).sum().backward()
        res[L] = (out, [ts[k].grad for k in grads])
    (eo, eg), (to, tg) = res[ember], res[torch]
    same(eo, to)
    assert eo.grad_fn.name() == to.grad_fn.name() or to.grad_fn.name() in (
        "UnsafeViewBackward0", "SubBackward0", "ViewBackward0"), (eo.grad_fn.name(), to.grad_fn.name())
    for a, b in zip(eg, tg):
        same(a, b)


@pytest.mark.parametrize("fn,args,grads", GRAD_CASES)
def test_gradcheck(fn, args, grads):
    ts = _grad_inputs(ember, args, grads)
    diff = [ts[k] for k in grads]

    def f(*xs):
        full = list(ts)
        for k, x in zip(grads, xs):
            full[k] = x
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(ember, *full)
    assert ember.autograd.gradcheck(f, diff)


GRADGRAD = {"gather", "scatter-src", "scatter_add", "index_select", "index_add", "take", "put",
            "masked_scatter", "diagonal_scatter", "slice_scatter", "cross",
            "cdist", "cdist-p3", "cummax", "logcumsumexp", "renorm", "scatter_reduce-prod-True",
            "scatter_reduce-mean-False", "scatter_reduce-amax-True", "kron", "trace"}


@pytest.mark.parametrize("fn,args,grads", [p for p in GRAD_CASES if p.id in GRADGRAD])
def test_gradgradcheck(fn, args, grads):
    ts = _grad_inputs(ember, args, grads)

    def f(*xs):
        full = list(ts)
        for k, x in zip(grads, xs):
            full[k] = x
        return fn(ember, *full)
    assert ember.autograd.gradgradcheck(f, [ts[k] for k in grads])


def test_scatter_gather_family_on_random_shapes():
    rng = np.random.default_rng(5)
    for trial in range(40):
        nd = int(rng.integers(1, 4))
        shape = tuple(int(s) for s in rng.integers(1, 6, nd))
        d = int(rng.integers(-nd, nd))
        ishape = tuple(int(rng.integers(1, s + 1)) if k != d % nd else int(rng.integers(0, 7))
                       for k, s in enumerate(shape))
        x, idx = rng.standard_normal(shape), rng.integers(0, shape[d], ishape)
        src = rng.standard_normal(ishape)
        check(lambda L, x, i: x.gather(d, i), (x, idx))
        check(lambda L, x, i: L.take_along_dim(x, i, d), (x, idx))
        check(lambda L, x, i, s: x.scatter_add(d, i, s), (x, idx, src))
        red = ["sum", "prod", "mean", "amax", "amin"][trial % 5]
        check(lambda L, x, i, s: x.scatter_reduce(d, i, s, red, include_self=bool(trial % 2)),
              (x, idx, src))
