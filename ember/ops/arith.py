"""Elementwise arithmetic: + - * / // % **, comparisons, bitwise and logical operators."""
import operator
from sys import getrefcount

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._elide import MIN_ELEMENTS, elide
from ._op import Op, as_tensor_like, is_tensor, promote, result_dtype, run, run2


class AddBackward0(Op):
    forward = staticmethod(operator.add)    # a + b, without a Python frame

    def backward(self, g):
        return g, g


class SubBackward0(Op):
    forward = staticmethod(operator.sub)    # a - b, without a Python frame

    def backward(self, g):
        return g, -g


class MulBackward0(Op):
    saved_inputs = (0, 1)

    def to_save(self, inputs):
        a, b = inputs  # each input's gradient needs only the other one
        return (a if b._rg else None, b if a._rg else None)

    forward = staticmethod(operator.mul)    # a * b, without a Python frame

    def backward(self, g):
        a, b = self.saved_tensors
        return (g * b.conj() if b is not None else None,
                g * a.conj() if a is not None else None)


class DivBackward0(Op):
    saved_inputs = (0, 1)

    def to_save(self, inputs):
        a, b = inputs
        return (a if b._rg else None, b)

    @staticmethod
    def forward(a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return a / b

    def backward(self, g):
        a, b = self.saved_tensors
        return g / b, (-g * a / (b * b) if a is not None else None)


class NegBackward0(Op):
    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


class PowBackward0(Op):
    """x ** scalar"""
    saved_inputs = (0,)

    def __init__(self, exponent):
        self.exponent = exponent

    def forward(self, a):
        e = self.exponent
        if e == 2:
            return a * a
        if e == 0.5:
            return np.sqrt(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.power(a, a.dtype.type(e)) if a.dtype.kind in "fc" else a ** e

    def backward(self, g):
        (a,) = self.saved_tensors
        e = self.exponent
        if e == 0:
            return g * 0
        return g * e * a ** (e - 1)


class PowBackward1(Op):
    """tensor ** tensor"""
    saved_inputs = (0, 1)
    saves_output = True

    def forward(self, a, b):
        if a.dtype.kind in "iu":
            return _int_power(a, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.power(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        out = self.saved_output
        ga = g * b * a ** (b - 1)
        gb = g * out * a.log().masked_fill(a == 0, 0) if b.requires_grad else None
        return ga, gb


class ScalarPowBackward(Op):
    """scalar ** tensor (PyTorch names it PowBackward2)."""
    saves_output = True

    def __init__(self, base):
        self.base = base

    def forward(self, b):
        base = b.dtype.type(self.base)     # a NumPy scalar: fine beside arrays of any device
        if b.dtype.kind in "iu":
            return _int_power(base, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.power(base, b)

    def backward(self, g):
        import math
        return g * self.saved_output * (math.log(self.base) if self.base > 0 else float("nan"))

    def name(self):
        return "PowBackward2"


def _int_power(a, b):
    """Integer powers with tensor exponents, as PyTorch computes them: a negative exponent
    gives 1 for a base of 1, +-1 for a base of -1 and 0 otherwise (NumPy raises)."""
    neg = b < 0
    if not neg.any():
        return np.power(a, b)
    r = np.power(a, np.where(neg, 0, b).astype(b.dtype))
    ones = np.where(b % 2 != 0, -1, 1)
    at_neg = np.where(a == 1, 1, np.where(a == -1, ones, 0))
    return np.where(neg, at_neg, r).astype(r.dtype)


# --- functions -----------------------------------------------------------------------------------

def _out(result, out):
    """Writes `result` into the ``out=`` tensor when one is given."""
    if out is None:
        return result
    from ._out import write_out
    return write_out(out, result)


def add(a, b, alpha=1, *, out=None):
    if alpha != 1:
        b = b * alpha
    a, b = promote(a, b)
    r = run2(AddBackward0, a, b)
    return r if out is None else _out(r, out)


def _is_bool(x):
    return isinstance(x, bool) or is_tensor(x) and x._dtype is D.bool_


def sub(a, b, alpha=1, *, out=None):
    a0, b0 = a, b
    if alpha != 1:
        b = b * alpha
    a, b = promote(a, b)
    _check_sub(a, a0, b0)
    return _out(run2(SubBackward0, a, b), out)


def _check_sub(promoted, a0, b0):
    if promoted._dtype is D.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if _is_bool(a0) or _is_bool(b0):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


# --- the operators + - * / of a tensor: the functions above without alpha and out=, and
# computed into the buffer of a large temporary left operand (see _elide). `refs` is taken
# first, in a statement of its own, so that it counts what _elide expects.

def add_operator(a, b):
    if a._data.size >= MIN_ELEMENTS:
        refs = getrefcount(a)
        r = elide(operator.iadd, a, b, refs)
        if r is not None:
            return r
    if not (isinstance(b, Tensor) and b._dtype is a._dtype):
        a, b = promote(a, b)
    return run2(AddBackward0, a, b)


def sub_operator(a, b):
    if a._data.size >= MIN_ELEMENTS:
        refs = getrefcount(a)
        r = elide(operator.isub, a, b, refs)
        if r is not None:
            return r
    a0, b0 = a, b
    a, b = promote(a, b)
    _check_sub(a, a0, b0)
    return run2(SubBackward0, a, b)


def mul_operator(a, b):
    if a._data.size >= MIN_ELEMENTS:
        refs = getrefcount(a)
        r = elide(operator.imul, a, b, refs)
        if r is not None:
            return r
    if not (isinstance(b, Tensor) and b._dtype is a._dtype):
        a, b = promote(a, b)
    return run2(MulBackward0, a, b)


def div_operator(a, b):
    if a._data.size >= MIN_ELEMENTS:
        refs = getrefcount(a)
        r = elide(operator.itruediv, a, b, refs)
        if r is not None:
            return r
    return _div(a, b, None)


class RsubBackward0(Op):
    """other - alpha * input, both tensors (``torch.rsub``)."""

    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, a, b):
        return b - a * self.alpha if self.alpha != 1 else b - a

    def backward(self, g):
        return (-g if self.alpha == 1 else g * -self.alpha), g


class RsubBackward1(Op):
    """number - alpha * input: PyTorch's node for ``2 - x``."""

    def __init__(self, other, alpha):
        self.other, self.alpha = other, alpha

    def forward(self, a):
        return self.other - a * self.alpha if self.alpha != 1 else self.other - a

    def backward(self, g):
        return -g if self.alpha == 1 else g * -self.alpha


def rsub(a, b, alpha=1):
    """b - alpha * a (``torch.rsub``; ``2 - x`` is ``x.__rsub__(2)``)."""
    a0, b0 = a, b
    a, b = promote(a, b)
    _check_sub(a, a0, b0)
    if is_tensor(b0):
        return run2(RsubBackward0(alpha), a, b)
    return run(RsubBackward1(b._data, alpha), a)


def rdiv(a, b):
    """b / a for a number b: PyTorch computes ``a.reciprocal() * b``."""
    if is_tensor(b) or not isinstance(b, (bool, int, float, complex, np.generic)):
        return div(b, a)
    return mul(a.reciprocal(), b)     # reciprocal of an integer tensor is already floating


def mul(a, b, *, out=None):
    a, b = promote(a, b)
    r = run2(MulBackward0, a, b)
    return r if out is None else _out(r, out)


def div(a, b, *, rounding_mode=None, out=None):
    return _out(_div(a, b, rounding_mode), out)


def _div(a, b, rounding_mode):
    if rounding_mode is not None:
        if rounding_mode == "trunc":
            return _trunc_div(a, b)
        if rounding_mode == "floor":
            return floor_divide(a, b)
        raise ValueError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                         "found '%s'" % rounding_mode)
    dt = result_dtype(a, b)
    if not (dt.is_floating_point or dt.is_complex):
        dt = D.get_default_dtype()
    if dt.itemsize == 2 and dt.is_floating_point and not (is_tensor(a) and is_tensor(b)):
        # half precision with a Python scalar: PyTorch computes in float32, then rounds
        return _div(a.float() if is_tensor(a) else a, b.float() if is_tensor(b) else b,
                    None).to(dt)
    ref = a if is_tensor(a) else b
    a = as_tensor_like(a, ref, dt).to(dt)
    b = as_tensor_like(b, ref, dt).to(dt)
    return run2(DivBackward0, a, b)


class DivBackward1(Op):
    """input / number, as PyTorch's own functions record it (Python's ``x / 2`` records
    DivBackward0, because the number becomes a tensor first)."""

    def __init__(self, other):
        self.other = other

    def forward(self, a):
        return a / self.other

    def backward(self, g):
        return g / self.other


def div_number(a, number):
    """A tensor divided by a Python number, recorded as PyTorch's internals do (integer
    tensors divide in the default float dtype)."""
    if not (a._dtype.is_floating_point or a._dtype.is_complex):
        a = a.to(D.get_default_dtype())
    return run(DivBackward1(number), a)


class MulBackward1(Op):
    """input * number, as PyTorch's own functions record it (Python's ``x * 2`` records
    MulBackward0)."""

    def __init__(self, number):
        self.number = number

    def forward(self, a):
        return a * self.number

    def backward(self, g):
        n = self.number
        return g * (n.conjugate() if isinstance(n, complex) else n)


def mul_number(a, number):
    """A tensor times a Python number, recorded as PyTorch's internals do."""
    dt = result_dtype(a, number)
    return run(MulBackward1(number), a if a._dtype is dt else a.to(dt))


def _int_zero_check(b):
    """Integer division by zero raises in PyTorch (floats give inf/nan)."""
    if (b._data == 0).any():
        raise RuntimeError("ZeroDivisionError")


class FloorDivide(Op):
    def forward(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.floor_divide(a, b)


class TruncDivide(Op):
    def forward(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            if a.dtype.kind in "iub":
                q = np.floor_divide(a, b)
                fix = (np.remainder(a, b) != 0) & ((a < 0) != (b < 0))
                return q + fix.astype(q.dtype)
            return np.trunc(a / b)


class DivTruncBackward(Op):
    def forward(self, a, b):
        return TruncDivide().forward(a, b)

    def backward(self, g):
        return g * 0, g * 0

    def name(self):
        return "DivBackward1"


def floor_divide(a, b):
    a, b = promote(a, b)
    if not (a._dtype.is_floating_point or a._dtype.is_complex):
        _int_zero_check(b)
    return run(FloorDivide(), a, b)


def _trunc_div(a, b):
    a, b = promote(a, b)
    if not (a._dtype.is_floating_point or a._dtype.is_complex):
        _int_zero_check(b)
    return run(DivTruncBackward(), a, b)


class RemainderBackward0(Op):
    saved_inputs = (0, 1)

    def forward(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        return g, -g * a.div(b, rounding_mode="floor")


class FmodBackward0(Op):
    saved_inputs = (0, 1)

    def forward(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.fmod(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        return g, -g * a.div(b, rounding_mode="trunc")


def remainder(a, b, *, out=None):
    a, b = promote(a, b)
    if not a._dtype.is_floating_point:
        _int_zero_check(b)
    return _out(run(RemainderBackward0(), a, b), out)


def fmod(a, b):
    a, b = promote(a, b)
    if not a._dtype.is_floating_point:
        _int_zero_check(b)
    return run(FmodBackward0(), a, b)


def pow(a, b, *, out=None):
    return _out(_pow(a, b), out)


def _pow(a, b):
    if not is_tensor(a):
        dt = result_dtype(a, b)
        return run(ScalarPowBackward(a), b.to(dt))
    if not is_tensor(b):
        if isinstance(b, (np.generic, np.ndarray)):
            b = as_tensor_like(b, a)
        else:
            dt = result_dtype(a, b)
            if a._dtype is not dt:
                a = a.to(dt)
            if not (dt.is_floating_point or dt.is_complex) and b < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            return run(PowBackward0(b), a)
    a, b = promote(a, b)
    return run(PowBackward1(), a, b)


def neg(a):
    if a._dtype is D.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return run(NegBackward0(), a)


# --- comparisons and logic (no gradients) ---------------------------------------------------------

class Compare(Op):
    def __init__(self, ufunc):
        self.ufunc = ufunc

    def forward(self, a, b):
        return self.ufunc(a, b)


def _compare(ufunc, a, b):
    a, b = promote(a, b)
    return run(Compare(ufunc), a.detach(), b.detach())


def eq(a, b, *, out=None):
    return _out(_compare(np.equal, a, b), out)


def ne(a, b, *, out=None):
    return _out(_compare(np.not_equal, a, b), out)


def lt(a, b, *, out=None):
    return _out(_compare(np.less, a, b), out)


def le(a, b, *, out=None):
    return _out(_compare(np.less_equal, a, b), out)


def gt(a, b, *, out=None):
    return _out(_compare(np.greater, a, b), out)


def ge(a, b, *, out=None):
    return _out(_compare(np.greater_equal, a, b), out)


def _bitwise(ufunc, a, b, opname):
    a, b = promote(a, b)
    if a._dtype.is_floating_point or a._dtype.is_complex:
        raise NotImplementedError("\"%s_cpu\" not implemented for '%s'"
                                  % (opname, _legacy_name(a._dtype)))
    return run(Compare(ufunc), a.detach(), b.detach())


def _legacy_name(dt):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(dt.name, dt.name)


def bitwise_and(a, b):
    return _bitwise(np.bitwise_and, a, b, "bitwise_and")


def bitwise_or(a, b):
    return _bitwise(np.bitwise_or, a, b, "bitwise_or")


def bitwise_xor(a, b):
    return _bitwise(np.bitwise_xor, a, b, "bitwise_xor")


def bitwise_left_shift(a, b):
    return _bitwise(np.left_shift, a, b, "lshift")


def bitwise_right_shift(a, b):
    return _bitwise(np.right_shift, a, b, "rshift")


class Invert(Op):
    def forward(self, a):
        return np.invert(a)


def bitwise_not(a):
    if a._dtype.is_floating_point or a._dtype.is_complex:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return run(Invert(), a.detach())


def _logical(ufunc, a, b=None):
    if b is None:
        return run(Compare(lambda x, _: ufunc(x)), a.detach(), a.detach())
    ref = a if is_tensor(a) else b
    a, b = as_tensor_like(a, ref), as_tensor_like(b, ref)
    return run(Compare(ufunc), a.detach(), b.detach())


def logical_and(a, b):
    return _logical(np.logical_and, a, b)


def logical_or(a, b):
    return _logical(np.logical_or, a, b)


def logical_xor(a, b):
    return _logical(np.logical_xor, a, b)


def logical_not(a):
    return _logical(np.logical_not, a)
