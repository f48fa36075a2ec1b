"""Diagonals and slices written into copies: diag, diag_embed, diagflat, diagonal_scatter,
select_scatter, slice_scatter, fill_diagonal_, trace, tril/triu_indices, plus kron and cross."""
import warnings

import numpy as np

from .. import _dtype as D
from .._device import array_module, strided_view
from ._op import Op, as_0d, norm_dim, promote, run
from .index_gather import _legacy, _out, _T


def diagonal_view(a, offset, d1, d2):
    """A writable NumPy view of the `offset` diagonal of dims d1, d2 (last axis of the view)."""
    n1, n2 = a.shape[d1], a.shape[d2]
    r0, c0 = max(-offset, 0), max(offset, 0)
    length = max(0, min(n1 - r0, n2 - c0))
    key = [slice(None)] * a.ndim
    key[d1], key[d2] = slice(min(r0, n1), None), slice(min(c0, n2), None)
    sub = a[tuple(key)]
    keep = [k for k in range(a.ndim) if k not in (d1, d2)]
    shape = tuple(a.shape[k] for k in keep) + (length,)
    strides = tuple(sub.strides[k] for k in keep) + (sub.strides[d1] + sub.strides[d2],)
    return strided_view(sub, shape, strides)


# --- diag_embed / diag / diagflat -----------------------------------------------------------------

