"""Unary elementwise functions: one table row each, forward on arrays and backward in ember ops.

A row is (name, NumPy forward, backward(g, x, out), saves): `saves` says whether backward
needs the input ("x"), the output ("out") or both. Functions that are only defined on
floating values turn integer inputs into the default float dtype first, as PyTorch does.
"""
import math

import numpy as np

from .. import _dtype as D
from .._device import on_host
from ._op import Op, run


def _on_1d(fn, a):
    """Calls a special function on at least 1-d data (the kernels use out= on arrays)."""
    return fn(np.atleast_1d(a)).reshape(np.shape(a))


@on_host
def _erfinv(a):
    from ._special import erfinv
    return _on_1d(erfinv, a)


@on_host
def _erf(a):
    from ._special import erf
    return _on_1d(erf, a)


@on_host
def _erfc(a):
    from ._special import erfc
    return _on_1d(erfc, a)


@on_host
def _lgamma(a):
    from ._special import lgamma
    return _on_1d(lgamma, a)


@on_host
def _digamma(a):
    from ._special import digamma
    return _on_1d(digamma, a)


@on_host
def _trigamma(a):
    """psi'(x): recurrence up to x >= 6, then the asymptotic series (reflection below 0.5)."""
    x = np.asarray(a, dtype=np.float64)
    neg = x < 0.5
    refl = np.where(neg, (math.pi / np.sin(math.pi * np.where(neg, x, 0.5))) ** 2, 0.0)
    x = np.where(neg, 1 - x, x)
    out = np.zeros_like(x)
    while (x < 6).any():
        small = x < 6
        out += np.where(small, 1 / (x * x), 0)
        x = np.where(small, x + 1, x)
    inv = 1 / x
    inv2 = inv * inv
    out += inv + inv2 / 2 + inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 / 30)))
    out = np.where(neg, refl - out, out)
    return out.astype(a.dtype if a.dtype.kind == "f" else np.float64)


def _sigmoid(a):
    with np.errstate(over="ignore"):
        return (1 / (1 + np.exp(-a))).astype(a.dtype, copy=False)


def _round_half_even(a):
    return np.round(a)


_SQRT_PI = math.sqrt(math.pi)

