"""Ops with a vector of indices along one dimension (index_select, index_add, index_copy,
index_fill, index_reduce), flat indices (take, put) and masks (masked_select, masked_scatter)."""
import numpy as np

from .. import _dtype as D
from ._op import Op, is_tensor, norm_dim, run
from .index_gather import _legacy, _out, _T


def _index_vector(index, name, prefix):
    """`index` as a 1-D int64 array, with PyTorch's dtype and rank checks."""
    if index._data.ndim > 1:
        raise IndexError("%s(): Index is supposed to be a vector" % name if prefix is None else
                         prefix % (index._data.ndim, _legacy(index._dtype),
                                   list(index._data.shape)))
    return index._data.reshape(-1).astype(np.int64, copy=False)


def _along(d, idx):
    """A NumPy key addressing positions `idx` along dim `d`."""
    return (slice(None),) * d + (idx,)


# --- index_select ---------------------------------------------------------------------------------

class IndexSelectBackward0(Op):
    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, a):
        self.in_shape = a.shape
        idx = self.index._data
        if a.ndim == 0:
            return a.reshape(-1)[idx].reshape(())
        return np.take(a, idx, axis=self.dim)

    def backward(self, g):
        return g.new_zeros(self.in_shape).index_add(self.dim, self.index, g)


def index_select(input, dim, index, *, out=None):
    """The slices of `input` along `dim` at the positions in the vector `index`."""
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    idx = _index_vector(index, "index_select", None)
    if nd == 0 and idx.size != 1:
        raise RuntimeError("index_select(): Index to scalar can have only 1 value, got %d value(s)"
                           % idx.size)
    n = input._data.shape[d] if nd else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        if d == 0 or nd == 1:
            raise IndexError("index out of range in self")
        bad = idx[np.flatnonzero((idx < 0) | (idx >= n))[0]]
        raise RuntimeError("INDICES element is out of DATA bounds, id=%d axis_dim=%d" % (bad, n))
    return _out(run(IndexSelectBackward0(d, _T(idx)), input), out)


# --- index_add / index_copy -----------------------------------------------------------------------

def _check_source(name, x, d, idx, source, count_error):
    """`source` must have `input`'s shape except along `d`, where it has len(index) entries."""
    xs, ss = x._data.shape, source._data.shape
    same_rank = len(xs) == len(ss)
    if not same_rank or any(xs[k] != ss[k] for k in range(len(xs)) if k != d):
        if name == "index_copy_" and same_rank:
            k = next(k for k in range(len(xs)) if k != d and xs[k] != ss[k])
            j = k if k < d else k - 1     # the dim's number in the slice shape (dim removed)
            raise RuntimeError("index_copy_(): Source/destination tensor must have same slice "
                               "shapes. Destination slice shape: %d at dimension %d and source "
                               "slice shape: %d at dimension %d." % (xs[k], j, ss[k], j))
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the "
                           "specified dimension. Got self.shape = %s source.shape = %s"
                           % (list(xs), list(ss)))
    n_src = ss[d] if ss else 1
    if idx.size != n_src:
        raise count_error(idx.size, n_src)


class IndexAddBackward0(Op):
    def __init__(self, dim, index, alpha):
        self.dim, self.index, self.alpha = dim, index, alpha

    def forward(self, a, src):
        out = a.copy()
        src = src * self.alpha if self.alpha != 1 else src
        if a.ndim == 0:
            out[...] = out + src.reshape(())
            return out
        np.add.at(out, _along(self.dim, self.index._data), src.astype(a.dtype, copy=False))
        return out

    def backward(self, g):
        gs = g.index_select(self.dim, self.index)
        if g.dim() == 0:
            gs = gs.reshape(self._in_meta[1][0]) if self._in_meta[1] else gs
        return g, gs * self.alpha if self.alpha != 1 else gs


def index_add(input, dim, index, source, *, alpha=1, out=None):
    """A copy of `input` with ``alpha * source`` added at the positions `index` along `dim`."""
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError("index_add_(): Expected dtype int32/int64 for index but got: %s"
                           % _legacy(index._dtype))
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    idx = _index_vector(index, None, "index_add_(): Index is supposed to be a vector, but got dim: "
                                     "%d with type: %s and size: %s")
    if source._dtype is not input._dtype:
        raise RuntimeError("index_add_(): self (%s) and source (%s) must have the same scalar type"
                           % (_legacy(input._dtype), _legacy(source._dtype)))
    _check_source("index_add_", input, d, idx, source, lambda n, m: RuntimeError(
        "index_add_(): Number of indices (%d) should be equal to source.size(dim): (%d), for dim:"
        " %d" % (n, m, d)))
    n = input._data.shape[d] if nd else 1
    from .index_gather import _check_bounds
    _check_bounds(idx, n, d)
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        alpha = int(alpha)
    return _out(run(IndexAddBackward0(d, _T(idx), alpha), input, source), out)


