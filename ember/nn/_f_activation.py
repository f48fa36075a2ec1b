"""Functional activations: elementwise ones from a table, plus softmax, log_softmax, glu,
prelu and rrelu. Each is one op with an array-level backward (see `_fused.py`)."""
import math
import warnings

import numpy as np

from .._device import array_module
from .._tensor import Tensor
from ..ops._op import norm_dim
from ..ops.pointwise import where as _where
from ..ops.unary import _erf as erf  # (on the host for device arrays)
from ._fused import Fused, apply

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu",
           "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid", "logsigmoid", "tanh",
           "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "hardshrink", "softshrink",
           "tanhshrink", "softplus", "softsign", "threshold", "threshold_", "glu", "softmax",
           "log_softmax", "softmin", "prelu", "rrelu", "rrelu_", "gumbel_softmax"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _sig(a):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-a))


def _softplus(a):
    return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))


def _cast(a, like):
    return a.astype(like.dtype, copy=False) if a.dtype != like.dtype else a


# --- elementwise activations ---------------------------------------------------------------------
# Each row: forward(x, *params), input gradient grad(g, x, out, *params) on arrays, and the
# same forward with ember ops (for double backward).

def _relu_grad(g, x, o):
    return g * (o > 0)


def _elu_fwd(x, alpha, scale, input_scale):
    neg = alpha * np.expm1(np.minimum(x, 0) * input_scale)
    return scale * np.where(x > 0, x, neg)


def _elu_grad(g, x, o, alpha, scale, input_scale):
    neg = input_scale * alpha * scale * np.exp(np.minimum(x, 0) * input_scale)
    return g * np.where(x > 0, scale, neg)


def _elu_comp(x, alpha, scale, input_scale):
    neg = alpha * ((x.clamp(max=0) * input_scale).exp() - 1)
    return scale * _where(x > 0, x, neg)


def _gelu_fwd(x, tanh_approx):
    if tanh_approx:
        return 0.5 * x * (1 + np.tanh(_SQRT_2_PI * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def _gelu_grad(g, x, o, tanh_approx):
    if tanh_approx:
        t = np.tanh(_SQRT_2_PI * (x + 0.044715 * x ** 3))
        d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_PI * (1 + 3 * 0.044715 * x * x)
    else:
        d = 0.5 * (1 + erf(x / math.sqrt(2))) + x * np.exp(-0.5 * x * x) * _INV_SQRT_2PI
    return g * d


def _gelu_comp(x, tanh_approx):
    if tanh_approx:
        return 0.5 * x * (1 + (_SQRT_2_PI * (x + 0.044715 * x ** 3)).tanh())
    return 0.5 * x * (1 + (x / math.sqrt(2)).erf())


def _silu_grad(g, x, o):
    s = _sig(x)
    return g * s * (1 + x * (1 - s))


def _mish_grad(g, x, o):
    t = np.tanh(_softplus(x))
    return g * (t + x * _sig(x) * (1 - t * t))


def _softplus_fwd(x, beta, threshold):
    return np.where(x * beta > threshold, x, _softplus(x * beta) / beta)


def _softplus_grad(g, x, o, beta, threshold):
    return np.where(x * beta > threshold, g, g * _sig(x * beta))


def _softplus_comp(x, beta, threshold):
    soft = ((x * beta).clamp(max=threshold).exp()).log1p() / beta
    return _where(x * beta > threshold, x, soft)


def _hardswish_grad(g, x, o):
    return np.where(x < -3, 0, np.where(x <= 3, g * (x / 3 + 0.5), g))


def _softshrink_fwd(x, lambd):
    return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0))


def _softshrink_comp(x, lambd):
    return (x - lambd) * (x > lambd) + (x + lambd) * (x < -lambd)