# name: (forward, backward(g, x, out), node name, floating-only, saves)
TABLE = {
    "exp": (np.exp, lambda g, x, o: g * o, "ExpBackward0", True, "out"),
    "exp2": (np.exp2, lambda g, x, o: g * o * math.log(2), "Exp2Backward0", True, "out"),
    "expm1": (np.expm1, lambda g, x, o: g * (o + 1), "Expm1Backward0", True, "out"),
    "log": (np.log, lambda g, x, o: g / x, "LogBackward0", True, "x"),
    "log2": (np.log2, lambda g, x, o: g / (x * math.log(2)), "Log2Backward0", True, "x"),
    "log10": (np.log10, lambda g, x, o: g / (x * math.log(10)), "Log10Backward0", True, "x"),
    "log1p": (np.log1p, lambda g, x, o: g / (x + 1), "Log1PBackward0", True, "x"),
    "sqrt": (np.sqrt, lambda g, x, o: g / (2 * o), "SqrtBackward0", True, "out"),
    "rsqrt": (lambda a: 1 / np.sqrt(a), lambda g, x, o: -0.5 * g * o ** 3, "RsqrtBackward0",
              True, "out"),
    "sin": (np.sin, lambda g, x, o: g * x.cos(), "SinBackward0", True, "x"),
    "cos": (np.cos, lambda g, x, o: -g * x.sin(), "CosBackward0", True, "x"),
    "tan": (np.tan, lambda g, x, o: g * (1 + o * o), "TanBackward0", True, "out"),
    "asin": (np.arcsin, lambda g, x, o: g / (1 - x * x).sqrt(), "AsinBackward0", True, "x"),
    "acos": (np.arccos, lambda g, x, o: -g / (1 - x * x).sqrt(), "AcosBackward0", True, "x"),
    "atan": (np.arctan, lambda g, x, o: g / (1 + x * x), "AtanBackward0", True, "x"),
    "sinh": (np.sinh, lambda g, x, o: g * x.cosh(), "SinhBackward0", True, "x"),
    "cosh": (np.cosh, lambda g, x, o: g * x.sinh(), "CoshBackward0", True, "x"),
    "tanh": (np.tanh, lambda g, x, o: g * (1 - o * o), "TanhBackward0", True, "out"),
    "asinh": (np.arcsinh, lambda g, x, o: g / (x * x + 1).sqrt(), "AsinhBackward0", True, "x"),
    "acosh": (np.arccosh, lambda g, x, o: g / (x * x - 1).sqrt(), "AcoshBackward0", True, "x"),
    "atanh": (np.arctanh, lambda g, x, o: g / (1 - x * x), "AtanhBackward0", True, "x"),
    "sigmoid": (_sigmoid, lambda g, x, o: g * o * (1 - o), "SigmoidBackward0", True, "out"),
    "erf": (_erf, lambda g, x, o: g * (2 / _SQRT_PI) * (-x * x).exp(), "ErfBackward0", True, "x"),
    "erfc": (_erfc, lambda g, x, o: -g * (2 / _SQRT_PI) * (-x * x).exp(), "ErfcBackward0", True,
             "x"),
    "erfinv": (_erfinv, lambda g, x, o: g * (_SQRT_PI / 2) * (o * o).exp(), "ErfinvBackward0",
               True, "out"),
    "lgamma": (_lgamma, lambda g, x, o: g * x.digamma(), "LgammaBackward0", True, "x"),
    "digamma": (_digamma, lambda g, x, o: g * unary("trigamma", x), "DigammaBackward0", True, "x"),
    "trigamma": (_trigamma, None, "PolygammaBackward0", True, "x"),
    "reciprocal": (lambda a: 1 / a, lambda g, x, o: -g * o * o, "ReciprocalBackward0", True, "out"),
    "abs": (np.abs, lambda g, x, o: g * x.sgn(), "AbsBackward0", False, "x"),
    "sign": (np.sign, lambda g, x, o: g * 0, "SignBackward0", False, ""),
    "sgn": (lambda a: a / np.where(a == 0, 1, np.abs(a)) if a.dtype.kind == "c" else np.sign(a),
            lambda g, x, o: g * 0, "SgnBackward0", False, ""),
    "floor": (np.floor, lambda g, x, o: g * 0, "FloorBackward0", False, ""),
    "ceil": (np.ceil, lambda g, x, o: g * 0, "CeilBackward0", False, ""),
    "trunc": (np.trunc, lambda g, x, o: g * 0, "TruncBackward0", False, ""),
    "frac": (lambda a: a - np.trunc(a), lambda g, x, o: g, "FracBackward0", False, ""),
    "round": (_round_half_even, lambda g, x, o: g * 0, "RoundBackward0", False, ""),
    "square": (np.square, lambda g, x, o: 2 * g * x, "PowBackward0", False, "x"),
    "conj_physical": (np.conj, lambda g, x, o: g.conj(), "ConjPhysicalBackward0", False, ""),
    "sinc": (np.sinc, lambda g, x, o: g * ((math.pi * x).cos() - o) / x.masked_fill(x == 0, 1)
             * (x != 0), "SincBackward0", True, "x+out"),
    "deg2rad": (np.deg2rad, lambda g, x, o: g * (math.pi / 180), "Deg2RadBackward0", True, ""),
    "rad2deg": (np.rad2deg, lambda g, x, o: g * (180 / math.pi), "Rad2DegBackward0", True, ""),
}

ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
           "arccosh": "acosh", "arctanh": "atanh", "absolute": "abs", "fix": "trunc",
           "negative": None, "special_expit": "sigmoid"}


class Unary(Op):
    def __init__(self, name):
        self.fn, self.grad, self.node, self.floating, saves = TABLE[name]
        self.saved_inputs = (0,) if "x" in saves else ()
        self.saves_output = "out" in saves

    def forward(self, a):
        with np.errstate(all="ignore"):
            out = self.fn(a)
        if out.dtype == a.dtype or a.dtype == np.bool_ or a.dtype.kind == "c" != out.dtype.kind:
            return out   # (abs of a complex tensor is real, as in PyTorch)
        return out.astype(a.dtype)

    def backward(self, g):
        x = self.saved_tensors[0] if self.saved_inputs else None
        o = self.saved_output if self.saves_output else None
        if self.grad is None:
            raise NotImplementedError("the derivative for '%s' is not implemented." % self.node)
        return self.grad(g, x, o)

    def name(self):
        return self.node


def unary(name, x):
    floating = TABLE[name][3]
    dt = x._dtype
    if floating and not (dt.is_floating_point or dt.is_complex):
        x = x.to(D.get_default_dtype())
    elif name in ("floor", "ceil", "trunc", "round", "frac") and not dt.is_floating_point:
        if name == "frac":
            raise NotImplementedError("\"frac_cpu\" not implemented for '%s'" % dt._legacy[:-6])
        return x.clone()
    out = run(Unary(name), x)
    if x._dtype is D.bfloat16:
        from .convert import round_bfloat16
        out._data, out._dtype = round_bfloat16(out._data), D.bfloat16
    return out


def _make(name):
    def f(input, *, out=None):
        r = unary(name, input)
        if out is not None:
            from ._out import write_out
            return write_out(out, r)
        return r
    f.__name__ = name
    f.__doc__ = "Elementwise ``%s`` (``torch.%s``)." % (name, name)
    return f


FUNCTIONS = {name: _make(name) for name in TABLE if name != "trigamma"}
for _alias, _target in ALIASES.items():
    if _target is not None:
        FUNCTIONS[_alias] = FUNCTIONS[_target]
