"""Elementwise math functions: logaddexp, logaddexp2, copysign, heaviside, gcd, lcm, ldexp,
nextafter, frexp, signbit, positive, angle. One Op each, with PyTorch's node names, dtypes
and refusals."""
import math

import numpy as np

from .. import _dtype as D
from .._device import array_module
from ._checks import compute_dtype, floating, is_integral, need_tensor, not_implemented
from ._op import Op, is_tensor, promote, result_dtype, run
from .linalg_ops import return_type


def _wants(op, i):
    return op._in_meta[i] is not None


def _float_pair(a, b):
    """Both operands in their promoted dtype, integers and bools in the default float dtype."""
    dt = result_dtype(a, b)
    if not (dt.is_floating_point or dt.is_complex):
        dt = D.get_default_dtype()
    return a if a._dtype is dt else a.to(dt), b if b._dtype is dt else b.to(dt)


# --- logaddexp, logaddexp2 -----------------------------------------------------------------------

def _logaddexp_complex(a, b):
    xp = array_module(a)
    take_a = a.real >= b.real
    m, o = xp.where(take_a, a, b), xp.where(take_a, b, a)
    with np.errstate(all="ignore"):
        out = m + xp.log1p(xp.exp(o - m))
    return xp.where(xp.isinf(m.real) & (a == b), a, out)


class LogaddexpBackward0(Op):
    saved_inputs = (0, 1)
    base2 = False

    def forward(self, a, b):
        if a.dtype.kind == "c":
            return _logaddexp_complex(a, b)
        ct = compute_dtype(a.dtype)
        fn = np.logaddexp2 if self.base2 else np.logaddexp
        return fn(a.astype(ct, copy=False), b.astype(ct, copy=False)).astype(a.dtype, copy=False)

    def backward(self, g):
        a, b = self.saved_tensors
        if self.base2:
            return (g / (1 + 2 ** (b - a)) if _wants(self, 0) else None,
                    g / (1 + 2 ** (a - b)) if _wants(self, 1) else None)
        return (g / (1 + (b - a).exp()).conj() if _wants(self, 0) else None,
                g / (1 + (a - b).exp()).conj() if _wants(self, 1) else None)


class Logaddexp2Backward0(LogaddexpBackward0):
    base2 = True


def _logaddexp(cls, kernel, input, other, out):
    need_tensor(kernel.split("_")[0], "other", 2, other)
    a, b = promote(input, other)
    if is_integral(a._dtype) or (cls.base2 and a._dtype.is_complex):
        raise not_implemented(kernel, a._dtype)
    return _out(run(cls(), a, b), out)


def logaddexp(input, other, *, out=None):
    """log(exp(input) + exp(other)) without overflow."""
    return _logaddexp(LogaddexpBackward0, "logaddexp_cpu", input, other, out)


def logaddexp2(input, other, *, out=None):
    """log2(2**input + 2**other) without overflow."""
    return _logaddexp(Logaddexp2Backward0, "logaddexp2_cpu", input, other, out)


# --- copysign, heaviside, nextafter, ldexp -------------------------------------------------------

def _copysign_grad(g, x, result):
    ratio = (result / x).masked_fill(x == 0, 0)
    return g * ratio


class CopysignBackward0(Op):
    """copysign with a tensor `other` (whose gradient is zero)."""
    saved_inputs = (0,)
    saves_output = True

    def forward(self, a, b):
        return np.copysign(a, b)

    def backward(self, g):
        (x,) = self.saved_tensors
        gb = None
        if _wants(self, 1):
            shape, dt = self._in_meta[1]
            gb = g.new_zeros(shape, dtype=dt)
        return _copysign_grad(g, x, self.saved_output) if _wants(self, 0) else None, gb


class CopysignBackward1(Op):
    """copysign with a number `other`."""
    saved_inputs = (0,)
    saves_output = True

    def __init__(self, other):
        self.other = other

    def forward(self, a):
        return np.copysign(a, array_module(a).asarray(self.other, dtype=a.dtype))

    def backward(self, g):
        (x,) = self.saved_tensors
        return _copysign_grad(g, x, self.saved_output)


def copysign(input, other, *, out=None):
    """|input| with the sign of `other` (integers compute in the default float dtype)."""
    if not is_tensor(other):
        dt = result_dtype(input, other)
        if not dt.is_floating_point:
            dt = D.get_default_dtype()
        x = input if input._dtype is dt else input.to(dt)
        return _out(run(CopysignBackward1(float(other)), x), out)
    a, b = _float_pair(input, other)
    return _out(run(CopysignBackward0(), a, b), out)


class NotImplementedBackward(Op):
    """The node PyTorch records for ops without a derivative formula."""

    def __init__(self, fn, aten):
        self.fn, self.aten = fn, aten

    def forward(self, *arrays):
        return self.fn(*arrays)

    def backward(self, *grads):
        raise RuntimeError("derivative for aten::%s is not implemented" % self.aten)

    def name(self):
        return "torch::autograd::NotImplemented"


def _heaviside(x, v):
    xp = array_module(x)
    return xp.where(x == 0, v, (x > 0).astype(x.dtype))


def heaviside(input, values, *, out=None):
    """0 where input < 0 (and nan), 1 where input > 0, `values` where input == 0."""
    need_tensor("heaviside", "values", 2, values)
    if input._dtype.is_complex or values._dtype.is_complex:
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if input._dtype is not values._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return _out(run(NotImplementedBackward(_heaviside, "heaviside"), input, values), out)


