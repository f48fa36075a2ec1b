"""The sorting op family (ember/ops/sort*.py) against PyTorch.

Each row runs one function on ember and torch with the same inputs and compares values,
dtypes, shapes (or exception type and message). Indices are compared exactly, including how
ties are broken (topk, kthvalue, median, mode replay PyTorch's algorithms), except for
``sort(stable=False)``, whose tie order in PyTorch depends on the CPU's vector sort: there the
indices must only select the same values.
"""
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

R = np.random.default_rng(4321)
NAN = np.nan


def F(*shape, dtype=np.float32):
    return R.standard_normal(shape).astype(dtype)


def N(*shape, lo=-3, hi=4, dtype=np.int64):
    """Random integers: many ties."""
    return R.integers(lo, hi, shape).astype(dtype)


def B(*shape):
    return R.random(shape) > 0.5


def WITH_NAN(*shape, dtype=np.float64, frac=0.3):
    a = N(*shape).astype(dtype)
    a[R.random(shape) < frac] = np.nan
    return a


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
        if t.dtype == torch.float32:
            np.testing.assert_allclose(ee, te, rtol=rtol or 1e-5, atol=1e-6, equal_nan=True)
        elif t.dtype == torch.float64:
            np.testing.assert_allclose(ee, te, rtol=rtol or 1e-10, atol=1e-12, equal_nan=True)
        else:
            np.testing.assert_array_equal(ee, te)
    elif isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), (e, t)
        if type(t).__module__ == "torch.return_types":
            assert type(e).__name__ == type(t).__name__
            assert repr(e).split("(")[0] == repr(t).split("(")[0]
        for a, b in zip(e, t):
            same(a, b, rtol)
    else:
        assert e == t or (e != e and t != t), (e, t)


def check(fn, args, view=None):
    ks, t = _run(torch, fn, args, view)
    ke, e = _run(ember, fn, args, view)
    if ks == "err":
        assert ke == "err", "torch raised %r but ember returned %r" % (t, e)
        assert type(e).__name__ == type(t).__name__, (e, t)
        assert str(e).split("\n")[0] == str(t).split("\n")[0], (str(e), str(t))
        return
    assert ke == "ok", "ember raised %r" % (e,)
    same(e, t)


def case(id, fn, *args, view=None):
    return pytest.param(fn, args, view, id=id)


X = F(3, 5)
X3 = F(2, 3, 4, dtype=np.float64)
TIES = N(4, 40)
TIES3 = N(3, 20, 5, dtype=np.int32)

