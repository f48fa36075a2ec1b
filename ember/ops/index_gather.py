"""Gather and scatter along a dimension: gather, scatter, scatter_add, scatter_reduce,
take_along_dim.

An index tensor of the input's rank addresses, for each of its elements, the input position
that has the element's own coordinates except along `dim`, where the index value is used.
In NumPy that is advanced indexing with an "open mesh" of coordinates (see `_coords`).
"""
import numpy as np

from .. import _dtype as D
from .._device import array_module, on_host
from ._op import Op, is_tensor, norm_dim, run, wrap as _T


def _legacy(dt):
    """PyTorch's short dtype name in messages ('Float', 'Long', ...)."""
    return dt._legacy[:-6]


def _out(r, out):
    if out is None:
        return r
    from ._out import write_out
    return write_out(out, r)


def check_index_dtype(index, name, allowed=(D.int64, D.int32)):
    if index._dtype not in allowed:
        raise RuntimeError("%s(): Expected dtype int32/int64 for index" % name)


def _coords(idx, dim):
    """Coordinates that address, for every element of `idx`, its own position with the
    coordinate along `dim` replaced by the element's value (they broadcast against `idx`)."""
    nd = idx.ndim
    out = []
    for d in range(nd):
        if d == dim:
            out.append(idx)
        else:
            shape = [1] * nd
            shape[d] = idx.shape[d]
            out.append(array_module(idx).arange(idx.shape[d]).reshape(shape))
    return tuple(out)


def _check_bounds(idx, size, dim, exc=RuntimeError, prefix=""):
    """The first index outside [0, size) raises PyTorch's out-of-bounds error."""
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.reshape(-1)[np.flatnonzero((idx < 0) | (idx >= size))[0]]
        raise exc("%sindex %d is out of bounds for dimension %d with size %d"
                  % (prefix, bad, dim, size))


def _head(a, shape):
    """The leading block of `a` with `shape` (the part of src that an index addresses)."""
    if a.shape == tuple(shape):
        return a
    return a[tuple(slice(0, n) for n in shape)]


# --- gather ---------------------------------------------------------------------------------------

class GatherBackward0(Op):
    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, a):
        self.in_shape = a.shape
        idx = self.index._data
        if a.ndim == 0 or idx.ndim == 0:
            return a.reshape(-1)[idx.reshape(-1)].reshape(idx.shape)
        return a[_coords(idx, self.dim)]

    def backward(self, g):
        return g.new_zeros(self.in_shape).scatter_add(self.dim, self.index, g)


def _check_gather(x, d, index, what="input"):
    nd, ni = x._data.ndim, index._data.ndim
    if max(nd, 1) != max(ni, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as %s tensor"
                           % what)
    if nd and ni:
        xs, js = x._data.shape, index._data.shape
        for k in range(nd):
            if k != d and js[k] > xs[k]:
                raise RuntimeError("Size does not match at dimension %d expected index %s to be no "
                                   "larger than self %s apart from dimension %d"
                                   % (k, list(js), list(xs), d))


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """Values of `input` along `dim` at the positions given by `index` (output shaped like it)."""
    check_index_dtype(index, "gather")
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    _check_gather(input, d, index)
    if index._dtype is not D.int64:
        index = index.long()
    _check_bounds(index._data, input._data.shape[d] if nd else 1, d)
    return _out(run(GatherBackward0(d, index), input), out)


def take_along_dim(input, indices, dim=None, *, out=None):
    """Values of `input` at `indices` along `dim` (both broadcast); flattened when dim is None."""
    if indices._dtype is not D.int64:
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got %s"
                           % _legacy(indices._dtype))
    if dim is None:
        flat = input.reshape(-1)
        idx = indices.reshape(-1)
        return _out(flat.gather(0, idx), out)
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    if nd != indices._data.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number "
                           "of dimensions, but got %d dimensions for input, and %d dimensions for "
                           "indices" % (nd, indices._data.ndim))
    xs, js = list(input._data.shape), list(indices._data.shape)
    if nd:
        xs1, js1 = tuple(xs[:d] + [1] + xs[d + 1:]), tuple(js[:d] + [1] + js[d + 1:])
        try:
            others = np.broadcast_shapes(xs1, js1)
        except ValueError:
            from .index_dim import _size_mismatch
            raise RuntimeError(_size_mismatch(xs1, js1)) from None
        xs2, js2 = list(others), list(others)
        xs2[d], js2[d] = xs[d], js[d]
        input = input.expand(xs2) if xs2 != xs else input
        indices = indices.expand(js2) if js2 != js else indices
    n = input._data.shape[d] if nd else 1
    j = indices._data
    if n and j.size and (j.min() < 0 or j.max() >= n):
        indices = _T(j % n)  # PyTorch 2.13 wraps indices along a given dim around the size
    return _out(input.gather(d, indices), out)


# --- scatter --------------------------------------------------------------------------------------