class DiagEmbedBackward0(Op):
    def __init__(self, offset, d1, d2):
        self.offset, self.d1, self.d2 = offset, d1, d2

    def forward(self, a):
        n = a.shape[-1] + abs(self.offset)
        shape = list(a.shape[:-1])
        for d in sorted((self.d1, self.d2)):
            shape.insert(d, n)
        out = array_module(a).zeros(shape, dtype=a.dtype)
        diagonal_view(out, self.offset, self.d1, self.d2)[...] = a
        return out

    def backward(self, g):
        return g.diagonal(self.offset, self.d1, self.d2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonals (dims dim1, dim2) are filled by the last dim of `input`."""
    nd = input._data.ndim + 1
    d1, d2 = norm_dim(dim1, nd), norm_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError("diagonal dimensions cannot be identical %d, %d" % (dim1, dim2))
    if nd == 1:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got %d)"
                         % dim1)
    return run(DiagEmbedBackward0(offset, d1, d2), input)


class DiagonalBackward0_copy(Op):
    """diag of a matrix: a copy of one of its diagonals."""

    def __init__(self, offset):
        self.offset = offset

    def forward(self, a):
        self.in_shape = a.shape
        return np.diagonal(a, self.offset).copy()

    def backward(self, g):
        return g.new_zeros(self.in_shape).diagonal_scatter(g, self.offset)


def diag(input, diagonal=0, *, out=None):
    """Of a vector: the square matrix with it on a diagonal; of a matrix: that diagonal."""
    nd = input._data.ndim
    if nd == 1:
        return _out(run(DiagEmbedBackward0(diagonal, 0, 1), input), out)
    if nd == 2:
        return _out(run(DiagonalBackward0_copy(diagonal), input), out)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got %dD" % nd)


def diagflat(input, offset=0):
    """The flattened `input` placed on a diagonal of a square matrix."""
    return run(DiagEmbedBackward0(offset, 0, 1), input.reshape(-1))


# --- *_scatter: a copy with one view of it replaced -----------------------------------------------

def _src_check(src, view_shape):
    if tuple(src._data.shape) != tuple(view_shape):
        raise RuntimeError("expected src to have a size equal to the slice of self. src size = %s, "
                           "slice size = %s" % (list(src._data.shape), list(view_shape)))


class DiagonalScatterBackward0(Op):
    def __init__(self, offset, d1, d2):
        self.offset, self.d1, self.d2 = offset, d1, d2

    def forward(self, a, src):
        out = a.copy()
        diagonal_view(out, self.offset, self.d1, self.d2)[...] = src
        return out

    def backward(self, g):
        o, d1, d2 = self.offset, self.d1, self.d2
        gd = g.diagonal(o, d1, d2)
        return g.diagonal_scatter(gd.new_zeros(gd.shape), o, d1, d2), gd


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of `input` with the diagonal (offset, dim1, dim2) replaced by `src`."""
    nd = input._data.ndim
    d1, d2 = norm_dim(dim1, nd), norm_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError("diagonal dimensions cannot be identical %d, %d" % (dim1, dim2))
    _src_check(src, diagonal_view(input._data, offset, d1, d2).shape)
    src = src.to(input._dtype) if src._dtype is not input._dtype else src
    return run(DiagonalScatterBackward0(offset, d1, d2), input, src)


class _KeyScatter(Op):
    """A copy of the input with the basic-index view `key` replaced by src."""

    def __init__(self, key, node_name):
        self.key, self.node_name = key, node_name

    def name(self):
        return self.node_name

    def forward(self, a, src):
        out = a.copy()
        out[self.key] = src
        return out

    def backward(self, g):
        part = g[self.key]
        return run(_KeyScatter(self.key, self.node_name), g, part.new_zeros(part.shape)), part


def select_scatter(input, src, dim, index):
    """A copy of `input` with ``input.select(dim, index)`` replaced by `src`."""
    view = input.select(dim, index)
    _src_check(src, view._data.shape)
    d = norm_dim(dim, input._data.ndim)
    key = (slice(None),) * d + (int(index) % input._data.shape[d],)
    src = src.to(input._dtype) if src._dtype is not input._dtype else src
    return run(_KeyScatter(key, "SelectScatterBackward0"), input, src)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of `input` with ``input[..., start:end:step, ...]`` (along dim) replaced by src."""
    d = norm_dim(dim, input._data.ndim)
    key = (slice(None),) * d + (slice(start, end, step),)
    _src_check(src, input._data[key].shape)
    src = src.to(input._dtype) if src._dtype is not input._dtype else src
    return run(_KeyScatter(key, "SliceScatterBackward0"), input, src)


def _diagonal_mask(shape, wrap, xp):
    """Boolean mask of the main diagonal of `shape` (a 2-D tall matrix repeats it if wrap),
    made by the array module `xp`."""
    mask = xp.zeros(shape, dtype=np.bool_)
    flat = mask.reshape(-1)
    if len(shape) == 2:
        rows, cols = shape
        step = cols + 1
        stop = flat.size if wrap and rows > cols else min(rows, cols) * cols
        flat[0:stop:step] = True
    else:
        n = shape[0]
        step = sum(int(np.prod(shape[k + 1:])) for k in range(len(shape)))
        flat[0:n * step:step] = True
    return mask


def fill_diagonal_(self, fill_value, wrap=False):
    """Fills the main diagonal of `self` in place (all dims equal when there are more than 2)."""
    shape = self._data.shape
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    mask = _T(_diagonal_mask(shape, wrap, self._xp))
    value = np.asarray(fill_value).astype(self._dtype.np).item()
    from .inplace import apply_
    return apply_(self, lambda t: t.masked_fill(mask, value))


# --- trace / tril_indices / triu_indices ----------------------------------------------------------

class TraceBackward0(Op):
    def forward(self, a):
        self.in_shape = a.shape
        dt = np.int64 if a.dtype.kind in "iub" else a.dtype
        return as_0d(np.trace(a, dtype=dt))

    def backward(self, g):
        n = min(self.in_shape)
        return g.new_zeros(self.in_shape).diagonal_scatter(g.expand(n))


def trace(input):
    """Sum of the main diagonal of a matrix (integers sum in int64)."""
    if input._data.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim %d"
                           % input._data.ndim)
    if input._dtype is D.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return run(TraceBackward0(), input)


def _tri_indices(np_fn, name, row, col, offset, dtype, device):
    dt = D.to_dtype(dtype) if dtype is not None else D.int64
    if dt not in (D.int64, D.int32):
        raise NotImplementedError("\"%s\" not implemented for '%s'" % (name, _legacy(dt)))
    r, c = np_fn(row, offset, col)
    t = _T(np.stack([r, c]).astype(dt.np).reshape(2, -1))
    return t.to(device) if device is not None else t


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """Row and column indices (a 2 x N tensor) of the lower triangle of a row x col matrix."""
    return _tri_indices(np.tril_indices, "tril_indices", row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """Row and column indices (a 2 x N tensor) of the upper triangle of a row x col matrix."""
    return _tri_indices(np.triu_indices, "triu_indices", row, col, offset, dtype, device)


# --- kron / cross ---------------------------------------------------------------------------------

def kron(input, other, *, out=None):
    """Kronecker product: every element of `input` times the whole of `other`, as blocks."""
    a, b = promote(input, other)
    n = max(a.dim(), b.dim())
    sa = (1,) * (n - a.dim()) + tuple(a.shape)
    sb = (1,) * (n - b.dim()) + tuple(b.shape)
    ea = a.reshape([s for k in sa for s in (k, 1)])
    eb = b.reshape([s for k in sb for s in (1, k)])
    return _out((ea * eb).reshape([x * y for x, y in zip(sa, sb)]), out)


class LinalgCrossBackward0(Op):
    saved_inputs = (0, 1)

    def __init__(self, dim):
        self.dim = dim

    def forward(self, a, b):
        shape = np.broadcast_shapes(a.shape, b.shape)
        out = np.cross(np.broadcast_to(a, shape), np.broadcast_to(b, shape), axis=self.dim)
        return out.astype(a.dtype, copy=False)

    def backward(self, g):
        a, b = self.saved_tensors
        return (linalg_cross(b.conj(), g, dim=self.dim - g.dim()),
                linalg_cross(g, a.conj(), dim=self.dim - g.dim()))


def linalg_cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along `dim` (``torch.linalg.cross``; inputs broadcast)."""
    if input._dtype is not other._dtype:
        raise RuntimeError("expected scalar type %s but found %s"
                           % (_legacy(input._dtype), _legacy(other._dtype)))
    if input._dtype is D.bool_:
        raise NotImplementedError("\"cross\" not implemented for 'Bool'")
    nd = max(input._data.ndim, other._data.ndim)
    d = norm_dim(dim, nd)
    _broadcast_shape(input, other)
    na = input._data.shape[d - nd + input._data.ndim] if input._data.ndim else 1
    nb = other._data.shape[d - nd + other._data.ndim] if other._data.ndim else 1
    if na != 3 or nb != 3:
        raise RuntimeError("linalg.cross: inputs dimension %d must have length 3. Got %d and %d"
                           % (d, na, nb))
    return _out(run(LinalgCrossBackward0(d), input, other), out)


def cross(input, other, dim=None, *, out=None):
    """Cross product along `dim`; without dim, the first dim of size 3 (deprecated in PyTorch)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        shape = _broadcast_shape(input, other)
        if 3 not in shape:
            raise RuntimeError("no dimension of size 3 in input")
        dim = list(shape).index(3)
    return linalg_cross(input, other, dim=dim, out=out)


def _broadcast_shape(a, b):
    try:
        return np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        from .index_dim import _size_mismatch
        raise RuntimeError(_size_mismatch(a._data.shape, b._data.shape)) from None
