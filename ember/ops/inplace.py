"""In-place ops (``add_``, ``x[i] = v``, ``copy_``): compute out of place, write back.

Without autograd the result is simply written into the tensor's memory. When the graph
is being recorded, the tensor takes the result's ``grad_fn`` (PyTorch's "rebase"); when
the tensor is a view, its base gets a `CopySlices` node, so gradients flow through
``x[0] *= 2`` as in PyTorch. Every in-place op bumps the shared version counter, which
saved tensors check at backward time.
"""
import numpy as np

from .. import _dtype as D
from ..autograd import grad_mode
from ..autograd.graph import edge_of
from ._op import Op, is_tensor, run

_state = grad_mode.state


def _legacy(dt):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "bfloat16": "BFloat16", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}.get(dt.name, dt.name)


def check_leaf(t):
    if _state.enabled and t._rg:
        if t.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        if t._base is not None and t._base._rg and t._base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")


def write(t, result):
    """Writes tensor `result` into `t` in place, recording the graph if needed."""
    if result._dtype is not t._dtype:
        if not D.can_cast(result._dtype, t._dtype):
            raise RuntimeError("result type %s can't be cast to the desired output type %s"
                               % (_legacy(result._dtype), _legacy(t._dtype)))
        result = result.to(t._dtype)
    data = result._data
    if data.shape != t._data.shape:
        try:
            if np.broadcast_shapes(data.shape, t._data.shape) != t._data.shape:
                raise ValueError
        except ValueError:
            raise RuntimeError("output with shape %s doesn't match the broadcast shape %s"
                               % (list(t._data.shape),
                                  list(np.broadcast_shapes(data.shape, t._data.shape)))) from None
    if not t._data.flags.writeable:
        t._data = t._data.copy() if t._data.base is None else t._data
    t._data[...] = data
    t._bump()
    if _state.enabled and result._rg:
        _rebase(t, result)
    return t


def apply_(t, fn, *args, **kwargs):
    """``t.op_(*args)``: ``fn(t, *args)`` computed out of place, written back into `t`."""
    if not _state.enabled:
        return write(t, fn(t, *args, **kwargs))
    grad = t._rg or any(is_tensor(a) and a._rg for a in args)
    if not grad:
        with grad_mode.no_grad():
            return write(t, fn(t, *args, **kwargs))
    check_leaf(t)
    # the op may save its input for backward: give it a copy that the write cannot change
    src = t.clone() if t._rg else t.detach().clone()
    return write(t, fn(src, *args, **kwargs))


class CopySlices(Op):
    """The base's new grad_fn after one of its views was changed in place."""

    def __init__(self, view_fn, shape):
        self.view_fn, self.shape = view_fn, shape

    def name(self):
        return "torch::autograd::CopySlices"

    def backward(self, g):
        from .._tensor import Tensor
        mask = Tensor._make(g._xp.zeros(self.shape, dtype=np.bool_))
        self.view_fn(mask)._data[...] = True
        return g.masked_fill(mask, 0), self.view_fn(g)


def _rebase(t, result):
    base = t._base
    if base is None:
        t.grad_fn, t._output_nr, t._rg = result.grad_fn, result._output_nr, True
        return
    node = CopySlices(t._view_fn, base._data.shape)
    node.next_functions = (edge_of(base), edge_of(result))
    node._in_meta = [(base.shape, base._dtype) if base._rg else None,
                     (result.shape, result._dtype)]
    base.grad_fn, base._output_nr, base._rg = node, 0, True
    fresh = t._view_fn(base)
    t.grad_fn, t._output_nr, t._rg = fresh.grad_fn, fresh._output_nr, True


class CopyBackwards(Op):
    def forward(self, dst, src):
        return np.broadcast_to(src, dst.shape).astype(dst.dtype, copy=True)

    def backward(self, g):
        return g * 0, g


def copy_(t, src, non_blocking=False):
    """Copies `src` (broadcast, cast) into `t`."""
    if not is_tensor(src):
        from .._creation import tensor
        src = tensor(src, dtype=t._dtype)
    if src.device != t.device:
        src = src.to(t.device)
    if src._dtype is not t._dtype:
        src = src.to(t._dtype)
    try:
        np.broadcast_shapes(src._data.shape, t._data.shape) == t._data.shape or _bad()
    except ValueError:
        raise RuntimeError("The size of tensor a (%d) must match the size of tensor b (%d) at "
                           "non-singleton dimension %d"
                           % (t._data.shape[-1] if t._data.ndim else 1,
                              src._data.shape[-1] if src._data.ndim else 1, 0)) from None
    if _state.enabled and (t._rg or src._rg):
        check_leaf(t)
        result = run(CopyBackwards(), t.detach(), src)
        return write(t, result)
    t._data[...] = src._data
    t._bump()
    return t


def _bad():
    raise ValueError


def setitem(t, key, value):
    """``t[key] = value``: basic keys write through a view, advanced ones use index_put_."""
    from .index import convert_key, index_put
    k, basic = convert_key(t, key)
    if basic:
        view = t[key]
        copy_(view, value) if is_tensor(value) and (value._rg or view._rg) else _fill_view(view, value)
        return
    if not is_tensor(value):
        from .._creation import tensor
        value = tensor(value, dtype=t._dtype, device=t.device)
    if _state.enabled and (t._rg or value._rg):
        check_leaf(t)
        write(t, index_put(t.detach() if not t._rg else t.clone(), key, value))
        return
    t._data[k] = value._data.astype(t._dtype.np, copy=False)
    t._bump()


def _fill_view(view, value):
    if is_tensor(value):
        if value._data.shape != view._data.shape:
            try:
                np.broadcast_to(value._data, view._data.shape)
            except ValueError:
                raise RuntimeError("The expanded size of the tensor (%d) must match the existing "
                                   "size (%d) at non-singleton dimension 0.  Target sizes: %s.  "
                                   "Tensor sizes: %s"
                                   % (view._data.shape[0] if view._data.ndim else 1,
                                      value._data.shape[0] if value._data.ndim else 1,
                                      list(view._data.shape), list(value._data.shape))) from None
        value = value._data
    view._data[...] = value
    view._bump()