CASES = [
    # sort (stable=True, or tie-free data: exact indices)
    case("sort", lambda L, x: x.sort(), X),
    case("sort-dim0-desc", lambda L, x: L.sort(x, 0, True), X),
    case("sort-3d-neg-dim", lambda L, x: x.sort(dim=-2, descending=True), X3),
    case("sort-stable-ties", lambda L, x: x.sort(stable=True), TIES),
    case("sort-stable-ties-desc", lambda L, x: L.sort(x, stable=True, dim=0, descending=True),
         TIES),
    case("sort-stable-int32", lambda L, x: x.sort(dim=1, stable=True), TIES3),
    case("sort-stable-bool", lambda L, x: x.sort(stable=True, descending=True), B(3, 9)),
    case("sort-stable-nan", lambda L, x: x.sort(stable=True), WITH_NAN(3, 8)),
    case("sort-stable-nan-desc", lambda L, x: x.sort(stable=True, descending=True),
         WITH_NAN(3, 8)),
    case("sort-0d", lambda L, x: x.sort(), np.array(2.0)),
    case("sort-empty", lambda L, x: x.sort(0), F(0, 3)),
    case("sort-transposed", lambda L, x: x.sort(1), X, view=T),
    case("sort-sliced", lambda L, x: x.sort(dim=0, stable=True), TIES, view=S),
    case("sort-out", lambda L, x: L.sort(x, out=(L.zeros(1), L.zeros(1, dtype=L.long))), X),
    case("sort-err-dim", lambda L, x: x.sort(2), X),
    case("sort-err-complex", lambda L, x: x.sort(), np.array([1 + 1j])),
    case("argsort", lambda L, x: x.argsort(), X),
    case("argsort-desc-dim0", lambda L, x: L.argsort(x, 0, True), X3),
    case("argsort-stable", lambda L, x: L.argsort(x, stable=True), TIES),
    case("argsort-stable-desc", lambda L, x: L.argsort(x, dim=0, descending=True, stable=True),
         TIES),
    case("argsort-0d", lambda L, x: x.argsort(), np.array(1.0)),
    case("msort", lambda L, x: L.msort(x), X3),
    case("msort-ints", lambda L, x: x.msort(), TIES),
    # topk
    case("topk", lambda L, x: x.topk(2), X),
    case("topk-smallest-dim0", lambda L, x: L.topk(x, 2, 0, largest=False), X),
    case("topk-0", lambda L, x: x.topk(0), X),
    case("topk-0d", lambda L, x: x.topk(1), np.array(3.0)),
    case("topk-transposed", lambda L, x: x.topk(2, 1), X, view=T),
    case("topk-bool", lambda L, x: x.topk(3), B(2, 9)),
    case("topk-err-k", lambda L, x: x.topk(6), X),
    case("topk-err-neg-k", lambda L, x: x.topk(-1), X),
    case("topk-err-0d", lambda L, x: x.topk(2), np.array(3.0)),
    case("topk-err-dim", lambda L, x: x.topk(1, dim=2), X),
]
# ties: every k, both directions, sorted or not, along the long and the short dims
for _k in (1, 2, 5, 17, 40):
    for _largest in (True, False):
        for _sorted in (True, False):
            CASES.append(case("topk-ties-k%d-%s-%s" % (_k, _largest, _sorted),
                              lambda L, x, k=_k, lg=_largest, so=_sorted: x.topk(
                                  k, largest=lg, sorted=so), TIES))