class NextafterBackward0(Op):
    saved_inputs = (0, 1)

    def forward(self, a, b):
        return np.nextafter(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        zero = g.new_zeros(())
        gb = zero.expand(b.shape) if _wants(self, 1) else None
        return g.where(a != b, zero) if _wants(self, 0) else None, gb


def nextafter(input, other, *, out=None):
    """The next representable float after `input` in the direction of `other`."""
    need_tensor("nextafter", "other", 2, other)
    a, b = promote(input, other)
    if not a._dtype.is_floating_point:
        raise not_implemented("nextafter_cpu", a._dtype)
    return _out(run(NextafterBackward0(), a, b), out)


class LdexpBackward0(Op):
    """`other` keeps its own dtype: PyTorch's gradient for `input` is ``grad * 2 ** other``
    computed in that dtype (so an integer `other` < 0 gives 0 there, as in PyTorch)."""
    saved_inputs = (1,)
    saves_output = True

    def forward(self, a, b):
        return (a * array_module(a).exp2(b.astype(a.dtype))).astype(a.dtype, copy=False)

    def backward(self, g):
        (b,) = self.saved_tensors
        return (g * _pow2(b) if _wants(self, 0) else None,
                g * self.saved_output * math.log(2) if _wants(self, 1) else None)


def _pow2(b):
    """2 ** b in b's dtype; integer powers below 0 are 0, as in PyTorch's integer pow."""
    if b._dtype.is_floating_point or b._dtype.is_complex:
        return 2 ** b
    if b._dtype is D.bool_:
        b = b.long()
    return (2 ** b.clamp_min(0)).masked_fill(b < 0, 0)


def ldexp(input, other, *, out=None):
    """input * 2 ** other (integer inputs compute in the default float dtype)."""
    need_tensor("ldexp", "other", 2, other)
    a, b = _float_pair(input, other)
    if not b._rg:
        b = other
    return _out(run(LdexpBackward0(), a, b), out)


# --- gcd, lcm ------------------------------------------------------------------------------------

class _IntegerOnly(Op):
    def __init__(self, fn):
        self.fn = fn

    def forward(self, a, b):
        return self.fn(a, b).astype(a.dtype, copy=False)


def _integer_pair(kernel, fn, input, other, out):
    need_tensor(kernel.split("_")[0], "other", 2, other)
    a, b = promote(input, other)
    if not is_integral(a._dtype, include_bool=False):
        raise not_implemented(kernel, a._dtype)
    return _out(run(_IntegerOnly(fn), a.detach(), b.detach()), out)


def gcd(input, other, *, out=None):
    """The greatest common divisor (non-negative) of integer tensors."""
    return _integer_pair("gcd_cpu", np.gcd, input, other, out)


def lcm(input, other, *, out=None):
    """The least common multiple (non-negative) of integer tensors."""
    return _integer_pair("lcm_cpu", np.lcm, input, other, out)


# --- frexp, signbit, positive, angle -------------------------------------------------------------

class FrexpBackward0(Op):
    n_outputs = 2
    differentiable_outputs = 1

    def forward(self, a):
        m, e = np.frexp(a)
        self.exponent = e.astype(np.int32, copy=False)
        return m, self.exponent

    def backward(self, g, _=None):
        from .._tensor import Tensor
        return g / Tensor._make(self.exponent).exp2()


def frexp(input, *, out=None):
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, 0.5 <= |mantissa| < 1."""
    if not input._dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = run(FrexpBackward0(), input)
    if out is not None:
        from ._out import write_out
        m, e = write_out(out[0], m), write_out(out[1], e)
    return _FREXP(m, e)


_FREXP = return_type("frexp", ["mantissa", "exponent"])


class _NoGrad(Op):
    def __init__(self, fn):
        self.fn = fn

    def forward(self, a):
        return self.fn(a)


def signbit(input, *, out=None):
    """Whether the sign bit is set (true for -0.0 and negative nan)."""
    dt = input._dtype
    if dt.is_complex:
        raise NotImplementedError("signbit is not implemented for complex tensors.")
    fn = np.signbit if dt.is_floating_point else (lambda a: a < 0)
    return _out(run(_NoGrad(fn), input.detach()), out)


def positive(input):
    """`input` itself (refused for bool, as PyTorch's unary plus)."""
    if input._dtype is D.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


class AngleBackward0(Op):
    saved_inputs = (0,)

    def forward(self, a):
        xp = array_module(a)
        if a.dtype.kind == "c":
            return xp.angle(a)
        pi = xp.asarray(math.pi, dtype=a.dtype)
        return xp.where(xp.isnan(a), a, xp.where(a < 0, pi, xp.zeros((), a.dtype)))

    def backward(self, g):
        (x,) = self.saved_tensors
        if not x.is_complex():
            return g.new_zeros(x.shape)
        d = g * x / x.abs().pow(2) * 1j
        return d.masked_fill(x == 0, 0)


def angle(input, *, out=None):
    """The argument of complex values; pi for negative reals, 0 otherwise (nan kept)."""
    return _out(run(AngleBackward0(), floating(input)), out)


def _out(r, out):
    if out is None:
        return r
    from ._out import write_out
    return write_out(out, r)
