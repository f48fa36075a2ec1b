"""Reductions: sum, mean, prod, var/std, max/min (with indices), all/any, cumsum, ..."""
import builtins
import collections

import numpy as np

from .. import _dtype as D
from .._device import array_module
from ._op import Op, as_0d, norm_dim, norm_dims, run


def _keep(g, in_shape, dims, keepdim):
    """Reinserts reduced dims into a gradient so it broadcasts against the input."""
    if keepdim or not dims:
        return g
    shape = list(in_shape)
    for d in dims:
        shape[d] = 1
    return g.reshape(shape)


def _acc_dtype(dt, dtype):
    """Sums of bool/integers accumulate in int64, as in PyTorch."""
    if dtype is not None:
        return D.to_dtype(dtype)
    if not (dt.is_floating_point or dt.is_complex):
        return D.int64
    return dt


class SumBackward0(Op):
    def __init__(self, dims, keepdim, dtype):
        self.dims, self.keepdim, self.dtype = dims, keepdim, dtype

    def forward(self, a):
        self.in_shape = a.shape
        out = np.sum(a, axis=self.dims, keepdims=self.keepdim, dtype=self.dtype.np)
        return as_0d(out)

    def backward(self, g):
        return _keep(g, self.in_shape, self.dims, self.keepdim).expand(self.in_shape)

    def name(self):
        return "SumBackward0" if self.full else "SumBackward1"


def sum(x, dim=None, keepdim=False, *, dtype=None, out=None):
    dims = norm_dims(dim, x._data.ndim) if x._data.ndim else ()
    op = SumBackward0(dims, keepdim, _acc_dtype(x._dtype, dtype))
    op.full = dim is None
    return _out(run(op, x), out)


class NansumBackward0(Op):
    """The sum treating nan as zero: one node, whose gradient skips the nan positions."""
    saved_inputs = (0,)

    def __init__(self, dims, keepdim, dtype):
        self.dims, self.keepdim, self.dtype = dims, keepdim, dtype

    def forward(self, a):
        xp = array_module(a)
        return xp.asarray(xp.nansum(a, axis=self.dims, keepdims=self.keepdim,
                                    dtype=self.dtype.np))

    def backward(self, g):
        (x,) = self.saved_tensors
        g = _keep(g.to(x.dtype), x.shape, self.dims, self.keepdim)
        return g.expand(x.shape) * x.isnan().logical_not()


def nansum(x, dim=None, keepdim=False, *, dtype=None, out=None):
    """sum() with nan counted as zero."""
    if x._dtype.is_complex:
        raise RuntimeError("nansum on CPU does not support complex inputs")
    dims = norm_dims(dim, x._data.ndim) if x._data.ndim else ()
    if dims == () and dim is not None and x._data.ndim:
        dims = tuple(range(x._data.ndim))    # nansum(x, []) sums everything, as PyTorch
    return _out(run(NansumBackward0(dims, keepdim, _acc_dtype(x._dtype, dtype)), x), out)


def _out(r, out):
    if out is None:
        return r
    from ._out import write_out
    return write_out(out, r)


class MeanBackward0(Op):
    def __init__(self, dims, keepdim, full):
        self.dims, self.keepdim, self.full = dims, keepdim, full

    def forward(self, a):
        self.in_shape = a.shape
        with np.errstate(invalid="ignore", divide="ignore"):
            return as_0d(np.mean(a, axis=self.dims, keepdims=self.keepdim))

    def backward(self, g):
        n = int(np.prod([self.in_shape[d] for d in self.dims]))
        return _keep(g, self.in_shape, self.dims, self.keepdim).expand(self.in_shape) / n

    def name(self):
        return "MeanBackward0" if self.full else "MeanBackward1"


def mean(x, dim=None, keepdim=False, *, dtype=None, out=None):
    dt = D.to_dtype(dtype) if dtype is not None else x._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           "floating point or complex dtype. Got: %s" % dt._legacy[:-6])
    if dtype is not None:
        x = x.to(dt)
    dims = norm_dims(dim, x._data.ndim) if x._data.ndim else ()
    return _out(run(MeanBackward0(dims, keepdim, dim is None), x), out)


def nanmean(x, dim=None, keepdim=False, *, dtype=None):
    mask = ~x.isnan()
    return nansum(x, dim, keepdim, dtype=dtype) / mask.sum(dim, keepdim)


