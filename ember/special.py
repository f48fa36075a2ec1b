"""``torch.special``: error, gamma, Bessel and related functions, elementwise and differentiable.

The kernels are `ember.ops._special` (vectorised NumPy); each function here is one row of a
table (forward kernel, backward in ember ops, PyTorch's node name) or a composition of
existing ops. Integer and bool inputs compute in the default float dtype, as in PyTorch.
"""
import math
import types

import numpy as np

from . import _dtype as D
from ._device import array_module, on_host
from .ops import _special
from .ops._op import Op, is_tensor, result_dtype, run, as_tensor_like

# the NumPy-only kernels, made to take device arrays (computed on the host, copied back)
K = types.SimpleNamespace(**{name: on_host(getattr(_special, name)) for name in (
    "erfcx", "ndtri", "log_ndtr", "i0", "i0e", "i1", "i1e", "digamma", "polygamma", "lgamma",
    "zeta", "gammainc", "gammaincc", "orthopoly")})

_SQRT_2PI = math.sqrt(2 * math.pi)
_2_SQRT_PI = 2 / math.sqrt(math.pi)


def _floating(x):
    """`x` as a floating (or complex) tensor: integers and bools become the default dtype."""
    dt = x._dtype
    if dt.is_floating_point or dt.is_complex:
        return x
    return x.to(D.get_default_dtype())


class SpecialUnary(Op):
    """One elementwise special function: forward kernel, backward(g, x, out), node name."""

    def __init__(self, fn, grad, node):
        self.fn, self.grad, self.node = fn, grad, node
        if grad is not None:
            self.saved_inputs = (0,)
            self.saves_output = True

    def forward(self, a):
        with np.errstate(all="ignore"):
            return self.fn(a)

    def backward(self, g):
        if self.grad is None:
            raise NotImplementedError("the derivative for '%s' is not implemented." % self.node)
        (x,) = self.saved_tensors
        return self.grad(g, x, self.saved_output)

    def name(self):
        return self.node


def _i1_grad(g, x, out):
    # d/dx I1(x) = I0(x) - I1(x) / x, which is 1/2 at x = 0
    zero = x == 0
    return g * (i0(x) - out / x.masked_fill(zero, 1)).masked_fill(zero, 0.5)


def _i1e_grad(g, x, out):
    zero = x == 0
    return g * (i0e(x) - out * (x.sgn() + 1 / x.masked_fill(zero, 1))).masked_fill(zero, 0.5)


def _entr(a):
    with np.errstate(all="ignore"):
        out = -a * np.log(a)
    out = np.where(a == 0, 0, out)
    return np.where(a < 0, -np.inf, out).astype(a.dtype, copy=False)


# name: (kernel, backward(g, x, out) or None, node name)
_TABLE = {
    "erfcx": (K.erfcx, lambda g, x, o: g * (2 * x * o - _2_SQRT_PI), "SpecialErfcxBackward0"),
    "ndtri": (K.ndtri, lambda g, x, o: g * _SQRT_2PI * (o * o / 2).exp(),
              "SpecialNdtriBackward0"),
    "log_ndtr": (K.log_ndtr, lambda g, x, o: g / _SQRT_2PI * (-(o + x * x / 2)).exp(),
                 "SpecialLogNdtrBackward0"),
    "i0": (K.i0, lambda g, x, o: g * i1(x), "I0Backward0"),
    "i0e": (K.i0e, lambda g, x, o: g * (i1e(x) - x.sgn() * o), "SpecialI0EBackward0"),
    "i1": (K.i1, _i1_grad, "SpecialI1Backward0"),
    "i1e": (K.i1e, _i1e_grad, "SpecialI1EBackward0"),
    "entr": (_entr, lambda g, x, o: -g * (x.log() + 1), "SpecialEntrBackward0"),
    "digamma": (K.digamma, lambda g, x, o: g * polygamma(1, x), "DigammaBackward0"),
}


def _unary(name, input):
    fn, grad, node = _TABLE[name]
    return run(SpecialUnary(fn, grad, node), _floating(input))