CASES += [
    case("topk-ties-partial", lambda L, x: x.topk(2), N(3, 200)),
    case("topk-ties-3d", lambda L, x: L.topk(x, 7, 1, sorted=False), TIES3),
    case("topk-ties-dim0", lambda L, x: x.topk(3, 0), TIES),
    case("topk-nan", lambda L, x: x.topk(3), WITH_NAN(4, 9)),
    case("topk-nan-smallest", lambda L, x: x.topk(3, largest=False, sorted=False),
         WITH_NAN(4, 9)),
    case("topk-zeros", lambda L, x: x.topk(5), np.zeros(20, np.float32)),
    # kthvalue
    case("kthvalue", lambda L, x: x.kthvalue(2), X),
    case("kthvalue-keepdim-dim0", lambda L, x: L.kthvalue(x, 3, 0, True), X),
    case("kthvalue-ties", lambda L, x: x.kthvalue(7), TIES),
    case("kthvalue-ties-3d", lambda L, x: x.kthvalue(4, 1), TIES3),
    case("kthvalue-ties-dim0", lambda L, x: x.kthvalue(2, 0), TIES),
    case("kthvalue-nan", lambda L, x: x.kthvalue(6), WITH_NAN(4, 8)),
    case("kthvalue-0d", lambda L, x: x.kthvalue(1), np.array(3.0)),
    case("kthvalue-empty-rows", lambda L, x: x.kthvalue(1), F(0, 3)),
    case("kthvalue-transposed", lambda L, x: x.kthvalue(2, 1), TIES[:, :6], view=T),
    case("kthvalue-err-k0", lambda L, x: x.kthvalue(0), X),
    case("kthvalue-err-big", lambda L, x: x.kthvalue(6), X),
    # median / nanmedian
    case("median", lambda L, x: x.median(), X),
    case("median-even", lambda L, x: L.median(x), F(6)),
    case("median-ints", lambda L, x: x.median(), TIES),
    case("median-nan", lambda L, x: x.median(), WITH_NAN(5)),
    case("median-empty", lambda L, x: x.median(), np.zeros(0, np.float32)),
    case("median-0d", lambda L, x: x.median(), np.array(1.5)),
    case("median-dim", lambda L, x: x.median(1), TIES),
    case("median-dim0-keepdim", lambda L, x: L.median(x, 0, keepdim=True), TIES),
    case("median-dim-3d", lambda L, x: x.median(-1), TIES3),
    case("median-dim-nan", lambda L, x: x.median(1), WITH_NAN(5, 6)),
    case("median-dim-0d", lambda L, x: x.median(0), np.array(2.0)),
    case("median-dim-transposed", lambda L, x: x.median(0), TIES[:, :7], view=T),
    case("median-dim-empty-out", lambda L, x: x.median(0), F(3, 0)),
    case("median-out", lambda L, x: L.median(x, 1, out=(L.zeros(1), L.zeros(1, dtype=L.long))),
         X),
    case("topk-out", lambda L, x: L.topk(x, 2, out=(L.zeros(1), L.zeros(1, dtype=L.long))), X),
    case("median-err-empty-dim", lambda L, x: x.median(0), F(0, 3)),
    case("nanmedian", lambda L, x: x.nanmedian(), WITH_NAN(4, 5)),
    case("nanmedian-all-nan", lambda L, x: L.nanmedian(x), np.full(4, NAN)),
    case("nanmedian-dim", lambda L, x: x.nanmedian(1), WITH_NAN(6, 7)),
    case("nanmedian-dim-all-nan", lambda L, x: x.nanmedian(0),
         np.array([[NAN, 1.0], [NAN, NAN], [NAN, 2.0], [NAN, NAN], [NAN, 0.0], [NAN, 5.0]])),
    case("nanmedian-dim-ints", lambda L, x: x.nanmedian(0, True), TIES),
    # mode
    case("mode", lambda L, x: x.mode(), TIES),
    case("mode-dim0", lambda L, x: L.mode(x, 0), TIES),
    case("mode-short-rows", lambda L, x: x.mode(), N(5, 9)),
    case("mode-3d-keepdim", lambda L, x: x.mode(1, True), TIES3),
    case("mode-float", lambda L, x: x.mode(), N(4, 30).astype(np.float32)),
    case("mode-nan", lambda L, x: x.mode(), WITH_NAN(3, 25)),
    case("mode-nan-short", lambda L, x: x.mode(), np.array([NAN, 1.0, NAN, 1.0, 2.0])),
    case("mode-unique", lambda L, x: x.mode(), X),
    case("mode-bool", lambda L, x: x.mode(), B(3, 20)),
    case("mode-0d", lambda L, x: x.mode(), np.array(3)),
    case("mode-empty-out", lambda L, x: x.mode(0), F(3, 0)),
    case("mode-err-empty", lambda L, x: x.mode(0), F(0, 3)),
    case("mode-transposed", lambda L, x: x.mode(1), TIES[:, :30], view=T),
    # quantile / nanquantile
    case("quantile", lambda L, x: x.quantile(0.3), X),
    case("quantile-tensor-q-dim", lambda L, x, q: L.quantile(x, q, dim=1, keepdim=True), X,
         np.array([0.0, 0.25, 0.5, 1.0], np.float32)),
    case("quantile-0d-q", lambda L, x, q: x.quantile(q, 0), X3, np.array(0.7)),
    case("quantile-neg-dim", lambda L, x: x.quantile(0.6, -1), X3),
    case("quantile-keepdim-all", lambda L, x: x.quantile(0.5, keepdim=True), X3),
    case("quantile-nan", lambda L, x: x.quantile(0.5, 1), WITH_NAN(4, 5)),
    case("quantile-0d-input", lambda L, x: x.quantile(0.3, 0, True), np.array(2.0)),
    case("nanquantile", lambda L, x: x.nanquantile(0.4, 1), WITH_NAN(5, 6)),
    case("nanquantile-all", lambda L, x, q: L.nanquantile(x, q), WITH_NAN(5, 6),
         np.array([0.1, 0.9])),
    case("nanquantile-all-nan", lambda L, x: x.nanquantile(0.5), np.full(3, NAN)),
    case("quantile-err-q", lambda L, x: x.quantile(1.5), X),
    case("quantile-err-q-tensor", lambda L, x, q: x.quantile(q), X, np.array([1.5], np.float32)),
    case("quantile-err-int", lambda L, x: x.quantile(0.5), TIES),
    case("quantile-err-q-dtype", lambda L, x, q: x.quantile(q), X, np.array(0.5)),
    case("quantile-err-interp", lambda L, x: x.quantile(0.5, interpolation="foo"), X),
    case("quantile-err-empty", lambda L, x: x.quantile(0.5), np.zeros(0, np.float32)),
    case("quantile-err-q-2d", lambda L, x, q: x.quantile(q), X, np.full((1, 1), 0.5,
                                                                        np.float32)),
]
for _mode in ("linear", "lower", "higher", "midpoint", "nearest"):
    CASES.append(case("quantile-%s" % _mode,
                      lambda L, x, q, m=_mode: L.quantile(x, q, 0, interpolation=m),
                      N(7, 4).astype(np.float64), np.array([0.0, 0.1, 0.25, 0.5, 0.9, 1.0])))
    CASES.append(case("nanquantile-%s" % _mode,
                      lambda L, x, m=_mode: L.nanquantile(x, 0.35, 1, interpolation=m),
                      WITH_NAN(4, 7)))
