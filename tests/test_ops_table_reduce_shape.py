"""Reductions, scans and shape/view ops against PyTorch, one row per call.

A row applies the same function to an ember and a torch tensor built from one generated
sample (several shapes, a non-contiguous layout, several dtypes). Values, dtypes and shapes
must agree; view rows must also give torch's strides and share memory exactly where torch's
do. Differentiable rows compare gradients with torch's and pass ember's `gradcheck` and
`gradgradcheck` in float64. Bad-argument rows must raise torch's exception type.
"""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


class Row:
    def __init__(self, name, fn, shapes=((3, 4), (2, 3, 4)), dtypes=("float32", "float64"),
                 grad=True, view=False, gg=True, positive=False):
        self.name, self.fn, self.shapes, self.dtypes = name, fn, shapes, dtypes
        self.grad, self.view, self.gg, self.positive = grad, view, gg, positive


S = ((3, 4), (2, 3, 4))
S_ALL = ((), (5,), (3, 4), (2, 3, 4))
INTS = ("float32", "float64", "int64")
R = [
    # reductions
    Row("sum", lambda m, x: m.sum(x), S_ALL, INTS),
    Row("sum_dims", lambda m, x: x.sum(dim=(0, -1), keepdim=True), S, INTS),
    Row("sum_bool", lambda m, x: (x > 0).sum(1), S, grad=False),
    Row("nansum", lambda m, x: m.nansum(x, 0), S),
    Row("mean", lambda m, x: x.mean(-1), S),
    Row("mean_all", lambda m, x: x.mean(), S_ALL),
    Row("nanmean", lambda m, x: x.nanmean(0), S),
    Row("prod", lambda m, x: x.prod(1), S, INTS),
    Row("std", lambda m, x: x.std(0), S),
    Row("std_correction", lambda m, x: x.std(-1, correction=0, keepdim=True), S),
    Row("var_unbiased", lambda m, x: x.var(1, unbiased=False), S),
    Row("std_mean", lambda m, x: m.std_mean(x, 0), S),
    Row("var_mean", lambda m, x: m.var_mean(x, (0, 1)), S),
    Row("max_dim", lambda m, x: tuple(x.max(1)), S, INTS),
    Row("min_dim_keep", lambda m, x: tuple(x.min(-1, keepdim=True)), S, INTS),
    Row("max_all", lambda m, x: x.max(), S_ALL, INTS),
    Row("amax", lambda m, x: x.amax((0, 1)), S, INTS),
    Row("amin", lambda m, x: x.amin(-1), S, INTS),
    Row("aminmax", lambda m, x: tuple(m.aminmax(x, dim=0)), S, INTS, grad=False),
    Row("argmax", lambda m, x: x.argmax(1), S, INTS, grad=False),
    Row("argmin_all", lambda m, x: x.argmin(), S_ALL, INTS, grad=False),
    Row("norm", lambda m, x: x.norm(), S),
    Row("norm_p1_dim", lambda m, x: x.norm(1, dim=1), S),
    Row("logsumexp", lambda m, x: x.logsumexp(1), S),
    Row("cumsum", lambda m, x: x.cumsum(-1), S, INTS),
    Row("cumprod", lambda m, x: x.cumprod(0), S),
    Row("cummax", lambda m, x: tuple(x.cummax(1)), S),
    Row("cummin", lambda m, x: tuple(x.cummin(0)), S),
    Row("logcumsumexp", lambda m, x: x.logcumsumexp(1), S),
    Row("all_any", lambda m, x: ((x > 0).all(1), (x > 0).any(), (x > 0).all()), S, grad=False),
    Row("median", lambda m, x: x.median(), S_ALL, gg=False),
    Row("median_dim", lambda m, x: tuple(x.median(1)), S, gg=False),
    Row("nanmedian", lambda m, x: x.nanmedian(), S, gg=False),
    Row("mode", lambda m, x: tuple(x.round().mode(0)), S, grad=False),
    Row("kthvalue", lambda m, x: tuple(x.kthvalue(2, 1)), S, gg=False),
    Row("quantile", lambda m, x: m.quantile(x, 0.3, dim=1), S),
    Row("topk", lambda m, x: tuple(x.topk(2, 1)), S, gg=False),
    Row("sort", lambda m, x: tuple(x.sort(dim=1, descending=True, stable=True)), S, INTS,
        gg=False),
    Row("argsort", lambda m, x: x.argsort(dim=0, stable=True), S, INTS, grad=False),
    Row("msort", lambda m, x: m.msort(x), S, gg=False),
    Row("unique", lambda m, x: m.unique(x.round(), return_inverse=True, return_counts=True),
        S, grad=False),
    Row("unique_dim", lambda m, x: m.unique((x > 0).long(), dim=0), S, grad=False),
    Row("unique_consecutive", lambda m, x: m.unique_consecutive(x.round().flatten()), S,
        grad=False),
    Row("count_nonzero", lambda m, x: m.count_nonzero(x.round(), 1), S, grad=False),
    Row("diff", lambda m, x: m.diff(x, dim=-1), S, INTS),
    # shape and views
    Row("view", lambda m, x: x.contiguous().view(-1, 2), S, INTS, view=True),
    Row("reshape_noncontig", lambda m, x: x.transpose(0, -1).reshape(-1), S),
    Row("flatten", lambda m, x: x.flatten(), S_ALL, view=True),
    Row("unflatten", lambda m, x: x.unflatten(-1, (2, 2)), S, view=True),
    Row("squeeze", lambda m, x: x[None, :, None].squeeze(), S, view=True),
    Row("unsqueeze", lambda m, x: x.unsqueeze(-1), S_ALL, view=True),
    Row("expand", lambda m, x: x[None].expand(2, *x.shape), S, view=True),
    Row("permute", lambda m, x: x.permute(*reversed(range(x.dim()))), S, view=True),
    Row("transpose", lambda m, x: x.transpose(0, 1), S, view=True),
    Row("t_mT", lambda m, x: (x[0].t() if x.dim() == 3 else x.t(), x.mT), S, view=True),
    Row("narrow", lambda m, x: x.narrow(-1, 1, 2), S, view=True),
    Row("select", lambda m, x: x.select(1, 2), S, view=True),
    Row("unfold", lambda m, x: x.unfold(-1, 2, 1), S, view=True),
    Row("diagonal", lambda m, x: x.diagonal(0, -2, -1), S, view=True),
    Row("as_strided", lambda m, x: x.contiguous().as_strided((2, 2), (1, 2), 1), S, view=True),
    Row("split", lambda m, x: x.split(2, -1), S, view=True),
    Row("chunk", lambda m, x: x.chunk(3, 0), S, view=True),
    Row("tensor_split", lambda m, x: x.tensor_split([1, 3], dim=-1), S, view=True),
    Row("unbind", lambda m, x: x.unbind(1), S, view=True),
    Row("movedim", lambda m, x: x.movedim(0, -1), S, view=True),
    Row("slices", lambda m, x: (x[1:, ::2], x[..., None, -1], x[None], x[None, ::2],
                                x[1, None], x[:, None, 1:3]), S, view=True),
    Row("repeat", lambda m, x: x.repeat(2, 1, 1), S),
    Row("tile", lambda m, x: x.tile((2,)), S),
    Row("flip", lambda m, x: x.flip(0, -1), S),
    Row("fliplr", lambda m, x: x.fliplr(), S),
    Row("roll", lambda m, x: x.roll((1, -2), (0, -1)), S),
    Row("rot90", lambda m, x: x.rot90(1, (0, 1)), S),
    Row("clone_contiguous", lambda m, x: (x.clone(), x.t().contiguous() if x.dim() == 2
                                          else x.transpose(0, 2).contiguous()), S),
    Row("cat_stack", lambda m, x: (m.cat([x, x * 2], -1), m.stack([x, x], 1),
                                   m.hstack([x, x]), m.vstack([x, x]), m.dstack([x, x])), S),
    Row("tril_triu", lambda m, x: (x.tril(), x.triu(1)), S),
    Row("where", lambda m, x: m.where(x > 0, x, x * 3), S),
    Row("masked_fill", lambda m, x: x.masked_fill(x < 0, 1.5), S),
    Row("gather", lambda m, x: x.gather(-1, (x.abs() * 10).long() % x.shape[-1]), S),
]

