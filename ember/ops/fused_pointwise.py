"""Pointwise ops that PyTorch computes in one kernel and records as one autograd node:
lerp, addcmul, addcdiv, hypot, xlogy, logit, nan_to_num, clamp_min and clamp_max.

Each is one Op: forward on arrays (float16 computed in float32, rounded once, as PyTorch's
CPU kernels do), backward with PyTorch's derivative formulas written in ember ops.
"""
import numpy as np

from .. import _dtype as D
from .._device import array_module
from ._checks import compute_dtype, cpp_name, is_integral, need_tensor, not_implemented
from ._op import Op, is_tensor, promote, result_dtype, run


def _wants(op, i):
    """Whether input `i` of a recorded op needs a gradient."""
    return op._in_meta[i] is not None


def _cast_scalar(value, dt):
    """A Python number as PyTorch's kernels see it for dtype `dt` (integers truncate)."""
    if dt.is_complex:
        return complex(value)
    if dt.is_floating_point:
        if isinstance(value, complex):
            raise RuntimeError("value cannot be converted to type %s without overflow"
                               % cpp_name(dt))
        return float(value)
    if dt is D.bool_:
        return bool(value)
    return int(value)


# --- lerp ----------------------------------------------------------------------------------------

def _lerp(a, b, w):
    """PyTorch's two-sided formula: exact at both ends (weight 0 and 1)."""
    xp = array_module(a)
    ct = compute_dtype(a.dtype)
    a2, b2 = a.astype(ct, copy=False), b.astype(ct, copy=False)
    d = b2 - a2
    if not hasattr(w, "astype"):
        out = a2 + w * d if abs(w) < 0.5 else b2 - d * (1 - w)
    else:
        w = w.astype(ct, copy=False)
        out = xp.where(xp.abs(w) < 0.5, a2 + w * d, b2 - d * (1 - w))
    return out.astype(a.dtype, copy=False)


class LerpBackward0(Op):
    """lerp with a number as weight."""

    def __init__(self, weight):
        self.weight = weight

    def forward(self, a, b):
        return _lerp(a, b, self.weight)

    def backward(self, g):
        w = self.weight
        wc = w.conjugate() if isinstance(w, complex) else w
        return g * (1 - wc), g * wc


class LerpBackward1(Op):
    """lerp with a tensor as weight."""
    saved_inputs = (0, 1, 2)

    def forward(self, a, b, w):
        return _lerp(a, b, w)

    def backward(self, g):
        a, b, w = self.saved_tensors
        return (g * (1 - w).conj() if _wants(self, 0) else None,
                g * w.conj() if _wants(self, 1) else None,
                g * (b - a).conj() if _wants(self, 2) else None)


def lerp(input, end, weight):
    """``start + weight * (end - start)``; start and end must share a dtype."""
    need_tensor("lerp", "end", 2, end)
    dt = input._dtype
    if end._dtype is not dt:
        raise RuntimeError("expected dtype %s for `end` but got dtype %s"
                           % (cpp_name(dt), cpp_name(end._dtype)))
    if is_tensor(weight):
        if weight._dtype is not dt:
            if weight.dim():
                raise RuntimeError("expected dtype %s for `weight` but got dtype %s"
                                   % (cpp_name(dt), cpp_name(weight._dtype)))
            weight = weight.to(dt)
        if is_integral(dt):
            raise not_implemented("lerp_kernel_tensor", dt)
        return run(LerpBackward1(), input, end, weight)
    if is_integral(dt):
        raise not_implemented("lerp_kernel_scalar", dt)
    return run(LerpBackward0(_cast_scalar(weight, dt)), input, end)


# --- addcmul / addcdiv ---------------------------------------------------------------------------

def _three(name, input, tensor1, tensor2):
    """The three operands in their common dtype (PyTorch promotes all three together)."""
    for arg, pos, x in (("tensor1", 2, tensor1), ("tensor2", 3, tensor2)):
        need_tensor(name, arg, pos, x)
    dt = result_dtype(input, tensor1, tensor2)
    return [t if t._dtype is dt else t.to(dt) for t in (input, tensor1, tensor2)], dt


