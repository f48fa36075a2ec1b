"""The ``torch.*`` functions: the same ops the Tensor methods are, plus the ones that only
exist as functions (cat, stack, einsum, result_type, finfo, ...)."""
import numpy as np

from . import _dtype as D
from ._tensor_methods import EXTRA_FUNCTIONS, METHODS, nonzero, argwhere, equal, allclose, isclose
from .ops import arith, blas, pointwise, reduce, shape, views
from .ops._op import result_dtype

globals().update({k: v for k, v in METHODS.items() if not k.endswith("_")})
globals().update(EXTRA_FUNCTIONS)
abs_ = None
del abs_

cat = concat = concatenate = shape.cat
stack = shape.stack
hstack, vstack, dstack, column_stack, row_stack = (shape.hstack, shape.vstack, shape.dstack,
                                                   shape.column_stack, shape.row_stack)
atleast_1d, atleast_2d, atleast_3d = shape.atleast_1d, shape.atleast_2d, shape.atleast_3d
broadcast_shapes, broadcast_tensors = shape.broadcast_shapes, shape.broadcast_tensors
meshgrid, cartesian_prod, combinations = shape.meshgrid, shape.cartesian_prod, shape.combinations
einsum, tensordot = blas.einsum, blas.tensordot
where = pointwise.where
complex = pointwise.complex  # noqa: A001
std_mean, var_mean = reduce.std_mean, reduce.var_mean
moveaxis = views.movedim


def result_type(tensor1, tensor2):
    return result_dtype(tensor1, tensor2)


def can_cast(from_, to):
    return D.can_cast(from_, to)


class finfo:
    """Machine limits of a floating dtype (``torch.finfo``)."""

    def __init__(self, type=None):
        dt = D.get_default_dtype() if type is None else type
        if not (dt.is_floating_point or dt.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        self.dtype = dt.to_real().name
        if dt is D.bfloat16:
            self.bits, self.eps, self.max, self.min = 16, 0.0078125, 3.3895313892515355e+38, \
                -3.3895313892515355e+38
            self.tiny = self.smallest_normal = 1.1754943508222875e-38
            self.resolution = 0.01
        else:
            info = np.finfo(dt.to_real().np)
            self.bits, self.eps = info.bits, float(info.eps)
            self.max, self.min = float(info.max), float(info.min)
            self.tiny = self.smallest_normal = float(info.tiny)
            self.resolution = float(info.resolution)

    def __repr__(self):
        return ("finfo(resolution=%g, min=%g, max=%g, eps=%g, smallest_normal=%g, tiny=%g, "
                "dtype=%s)" % (self.resolution, self.min, self.max, self.eps,
                               self.smallest_normal, self.tiny, self.dtype))


class iinfo:
    """Limits of an integer dtype (``torch.iinfo``)."""

    def __init__(self, type):
        if type.is_floating_point or type.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = np.iinfo(type.np) if type is not D.bool_ else None
        self.dtype = type.name
        self.bits = type.itemsize * 8
        self.max = int(info.max) if info else 1
        self.min = int(info.min) if info else 0

    def __repr__(self):
        return "iinfo(min=%d, max=%d, dtype=%s)" % (self.min, self.max, self.dtype)


def clamp_min(x, min):
    return pointwise.clamp(x, min=min)


def clamp_max(x, max):
    return pointwise.clamp(x, max=max)


def rsub(input, other, alpha=1):
    return arith.rsub(input, other, alpha)


__all__ = [k for k in list(globals()) if not k.startswith("_") and k not in (
    "np", "D", "METHODS", "EXTRA_FUNCTIONS", "arith", "blas", "pointwise", "reduce", "shape", "views", "result_dtype")]
__all__ += ["nonzero", "argwhere", "equal", "allclose", "isclose"]