BAD = [
    ("sum_dim", lambda m, x: x.sum(5)),
    ("view", lambda m, x: x.t().view(-1)),
    ("split_dim", lambda m, x: x.split(2, 4)),
    ("expand", lambda m, x: x.expand(5, 5)),
    ("permute_dims", lambda m, x: x.permute(0, 0)),
    ("narrow_range", lambda m, x: x.narrow(1, 3, 4)),
    ("select_index", lambda m, x: x.select(0, 7)),
    ("topk_k", lambda m, x: x.topk(9)),
    ("cat_shapes", lambda m, x: m.cat([x, x.t()])),
    ("gather_dtype", lambda m, x: x.gather(0, x)),
    ("max_empty", lambda m, x: x[:0].max()),
    ("std_dtype", lambda m, x: x.long().std()),
]


def _sample(shape, dtype, rng, positive):
    if dtype == "int64":
        return rng.integers(-5, 6, shape)
    v = rng.standard_normal(shape)
    return np.abs(v) + 0.5 if positive else v


def _layouts(values, lib, dtype):
    """The sample contiguous, and laid out transposed (same values, other strides)."""
    t = lib.tensor(values, dtype=getattr(lib, dtype))
    yield t
    if t.dim() >= 2:
        yield lib.tensor(np.ascontiguousarray(np.swapaxes(values, 0, -1)),
                         dtype=getattr(lib, dtype)).transpose(0, -1)


