"""Functional normalisation: batch_norm, layer_norm, group_norm, instance_norm,
local_response_norm.

batch, layer, group and instance norm share one op, `NormBackward`: statistics over some
axes of a reshaped view of the input, then a per-channel (or per-element) affine map. Its
backward is the closed form ``invstd / n * (n * gx̂ - Σgx̂ - x̂ Σ(gx̂ x̂))`` on arrays.
"""
import numpy as np

from .._device import array_module
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ._fused import Fused, apply

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "local_response_norm",
           "rms_norm"]


class NormBackward(Fused):
    """(x - mean) * invstd * w + b. Statistics come from `x` (over `axes` of x viewed as
    `sshape`) or are given (`fixed`, eval-mode batch norm)."""

    def __init__(self, node, sshape, axes, wshape, eps, fixed=None, has_w=False, has_b=False):
        self.node, self.sshape, self.axes, self.wshape = node, sshape, axes, wshape
        self.eps, self.fixed, self.has_w, self.has_b = eps, fixed, has_w, has_b

    def name(self):
        return self.node

    def forward(self, x, *wb):
        xs = x.reshape(self.sshape)
        if self.fixed is None:
            mean = xs.mean(self.axes, keepdims=True)
            xc = xs - mean
            var = (xc * xc).mean(self.axes, keepdims=True)
            invstd = 1.0 / np.sqrt(var + self.eps)
            self.mean, self.var = mean, var
        else:
            mean, invstd = self.fixed
            xc = xs - mean
        self.invstd = invstd.astype(x.dtype, copy=False)
        xhat = (xc * self.invstd).reshape(x.shape)
        self.xhat = xhat
        w = wb[0].reshape(self.wshape) if self.has_w else None
        b = wb[-1].reshape(self.wshape) if self.has_b else None
        self.w = w
        out = xhat * w if w is not None else xhat.copy()
        if b is not None:
            out += b
        return out.astype(x.dtype, copy=False)

    def _affine_axes(self, ndim):
        lead = ndim - len(self.wshape)
        return tuple(i for i in range(ndim) if i < lead or self.wshape[i - lead] == 1)

    def grad_arrays(self, g):
        xhat, meta = self.xhat, self._in_meta
        gx = gw = gb = None
        if meta[0] is not None:
            gxh = g * self.w if self.w is not None else g
            if self.fixed is not None:
                gx = (gxh.reshape(self.sshape) * self.invstd).reshape(g.shape)
            else:
                s = gxh.reshape(self.sshape)
                xh = xhat.reshape(self.sshape)
                gx = (self.invstd * (s - s.mean(self.axes, keepdims=True)
                                     - xh * (s * xh).mean(self.axes, keepdims=True)))
                gx = gx.reshape(g.shape)
        axes = self._affine_axes(g.ndim)
        if self.has_w and meta[1] is not None:
            gw = (g * xhat).sum(axes).reshape(-1)
        if self.has_b and meta[-1] is not None:
            gb = g.sum(axes).reshape(-1)
        out = [gx]
        if self.has_w:
            out.append(None if gw is None else gw.reshape(self._param_shape))
        if self.has_b:
            out.append(None if gb is None else gb.reshape(self._param_shape))
        return tuple(a.astype(g.dtype, copy=False) if a is not None else None for a in out)

    def composite(self, x, *wb):
        xs = x.reshape(self.sshape)
        if self.fixed is None:
            mean = xs.mean(self.axes, keepdim=True)
            var = xs.var(self.axes, unbiased=False, keepdim=True)
            xhat = ((xs - mean) / (var + self.eps).sqrt()).reshape(x.shape)
        else:
            mean, invstd = self.fixed
            xhat = ((xs - Tensor._make(mean.astype(x._dtype.np)))
                    * Tensor._make(invstd.astype(x._dtype.np))).reshape(x.shape)
        out = xhat
        if self.has_w:
            out = out * wb[0].reshape(self.wshape)
        if self.has_b:
            out = out + wb[-1].reshape(self.wshape)
        return out