def scatter_array(a, src, idx, dim, how=None):
    """A copy of array `a` with `src` written (how=None) or combined with the ufunc `how`
    (np.add, np.multiply, ...) at index array `idx` along `dim`."""
    out = a.copy()
    if out.ndim == 0 or idx.ndim == 0:
        view, where = out.reshape(-1), (idx.reshape(-1),)
        src = src.reshape(-1)[:idx.size] if src.ndim else src
    else:
        view, where = out, _coords(idx, dim)
        src = _head(src, idx.shape) if src.ndim else src
    if how is None:
        view[where] = src
    else:
        combine_at(how, view, where, src)
    return out


# the ufuncs whose ``at`` CuPy implements (as scatter kernels)
_DEVICE_AT = ("add", "subtract", "maximum", "minimum")


def combine_at(how, view, where, src):
    """``how.at(view, where, src)``: combines `src` into `view` in place, repeated indices
    included. CuPy scatters add, subtract, maximum and minimum; other ufuncs (multiply)
    combine on the host and the result is copied back."""
    if how.__name__ in _DEVICE_AT or array_module(view) is np:
        how.at(view, where, src)
    else:
        view[...] = on_host(_combined)(how, view, src, *where)


def _combined(how, view, src, *where):
    out = view.copy()
    how.at(out, where, src)
    return out


_SCATTER_HOW = {None: None, "add": np.add, "multiply": np.multiply}


class ScatterBackward0(Op):
    """out = input with src written at the indexed positions (src given as a tensor)."""

    def __init__(self, dim, index, reduce=None):
        self.dim, self.index, self.reduce = dim, index, reduce

    def forward(self, a, src):
        return scatter_array(a, src, self.index._data, self.dim, _SCATTER_HOW[self.reduce])

    def backward(self, g):
        if self.reduce is not None:
            raise RuntimeError("derivative for aten::scatter is not implemented")
        ga = g.scatter(self.dim, self.index, 0)
        gs = _pad_to(g.gather(self.dim, self.index), self._in_meta[1])
        return ga, gs


def _pad_to(g, meta):
    """`g` zero-padded at the end of each dim to the shape in `meta` (src larger than index)."""
    if meta is None:
        return None
    shape = meta[0]
    if tuple(g.shape) == tuple(shape):
        return g
    out = g.new_zeros(shape)
    if g.dim() == 0 or len(shape) == 0:
        return out.reshape(-1).index_copy(0, _T(g._xp.zeros(1, np.int64)),
                                          g.reshape(-1)).reshape(shape)
    key = tuple(slice(0, n) for n in g.shape)
    return _place(g, shape, key)


def _place(g, shape, key):
    from .index import place
    return place(g, shape, key)


class ScatterBackward1(ScatterBackward0):
    """scatter with a scalar value."""

    def __init__(self, dim, index, value, reduce=None):
        ScatterBackward0.__init__(self, dim, index, reduce)
        self.value = value

    def forward(self, a):
        value = array_module(a).asarray(self.value).astype(a.dtype)
        return scatter_array(a, value, self.index._data, self.dim, _SCATTER_HOW[self.reduce])

    def backward(self, g):
        if self.reduce is not None:
            raise RuntimeError("derivative for aten::scatter is not implemented")
        return g.scatter(self.dim, self.index, 0)


