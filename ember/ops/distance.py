"""``torch.dist``: the p-norm of the difference of two tensors, as one node (DistBackward0)."""
import math

from ._checks import need_tensor, type_name
from ._op import Op, promote, run


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
        import numpy as np
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
    a, b = promote(input, other)
    dt = a._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           "Got %s instead." % type_name(dt))
    return run(DistBackward0(float(p)), a, b)