CASES += [
    # unique / unique_consecutive
    case("unique", lambda L, x: L.unique(x), TIES),
    case("unique-all", lambda L, x: x.unique(return_inverse=True, return_counts=True), TIES3),
    case("unique-unsorted", lambda L, x: L.unique(x, sorted=False, return_inverse=True), TIES),
    case("unique-positional", lambda L, x: x.unique(False, True), TIES),
    case("unique-float-nan", lambda L, x: L.unique(x, return_inverse=True, return_counts=True),
         WITH_NAN(12)),
    case("unique-signed-zero", lambda L, x: L.unique(x), np.array([-0.0, 0.0, 1.0, 0.0])),
    case("unique-bool", lambda L, x: L.unique(x, return_counts=True), B(10)),
    case("unique-0d", lambda L, x: L.unique(x, return_inverse=True), np.array(3)),
    case("unique-empty", lambda L, x: L.unique(x, return_inverse=True, return_counts=True),
         np.zeros(0, np.float32)),
    case("unique-transposed", lambda L, x: L.unique(x, return_inverse=True), TIES, view=T),
    case("unique-dim0", lambda L, x: L.unique(x, dim=0, return_inverse=True,
                                              return_counts=True), N(8, 2, lo=0, hi=2)),
    case("unique-dim1", lambda L, x: x.unique(dim=1, return_inverse=True, return_counts=True),
         N(2, 9, lo=0, hi=2)),
    case("unique-dim-3d", lambda L, x: L.unique(x, dim=-1, return_counts=True),
         N(2, 2, 10, lo=0, hi=2)),
    case("unique-dim-nan", lambda L, x: L.unique(x, dim=0, return_counts=True),
         np.array([[1.0, NAN], [1.0, NAN], [0.0, 2.0]])),
    case("unique-dim-empty", lambda L, x: L.unique(x, dim=0), F(0, 3)),
    case("unique-dim-err-empty", lambda L, x: L.unique(x, dim=1), F(0, 3)),
    case("unique-dim-err-dim", lambda L, x: L.unique(x, dim=2), TIES),
    case("unique_consecutive", lambda L, x: L.unique_consecutive(
        x, return_inverse=True, return_counts=True), N(20, lo=0, hi=2)),
    case("unique_consecutive-2d", lambda L, x: x.unique_consecutive(return_inverse=True),
         N(3, 6, lo=0, hi=2)),
    case("unique_consecutive-dim", lambda L, x: L.unique_consecutive(
        x, return_inverse=True, return_counts=True, dim=0), N(8, 2, lo=0, hi=2)),
    case("unique_consecutive-dim1", lambda L, x: L.unique_consecutive(x, dim=1),
         N(2, 8, lo=0, hi=2)),
    case("unique_consecutive-nan", lambda L, x: L.unique_consecutive(x, return_counts=True),
         np.array([NAN, NAN, 1.0, 1.0])),
    case("unique_consecutive-0d", lambda L, x: L.unique_consecutive(
        x, return_inverse=True, return_counts=True), np.array(2)),
    # isin
    case("isin", lambda L, x, t: L.isin(x, t), TIES, N(3)),
    case("isin-invert", lambda L, x, t: L.isin(x, t, invert=True), TIES, N(3)),
    case("isin-assume-unique", lambda L, x, t: L.isin(x, t, assume_unique=True), TIES,
         np.array([0, 2])),
    case("isin-scalar-test", lambda L, x: L.isin(x, 1), TIES),
    case("isin-scalar-elem", lambda L, t: L.isin(2, t), N(4)),
    case("isin-promote", lambda L, x, t: L.isin(x, t), TIES, np.array([1.5, 2.0])),
    case("isin-float-int", lambda L, x, t: L.isin(x, t), N(4, 3).astype(np.float32),
         np.array([1, 2])),
    case("isin-nan", lambda L, x, t: L.isin(x, t), WITH_NAN(6), np.array([NAN, 1.0])),
    case("isin-0d", lambda L, x, t: L.isin(x, t), np.array(1), N(5)),
    case("isin-empty", lambda L, x, t: L.isin(x, t), TIES, np.zeros(0, np.int64)),
    case("isin-err-bool", lambda L, x, t: L.isin(x, t), B(3), np.array([1])),
    case("isin-err-scalars", lambda L: L.isin(5, 3)),
    # max/min along a dim with ties: PyTorch reports the first occurrence (NaN first)
    case("max-dim-ties", lambda L, x: x.max(1), TIES),
    case("min-dim-ties", lambda L, x: x.min(0), TIES),
    case("max-dim-nan", lambda L, x: x.max(1), WITH_NAN(4, 6)),
    case("argmax-ties", lambda L, x: x.argmax(1), TIES),
]