def _sum02(v):
    """Sums a (A, B, C) array over A and C."""
    return v.sum(2).sum(0)


def _dot02(a, b):
    """sum(a * b) over axes 0 and 2 of (A, B, C) arrays, without an (A, B, C) temporary."""
    if a.shape[2] < 16:
        return (a * b).sum(2).sum(0)
    return (a[:, :, None, :] @ b[:, :, :, None]).sum(0).reshape(-1)


class BatchNormBackward(NormBackward):
    """Batch norm with per-channel statistics and affine, folded into per-channel scale
    and shift so that forward and backward make as few passes over the data as possible."""

    def forward(self, x, *wb):
        n, c = x.shape[0], x.shape[1]
        v = x.reshape(n, c, -1)
        cnt = v.shape[0] * v.shape[2]
        dt = x.dtype
        xp = array_module(x)
        w = wb[0] if self.has_w else xp.ones(c, dtype=dt)
        b = wb[-1] if self.has_b else xp.zeros(c, dtype=dt)
        if self.fixed is None:
            mean = _sum02(v) / cnt
            xc = v - mean.astype(dt, copy=False)[:, None]
            var = _dot02(xc, xc) / cnt
            invstd = (1.0 / np.sqrt(var + self.eps)).astype(dt, copy=False)
            self.mean, self.var, self.xc = mean, var, xc
            scale = invstd * w
            out = xc * scale[:, None]
            out += b[:, None]
        else:
            mean = self.fixed[0].reshape(-1).astype(dt, copy=False)
            invstd = self.fixed[1].reshape(-1).astype(dt, copy=False)
            self.v, self.mean = v, mean
            scale = invstd * w
            out = v * scale[:, None]
            out += (b - mean * scale)[:, None]
        self.invstd, self.w1, self.scale, self.cnt = invstd, w, scale, cnt
        return out.reshape(x.shape)

    def grad_arrays(self, g):
        meta = self._in_meta
        n, c = g.shape[0], g.shape[1]
        g3 = g.reshape(n, c, -1)
        gb = _sum02(g3)
        invstd = self.invstd
        gx = None
        if self.fixed is None:
            dot = _dot02(g3, self.xc)
            if meta[0] is not None:
                k = invstd * invstd * dot / self.cnt
                tmp = self.xc * k[:, None]
                tmp += (gb / self.cnt)[:, None]
                np.subtract(g3, tmp, out=tmp)
                tmp *= self.scale[:, None]
                gx = tmp.reshape(g.shape)
        else:
            dot = _dot02(g3, self.v) - self.mean * gb
            if meta[0] is not None:
                gx = (g3 * self.scale[:, None]).reshape(g.shape)
        out = [gx]
        if self.has_w:
            out.append(dot * invstd if meta[1] is not None else None)
        if self.has_b:
            out.append(gb if meta[-1] is not None else None)
        return tuple(a.astype(g.dtype, copy=False) if a is not None else None for a in out)


def _rowdot(a, b):
    """Row-wise dot products of two (R, M) arrays (BLAS, no temporary)."""
    return (a[:, None, :] @ b[:, :, None]).reshape(-1)


