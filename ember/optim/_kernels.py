"""Array updates in PyTorch's operation order, shared by the optimizers.

The optimizers work on the tensors' arrays (``t._data``) and write results in place, so a
parameter stays the same object (and views of it see the update). Each helper mirrors one
PyTorch in-place op, with the same order of operations so that float32 rounding agrees:

    add_(a, b, alpha)           a + alpha * b
    addcmul_(a, t1, t2, value)  a + value * t1 * t2
    addcdiv_(a, t1, t2, value)  a + value * t1 / t2
    lerp_(a, b, w)              a + w * (b - a)   (b - (b - a) * (1 - w) when |w| >= 0.5)

Python scalars take the array's dtype before the arithmetic (NumPy's rule for Python
scalars), as PyTorch casts a scalar operand to the tensor's dtype. For float32, `add_`,
`addcmul_` and `lerp_` round once, like the fused multiply-add of PyTorch's CPU kernels.
"""
import numpy as np

from .._device import array_module
from .._tensor import Tensor


def real(a):
    """A complex array viewed as real pairs (``torch.view_as_real``); real arrays as they are."""
    if a.dtype.kind == "c":
        return a[..., None].view(a.real.dtype)
    return a


def _fma32(a, b, c, out=None):
    """a + b * c for float32 arrays rounded once, as PyTorch's CPU kernels compute it with a
    fused multiply-add: in float64 the product is exact and the sum rounds twice only in
    ties too rare to matter. Written into `out` when given (it may be `a`)."""
    t = c.astype(np.float64)
    t *= b
    t += a
    if out is None:
        return t.astype(np.float32)
    out[...] = t
    return out


def add_(a, b, alpha=1):
    """``a.add_(b, alpha=alpha)``."""
    if alpha == 1:
        a += b
    elif a.dtype == np.float32:
        _fma32(a, np.float32(alpha), b, out=a)
    else:
        a += b * alpha
    return a


def added(a, b, alpha=1):
    """``a.add(b, alpha=alpha)`` (a new array)."""
    if alpha == 1:
        return a + b
    if a.dtype == np.float32:
        return _fma32(a, np.float32(alpha), b)
    return a + b * alpha


def addcmul_(a, t1, t2, value=1):
    """``a.addcmul_(t1, t2, value=value)``."""
    tmp = t1 * value
    if a.dtype == np.float32:
        _fma32(a, np.float32(1), tmp.astype(np.float64) * t2, out=a)
        return a
    tmp *= t2
    a += tmp
    return a


def addcdiv_(a, t1, t2, value=1):
    """``a.addcdiv_(t1, t2, value=value)``."""
    tmp = t1 * value
    tmp /= t2
    a += tmp
    return a


def lerp_(a, b, w):
    """``a.lerp_(b, w)`` for a scalar weight, with PyTorch's formula on each side of 0.5."""
    diff = b - a
    if a.dtype == np.float32:       # one fused multiply-add, as PyTorch's kernel
        if abs(w) < 0.5:
            _fma32(a, np.float32(w), diff, out=a)
        else:
            _fma32(b, -(np.float32(1) - np.float32(w)), diff, out=a)
    elif abs(w) < 0.5:
        diff *= w
        a += diff
    else:
        one_minus = a.dtype.type(1) - a.dtype.type(w)
        diff *= one_minus
        np.subtract(b, diff, out=a)
    return a


def copy(a):
    """A fresh array holding `a` (0-d results of NumPy arithmetic included)."""
    return array_module(a).array(a, copy=True)


def new_tensor(arr, dtype=None):
    """A tensor owning `arr` (already a fresh array)."""
    return Tensor._make(arr, dtype)


def zeros_state(p):
    """``torch.zeros_like(p, memory_format=torch.preserve_format)`` as a plain tensor."""
    return Tensor._make(np.zeros_like(p._data), p._dtype)


def full_state(p, value):
    """``torch.full_like(p, value, memory_format=torch.preserve_format)`` as a plain tensor."""
    return Tensor._make(np.full_like(p._data, value), p._dtype)


def scalar(x):
    """A hyperparameter as a Python number (a 0-d or 1-element tensor gives its value)."""
    if isinstance(x, Tensor):
        return x.item()
    return x


def grad_array(grad, maximize):
    """The gradient's array, negated when maximizing."""
    g = grad._data
    return -g if maximize else g