def erfcx(input, *, out=None):
    """exp(x^2) * erfc(x), computed without overflow."""
    return _out(_unary("erfcx", input), out)


def ndtri(input, *, out=None):
    """The inverse of the standard normal CDF."""
    return _out(_unary("ndtri", input), out)


def log_ndtr(input, *, out=None):
    """log of the standard normal CDF, accurate in both tails."""
    return _out(_unary("log_ndtr", input), out)


def ndtr(input, *, out=None):
    """The standard normal CDF, (1 + erf(x / sqrt(2))) / 2."""
    return _out((_floating(input) * (1 / math.sqrt(2))).erf().add(1).mul(0.5), out)


def i0(input, *, out=None):
    """The modified Bessel function of the first kind, order 0."""
    return _out(_unary("i0", input), out)


def i0e(input, *, out=None):
    """exp(-|x|) * i0(x)."""
    return _out(_unary("i0e", input), out)


def i1(input, *, out=None):
    """The modified Bessel function of the first kind, order 1."""
    return _out(_unary("i1", input), out)


def i1e(input, *, out=None):
    """exp(-|x|) * i1(x)."""
    return _out(_unary("i1e", input), out)


def entr(input, *, out=None):
    """-x log(x): 0 at 0 and -inf for negative x."""
    return _out(_unary("entr", input), out)


def digamma(input, *, out=None):
    """The logarithmic derivative of the gamma function (differentiable: trigamma)."""
    return _out(_unary("digamma", input), out)


psi = digamma


class PolygammaBackward0(Op):
    saved_inputs = (0,)

    def __init__(self, n):
        self.n = n

    def forward(self, a):
        return K.polygamma(self.n, a)

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * polygamma(self.n + 1, x)


def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma."""
    n = int(n)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return _out(run(PolygammaBackward0(n), _floating(input)), out)


class MvlgammaBackward0(Op):
    saved_inputs = (0,)

    def __init__(self, p):
        self.p = p

    def forward(self, a):
        offsets = -array_module(a).arange(self.p, dtype=a.dtype) / 2
        r = K.lgamma(a[..., None] + offsets).sum(-1)
        return (r + self.p * (self.p - 1) / 4 * math.log(math.pi)).astype(a.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        from ._creation import arange
        offsets = -arange(self.p, dtype=x.dtype) / 2
        return g * digamma(x.unsqueeze(-1) + offsets).sum(-1)


def multigammaln(input, p, *, out=None):
    """The log of the multivariate gamma function of dimension p."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = _floating(input)
    if bool((x <= (p - 1) / 2).any()):
        raise RuntimeError("All elements must be greater than (p-1)/2")
    return _out(run(MvlgammaBackward0(int(p)), x), out)


# --- two-argument functions ----------------------------------------------------------------------

def _pair(a, b):
    """Both operands as tensors of their promoted floating dtype."""
    dt = result_dtype(a, b)
    if not (dt.is_floating_point or dt.is_complex):
        dt = D.get_default_dtype()
    ref = a if is_tensor(a) else b
    a, b = as_tensor_like(a, ref, dt), as_tensor_like(b, ref, dt)
    return (a if a._dtype is dt else a.to(dt)), (b if b._dtype is dt else b.to(dt))


class SpecialXlog1PyBackward0(Op):
    saved_inputs = (0, 1)

    def forward(self, x, y):
        with np.errstate(all="ignore"):
            out = x * np.log1p(y)
        return np.where((x == 0) & ~np.isnan(y), x.dtype.type(0), out)

    def backward(self, g):
        x, y = self.saved_tensors
        gx = xlog1py(g, y).masked_fill((x == 0) & (y <= -1), 0)
        return gx, g * x / (y + 1)


def xlog1py(input, other, *, out=None):
    """x * log1p(y), 0 where x == 0 (unless y is nan)."""
    x, y = _pair(input, other)
    return _out(run(SpecialXlog1PyBackward0(), x, y), out)