class AddcmulBackward0(Op):
    saved_inputs = (1, 2)

    def __init__(self, value):
        self.value = value

    def forward(self, s, t1, t2):
        ct = compute_dtype(s.dtype)
        out = s.astype(ct, copy=False) + self.value * t1.astype(ct, copy=False) * t2
        return out.astype(s.dtype, copy=False)

    def backward(self, g):
        t1, t2 = self.saved_tensors
        v = self.value
        return (g, g * (t2 * v).conj() if _wants(self, 1) else None,
                g * (t1 * v).conj() if _wants(self, 2) else None)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2``."""
    (s, t1, t2), dt = _three("addcmul", input, tensor1, tensor2)
    if dt is D.bool_:
        raise not_implemented("addcmul_cpu_out", dt)
    return _out(run(AddcmulBackward0(_cast_scalar(value, dt)), s, t1, t2), out)


class AddcdivBackward0(Op):
    saved_inputs = (1, 2)

    def __init__(self, value):
        self.value = value

    def forward(self, s, t1, t2):
        ct = compute_dtype(s.dtype)
        with np.errstate(all="ignore"):
            out = s.astype(ct, copy=False) + self.value * t1.astype(ct, copy=False) / t2
        return out.astype(s.dtype, copy=False)

    def backward(self, g):
        t1, t2 = self.saved_tensors
        v = self.value
        return (g, g * (v / t2).conj() if _wants(self, 1) else None,
                -g * (v * t1 / (t2 * t2)).conj() if _wants(self, 2) else None)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2`` (integer tensor1 and tensor2 are refused)."""
    for arg, pos, x in (("tensor1", 2, tensor1), ("tensor2", 3, tensor2)):
        need_tensor("addcdiv", arg, pos, x)
    if is_integral(tensor1._dtype) and is_integral(tensor2._dtype):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    (s, t1, t2), dt = _three("addcdiv", input, tensor1, tensor2)
    return _out(run(AddcdivBackward0(_cast_scalar(value, dt)), s, t1, t2), out)


# --- hypot, xlogy --------------------------------------------------------------------------------

class HypotBackward0(Op):
    saved_inputs = (0, 1)
    saves_output = True

    def forward(self, a, b):
        ct = compute_dtype(a.dtype)
        out = np.hypot(a.astype(ct, copy=False), b.astype(ct, copy=False))
        return out.astype(a.dtype, copy=False)

    def backward(self, g):
        a, b = self.saved_tensors
        r = self.saved_output
        return (g * a / r if _wants(self, 0) else None, g * b / r if _wants(self, 1) else None)


def hypot(input, other, *, out=None):
    """sqrt(input² + other²) without intermediate overflow."""
    need_tensor("hypot", "other", 2, other)
    a, b = promote(input, other)
    if not a._dtype.is_floating_point:
        raise not_implemented("hypot_cpu", a._dtype)
    return _out(run(HypotBackward0(), a, b), out)


def xlogy_array(x, y):
    """x * log(y), 0 where x == 0 unless y is nan."""
    xp = array_module(x)
    with np.errstate(all="ignore"):
        out = x * xp.log(y)
    return xp.where((x == 0) & ~xp.isnan(y), xp.zeros((), out.dtype), out)


class XlogyBackward0(Op):
    """xlogy of two tensors."""
    saved_inputs = (0, 1)

    def forward(self, x, y):
        return xlogy_array(x, y)

    def backward(self, g):
        x, y = self.saved_tensors
        gx = xlogy(g, y).masked_fill((x == 0) & (y <= 0), 0) if _wants(self, 0) else None
        return gx, (g * x / y if _wants(self, 1) else None)


class XlogyBackward1(Op):
    """xlogy of a number and a tensor (the gradient goes to the tensor, `other`)."""
    saved_inputs = (0,)

    def __init__(self, x):
        self.x = x

    def forward(self, y):
        return xlogy_array(array_module(y).asarray(self.x, dtype=y.dtype), y)

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * self.x / y


class XlogyBackward2(Op):
    """xlogy of a tensor and a number."""
    saved_inputs = (0,)

    def __init__(self, y):
        self.y = y

    def forward(self, x):
        return xlogy_array(x, array_module(x).asarray(self.y, dtype=x.dtype))

    def backward(self, g):
        (x,) = self.saved_tensors
        gx = xlogy(g, self.y)
        return gx if self.y > 0 else gx.masked_fill(x == 0, 0)


def xlogy(input, other, *, out=None):
    """``input * log(other)``, 0 where input is 0 (unless other is nan); integers compute in
    the default float dtype."""
    if not is_tensor(input) and not is_tensor(other):
        raise TypeError("xlogy() received an invalid combination of arguments - got (%s, %s)"
                        % (type(input).__name__, type(other).__name__))
    dt = result_dtype(input, other)
    if not (dt.is_floating_point or dt.is_complex):
        dt = D.get_default_dtype()
    if not is_tensor(other):
        x = input if input._dtype is dt else input.to(dt)
        return _out(run(XlogyBackward2(float(other)), x), out)
    if not is_tensor(input):
        y = other if other._dtype is dt else other.to(dt)
        return _out(run(XlogyBackward1(float(input)), y), out)
    x = input if input._dtype is dt else input.to(dt)
    y = other if other._dtype is dt else other.to(dt)
    return _out(run(XlogyBackward0(), x, y), out)


