"""Elementwise ops with several operands or options: where, clamp, maximum, masked_fill,
lerp, addcmul, atan2, ..., and clone."""
import numpy as np

from .. import _dtype as D
from .._device import array_module
from ._op import Op, as_tensor_like, is_tensor, promote, result_dtype, run
from .fused_pointwise import (addcdiv, addcmul, clamp_max, clamp_min, hypot, lerp,  # noqa: F401
                              logit, nan_to_num, xlogy)


class CloneBackward0(Op):
    def forward(self, a):
        return a.copy()

    def backward(self, g):
        return g


def clone(x, *, memory_format=None):
    out = run(CloneBackward0(), x)
    out._dtype = x._dtype
    return out


class WhereBackward0(Op):
    def __init__(self, cond):
        self.cond = cond

    def forward(self, a, b):
        return np.where(self.cond, a, b)

    def backward(self, g):
        from .._tensor import Tensor
        c = Tensor._make(self.cond)
        zero = g.new_zeros(())
        return g.where(c, zero), zero.where(c, g)


def where(condition, input=None, other=None):
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition._dtype is not D.bool_:
        if condition._dtype is D.uint8:
            condition = condition.bool()
        else:
            raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                               "with dtype %s" % condition._dtype._legacy[:-6])
    if not is_tensor(input) and not is_tensor(other):
        dt = result_dtype(input, other)
        input = as_tensor_like(input, condition, dt)
    a, b = promote(input, other)
    return run(WhereBackward0(condition._data), a, b)


class ClampBackward(Op):
    saved_inputs = (0,)

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, a):
        out = a
        if self.lo is not None:
            out = np.maximum(out, self.lo)
        if self.hi is not None:
            out = np.minimum(out, self.hi)
        return out.astype(a.dtype, copy=out is a)

    def backward(self, g):
        (x,) = self.saved_tensors
        keep = x == x
        if self.lo is not None:
            keep = keep & (x >= _arg(self.lo, x))
        if self.hi is not None:
            keep = keep & (x <= _arg(self.hi, x))
        return g * keep

    def name(self):
        return "ClampBackward1"


def _arg(v, x):
    from .._tensor import Tensor
    return Tensor._make(v) if isinstance(v, np.ndarray) else v


class ClampBackward0(Op):
    """clamp with tensor bounds (one of them may be absent); each bound gets a gradient where
    it is the result (min only where it is below max)."""

    def __init__(self, has_min, has_max):
        self.has_min, self.has_max = has_min, has_max
        self.saved_inputs = tuple(range(1 + has_min + has_max))

    def forward(self, a, *bounds):
        xp = array_module(a)
        it = iter(bounds)
        out = xp.maximum(a, next(it)) if self.has_min else a
        return xp.minimum(out, next(it)) if self.has_max else out

    def backward(self, g):
        x, *bounds = self.saved_tensors
        lo = bounds[0] if self.has_min else None
        hi = bounds[-1] if self.has_max else None
        zero = g.new_zeros(())
        keep = (x >= lo) if lo is not None else None
        if hi is not None:
            keep = (x <= hi) if keep is None else keep & (x <= hi)
        grads = [g.where(keep, zero) if self._in_meta[0] is not None else None]
        if lo is not None:
            pick = (x < lo) & (lo < hi) if hi is not None else x < lo
            grads.append(g.where(pick, zero) if self._in_meta[1] is not None else None)
        if hi is not None:
            pick = (x > hi) | (hi < lo) if lo is not None else x > hi
            grads.append(g.where(pick, zero) if self._in_meta[-1] is not None else None)
        return tuple(grads)


def _clamp_tensors(x, min, max):
    if not (min is None or is_tensor(min)) or not (max is None or is_tensor(max)):
        raise TypeError("clamp() received an invalid combination of arguments - got (Tensor, "
                        "%s, %s)" % (type(min).__name__, type(max).__name__))
    ts = [t for t in (x, min, max) if t is not None]
    dt = result_dtype(*ts)
    ts = [t if t._dtype is dt else t.to(dt) for t in ts]
    try:
        np.broadcast_shapes(*[t.shape for t in ts])
    except ValueError:
        from ._op import broadcast_error
        raise broadcast_error(ts[0].shape, ts[-1].shape) from None
    return run(ClampBackward0(min is not None, max is not None), *ts)