def xlogy(input, other, *, out=None):
    """x * log(y), 0 where x == 0 (unless y is nan)."""
    from .ops.fused_pointwise import xlogy as _xlogy
    return _xlogy(input, other, out=out)


class SpecialZetaBackward0(Op):
    saved_inputs = (0, 1)

    def forward(self, x, q):
        with np.errstate(over="ignore"):
            return K.zeta(x, q).astype(np.result_type(x, q), copy=False)

    def backward(self, g):
        x, q = self.saved_tensors
        gx = None
        if self._in_meta[0] is not None:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        return gx, g * -x * zeta(x + 1, q)


def zeta(input, other, *, out=None):
    """The Hurwitz zeta function sum_k (q + k) ** -x."""
    x, q = _pair(input, other)
    return _out(run(SpecialZetaBackward0(), x, q), out)


class IgammaBackward0(Op):
    """The regularized incomplete gamma functions (lower, or upper for IgammacBackward0)."""
    saved_inputs = (0, 1)
    upper = False

    def forward(self, a, x):
        f = K.gammaincc if self.upper else K.gammainc
        out = f(a, x).astype(np.result_type(a, x), copy=False)
        return out.reshape(np.broadcast_shapes(a.shape, x.shape))

    def backward(self, g):
        a, x = self.saved_tensors
        if self._in_meta[0] is not None:
            raise NotImplementedError("the derivative for '%s: input' is not implemented."
                                      % ("igammac" if self.upper else "igamma"))
        # d/dx P(a, x) = x^(a-1) e^-x / Gamma(a)
        d = ((a - 1) * x.log() - x - a.lgamma()).exp()
        return None, (-g * d if self.upper else g * d)


class IgammacBackward0(IgammaBackward0):
    upper = True


def _igamma(cls, input, other, out):
    a, x = _pair(input, other)
    if not (input._dtype.is_floating_point if is_tensor(input) else True):
        raise NotImplementedError('"igamma_cpu" not implemented for \'%s\''
                                  % input._dtype._legacy[:-6])
    return _out(run(cls(), a, x), out)


def gammainc(input, other, *, out=None):
    """The regularized lower incomplete gamma function P(a, x)."""
    return _igamma(IgammaBackward0, input, other, out)


def gammaincc(input, other, *, out=None):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return _igamma(IgammacBackward0, input, other, out)


# --- functions without gradients (PyTorch defines none either) ----------------------------------

class _NoGrad(Op):
    def __init__(self, fn):
        self.fn = fn

    def forward(self, a):
        with np.errstate(all="ignore"):
            return self.fn(a).astype(a.dtype, copy=False)


def _nograd(fn, input):
    return run(_NoGrad(fn), _floating(input).detach())


def modified_bessel_i0(input, *, out=None):
    return _out(_nograd(K.i0, input), out)


def modified_bessel_i1(input, *, out=None):
    return _out(_nograd(K.i1, input), out)


def spherical_bessel_j0(input, *, out=None):
    """sin(x) / x (1 at 0)."""
    def j0(a):
        with np.errstate(all="ignore"):
            r = np.sin(a) / a
        return np.where(a == 0, 1.0, np.where(np.isinf(a), 0.0, r))
    return _out(_nograd(j0, input), out)


class _Poly(Op):
    def __init__(self, kind, shift):
        self.kind, self.shift = kind, shift

    def forward(self, x, n):
        if self.shift:
            x = 2 * x - 1
        return K.orthopoly(self.kind, x, n).astype(np.result_type(x, n), copy=False)


def _poly(kind, input, n, out, shift=False):
    x, nn = _pair(input, n)
    return _out(run(_Poly(kind, shift), x.detach(), nn.detach()), out)


def chebyshev_polynomial_t(input, n, *, out=None):
    """Chebyshev polynomial of the first kind T_n(x) (no gradient, as in PyTorch)."""
    return _poly("chebyshev_t", input, n, out)


def chebyshev_polynomial_u(input, n, *, out=None):
    """Chebyshev polynomial of the second kind U_n(x)."""
    return _poly("chebyshev_u", input, n, out)


