"""Indexing: ``x[key]`` and ``x[key] = v`` with PyTorch's rules, and the scatter-style
gradients of the view ops."""
import numpy as np

from .. import _dtype as D
from .._device import array_module
from ._op import Op, is_tensor, run
from ..autograd import grad_mode
from . import _op
from .views import IndexViewOp, basic_index
from .views import _link as link_view

_state = grad_mode.state


def _zeros(xp, shape, dtype):
    return xp.zeros(shape, dtype=dtype)


class Place(Op):
    """Zeros of `shape` with `g` written at basic index `key` (the gradient of ``x[key]``)."""

    def __init__(self, shape, key):
        self.shape, self.key = shape, key

    def forward(self, g):
        out = array_module(g).zeros(self.shape, dtype=g.dtype)
        out[self.key] = g
        return out

    def backward(self, gg):
        return gg[self.key]


def place(g, shape, key):
    return run(Place(shape, key), g)


# --- advanced indexing -------------------------------------------------------------------------------

def _is_basic(k):
    return k is None or k is Ellipsis or isinstance(k, (int, slice)) and not isinstance(k, bool)


def convert_key(x, key):
    """A Python/tensor index -> (key for NumPy, whether it is basic indexing only)."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    basic = True
    for k in key:
        if is_tensor(k):
            if k._data.ndim == 0 and k._dtype is not D.bool_ and not k._dtype.is_floating_point:
                k = int(k._data)
                out.append(k)
                continue
            if k._dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            k = k._data
            basic = False
        elif isinstance(k, (np.integer,)):
            k = int(k)
        elif isinstance(k, (list, np.ndarray)):
            k = np.asarray(k)
            if k.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if k.dtype == object:
                raise IndexError("too many indices for tensor")
            basic = False
        elif isinstance(k, bool):
            k = np.asarray(k)
            basic = False
        elif isinstance(k, float):
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                             "Variables are valid indices (got float)")
        elif not _is_basic(k):
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                             "Variables are valid indices (got %s)" % type(k).__name__)
        if isinstance(k, slice) and k.step is not None and k.step <= 0:
            raise ValueError("step must be greater than zero")
        out.append(k)
    _check_bounds(x._data.shape, out)
    xp = array_module(x._data)
    if xp is not np:        # lists became host arrays: index a device array with device arrays
        out = [xp.asarray(k) if type(k) is np.ndarray else k for k in out]
    return tuple(out), basic


def _check_bounds(shape, key):
    """PyTorch raises IndexError for out-of-range integers, with its own message."""
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis and not (
        isinstance(k, np.ndarray) and k.dtype == np.bool_ and k.ndim == 0))
    n_real += sum(k.ndim - 1 for k in key if isinstance(k, np.ndarray) and k.dtype == np.bool_
                  and k.ndim > 0)
    if n_real > len(shape):
        raise IndexError("too many indices for tensor of dimension %d" % len(shape))
    dim = 0
    for i, k in enumerate(key):
        if k is Ellipsis:
            dim = len(shape) - sum(1 for kk in key[i + 1:] if kk is not None and
                                   not (isinstance(kk, np.ndarray) and kk.dtype == np.bool_))
            continue
        if k is None:
            continue
        if isinstance(k, np.ndarray) and k.dtype == np.bool_:
            for j in range(k.ndim):
                if dim + j < len(shape) and k.shape[j] != shape[dim + j]:
                    raise IndexError("The shape of the mask %s at index %d does not match the shape"
                                     " of the indexed tensor %s at index %d"
                                     % (list(k.shape), j, list(shape), dim + j))
            dim += k.ndim
            continue
        if isinstance(k, int):
            n = shape[dim]
            if not -n <= k < n:
                raise IndexError("index %d is out of bounds for dimension %d with size %d"
                                 % (k, dim, n))
        elif isinstance(k, np.ndarray) and k.size:
            n = shape[dim]
            lo, hi = int(k.min()), int(k.max())
            if hi >= n or lo < -n:
                bad = hi if hi >= n else lo
                raise IndexError("index %d is out of bounds for dimension %d with size %d"
                                 % (bad, dim, n))
        dim += 1


class IndexBackward0(Op):
    """Advanced indexing: a copy gathered with integer arrays or boolean masks."""

    def __init__(self, key):
        self.key = key

    def forward(self, a):
        self.in_shape = a.shape
        return a[self.key]

    def backward(self, g):
        return run(IndexPutAccumulate(self.in_shape, self.key), g)


class IndexPutAccumulate(Op):
    """Zeros with `g` added at advanced index `key` (repeated indices accumulate)."""

    def __init__(self, shape, key):
        self.shape, self.key = shape, key

    def forward(self, g):
        out = array_module(g).zeros(self.shape, dtype=g.dtype)
        np.add.at(out, self.key, g)
        return out

    def backward(self, gg):
        return gg[self.key]

    def name(self):
        return "IndexPutBackward0"


def getitem(x, key):
    if key.__class__ is int and x._data.ndim:   # x[i]: the common case, checked cheaply
        n = x._data.shape[0]
        if not -n <= key < n:
            raise IndexError("index %d is out of bounds for dimension 0 with size %d" % (key, n))
        if x._rg and _state.enabled:
            return basic_index(x, (key,))
        if type(x) is not _op.Tensor:
            return basic_index(x, (key,))
        out = _op.wrap(x._data[key, ...], x._dtype)
        link_view(x, out, IndexViewOp((key,)))   # a view without a graph node (DataLoader path)
        return out
    k, basic = convert_key(x, key)
    if basic:
        return basic_index(x, k)
    return run(IndexBackward0(k), x)


class IndexPutBackward0(Op):
    """out = x with out[key] = v (or += v with accumulate)."""

    def __init__(self, key, accumulate):
        self.key, self.accumulate = key, accumulate

    def forward(self, a, v):
        out = a.copy()
        if self.accumulate:
            np.add.at(out, self.key, v)
        else:
            out[self.key] = v
        return out

    def backward(self, g):
        ga = g if self.accumulate else g.index_put((_key_tensor(self.key)), g.new_zeros(()))
        gv = _getitem_raw(g, self.key)
        return ga, gv


def _key_tensor(key):
    from .._tensor import Tensor
    return tuple(Tensor._make(k) if isinstance(k, np.ndarray) else k for k in key)


def _getitem_raw(x, key):
    if all(_is_basic(k) for k in key):
        return basic_index(x, key)
    return run(IndexBackward0(key), x)


def index_put(x, indices, values, accumulate=False):
    k, _ = convert_key(x, tuple(indices))
    if not is_tensor(values):
        values = x.new_tensor(values)
    if values._dtype is not x._dtype:
        values = values.to(x._dtype)
    try:
        target = np.broadcast_shapes(x._data[k].shape, values._data.shape)
    except ValueError:
        raise RuntimeError("shape mismatch: value tensor of shape %s cannot be broadcast to "
                           "indexing result of shape %s"
                           % (list(values.shape), list(x._data[k].shape))) from None
    del target
    return run(IndexPutBackward0(k, accumulate), x, values)


# --- gradients of strided views -----------------------------------------------------------------------

class _ScatterStrided(Op):
    """Zeros shaped like a view's input, with `g` added through the same strided view."""

    def __init__(self, view_op, make_view):
        self.view_op, self.make_view = view_op, make_view

    def forward(self, g):
        op = self.view_op
        xp = array_module(g)
        base = xp.zeros(int(np.prod(op.in_shape)) or 1, dtype=g.dtype)
        v = self.make_view(base)
        if getattr(op, "overlapping", True):
            # elements that appear several times in the view receive the sum of their gradients
            idx = self.make_view(xp.arange(base.size)).reshape(-1)
            np.add.at(base, idx, g.reshape(-1))
        else:
            v[...] = g
        return base[:int(np.prod(op.in_shape))].reshape(op.in_shape)

    def backward(self, gg):
        return self.view_op.replay(gg)


def as_strided_scatter_grad(g, op):
    """Gradient of as_strided for an input laid out contiguously (PyTorch's common case)."""
    from .views import _strided
    rel = (op.offset if op.offset is not None else op.in_offset) - op.in_offset
    return run(_ScatterStrided(op, lambda flat: _strided(flat[rel:], op.size, op.stride)), g)


def diagonal_scatter_grad(g, op):
    n = int(np.prod(op.in_shape))
    return run(_ScatterStrided(
        op, lambda flat: np.diagonal(flat[:n].reshape(op.in_shape), op.offset, op.d1, op.d2)), g)


def unfold_grad(g, op):
    from .views import unfold_array
    n = int(np.prod(op.in_shape))
    return run(_ScatterStrided(
        op, lambda flat: unfold_array(flat[:n].reshape(op.in_shape), op.dim, op.size, op.step)), g)
