"""Tensors built from other tensors or from a layout: vander, block_diag, unravel_index,
fill, scalar_tensor, empty_strided, empty_permuted."""
import math

import numpy as np

from .. import _dtype as D
from .._device import array_module
from ._op import Op, is_tensor, result_dtype, run


def vander(x, N=None, increasing=False):
    """Columns of powers of `x` (decreasing unless `increasing`); integers give int64.
    Built as PyTorch does: a ones matrix whose columns 1.. receive the running product."""
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dt = D.promote_types(x._dtype, D.int64)
    result = x.new_ones((x._data.shape[0], n), dtype=dt)
    if n > 1:
        result.narrow(1, 1, n - 1).copy_(x.unsqueeze(1))
        result.narrow(1, 1, n - 1).copy_(result.narrow(1, 1, n - 1).cumprod(1))
    return result if increasing else result.flip(1)


class BlockDiagBackward0(Op):
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, *arrays):
        shapes = [_as_2d_shape(a.shape) for a in arrays]
        self.shapes = [a.shape for a in arrays]
        rows = sum(s[0] for s in shapes)
        cols = sum(s[1] for s in shapes)
        xp = array_module(arrays[0]) if arrays else np
        out = xp.zeros((rows, cols), dtype=self.dtype.np)
        r = c = 0
        for a, (h, w) in zip(arrays, shapes):
            out[r:r + h, c:c + w] = a.reshape(h, w)
            r, c = r + h, c + w
        return out

    def backward(self, g):
        grads, r, c = [], 0, 0
        for i, shape in enumerate(self.shapes):
            h, w = _as_2d_shape(shape)
            if self._in_meta[i] is not None:
                grads.append(g[r:r + h, c:c + w].reshape(shape))
            else:
                grads.append(None)
            r, c = r + h, c + w
        return tuple(grads)


def _as_2d_shape(shape):
    if len(shape) == 2:
        return shape
    return (1, shape[0]) if len(shape) == 1 else (1, 1)


def block_diag(*tensors):
    """The tensors (at most 2-d each; 0-d and 1-d count as one row) along the diagonal of a
    zero matrix, in their common dtype."""
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError("torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               "Input %d has %d dimensions" % (i, t._data.ndim))
    if not tensors:
        from .._creation import empty
        return empty((1, 0))
    dt = result_dtype(*tensors)
    return run(BlockDiagBackward0(dt), *tensors)


def unravel_index(indices, shape):
    """The coordinates of flat `indices` in a tensor of `shape` (indices wrap around, as in
    PyTorch): a tuple of int64 tensors, one per dimension."""
    if not is_tensor(indices) or indices._dtype.is_floating_point or \
            indices._dtype.is_complex or indices._dtype is D.bool_:
        got = indices._dtype if is_tensor(indices) else type(indices).__name__
        raise TypeError("expected 'indices' to be integer dtype, but got %s" % (got,))
    if isinstance(shape, int):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not all(isinstance(s, int) for s in shape):
        raise TypeError("expected 'shape' to be int or sequence of ints, but got %s"
                        % type(shape).__name__)
    shape = tuple(shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got %s" % (shape,))
    coefs = [math.prod(shape[i + 1:]) for i in range(len(shape))] or [1]
    coef = _int64(coefs, indices)
    sizes = _int64(list(shape), indices)
    coords = indices.unsqueeze(-1).floor_divide(coef) % sizes
    return tuple(coords.unbind(-1))


def _int64(values, like):
    from .._tensor import Tensor
    return Tensor._make(like._xp.asarray(values, dtype=np.int64).reshape(len(values)), D.int64)


# --- fill ----------------------------------------------------------------------------------------

class FillBackward0(Op):
    """fill with a number."""

    def __init__(self, value):
        self.value = value

    def forward(self, a):
        return array_module(a).full(a.shape, self.value, dtype=a.dtype)

    def backward(self, g):
        return g.new_zeros(g.shape)


class FillBackward1(Op):
    """fill with a 0-d tensor (which gets the summed gradient)."""

    def forward(self, a, v):
        return array_module(a).full(a.shape, v, dtype=a.dtype)

    def backward(self, g):
        return (g.new_zeros(g.shape) if self._in_meta[0] is not None else None,
                g.sum() if self._in_meta[1] is not None else None)


def fill(input, value):
    """A new tensor like `input`, every element `value` (cast to input's dtype)."""
    if is_tensor(value):
        if value._data.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               "%d dimensions." % value._data.ndim)
        return run(FillBackward1(), input, value)
    dt = input._dtype
    v = complex(value) if dt.is_complex else float(value) if dt.is_floating_point else \
        bool(value) if dt is D.bool_ else int(value)
    return run(FillBackward0(v), input)


# --- factories -----------------------------------------------------------------------------------

def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=None,
                  requires_grad=False):
    """A 0-d tensor holding `s`, in the default float dtype unless `dtype` says otherwise."""
    from .._creation import _xp, _dt, _make, _finish
    dt = _dt(dtype)
    if is_tensor(s):
        s = s.item()
    if isinstance(s, complex) and not dt.is_complex:
        raise RuntimeError("value cannot be converted to type %s without overflow"
                           % ("float" if dt is D.float32 else dt.name))
    arr = _xp(device).asarray(s).astype(dt.np)
    return _finish(_make(arr, dt), requires_grad)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """Uninitialised memory seen through the given sizes and strides."""
    from .._creation import _xp, _dt, _finish
    from .._tensor import Tensor
    from .views import _strided
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    dt = _dt(dtype)
    n = 0 if 0 in size else 1 + sum((k - 1) * s for k, s in zip(size, stride))
    flat = _xp(device).empty(n, dtype=dt.np)
    return _finish(Tensor._make(_strided(flat, size, stride), dt), requires_grad)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    """Uninitialised memory of `size` whose dims lie in memory in `physical_layout` order."""
    from .._creation import empty
    size = tuple(int(s) for s in size)
    order = tuple(int(d) for d in physical_layout)
    if sorted(order) != list(range(len(size))):
        raise RuntimeError("Dimension mismatch")
    t = empty([size[d] for d in order], dtype=dtype, device=device)
    inverse = [order.index(d) for d in range(len(size))]
    out = t.permute(inverse).detach()
    if requires_grad:
        out.requires_grad_(True)
    return out