def chebyshev_polynomial_v(input, n, *, out=None):
    """Chebyshev polynomial of the third kind V_n(x)."""
    return _poly("chebyshev_v", input, n, out)


def chebyshev_polynomial_w(input, n, *, out=None):
    """Chebyshev polynomial of the fourth kind W_n(x)."""
    return _poly("chebyshev_w", input, n, out)


def shifted_chebyshev_polynomial_t(input, n, *, out=None):
    """T_n(2x - 1)."""
    return _poly("chebyshev_t", input, n, out, shift=True)


def shifted_chebyshev_polynomial_u(input, n, *, out=None):
    """U_n(2x - 1)."""
    return _poly("chebyshev_u", input, n, out, shift=True)


def shifted_chebyshev_polynomial_v(input, n, *, out=None):
    """V_n(2x - 1)."""
    return _poly("chebyshev_v", input, n, out, shift=True)


def shifted_chebyshev_polynomial_w(input, n, *, out=None):
    """W_n(2x - 1)."""
    return _poly("chebyshev_w", input, n, out, shift=True)


def hermite_polynomial_h(input, n, *, out=None):
    """The physicists' Hermite polynomial H_n(x)."""
    return _poly("hermite_h", input, n, out)


def hermite_polynomial_he(input, n, *, out=None):
    """The probabilists' Hermite polynomial He_n(x)."""
    return _poly("hermite_he", input, n, out)


def laguerre_polynomial_l(input, n, *, out=None):
    """The Laguerre polynomial L_n(x)."""
    return _poly("laguerre_l", input, n, out)


def legendre_polynomial_p(input, n, *, out=None):
    """The Legendre polynomial P_n(x)."""
    return _poly("legendre_p", input, n, out)


# --- aliases of torch.* functions ------------------------------------------------------------------

def erf(input, *, out=None):
    return _out(_floating(input).erf(), out)


def erfc(input, *, out=None):
    return _out(_floating(input).erfc(), out)


def erfinv(input, *, out=None):
    return _out(_floating(input).erfinv(), out)


def gammaln(input, *, out=None):
    return _out(_floating(input).lgamma(), out)


def expit(input, *, out=None):
    return _out(_floating(input).sigmoid(), out)


def logit(input, eps=None, *, out=None):
    return _out(_floating(input).logit(eps), out)


def exp2(input, *, out=None):
    return _out(_floating(input).exp2(), out)


def expm1(input, *, out=None):
    return _out(_floating(input).expm1(), out)


def log1p(input, *, out=None):
    return _out(_floating(input).log1p(), out)


def sinc(input, *, out=None):
    return _out(_floating(input).sinc(), out)


def round(input, *, decimals=0, out=None):  # noqa: A001
    return _out(input.round(decimals=decimals), out)


def logsumexp(input, dim, keepdim=False, *, out=None):
    return _out(input.logsumexp(dim, keepdim), out)


def softmax(input, dim, *, dtype=None):
    from .nn import functional as F
    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    from .nn import functional as F
    return F.log_softmax(input, dim, dtype=dtype)


def _out(r, out):
    if out is None:
        return r
    from .ops._out import write_out
    return write_out(out, r)


# --- registration: the torch.* / Tensor spellings of some of these (ember/_tensor_methods.py) ----

def _polygamma_method(self, n):
    """``Tensor.polygamma(n)``."""
    return polygamma(n, self)


def _mvlgamma_method(self, p):
    """``Tensor.mvlgamma(p)``."""
    return multigammaln(self, p)


METHODS = {"i0": i0, "polygamma": _polygamma_method, "mvlgamma": _mvlgamma_method,
           "igamma": gammainc, "igammac": gammaincc}
INPLACE = ["i0", "polygamma", "mvlgamma", "igamma", "igammac"]
FUNCTIONS = {"i0": i0, "polygamma": polygamma, "mvlgamma": multigammaln, "igamma": gammainc,
             "igammac": gammaincc}