def _outs(r):
    return list(r) if isinstance(r, (tuple, list)) else [r]


def _same(e, t, dtype):
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    tol = dict(rtol=2e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), equal_nan=True, **tol)


def _shares(out, base):
    return out.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()


@pytest.mark.parametrize("row", R, ids=[r.name for r in R])
def test_values_match_torch(row):
    rng = np.random.default_rng(abs(hash(row.name)) % 2**32)
    for shape in row.shapes:
        for dtype in row.dtypes:
            values = _sample(shape, dtype, rng, row.positive)
            for e_in, t_in in zip(_layouts(values, ember, dtype), _layouts(values, torch, dtype)):
                e_out, t_out = _outs(row.fn(ember, e_in)), _outs(row.fn(torch, t_in))
                assert len(e_out) == len(t_out)
                for e, t in zip(e_out, t_out):
                    _same(e, t, dtype)
                    if row.view:
                        assert e.stride() == t.stride(), (e.stride(), t.stride())
                        assert _shares(e, e_in) == _shares(t, t_in)


@pytest.mark.parametrize("row", [r for r in R if r.grad], ids=[r.name for r in R if r.grad])
def test_gradients_match_torch(row):
    rng = np.random.default_rng(abs(hash(row.name)) % 2**32 + 1)
    for shape in row.shapes:
        values = _sample(shape, "float64", rng, row.positive)
        grads = []
        for lib in (ember, torch):
            x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
            outs = [o for o in _outs(row.fn(lib, x)) if o.dtype.is_floating_point]
            total = sum((o * lib.arange(o.numel(), dtype=lib.float64).reshape(o.shape).cos())
                        .sum() for o in outs)
            total.backward()
            grads.append(x.grad)
        _same(grads[0], grads[1], "float64")


@pytest.mark.parametrize("row", [r for r in R if r.grad], ids=[r.name for r in R if r.grad])
def test_gradcheck(row):
    rng = np.random.default_rng(abs(hash(row.name)) % 2**32 + 2)
    shape = row.shapes[-1]
    x = ember.tensor(_sample(shape, "float64", rng, row.positive), dtype=ember.float64,
                     requires_grad=True)

    def f(x):
        return tuple(o for o in _outs(row.fn(ember, x)) if o.dtype.is_floating_point)
    assert gradcheck(f, (x,))
    if row.gg:
        assert gradgradcheck(f, (x,))


@pytest.mark.parametrize("name,fn", BAD, ids=[b[0] for b in BAD])
def test_bad_arguments_raise_torchs_exception(name, fn):
    values = np.random.default_rng(0).standard_normal((3, 4))
    with pytest.raises(Exception) as t_err:
        fn(torch, torch.tensor(values))
    with pytest.raises(Exception) as e_err:
        fn(ember, ember.tensor(values))
    assert type(e_err.value) is type(t_err.value), (e_err.value, t_err.value)