@pytest.mark.parametrize("fn,args,view", CASES)
def test_matches_torch(fn, args, view):
    check(fn, args, view)


@pytest.mark.parametrize("desc", [False, True])
@pytest.mark.parametrize("arr", [TIES, TIES3, WITH_NAN(5, 30), B(4, 30)],
                         ids=["int64", "int32", "nan", "bool"])
def test_unstable_sort_with_ties_selects_the_same_values(arr, desc):
    e = ember.from_numpy(arr.copy()).sort(descending=desc)
    t = torch.from_numpy(arr.copy()).sort(descending=desc)
    same(e.values, t.values)
    # the indices may order ties differently, but must pick out the sorted values
    same(ember.from_numpy(arr.copy()).gather(-1, e.indices), t.values)


def test_unique_is_not_differentiable_and_returns_plain_tensor():
    x = ember.tensor([1.0, 2.0, 1.0], requires_grad=True)
    u = ember.unique(x)
    assert isinstance(u, ember.Tensor) and u.grad_fn is None


# --- gradients ------------------------------------------------------------------------------------

def D(*shape):
    return R.standard_normal(shape)


def gcase(id, fn, arr):
    return pytest.param(fn, arr, id=id)


GRAD_CASES = [
    gcase("sort", lambda L, x: x.sort(1, descending=True)[0], D(3, 5)),
    gcase("sort-0d", lambda L, x: x.sort()[0], np.array(1.5)),
    gcase("msort", lambda L, x: L.msort(x), D(4, 3)),
    gcase("topk", lambda L, x: x.topk(2, 0)[0], D(4, 3)),
    gcase("topk-unsorted", lambda L, x: x.topk(3, sorted=False, largest=False)[0], D(2, 6)),
    gcase("kthvalue", lambda L, x: x.kthvalue(2, 1, keepdim=True)[0], D(3, 4)),
    gcase("median", lambda L, x: x.median(), D(3, 5)),
    gcase("median-ties", lambda L, x: x.median(), np.array([1.0, 2.0, 2.0, 3.0, 2.0])),
    gcase("median-dim", lambda L, x: x.median(0)[0], D(5, 3)),
    gcase("nanmedian", lambda L, x: x.nanmedian(), np.array([1.0, NAN, 3.0, 0.5])),
    gcase("nanmedian-dim", lambda L, x: x.nanmedian(1)[0], np.array([[1.0, NAN, 3.0],
                                                                       [0.5, 2.0, NAN]])),
    gcase("mode", lambda L, x: x.mode(1)[0], np.array([[1.0, 2.0, 2.0, 3.0],
                                                         [0.0, 5.0, 0.0, 1.0]])),
    gcase("quantile", lambda L, x: x.quantile(0.3), D(3, 4)),
    gcase("quantile-dim", lambda L, x: L.quantile(
        x, L.tensor([0.2, 0.5], dtype=L.float64), dim=0, keepdim=True), D(5, 3)),
    gcase("quantile-midpoint", lambda L, x: x.quantile(0.5, 1, interpolation="midpoint"),
          D(3, 4)),
    gcase("nanquantile", lambda L, x: x.nanquantile(0.4, 1), np.array([[1.0, NAN, 3.0, 2.5],
                                                                         [0.5, 2.0, NAN, 7.0]])),
]