class LayerNormBackward(NormBackward):
    """Layer norm on the input viewed as (rows, M): row statistics and column-wise affine,
    with the reductions done as matrix-vector products."""

    def forward(self, x, *wb):
        m = self.sshape[1]
        v = x.reshape(-1, m)
        ones = array_module(x).ones(m, dtype=x.dtype)
        mean = (v @ ones) / m
        xc = v - mean[:, None]
        invstd = (1.0 / np.sqrt(_rowdot(xc, xc) / m + self.eps)).astype(x.dtype, copy=False)
        xhat = xc
        xhat *= invstd[:, None]
        self.xhat, self.invstd = xhat, invstd
        self.w = wb[0].reshape(-1) if self.has_w else None
        out = xhat * self.w if self.has_w else xhat.copy()
        if self.has_b:
            out += wb[-1].reshape(-1)
        return out.reshape(x.shape)

    def grad_arrays(self, g):
        meta, xhat = self._in_meta, self.xhat
        m = xhat.shape[1]
        g2 = g.reshape(-1, m)
        gx = None
        if meta[0] is not None:
            gxh = g2 * self.w if self.w is not None else g2
            m1 = (gxh @ array_module(g).ones(m, dtype=g.dtype)) / m
            m2 = _rowdot(gxh, xhat) / m
            tmp = xhat * m2[:, None]
            np.subtract(gxh, tmp, out=tmp)
            tmp -= m1[:, None]
            tmp *= self.invstd[:, None]
            gx = tmp.reshape(g.shape)
        ones_r = array_module(g).ones(g2.shape[0], dtype=g.dtype)
        out = [gx]
        if self.has_w:
            out.append((ones_r @ (g2 * xhat)).reshape(self._param_shape)
                       if meta[1] is not None else None)
        if self.has_b:
            out.append((ones_r @ g2).reshape(self._param_shape) if meta[-1] is not None else None)
        return tuple(out)


def _run(op, input, weight, bias):
    tensors = [input]
    op.has_w, op.has_b = weight is not None, bias is not None
    op._param_shape = tuple((weight if weight is not None else bias).shape) \
        if (weight is not None or bias is not None) else ()
    if weight is not None:
        tensors.append(weight)
    if bias is not None:
        tensors.append(bias)
    return apply(op, *tensors), op


def _channel_shape(x):
    return (1, x.shape[1]) + (1,) * (x.dim() - 2)


def _check_running(name, t, c):
    if t is not None and t.numel() != c:
        raise RuntimeError("%s should contain %d elements not %d" % (name, c, t.numel()))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalises each channel (dim 1) over the batch and spatial dims; in training the
    running statistics move by `momentum` towards the batch's (unbiased variance)."""
    if training:
        size = input.size()
        n = size[0] * int(np.prod(size[2:]))
        if n == 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             "size %s" % (size,))
    c = input.shape[1] if input.dim() > 1 else input.shape[0]
    _check_running("running_mean", running_mean, c)
    _check_running("running_var", running_var, c)
    axes = (0,) + tuple(range(2, input.dim()))
    cshape = _channel_shape(input)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        mean = running_mean._data.astype(input._dtype.np).reshape(cshape)
        invstd = 1.0 / np.sqrt(running_var._data.astype(np.float64).reshape(cshape) + eps)
        op = BatchNormBackward("NativeBatchNormBackward0", tuple(input.shape), axes, cshape,
                               eps, fixed=(mean, invstd))
        return _run(op, input, weight, bias)[0]
    op = BatchNormBackward("NativeBatchNormBackward0", tuple(input.shape), axes, cshape, eps)
    out, op = _run(op, input, weight, bias)
    if running_mean is not None or running_var is not None:
        _update_running_stats(input._data, running_mean, running_var, momentum)
    return out