# --- logit, nan_to_num ---------------------------------------------------------------------------

class LogitBackward0(Op):
    saved_inputs = (0,)

    def __init__(self, eps):
        self.eps = eps

    def forward(self, a):
        xp = array_module(a)
        if self.eps is not None:
            lo, hi = a.dtype.type(self.eps), a.dtype.type(1 - self.eps)
            a = xp.minimum(xp.maximum(a, lo), hi)   # (nan stays nan)
        with np.errstate(all="ignore"):
            return xp.log(a / (1 - a)).astype(a.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        d = g / (x * (1 - x))
        if self.eps is None:
            return d.masked_fill((x < 0) | (x > 1), float("nan"))
        return d.masked_fill((x < self.eps) | (x > 1 - self.eps), 0)


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given."""
    x = input
    if not x._dtype.is_floating_point:
        x = x.to(D.get_default_dtype())
    return _out(run(LogitBackward0(None if eps is None else float(eps)), x), out)


class NanToNumBackward0(Op):
    saved_inputs = (0,)

    def __init__(self, nan, posinf, neginf):
        self.nan, self.posinf, self.neginf = nan, posinf, neginf

    def forward(self, a):
        xp = array_module(a)
        real = a.real.dtype if a.dtype.kind == "c" else a.dtype
        info = np.finfo(real)
        posinf = info.max if self.posinf is None else self.posinf
        neginf = info.min if self.neginf is None else self.neginf
        with np.errstate(over="ignore"):
            fill = [real.type(v) for v in (self.nan, posinf, neginf)]
        return xp.nan_to_num(a, nan=fill[0], posinf=fill[1], neginf=fill[2])

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * x.isfinite()


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """nan, +inf and -inf replaced (by 0 and the dtype's largest and lowest values by
    default); integer tensors are copied."""
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        return _out(input.clone(), out)
    op = NanToNumBackward0(0.0 if nan is None else float(nan),
                           None if posinf is None else float(posinf),
                           None if neginf is None else float(neginf))
    return _out(run(op, input), out)


# --- clamp_min, clamp_max ------------------------------------------------------------------------

class ClampMinBackward0(Op):
    """clamp_min / clamp_max with a number bound (`upper` picks clamp_max)."""
    saved_inputs = (0,)
    upper = False

    def __init__(self, bound):
        self.bound = bound

    def forward(self, a):
        xp = array_module(a)
        bound = xp.asarray(self.bound, dtype=a.dtype)
        return (xp.minimum if self.upper else xp.maximum)(a, bound)

    def backward(self, g):
        (x,) = self.saved_tensors
        keep = x <= self.bound if self.upper else x >= self.bound
        return g.where(keep, g.new_zeros(()))


class ClampMaxBackward0(ClampMinBackward0):
    upper = True


class ClampMinBackward1(Op):
    """clamp_min / clamp_max with a tensor bound, which gets a gradient too."""
    saved_inputs = (0, 1)
    upper = False

    def forward(self, a, bound):
        xp = array_module(a)
        return (xp.minimum if self.upper else xp.maximum)(a, bound)

    def backward(self, g):
        x, bound = self.saved_tensors
        keep = x <= bound if self.upper else x >= bound
        zero = g.new_zeros(())
        return (g.where(keep, zero) if _wants(self, 0) else None,
                zero.where(keep, g) if _wants(self, 1) else None)


class ClampMaxBackward1(ClampMinBackward1):
    upper = True


def _clamp_one(x, bound, upper):
    if is_tensor(bound):
        a, b = promote(x, bound)
        return run((ClampMaxBackward1 if upper else ClampMinBackward1)(), a, b)
    dt = result_dtype(x, bound)
    if dt is not x._dtype:
        x = x.to(dt)
    return run((ClampMaxBackward0 if upper else ClampMinBackward0)(_cast_scalar(bound, dt)), x)


def clamp_min(input, min, *, out=None):
    """``max(input, min)`` elementwise (nan propagates)."""
    return _out(_clamp_one(input, min, False), out)


def clamp_max(input, max, *, out=None):
    """``min(input, max)`` elementwise (nan propagates)."""
    return _out(_clamp_one(input, max, True), out)


def _out(r, out):
    if out is None:
        return r
    from ._out import write_out
    return write_out(out, r)