@pytest.mark.parametrize("fn,arr", GRAD_CASES)
def test_gradients_match_torch(fn, arr):
    res = {}
    for L in (torch, ember):
        x = L.from_numpy(arr.copy()).requires_grad_()
        out = fn(L, x)
        w = L.from_numpy(np.linspace(-1.0, 2.0, max(out.numel(), 1))[:out.numel()].reshape(
            tuple(out.shape)).copy())
        (out * w).sum().backward()
        res[L] = (out, x.grad)
    (eo, eg), (to, tg) = res[ember], res[torch]
    same(eo, to)
    same(eg, tg)
    if to.grad_fn.name() not in ("SqueezeBackward4", "ViewBackward0", "UnsqueezeBackward0",
                                 "SelectBackward0", "IndexBackward0", "WhereBackward0",
                                 "TransposeBackward0", "LerpBackward1", "LerpBackward0",
                                 "SqueezeBackward1", "PermuteBackward0"):
        assert eo.grad_fn.name() == to.grad_fn.name()


@pytest.mark.parametrize("fn,arr", [p for p in GRAD_CASES
                                    if not any(w in p.id for w in ("nan", "ties", "mode"))])
def test_gradcheck(fn, arr):
    x = ember.from_numpy(arr.copy()).requires_grad_()
    assert ember.autograd.gradcheck(lambda t: fn(ember, t), (x,))


@pytest.mark.parametrize("fn,arr", [p for p in GRAD_CASES if p.id in
                                    ("sort", "topk", "kthvalue", "median-dim", "quantile")])
def test_gradgradcheck(fn, arr):
    x = ember.from_numpy(arr.copy()).requires_grad_()
    assert ember.autograd.gradgradcheck(lambda t: fn(ember, t), (x,))


def test_tie_order_matches_torch_on_random_inputs():
    """topk / kthvalue / median / mode on many random tie-heavy tensors and dims."""
    rng = np.random.default_rng(99)
    for trial in range(60):
        nd = int(rng.integers(1, 4))
        shape = tuple(int(s) for s in rng.integers(1, 30, nd))
        a = rng.integers(-2, 3, shape).astype([np.int64, np.float32, np.float64][trial % 3])
        if trial % 3 == 2:
            a[rng.random(shape) < 0.2] = np.nan
        d = int(rng.integers(-nd, nd))
        k = int(rng.integers(1, shape[d] + 1))
        e, t = ember.from_numpy(a.copy()), torch.from_numpy(a.copy())
        for lg in (True, False):
            for so in (True, False):
                same(e.topk(k, d, lg, so), t.topk(k, d, lg, so))
        same(e.kthvalue(k, d), t.kthvalue(k, d))
        same(e.median(d), t.median(d))
        same(e.nanmedian(d), t.nanmedian(d))
        same(e.mode(d), t.mode(d))