TABLE = {
    "relu": ("ReluBackward0", lambda x: np.maximum(x, 0), _relu_grad,
             lambda x: x * (x > 0)),
    "leaky_relu": ("LeakyReluBackward0", lambda x, s: np.where(x > 0, x, x * s),
                   lambda g, x, o, s: g * np.where(x > 0, 1, s).astype(x.dtype),
                   lambda x, s: _where(x > 0, x, x * s)),
    "elu": ("EluBackward0", _elu_fwd, _elu_grad, _elu_comp),
    "celu": ("CeluBackward0", lambda x, a: _elu_fwd(x, a, 1.0, 1.0 / a),
             lambda g, x, o, a: _elu_grad(g, x, o, a, 1.0, 1.0 / a),
             lambda x, a: _elu_comp(x, a, 1.0, 1.0 / a)),
    "gelu": ("GeluBackward0", _gelu_fwd, _gelu_grad, _gelu_comp),
    "silu": ("SiluBackward0", lambda x: x * _sig(x), _silu_grad, lambda x: x * x.sigmoid()),
    "mish": ("MishBackward0", lambda x: x * np.tanh(_softplus(x)), _mish_grad,
             lambda x: x * _softplus_comp(x, 1, 20).tanh()),
    "logsigmoid": ("LogSigmoidBackward0", lambda x: np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))),
                   lambda g, x, o: g * _sig(-x),
                   lambda x: -_softplus_comp(-x, 1, 20)),
    "hardtanh": ("HardtanhBackward0", lambda x, lo, hi: np.clip(x, lo, hi),
                 lambda g, x, o, lo, hi: g * ((x > lo) & (x < hi)),
                 lambda x, lo, hi: x.clamp(lo, hi)),
    "hardsigmoid": ("HardsigmoidBackward0", lambda x: np.clip(x + 3, 0, 6) / 6,
                    lambda g, x, o: g * ((x > -3) & (x < 3)) / 6,
                    lambda x: (x + 3).clamp(0, 6) / 6),
    "hardswish": ("HardswishBackward0", lambda x: x * np.clip(x + 3, 0, 6) / 6, _hardswish_grad,
                  lambda x: x * (x + 3).clamp(0, 6) / 6),
    "hardshrink": ("HardshrinkBackward0", lambda x, l: np.where(np.abs(x) > l, x, 0),
                   lambda g, x, o, l: g * (np.abs(x) > l),
                   lambda x, l: x * (x.abs() > l)),
    "softshrink": ("SoftshrinkBackward0", _softshrink_fwd,
                   lambda g, x, o, l: g * (np.abs(x) > l), _softshrink_comp),
    "softplus": ("SoftplusBackward0", _softplus_fwd, _softplus_grad, _softplus_comp),
    "threshold": ("ThresholdBackward0", lambda x, t, v: np.where(x > t, x, v),
                  lambda g, x, o, t, v: g * (x > t),
                  lambda x, t, v: x * (x > t) + v * (x <= t)),
}

# kernel names in PyTorch's "not implemented for 'Long'" errors
_KERNELS = {"gelu": "GeluKernelImpl", "elu": "elu_cpu", "celu": "elu_cpu", "silu": "silu_cpu",
            "mish": "mish_cpu", "logsigmoid": "log_sigmoid_cpu", "softplus": "softplus_cpu",
            "hardsigmoid": "hardsigmoid_cpu", "hardswish": "hardswish_cpu",
            "hardshrink": "hardshrink_cpu", "softshrink": "softshrink_cpu",
            "leaky_relu": "leaky_relu_cpu"}


class Elementwise(Fused):
    """One row of `TABLE` applied to a tensor."""

    def __init__(self, kind, params=()):
        self.node, self.fwd, self.grad, self.comp = TABLE[kind]
        self.params = params

    def name(self):
        return self.node

    def forward(self, x):
        with np.errstate(all="ignore"):
            out = _cast(self.fwd(x, *self.params), x)
        self.x, self.out = x, out
        return out

    def grad_arrays(self, g):
        with np.errstate(all="ignore"):
            return (_cast(self.grad(g, self.x, self.out, *self.params), g),)

    def composite(self, x):
        return self.comp(x, *self.params)


def _elementwise(kind, x, params=(), inplace=False):
    if kind in _KERNELS and not x._dtype.is_floating_point:
        raise NotImplementedError("\"%s\" not implemented for '%s'"
                                  % (_KERNELS[kind], x._dtype._legacy[:-6]))
    if inplace:
        from ..ops.inplace import apply_
        return apply_(x, lambda t: apply(Elementwise(kind, params), t))
    return apply(Elementwise(kind, params), x)


def relu(input, inplace=False):
    """max(0, x)."""
    return _elementwise("relu", input, (), inplace)


def relu_(input):
    return relu(input, inplace=True)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    return _elementwise("threshold", input, (threshold, value), inplace)