class IndexCopyBackward0(Op):
    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, a, src):
        out = a.copy()
        if a.ndim == 0:
            out[...] = src.reshape(())
        else:
            out[_along(self.dim, self.index._data)] = src
        return out

    def backward(self, g):
        gs = g.index_select(self.dim, self.index)
        if g.dim() == 0 and self._in_meta[1]:
            gs = gs.reshape(self._in_meta[1][0])
        return g.index_fill(self.dim, self.index, 0), gs


def index_copy(input, dim, index, source, *, out=None):
    """A copy of `input` with the slices of `source` written at the positions `index`."""
    if index._dtype is not D.int64:
        raise RuntimeError("index_copy_(): Expected a long tensor for index, but got %s"
                           % _legacy(index._dtype))
    if index._data.ndim > 1:
        raise IndexError("index_copy_(): Index should have dimension 1 or 0 (got %d)"
                         % index._data.ndim)
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    idx = index._data.reshape(-1)
    if source._dtype is not input._dtype:
        raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but got"
                           " (self) %s and (source) %s"
                           % (_legacy(input._dtype), _legacy(source._dtype)))
    _check_source("index_copy_", input, d, idx, source, lambda n, m: IndexError(
        "index_copy_(): Number of indices (%d) should be equal to source.size(dim) (%d)" % (n, m)))
    from .index_gather import _check_bounds
    _check_bounds(idx, input._data.shape[d] if nd else 1, d, IndexError, "index_copy_(): ")
    return _out(run(IndexCopyBackward0(d, _T(idx)), input, source), out)


# --- index_fill -----------------------------------------------------------------------------------

class IndexFillBackward0(Op):
    """index_fill with a Python number."""

    def __init__(self, dim, index, value):
        self.dim, self.index, self.value = dim, index, value

    def forward(self, a):
        out = a.copy()
        view = out.reshape(1) if a.ndim == 0 else out
        view[_along(self.dim, self.index._data)] = self.value
        return out

    def backward(self, g):
        return g.index_fill(self.dim, self.index, 0)


class IndexFillBackward1(Op):
    """index_fill with a 0-d tensor value (which gets the sum of the filled gradients)."""

    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, a, value):
        return IndexFillBackward0(self.dim, self.index, value.astype(a.dtype)).forward(a)

    def backward(self, g):
        return g.index_fill(self.dim, self.index, 0), g.index_select(self.dim, self.index).sum()


def index_fill(input, dim, index, value):
    """A copy of `input` with the slices at positions `index` along `dim` set to `value`."""
    if index._dtype is not D.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index._data.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    idx = index._data.reshape(-1)
    n = input._data.shape[d] if nd else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[np.flatnonzero((idx < -n) | (idx >= n))[0]]
        raise IndexError("index %d is out of bounds for dimension %d with size %d" % (bad, d, n))
    idx = _T(np.where(idx < 0, idx + n, idx))
    if is_tensor(value):
        if value._data.ndim:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got "
                               "tensor with %d dimension(s)." % value._data.ndim)
        if value._rg:
            return run(IndexFillBackward1(d, idx), input, value)
        value = value.item()
    value = input._xp.asarray(value).astype(input._dtype.np)
    return run(IndexFillBackward0(d, idx, value), input)


# --- index_reduce ---------------------------------------------------------------------------------