def _update_running_stats(x, running_mean, running_var, momentum):
    """Moves the running statistics `momentum` of the way towards the batch's with the
    roundings of PyTorch's CPU kernel, so that they agree to the bit: the mean is a double
    sum rounded to the input's precision; the squared deviations are taken in that precision
    and summed in double; the updates mix float32 and double as that kernel's C++ does."""
    n, c = x.shape[0], x.shape[1]
    v = x.reshape(n, c, -1)
    count = v.shape[0] * v.shape[2]
    dt = x.dtype.type
    mean = (v.sum((0, 2), dtype=np.float64) / count).astype(dt)
    dev = v - mean[:, None]
    var_sum = (dev * dev).sum((0, 2), dtype=np.float64).astype(dt)
    m = dt(momentum)
    if running_mean is not None:
        rm = running_mean._data
        rm[...] = m * mean + (dt(1) - m) * rm
        running_mean._bump()
    if running_var is not None:
        rv = running_var._data
        unbiased = (var_sum / dt(max(count - 1, 1))).astype(np.float64)
        rv[...] = np.float64(m) * unbiased + ((dt(1) - m) * rv).astype(np.float64)
        running_var._bump()


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalises over the trailing `normalized_shape` dims, with elementwise affine."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    shape = tuple(normalized_shape)
    k = len(shape)
    if tuple(input.shape[input.dim() - k:]) != shape or input.dim() < k:
        raise RuntimeError("Given normalized_shape=%s, expected input with shape [*, %s], but got "
                           "input of size%s" % (list(shape), ", ".join(str(s) for s in shape),
                                                list(input.shape)))
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError("Expected %s to be of same shape as normalized_shape, but got %s "
                               "of shape %s and normalized_shape = %s"
                               % (name, name, list(t.shape), list(shape)))
    m = int(np.prod(shape))
    op = LayerNormBackward("NativeLayerNormBackward0", (-1, m), (1,), shape, eps)
    return _run(op, input, weight, bias)[0]


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) over the trailing dims, times `weight`."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    dims = tuple(range(-len(normalized_shape), 0))
    if eps is None:
        eps = float(np.finfo(input._dtype.np).eps)
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalises each group of channels per sample, with a per-channel affine."""
    if input.dim() < 2:
        raise RuntimeError("Expected at least 2 dimensions for input tensor but received %d"
                           % input.dim())
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, "
                           "but got input of shape %s and num_groups=%d"
                           % (list(input.shape), num_groups))
    op = NormBackward("NativeGroupNormBackward0", (n, num_groups, -1), (2,),
                      _channel_shape(input), eps)
    return _run(op, input, weight, bias)[0]


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalises each channel of each sample over its spatial dims."""
    if use_input_stats:
        size = input.size()
        if int(np.prod(size[2:])) == 1:
            raise ValueError("Expected more than 1 spatial element when training, got input size "
                             "%s" % (size,))
    # as PyTorch: one batch norm over a (1, N*C, ...) view, with per-channel tensors repeated
    n, c = input.shape[0], input.shape[1]
    x = input.contiguous().view((1, n * c) + tuple(input.shape[2:]))

    def repeated(t):
        return t.repeat(n) if t is not None else None
    rm, rv = repeated(running_mean), repeated(running_var)
    out = batch_norm(x, rm, rv, repeated(weight), repeated(bias), use_input_stats, momentum, eps)
    with no_grad():
        if running_mean is not None:
            running_mean.copy_(rm.view(n, c).mean(0))
        if running_var is not None:
            running_var.copy_(rv.view(n, c).mean(0))
    return out.view(input.shape)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta."""
    dim = input.dim()
    if dim < 3:
        raise ValueError("Expected 3D or higher dimensionality                          input "
                         "(got %d dimensions)" % dim)
    if input.numel() == 0:
        return input
    from .._creation import zeros
    from .._functions import cat
    sq = input * input
    c = input.shape[1]
    before, after = size // 2, (size - 1) // 2
    pad_shape = list(input.shape)
    parts = []
    if before:
        pad_shape[1] = before
        parts.append(zeros(pad_shape, dtype=input.dtype, device=input.device))
    parts.append(sq)
    if after:
        pad_shape[1] = after
        parts.append(zeros(pad_shape, dtype=input.dtype, device=input.device))
    padded = cat(parts, 1) if len(parts) > 1 else sq
    window = padded.narrow(1, 0, c)
    for i in range(1, size):
        window = window + padded.narrow(1, i, c)
    div = (window / size).mul(alpha).add(k).pow(beta)
    return input / div