def _check_scatter(x, d, index, src, name="scatter"):
    check_index_dtype(index, "scatter")
    nd, ni = x._data.ndim, index._data.ndim
    if max(nd, 1) != max(ni, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src is not None:
        if src._dtype is not x._dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        if max(src._data.ndim, 1) != max(ni, 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if nd and ni:
        xs, js = x._data.shape, index._data.shape
        ss = src._data.shape if src is not None and src._data.ndim else None
        bad = any(k != d and js[k] > xs[k] for k in range(nd))
        bad_src = ss is not None and any(js[k] > ss[k] for k in range(nd))
        if bad or bad_src:
            msg = "Expected index %s to be no larger than self %s apart from dimension %d" % (
                list(js), list(xs), d)
            if src is not None:
                msg += " and to be no larger size than src %s" % list(src._data.shape)
            raise RuntimeError(msg)
    _check_bounds(index._data, x._data.shape[d] if nd else 1, d)


def scatter(input, dim, index, src=None, value=None, *, reduce=None, out=None):
    """A copy of `input` with `src` (or the scalar `value`) written at `index` along `dim`;
    ``reduce='add'`` / ``'multiply'`` combines instead of overwriting."""
    if src is None and value is None:
        raise TypeError("scatter() missing 1 required positional argument: 'src' or 'value'")
    if src is not None and not is_tensor(src):
        src, value = None, src
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    _check_scatter(input, d, index, src)
    if index._dtype is not D.int64:
        index = index.long()
    if src is None:
        if is_tensor(value):
            value = value.item()
        return _out(run(ScatterBackward1(d, index, value, reduce), input), out)
    return _out(run(ScatterBackward0(d, index, reduce), input, src), out)


class ScatterAddBackward0(Op):
    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, a, src):
        return scatter_array(a, src, self.index._data, self.dim, np.add)

    def backward(self, g):
        return g, _pad_to(g.gather(self.dim, self.index), self._in_meta[1])


def scatter_add(input, dim, index, src, *, out=None):
    """A copy of `input` with `src` added at `index` along `dim` (repeated indices add up)."""
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    _check_scatter(input, d, index, src)
    if index._dtype is not D.int64:
        index = index.long()
    return _out(run(ScatterAddBackward0(d, index), input, src), out)


# --- scatter_reduce -------------------------------------------------------------------------------

_REDUCE_AT = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum,
              "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


class ScatterReduceBackward0(Op):
    """out = input where the src values scattered to each position are reduced into it."""
    saved_inputs = (0, 1)
    saves_output = True

    def __init__(self, dim, index, reduce, include_self, node_name="ScatterReduceBackward0"):
        self.dim, self.index, self.reduce, self.include_self = dim, index, reduce, include_self
        self.node_name = node_name

    def name(self):
        return self.node_name

    def forward(self, a, src):
        idx, d = self.index._data, self.dim
        base, xp = a, array_module(a)
        if not self.include_self:
            base = scatter_array(a, xp.asarray(_identity(self.reduce, a.dtype), a.dtype), idx, d)
        out = scatter_array(base, src, idx, d, _REDUCE_AT[self.reduce])
        if self.reduce == "mean":
            count = xp.full(a.shape, 1 if self.include_self else 0, dtype=np.int64)
            count = np.maximum(scatter_array(count, xp.ones((), np.int64), idx, d, np.add), 1)
            if a.dtype.kind in "fc":
                out = (out / count).astype(a.dtype)
            else:
                out = np.floor_divide(out, count).astype(a.dtype)
        return out

    def backward(self, g):
        x, src = self.saved_tensors
        out = self.saved_output
        d, index = self.dim, self.index
        if src.dim() and index.shape != src.shape:
            src = src[tuple(slice(0, n) for n in index.shape)]
        hit = x.new_zeros(x.shape, dtype=D.bool_).scatter(d, index, True)  # scattered positions
        if self.reduce == "sum":
            ga = g if self.include_self else g.masked_fill(hit, 0)
            gs = g.gather(d, index)
        elif self.reduce == "mean":
            ones = x.new_ones(x.shape) if self.include_self else x.new_zeros(x.shape)
            count = ones.scatter_add(d, index, src.new_ones(src.shape).expand_as(index)
                                     if not src.dim() else src.new_ones(src.shape))
            count = count.clamp(min=1)
            ga = g / count if self.include_self else (g / count).masked_fill(hit, 0)
            gs = (g / count).gather(d, index)
        elif self.reduce == "prod":
            ga, gs = self._prod_grads(g, x, src, out, hit)
        else:
            # amax/amin: the gradient is shared evenly by every value equal to the result
            self_eq = (x == out)
            if not self.include_self:
                self_eq = self_eq & ~hit
            src_eq = src == out.gather(d, index)
            n = self_eq.to(g.dtype).scatter_add(d, index, src_eq.to(g.dtype))
            share = g / n.clamp(min=1)
            ga = share.masked_fill(~self_eq, 0)
            gs = share.gather(d, index).masked_fill(~src_eq, 0)
        return ga, _pad_to(gs, self._in_meta[1])

    def _prod_grads(self, g, x, src, out, hit):
        """d(product)/d(factor) = product of the other factors, exact when factors are zero."""
        d, index = self.dim, self.index
        x_in = x if self.include_self else x.masked_fill(hit, 1)
        # product of the non-zero factors and the number of zero factors per position
        nz_x = x_in.masked_fill(x_in == 0, 1)
        nz_src = src.masked_fill(src == 0, 1)
        prod_nz = nz_x.scatter_reduce(d, index, nz_src, "prod")
        zeros = (x_in == 0).to(g.dtype).scatter_add(d, index, (src == 0).to(g.dtype))

        def others(v, prod_nz_v, zeros_v, out_v):
            safe_v = v.masked_fill(v == 0, 1)
            return (out_v / safe_v).where(v != 0, prod_nz_v.masked_fill(zeros_v != 1, 0))

        ga = g * others(x_in, prod_nz, zeros, out)
        if not self.include_self:
            ga = ga.masked_fill(hit, 0)
        gs = g.gather(d, index) * others(src, prod_nz.gather(d, index), zeros.gather(d, index),
                                         out.gather(d, index))
        return ga, gs


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """A copy of `input` with the `src` values scattered to each position reduced with
    'sum', 'prod', 'mean', 'amax' or 'amin' (together with the input's value when include_self)."""
    if reduce not in _REDUCE_AT:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got %s"
                           % reduce)
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    _check_scatter(input, d, index, src)
    if index._dtype is not D.int64:
        index = index.long()
    op = ScatterReduceBackward0(d, index, reduce, include_self)
    return _out(run(op, input, src), out)