class ProdBackward0(Op):
    saved_inputs = (0,)
    saves_output = True

    def __init__(self, dim, keepdim, dtype):
        self.dim, self.keepdim, self.dtype = dim, keepdim, dtype

    def forward(self, a):
        return as_0d(np.prod(a, axis=self.dim, keepdims=self.keepdim, dtype=self.dtype.np))

    def backward(self, g):
        (x,) = self.saved_tensors
        dims = () if self.dim is None else (self.dim,)
        if self.dim is None:
            g = g.reshape(()) if g.dim() else g
            flat = x.reshape(-1)
            return (g * _prod_others(flat, 0)).reshape(x.shape)
        return _keep(g, x.shape, dims, self.keepdim) * _prod_others(x, self.dim)


def _prod_others(x, dim):
    """Product of all other elements along `dim` for each element (safe with zeros)."""
    n = x.shape[dim] if x.dim() else 1
    if n == 0:
        return x
    ones = x.new_ones(tuple(1 if i == dim else s for i, s in enumerate(x.shape)))
    left = x.narrow(dim, 0, n - 1).cumprod(dim) if n > 1 else None
    right = x.flip(dim).narrow(dim, 0, n - 1).cumprod(dim).flip(dim) if n > 1 else None
    from .shape import cat
    lft = cat([ones, left], dim) if left is not None else ones
    rgt = cat([right, ones], dim) if right is not None else ones
    return lft * rgt


def prod(x, dim=None, keepdim=False, *, dtype=None):
    d = None if dim is None else norm_dim(dim, x._data.ndim)
    op = ProdBackward0(d, keepdim, _acc_dtype(x._dtype, dtype))
    if dim is not None:
        op.__class__ = ProdBackward1
    return run(op, x)


class ProdBackward1(ProdBackward0):
    pass


class CumsumBackward0(Op):
    def __init__(self, dim, dtype):
        self.dim, self.dtype = dim, dtype

    def forward(self, a):
        return np.cumsum(a, axis=self.dim, dtype=self.dtype.np) if a.ndim else a.astype(
            self.dtype.np, copy=True)

    def backward(self, g):
        if g.dim() == 0:
            return g
        return g.flip(self.dim).cumsum(self.dim).flip(self.dim)


def cumsum(x, dim, *, dtype=None, out=None):
    d = norm_dim(dim, x._data.ndim) if x._data.ndim else 0
    return _out(run(CumsumBackward0(d, _acc_dtype(x._dtype, dtype)), x), out)


class CumprodBackward0(Op):
    saved_inputs = (0,)
    saves_output = True

    def __init__(self, dim, dtype):
        self.dim, self.dtype = dim, dtype

    def forward(self, a):
        return np.cumprod(a, axis=self.dim, dtype=self.dtype.np) if a.ndim else a.copy()

    def backward(self, g):
        (x,) = self.saved_tensors
        out = self.saved_output
        if x.dim() == 0:
            return g
        d = self.dim
        if not bool((x == 0).any()):
            return (g * out).flip(d).cumsum(d).flip(d) / x
        # with zeros: sum over k >= i of g_k * prod_{j<=k, j!=i} x_j, done directly
        n = x.shape[d]
        parts = []
        for i in range(n):
            mask = x.new_ones((n,) + (1,) * (x.dim() - d - 1))
            mask[i] = 0
            prods = (x * mask + (1 - mask)).cumprod(d).narrow(d, i, n - i)
            parts.append((g.narrow(d, i, n - i) * prods).sum(d, keepdim=True))
        from .shape import cat
        return cat(parts, d)


def cumprod(x, dim, *, dtype=None):
    d = norm_dim(dim, x._data.ndim) if x._data.ndim else 0
    return run(CumprodBackward0(d, _acc_dtype(x._dtype, dtype)), x)


# --- var / std -----------------------------------------------------------------------------------

