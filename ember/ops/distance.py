"""Norms and distances: ``torch.dist`` (the p-norm of a difference, as one node,
DistBackward0), ``norm_except_dim`` and the deprecated ``frobenius_norm``."""
import math

import numpy as np

from ._checks import need_tensor, type_name
from ._op import Op, broadcast_error, promote, run


def norm_backward(g, x, p, norm):
    """The gradient of the p-norm (p != 0) of all of `x`, with PyTorch's formula for each
    kind of p."""
    if p == 1:
        return x.sgn() * g
    if p == 2:
        return g * (x / norm).masked_fill(norm == 0, 0)
    ax = x.abs()
    if math.isinf(p):
        mask = (ax == norm) | ax.isnan()
        return x.sgn() * ((g / mask.sum()) * mask)
    if p < 1:
        scaled = x.sgn() * ax.pow(p - 1).masked_fill(x == 0, 0)
        return scaled * g * norm.pow(1 - p)
    scale = (g / norm.pow(p - 1)).masked_fill(norm == 0, 0)
    if p < 2:
        return x.sgn() * ax.pow(p - 1) * scale
    return x * ax.pow(p - 2) * scale


class DistBackward0(Op):
    saved_inputs = (0, 1)
    saves_output = True

    def __init__(self, p):
        self.p = p

    def forward(self, a, b):
        from .linalg_ops import LinalgVectorNormBackward0
        d = a - b
        if d.dtype == np.float16:   # accumulate in float32, as PyTorch's reduction does
            d = d.astype(np.float32)
        norm = LinalgVectorNormBackward0(self.p, tuple(range(d.ndim)), False).forward(d)
        real = a.real.dtype if a.dtype.kind == "c" else a.dtype
        return norm.astype(real, copy=False)

    def backward(self, g):
        a, b = self.saved_tensors
        if self.p == 0:   # PyTorch leaves the gradient undefined; negating it for `other` fails
            if self._in_meta[1] is not None:
                raise RuntimeError("Expected a proper Tensor but got None (or an undefined "
                                   "Tensor in C++) for argument #0 'self'")
            return None, None
        gd = norm_backward(g, a - b, self.p, self.saved_output)
        return (gd if self._in_meta[0] is not None else None,
                -gd if self._in_meta[1] is not None else None)


def dist(input, other, p=2):
    """The p-norm of ``input - other`` (broadcast), for any p including 0 and +-inf."""
    need_tensor("dist", "other", 2, other)
    try:
        np.broadcast_shapes(input.shape, other.shape)
    except ValueError:
        raise broadcast_error(input.shape, other.shape) from None
    a, b = promote(input, other)
    dt = a._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           "Got %s instead." % type_name(dt))
    return run(DistBackward0(float(p)), a, b)


def _norm(x, p, dims=None, keepdim=False):
    """The p-norm as PyTorch's C++ code records it (NormBackward0 over everything,
    NormBackward1 over `dims`); Python's ``x.norm()`` records LinalgVectorNormBackward0."""
    from .linalg_ops import LinalgVectorNormBackward0

    class Norm(LinalgVectorNormBackward0):
        def name(self):
            return "NormBackward0" if dims is None else "NormBackward1"
    nd = x.dim()
    axes = tuple(range(nd)) if dims is None else tuple(d % max(nd, 1) for d in dims)
    return run(Norm(float(p), axes, keepdim), x)


def norm_except_dim(v, pow=2, dim=0):
    """The `pow`-norm over every dim but `dim` (kept as the only non-1 size); dim=-1: over all.
    (Weight normalisation's helper.)"""
    if dim == -1:
        return _norm(v, pow)
    if dim == 0:
        return _norm(v.contiguous().view(v.shape[0], -1), pow, (1,)).view(
            (v.shape[0],) + (1,) * (v.dim() - 1))
    if dim == v.dim() - 1:
        return _norm(v.contiguous().view(-1, v.shape[-1]), pow, (0,)).view(
            (1,) * (v.dim() - 1) + (v.shape[-1],))
    return norm_except_dim(v.transpose(0, dim), pow, 0).transpose(0, dim)


def frobenius_norm(input, dim=(), keepdim=False, *, out=None):
    """Deprecated: the 2-norm over `dim` (``linalg.vector_norm(input, 2, dim, keepdim)``)."""
    import warnings
    warnings.warn("at::frobenius_norm is deprecated and it is just left for JIT compatibility. "
                  "It will be removed in a future PyTorch release. Please use "
                  "`linalg.vector_norm(A, 2., dim, keepdim)` instead")
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    r = _norm(input, 2, dims or tuple(range(input.dim())), keepdim)
    if out is not None:
        from ._out import write_out
        return write_out(out, r)
    return r