def clamp(x, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if is_tensor(min) or is_tensor(max):
        r = _clamp_tensors(x, min, max)
        if out is not None:
            from ._out import write_out
            return write_out(out, r)
        return r
    dt = result_dtype(x, *[v for v in (min, max) if v is not None])
    if dt is not x._dtype:
        x = x.to(dt)
    lo = dt.np.type(min) if min is not None else None     # NumPy scalars: fine on any device
    hi = dt.np.type(max) if max is not None else None
    r = run(ClampBackward(lo, hi), x)
    if out is not None:
        from ._out import write_out
        return write_out(out, r)
    return r


class MaximumBackward(Op):
    saved_inputs = (0, 1)

    def __init__(self, fn, name):
        self.fn, self._name = fn, name

    def forward(self, a, b):
        return self.fn(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        pick_a = (a > b) if self._name.startswith(("Maximum", "Fmax")) else (a < b)
        tie = (a == b).to(g.dtype) * 0.5
        wa = pick_a.to(g.dtype) + tie
        return g * wa, g * (1 - wa)

    def name(self):
        return self._name


def _need_tensor(name, b):
    if not is_tensor(b):
        raise TypeError("%s(): argument 'other' (position 2) must be Tensor, not %s"
                        % (name, type(b).__name__))


def maximum(a, b):
    _need_tensor("maximum", b)
    a, b = promote(a, b)
    return run(MaximumBackward(np.maximum, "MaximumBackward0"), a, b)


def minimum(a, b):
    _need_tensor("minimum", b)
    a, b = promote(a, b)
    return run(MaximumBackward(np.minimum, "MinimumBackward0"), a, b)


def fmax(a, b):
    _need_tensor("fmax", b)
    a, b = promote(a, b)
    return run(MaximumBackward(np.fmax, "FmaxBackward0"), a, b)


def fmin(a, b):
    _need_tensor("fmin", b)
    a, b = promote(a, b)
    return run(MaximumBackward(np.fmin, "FminBackward0"), a, b)


class MaskedFillBackward0(Op):
    def __init__(self, mask, value):
        self.mask, self.value = mask, value

    def forward(self, a):
        return np.where(self.mask, a.dtype.type(self.value), a)

    def backward(self, g):
        from .._tensor import Tensor
        return g.masked_fill(Tensor._make(np.broadcast_to(self.mask, g.shape)), 0)


def masked_fill(x, mask, value):
    if mask._dtype is not D.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype %s"
                           % mask._dtype._legacy[:-6].lower())
    if is_tensor(value):
        if value.dim() != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               "tensor with %d dimension(s)." % value.dim())
        if value._rg:
            return where(mask, value.to(x._dtype), x)
        value = value.item()
    return run(MaskedFillBackward0(mask._data, value), x)


class Atan2Backward0(Op):
    saved_inputs = (0, 1)

    def forward(self, a, b):
        return np.arctan2(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        d = a * a + b * b
        return g * b / d, -g * a / d


def atan2(a, b):
    a, b = promote(a, b)
    if not a._dtype.is_floating_point:
        a, b = a.to(D.get_default_dtype()), b.to(D.get_default_dtype())
    return run(Atan2Backward0(), a, b)


class Isfn(Op):
    def __init__(self, fn):
        self.fn = fn

    def forward(self, a):
        return self.fn(a)


def isnan(x):
    return run(Isfn(np.isnan), x.detach())


def isinf(x):
    return run(Isfn(np.isinf), x.detach())


def isfinite(x):
    return run(Isfn(np.isfinite), x.detach())


def isposinf(x):
    return run(Isfn(np.isposinf), x.detach())


def isneginf(x):
    return run(Isfn(np.isneginf), x.detach())


def isreal(x):
    return run(Isfn(np.isreal), x.detach())


def round(x, *, decimals=0):
    if decimals == 0:
        from .unary import unary
        return unary("round", x)
    s = 10.0 ** decimals
    return (x * s).round() / s


class ComplexBackward0(Op):
    def forward(self, re, im):
        return re + 1j * im

    def backward(self, g):
        return g.real, g.imag


def complex(real, imag):
    return run(ComplexBackward0(), real, imag)


class ConjView(Op):
    def forward(self, a):
        return np.conj(a)

    def backward(self, g):
        return g.conj()

    def name(self):
        return "ConjBackward0"


def conj(x):
    """The complex conjugate (a real tensor is returned as is). ember computes the values;
    the result is marked so that ``is_conj()`` answers as for PyTorch's lazy conjugate."""
    if not x._dtype.is_complex:
        return x
    out = run(ConjView(), x)
    if not x.__dict__.get("_conj_bit", False):
        out._conj_bit = True
    return out


def sigmoid(x):
    from .unary import unary
    return unary("sigmoid", x)