class VarBackward0(Op):
    """Variance with `correction` (Bessel's for 1); StdBackward0 is its square root."""
    saved_inputs = (0,)

    def __init__(self, dims, correction, keepdim, root):
        self.dims, self.c, self.keepdim, self.root = dims, correction, keepdim, root

    def forward(self, a):
        n = int(np.prod([a.shape[d] for d in self.dims]))
        with np.errstate(invalid="ignore", divide="ignore"):
            mu = np.mean(a, axis=self.dims, keepdims=True)
            d = a - mu
            sq = (d * np.conj(d)).real if a.dtype.kind == "c" else d * d
            v = np.sum(sq, axis=self.dims, keepdims=self.keepdim) / builtins.max(n - self.c, 0)
            out = np.sqrt(v) if self.root else v
        return as_0d(out).astype(a.real.dtype if a.dtype.kind == "c" else a.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        n = int(np.prod([x.shape[d] for d in self.dims]))
        diff = x - x.mean(self.dims, keepdim=True)
        g = _keep(g, x.shape, self.dims, self.keepdim)
        if self.root:
            std = _keep(self._std_of(x), x.shape, self.dims, self.keepdim)
            return g * diff / (std * builtins.max(n - self.c, 0))
        return g * 2 * diff / builtins.max(n - self.c, 0)

    def _std_of(self, x):
        return var(x, self.dims, keepdim=self.keepdim, correction=self.c).sqrt()

    def name(self):
        return "StdBackward0" if self.root else "VarBackward0"


def _var_op(x, dim, unbiased, keepdim, correction, root):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    c = _correction(unbiased, correction)
    dims = norm_dims(dim, x._data.ndim) if x._data.ndim else ()
    if not (x._dtype.is_floating_point or x._dtype.is_complex):
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return run(VarBackward0(dims, c, keepdim, root), x)


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_op(x, dim, unbiased, keepdim, correction, False)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _var_op(x, dim, unbiased, keepdim, correction, True)


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return (var(x, dim, unbiased, keepdim, correction=correction), x.mean(dim, keepdim)
            if dim is not None else x.mean())


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return (std(x, dim, unbiased, keepdim, correction=correction), x.mean(dim, keepdim)
            if dim is not None else x.mean())


# --- max / min -------------------------------------------------------------------------------------

values_indices = collections.namedtuple("values_indices", ["values", "indices"])


def _named(name):
    cls = collections.namedtuple(name, ["values", "indices"])
    cls.__module__ = "torch.return_types"
    cls.__repr__ = lambda self: "torch.return_types.%s(\nvalues=%r,\nindices=%r)" % (
        name, self.values, self.indices)
    return cls


RETURN_TYPES = {n: _named(n) for n in ("max", "min", "sort", "topk", "kthvalue", "median",
                                       "nanmedian", "mode", "cummax", "cummin", "aminmax")}


class MaxAllBackward(Op):
    """max()/min() over all elements; the gradient is shared evenly by the ties."""
    saved_inputs = (0,)
    saves_output = True

    def __init__(self, is_max):
        self.is_max = is_max

    def forward(self, a):
        if a.size == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() "
                               "== 0. Specify the reduction dim with the 'dim' argument.")
        return as_0d(np.max(a) if self.is_max else np.min(a))

    def backward(self, g):
        (x,) = self.saved_tensors
        mask = (x == self.saved_output).to(g.dtype)
        return g * mask / mask.sum()

    def name(self):
        return "MaxBackward1" if self.is_max else "MinBackward1"


class MaxDimBackward(Op):
    n_outputs = 2
    differentiable_outputs = 1

    def __init__(self, dim, keepdim, is_max):
        self.dim, self.keepdim, self.is_max = dim, keepdim, is_max

    def forward(self, a):
        self.in_shape = a.shape
        if a.ndim == 0:
            return a.copy(), array_module(a).zeros((), dtype=np.int64)
        if a.shape[self.dim] == 0:
            raise IndexError("max(): Expected reduction dim %d to have non-zero size." % self.dim)
        arg = np.argmax if self.is_max else np.argmin
        if a.dtype.kind == "f" and np.isnan(a).any():
            idx = np.where(np.isnan(a).any(axis=self.dim, keepdims=True),
                           np.argmax(np.isnan(a), axis=self.dim, keepdims=True),
                           arg(a, axis=self.dim, keepdims=True))
        else:
            idx = arg(a, axis=self.dim, keepdims=True)
        vals = np.take_along_axis(a, idx, axis=self.dim)
        if not self.keepdim:
            vals, idx = vals.squeeze(self.dim), idx.squeeze(self.dim)
        self.idx = idx
        return vals, idx.astype(np.int64)

    def backward(self, g, _):
        from .._tensor import Tensor
        idx = Tensor._make(self.idx)
        if not self.keepdim and len(self.in_shape):
            g, idx = g.unsqueeze(self.dim), idx.unsqueeze(self.dim)
        if not len(self.in_shape):
            return g
        return g.new_zeros(self.in_shape).scatter(self.dim, idx, g)

    def name(self):
        return "MaxBackward0" if self.is_max else "MinBackward0"


def _max_min(x, dim, keepdim, other, is_max):
    if other is not None and not isinstance(other, int) or dim is not None and hasattr(dim, "_data"):
        from .pointwise import maximum, minimum
        return (maximum if is_max else minimum)(x, other if other is not None else dim)
    if dim is None:
        return run(MaxAllBackward(is_max), x)
    d = norm_dim(dim, x._data.ndim) if x._data.ndim else 0
    v, i = run(MaxDimBackward(d, keepdim, is_max), x)
    return RETURN_TYPES["max" if is_max else "min"](v, i)