def threshold_(input, threshold, value):
    return _elementwise("threshold", input, (threshold, value), True)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _elementwise("hardtanh", input, (min_val, max_val), inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    """min(max(0, x), 6)."""
    return _elementwise("hardtanh", input, (0.0, 6.0), inplace)


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return _elementwise("elu", input, (alpha, 1.0, 1.0), inplace)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _elementwise("elu", input, (_SELU_ALPHA, _SELU_SCALE, 1.0), inplace)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    return _elementwise("celu", input, (alpha,), inplace)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x."""
    return _elementwise("leaky_relu", input, (negative_slope,), inplace)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def gelu(input, approximate="none"):
    """x * Phi(x) (``approximate='tanh'``: the tanh approximation)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _elementwise("gelu", input, (approximate == "tanh",))


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    return _elementwise("silu", input, (), inplace)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _elementwise("mish", input, (), inplace)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    return _elementwise("hardsigmoid", input, (), inplace)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    return _elementwise("hardswish", input, (), inplace)


def hardshrink(input, lambd=0.5):
    """x if |x| > lambd else 0."""
    return _elementwise("hardshrink", input, (lambd,))


def softshrink(input, lambd=0.5):
    """x - lambd, x + lambd or 0."""
    return _elementwise("softshrink", input, (lambd,))


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta (linear above `threshold`)."""
    return _elementwise("softplus", input, (beta, threshold))


def logsigmoid(input):
    """log(sigmoid(x)), computed stably."""
    return _elementwise("logsigmoid", input)


def sigmoid(input):
    """1 / (1 + exp(-x))."""
    return input.sigmoid()


def tanh(input):
    """tanh(x)."""
    return input.tanh()


def tanhshrink(input):
    """x - tanh(x)."""
    return input - input.tanh()


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


# --- softmax family ------------------------------------------------------------------------------

class SoftmaxBackward0(Fused):
    """exp(x - max) / sum along `dim`."""

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        d = self.dim
        e = np.exp(x - x.max(d, keepdims=True)) if x.size else x.copy()
        e /= e.sum(d, keepdims=True)
        self.out = e
        return e

    def grad_arrays(self, g):
        o = self.out
        return (o * (g - (g * o).sum(self.dim, keepdims=True)),)

    def composite(self, x):
        e = (x - x.amax(self.dim, keepdim=True).detach()).exp()
        return e / e.sum(self.dim, keepdim=True)


class LogSoftmaxBackward0(Fused):
    """x - max - log(sum(exp(x - max))) along `dim`."""

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        d = self.dim
        if not x.size:
            self.out = x.copy()
            return self.out
        shifted = x - x.max(d, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(d, keepdims=True))
        self.out = out
        return out

    def grad_arrays(self, g):
        return (g - np.exp(self.out) * g.sum(self.dim, keepdims=True),)

    def composite(self, x):
        return x - x.logsumexp(self.dim, keepdim=True)


def _softmax_dim(name, ndim):
    warnings.warn("Implicit dimension choice for %s has been deprecated. Change the call to "
                  "include dim=X as an argument." % name, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_like(op_cls, name, input, dim, dtype):
    if dim is None:
        dim = _softmax_dim(name, input.dim())
    if dtype is not None:
        input = input.to(dtype)
    d = norm_dim(dim, input.dim())
    if not input._dtype.is_floating_point:
        kernel = "softmax" if op_cls is SoftmaxBackward0 else "log_softmax"
        last = "lastdim_" if d == max(input.dim() - 1, 0) else ""
        raise NotImplementedError("\"%s_%skernel_impl\" not implemented for '%s'"
                                  % (kernel, last, input._dtype._legacy[:-6]))
    if input.dim() == 0:
        out = apply(op_cls(0), input.reshape(1))
        return out.reshape(())
    return apply(op_cls(d), input)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x_i) / sum_j exp(x_j) along `dim`."""
    return _softmax_like(SoftmaxBackward0, "softmax", input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x)."""
    if dim is None:
        dim = _softmax_dim("softmin", input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along `dim`, computed stably."""
    return _softmax_like(LogSoftmaxBackward0, "log_softmax", input, dim, dtype)


# --- glu, prelu, rrelu ---------------------------------------------------------------------------

class GluBackward0(Fused):
    """a * sigmoid(b) for the two halves a, b of `dim`."""

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        a, b = np.split(x, 2, axis=self.dim)
        self.a, self.s = a, _cast(_sig(b), x)
        return a * self.s

    def grad_arrays(self, g):
        s = self.s
        return (np.concatenate([g * s, g * self.a * s * (1 - s)], axis=self.dim),)

    def composite(self, x):
        a, b = x.chunk(2, self.dim)
        return a * b.sigmoid()


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the halves of `input` along `dim`."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = norm_dim(dim, input.dim())
    if input.shape[d] % 2:
        raise RuntimeError("Halving dimension must be even, but dimension %d is size %d"
                           % (d, input.shape[d]))
    return apply(GluBackward0(d), input)


class PreluKernelBackward0(Fused):
    """x if x > 0 else w * x, one weight per channel (dim 1)."""

    def forward(self, x, w):
        self.wshape = w.shape
        if w.size != 1 and x.ndim >= 2:
            w = w.reshape((1, -1) + (1,) * (x.ndim - 2))
        else:
            w = w.reshape(())
        self.x, self.w = x, w
        return np.where(x > 0, x, w * x)

    def grad_arrays(self, g):
        x, w = self.x, self.w
        gx = np.where(x > 0, g, w * g) if self._in_meta[0] is not None else None
        gw = None
        if self._in_meta[1] is not None:
            contrib = np.where(x > 0, 0, x * g)
            if w.ndim:
                axes = tuple(i for i in range(x.ndim) if i != 1)
                gw = contrib.sum(axes).reshape(self.wshape)
            else:
                gw = array_module(x).asarray(contrib.sum()).reshape(self.wshape)
        return gx, gw

    def composite(self, x, w):
        if w.numel() != 1 and x.dim() >= 2:
            w = w.reshape((1, -1) + (1,) * (x.dim() - 2))
        else:
            w = w.reshape(())
        return _where(x > 0, x, w * x)


def prelu(input, weight):
    """x if x > 0 else weight * x (weight per channel)."""
    if weight.numel() != 1:
        if input.dim() == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.dim() >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError("Mismatch of parameter numbers and input channel size. Found "
                               "parameter numbers = %d and channel size = %d."
                               % (weight.numel(), channels))
    if weight.dim() > 1:
        raise RuntimeError("prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           "ndim = %d" % weight.dim())
    return apply(PreluKernelBackward0(), input, weight)


class RreluWithNoiseBackward0(Fused):
    """x * noise, the noise drawn per negative element (training) or fixed (eval)."""

    def __init__(self, noise):
        self.noise = noise

    def forward(self, x):
        return _cast(x * self.noise, x)

    def grad_arrays(self, g):
        return (_cast(g * self.noise, g),)

    def composite(self, x):
        return x * Tensor._make(_cast(self.noise, x._data))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: negative inputs are scaled by a slope drawn from
    U(lower, upper) when training (one double draw per negative element, as PyTorch's CPU
    kernel), by (lower + upper) / 2 otherwise."""
    x = input._data
    xp = array_module(x)
    if training:
        from ..random import default_generator
        neg = x <= 0
        noise = xp.ones(x.shape, dtype=np.float64)
        u = default_generator._uniform01(int(neg.sum()), np.float64)
        noise[neg] = xp.asarray(u) * (upper - lower) + lower
    else:
        slope = (lower + upper) / 2
        noise = xp.where(x >= 0, 1.0, slope)
    noise = noise.astype(x.dtype, copy=False)
    if inplace:
        from ..ops.inplace import apply_
        return apply_(input, lambda t: apply(RreluWithNoiseBackward0(noise), t))
    return apply(RreluWithNoiseBackward0(noise), input)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)



def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Softmax of (logits + Gumbel noise) / tau; with `hard`, a one-hot sample whose
    gradient is the soft sample's (straight-through)."""
    from .._creation import empty_like
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -empty_like(logits).exponential_().log()
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    d = norm_dim(dim, logits.dim())
    xp = array_module(logits._data)
    hard = xp.zeros(logits.shape, dtype=logits._dtype.np)
    xp.put_along_axis(hard, xp.expand_dims(y_soft._data.argmax(d), d), 1, axis=d)
    return Tensor._make(hard) - y_soft.detach() + y_soft