# --- kron ----------------------------------------------------------------------------------------

class UnsafeViewBackward0(Op):
    """A reshape that PyTorch records without view tracking (``_unsafe_view``)."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        self.in_shape = a.shape
        return a.reshape(self.shape)

    def backward(self, g):
        return g.reshape(self.in_shape)


def kron(input, other, *, out=None):
    """The Kronecker product: `input`'s dims interleaved with size-1 dims, times `other`'s
    likewise, then merged pairwise (PyTorch's steps, so the graph ends in UnsafeViewBackward0)."""
    n = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (n - input._data.ndim) + tuple(input.shape)
    sb = (1,) * (n - other._data.ndim) + tuple(other.shape)
    a = run(UnsafeViewBackward0(tuple(s for k in sa for s in (k, 1))), input)
    b = run(UnsafeViewBackward0(tuple(s for k in sb for s in (1, k))), other)
    r = run(UnsafeViewBackward0(tuple(x * y for x, y in zip(sa, sb))), a * b)
    if out is not None:
        from ._out import write_out
        return write_out(out, r)
    return r


class AsStridedScatterBackward0(Op):
    """PyTorch 2.13's backward gives `input` the gradient at the scattered positions (zero
    elsewhere), the same values `src` gets; ember returns the same gradients."""

    def __init__(self, size, stride, offset):
        self.size, self.stride, self.offset = size, stride, offset

    def forward(self, a, src):
        from .views import _strided
        out = array_module(a).ascontiguousarray(a).copy()
        _strided(out.reshape(-1)[self.offset:], self.size, self.stride)[...] = src
        return out

    def backward(self, g):
        gs = g.contiguous().as_strided(self.size, self.stride, self.offset)
        if self._in_meta[0] is None:
            return None, gs
        op = AsStridedScatterBackward0(self.size, self.stride, self.offset)
        return run(op, g.new_zeros(g.shape), gs), gs


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of `input` (contiguous) with `src` written through the strided view given by
    `size`, `stride` and `storage_offset` of that copy's memory."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if tuple(src.shape) != size:
        raise RuntimeError("expected src to have a size equal to the slice of self. src size = "
                           "%s, slice size = %s" % (list(src.shape), list(size)))
    if src._dtype is not input._dtype:
        src = src.to(input._dtype)
    return run(AsStridedScatterBackward0(size, stride, int(storage_offset or 0)), input, src)