def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None):
    """Reduces the slices of `source` into `input` at positions `index` along `dim` with
    'prod', 'mean', 'amax' or 'amin' (built on scatter_reduce)."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError("index_reduce(): Expected reduce to be one of prod, mean, amax or amin "
                           "but got %s." % reduce)
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError("index_reduce_(): Expected dtype int32/int64 for index but got: %s"
                           % _legacy(index._dtype))
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    idx = _index_vector(index, None, "index_reduce_(): Index is supposed to be a vector, but got "
                                     "dim: %d with type: %s and size: %s")
    if source._dtype is not input._dtype:
        raise RuntimeError("index_reduce_(): self (%s) and source (%s) must have the same scalar "
                           "type" % (_legacy(input._dtype), _legacy(source._dtype)))
    _check_source("index_reduce_", input, d, idx, source, lambda n, m: RuntimeError(
        "index_reduce_(): Number of indices (%d) should be equal to source.size(dim): (%d), for "
        "dim: %d" % (n, m, d)))
    from .index_gather import _check_bounds
    _check_bounds(idx, input._data.shape[d] if nd else 1, d, IndexError)
    shape = [1] * max(nd, 1)
    shape[d] = idx.size
    full = _T(np.broadcast_to(idx.reshape(shape), source._data.shape or (1,)).reshape(
        source._data.shape))
    from .index_gather import ScatterReduceBackward0
    op = ScatterReduceBackward0(d, full, reduce, include_self, "IndexReduceBackward0")
    return _out(run(op, input, source), out)


# --- take / put -----------------------------------------------------------------------------------

def _flat_index(index, numel, name):
    if index._dtype is not D.int64:
        raise RuntimeError("%s(): Expected a long tensor for index, but got %s"
                           % (name, _legacy(index._dtype)))
    idx = index._data
    if idx.size and (idx.min() < -numel or idx.max() >= numel):
        bad = idx.reshape(-1)[np.flatnonzero((idx < -numel) | (idx >= numel))[0]]
        raise IndexError("out of range: tried to access index %d on a tensor of %d elements."
                         % (bad, numel))
    return np.where(idx < 0, idx + numel, idx) if idx.size and idx.min() < 0 else idx


class TakeBackward0(Op):
    def __init__(self, index):
        self.index = index

    def forward(self, a):
        self.in_shape = a.shape
        return a.reshape(-1)[self.index._data]

    def backward(self, g):
        return g.new_zeros(self.in_shape).put(self.index, g, accumulate=True)


def take(input, index, *, out=None):
    """The elements of `input` (read as 1-D) at the flat positions `index`."""
    idx = _flat_index(index, input._data.size, "take")
    if input._data.size == 0 and idx.size:
        raise IndexError("take(): tried to take from an empty tensor")
    return _out(run(TakeBackward0(_T(idx)), input), out)


class PutBackward0(Op):
    def __init__(self, index, accumulate):
        self.index, self.accumulate = index, accumulate

    def forward(self, a, src):
        out = a.copy()
        flat = out.reshape(-1)
        if self.accumulate:
            np.add.at(flat, self.index._data.reshape(-1), src.reshape(-1))
        else:
            flat[self.index._data.reshape(-1)] = src.reshape(-1)
        return out

    def backward(self, g):
        ga = g if self.accumulate else g.put(self.index, g.new_zeros(self.index.shape))
        gs = g.take(self.index)
        if self._in_meta[1] is not None:
            gs = gs.reshape(self._in_meta[1][0])
        return ga, gs


def put(input, index, source, accumulate=False):
    """A copy of `input` (read as 1-D) with `source` written (or added) at flat positions."""
    if index._dtype is not D.int64:
        raise RuntimeError("put_(): Expected a long tensor for index, but got %s"
                           % _legacy(index._dtype))
    if source._dtype is not input._dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got "
                           "self.dtype = %s and source.dtype = %s"
                           % (_legacy(input._dtype), _legacy(source._dtype)))
    if source._data.size != index._data.size:
        raise IndexError("put_(): Expected source and index to have the same number of elements, "
                         "but got source.numel() = %d, index.numel() = %d"
                         % (source._data.size, index._data.size))
    idx = _flat_index(index, input._data.size, "put_")
    return run(PutBackward0(_T(idx), accumulate), input, source)


# --- masks ----------------------------------------------------------------------------------------

class MaskedSelectBackward0(Op):
    def __init__(self, mask):
        self.mask = mask

    def forward(self, a):
        if a.shape != self.mask.shape:
            a = np.broadcast_to(a, self.mask.shape)
        return a[self.mask]

    def backward(self, g):
        return g.new_zeros(self.mask.shape).masked_scatter(_T(self.mask), g)


def masked_select(input, mask, *, out=None):
    """The elements of `input` where the boolean `mask` is True, as a 1-D tensor (both are
    broadcast)."""
    if mask._dtype is not D.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    try:
        shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    except ValueError:
        raise RuntimeError(_size_mismatch(mask._data.shape, input._data.shape)) from None
    m = mask._data if mask._data.shape == shape else np.broadcast_to(mask._data, shape)
    return _out(run(MaskedSelectBackward0(m), input), out)


def _size_mismatch(a, b):
    a, b = list(a), list(b)
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    for k in range(n - 1, -1, -1):
        if a[k] != b[k] and a[k] != 1 and b[k] != 1:
            return ("The size of tensor a (%d) must match the size of tensor b (%d) at "
                    "non-singleton dimension %d" % (a[k], b[k], k))
    return "shape mismatch"


class MaskedScatterBackward0(Op):
    def __init__(self, mask):
        self.mask = mask

    def forward(self, a, src):
        out = np.broadcast_to(a, self.mask.shape).copy()
        n = int(np.count_nonzero(self.mask))
        out[self.mask] = src.reshape(-1)[:n]
        return out

    def backward(self, g):
        mask = _T(self.mask)
        ga = g.masked_fill(mask, 0)
        gs = None
        meta = self._in_meta[1]
        if meta is not None:
            picked = g.masked_select(mask)
            numel = int(np.prod(meta[0]))
            rest = numel - picked.shape[0]
            if rest:
                from .shape import cat
                picked = cat([picked, picked.new_zeros(rest)])
            gs = picked.reshape(meta[0])
        return ga, gs


def masked_scatter(input, mask, source):
    """A copy of `input` with the elements of `source` (in order) written where `mask` is True."""
    if mask._dtype is not D.bool_:
        raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with dtype %s"
                           % _legacy(mask._dtype))
    if source._dtype is not input._dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got"
                           "%s and %s" % (_legacy(input._dtype), _legacy(source._dtype)))
    try:
        shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    except ValueError:
        raise RuntimeError(_size_mismatch(mask._data.shape, input._data.shape)) from None
    m = mask._data if mask._data.shape == shape else np.broadcast_to(mask._data, shape)
    if int(np.count_nonzero(m)) > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return run(MaskedScatterBackward0(m), input, source)