def max(x, dim=None, keepdim=False, *, other=None, out=None):
    return _max_min(x, dim, keepdim, other, True)


def min(x, dim=None, keepdim=False, *, other=None, out=None):
    return _max_min(x, dim, keepdim, other, False)


class Amax(Op):
    saved_inputs = (0,)
    saves_output = True

    def __init__(self, dims, keepdim, is_max):
        self.dims, self.keepdim, self.is_max = dims, keepdim, is_max

    def forward(self, a):
        f = np.max if self.is_max else np.min
        return as_0d(f(a, axis=self.dims, keepdims=self.keepdim))

    def backward(self, g):
        (x,) = self.saved_tensors
        out = _keep(self.saved_output, x.shape, self.dims, self.keepdim)
        mask = (x == out).to(g.dtype)
        return _keep(g, x.shape, self.dims, self.keepdim) * mask / mask.sum(self.dims, True)

    def name(self):
        return "AmaxBackward0" if self.is_max else "AminBackward0"


def amax(x, dim=(), keepdim=False):
    dims = norm_dims(dim if dim != () else None, x._data.ndim) if x._data.ndim else ()
    return run(Amax(dims, keepdim, True), x)


def amin(x, dim=(), keepdim=False):
    dims = norm_dims(dim if dim != () else None, x._data.ndim) if x._data.ndim else ()
    return run(Amax(dims, keepdim, False), x)


def aminmax(x, *, dim=None, keepdim=False):
    cls = collections.namedtuple("aminmax", ["min", "max"])
    d = () if dim is None else dim
    return cls(amin(x, d, keepdim), amax(x, d, keepdim))


class ArgReduce(Op):
    def __init__(self, dim, keepdim, is_max):
        self.dim, self.keepdim, self.is_max = dim, keepdim, is_max

    def forward(self, a):
        f = np.argmax if self.is_max else np.argmin
        if self.dim is None:
            r = as_0d(f(a.reshape(-1)))
            return r.reshape((1,) * a.ndim) if self.keepdim else r
        return as_0d(f(a, axis=self.dim, keepdims=self.keepdim)).astype(np.int64)


def argmax(x, dim=None, keepdim=False):
    d = None if dim is None else norm_dim(dim, x._data.ndim) if x._data.ndim else None
    return run(ArgReduce(d, keepdim, True), x.detach()).long()


def argmin(x, dim=None, keepdim=False):
    d = None if dim is None else norm_dim(dim, x._data.ndim) if x._data.ndim else None
    return run(ArgReduce(d, keepdim, False), x.detach()).long()


class BoolReduce(Op):
    def __init__(self, dims, keepdim, fn):
        self.dims, self.keepdim, self.fn = dims, keepdim, fn

    def forward(self, a):
        return as_0d(self.fn(a, axis=self.dims, keepdims=self.keepdim))


def all(x, dim=None, keepdim=False):
    dims = norm_dims(dim, x._data.ndim) if x._data.ndim else ()
    r = run(BoolReduce(dims, keepdim, np.all), x.detach())
    return r.to(D.uint8) if x._dtype is D.uint8 else r


def any(x, dim=None, keepdim=False):
    dims = norm_dims(dim, x._data.ndim) if x._data.ndim else ()
    r = run(BoolReduce(dims, keepdim, np.any), x.detach())
    return r.to(D.uint8) if x._dtype is D.uint8 else r


def count_nonzero(x, dim=None):
    return sum(x != 0, dim)


class LogsumexpBackward0(Op):
    saved_inputs = (0,)
    saves_output = True

    def __init__(self, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim

    def forward(self, a):
        m = np.max(a, axis=self.dims, keepdims=True) if a.size else \
            array_module(a).zeros((1,) * a.ndim, a.dtype)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            r = np.log(np.sum(np.exp(a - m), axis=self.dims, keepdims=True)) + m
        return r if self.keepdim else np.squeeze(r, axis=self.dims)

    def backward(self, g):
        (x,) = self.saved_tensors
        out = _keep(self.saved_output, x.shape, self.dims, self.keepdim)
        return _keep(g, x.shape, self.dims, self.keepdim) * (x - out).exp()


def logsumexp(x, dim, keepdim=False):
    if not x._dtype.is_floating_point:
        x = x.to(D.get_default_dtype())
    dims = norm_dims(dim, x._data.ndim) if x._data.ndim else ()
    return run(LogsumexpBackward0(dims, keepdim), x)
