"""The ``torch.*`` functions: the same ops the Tensor methods are, plus the ones that only
exist as functions (cat, stack, einsum, result_type, finfo, ...)."""
import numpy as np

from . import _dtype as D
from ._tensor_methods import EXTRA_FUNCTIONS, METHODS, nonzero, argwhere, equal, allclose, isclose
from .ops import (arith, blas, construct, distance, functional_ops, fused_pointwise, legacy,
                  numeric, pointwise, reduce, shape, views, views_extra, windows)
from .ops.histogram import histogramdd
from .ops._op import result_dtype

globals().update({k: v for k, v in METHODS.items() if not k.endswith("_")})
globals().update(EXTRA_FUNCTIONS)

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
# functions without a Tensor method of the same name
view_as_real, view_as_complex = views_extra.view_as_real, views_extra.view_as_complex
polar, real, imag = views_extra.polar, views_extra.real, views_extra.imag
globals().update(views_extra.COPY_FUNCTIONS)
trapezoid, trapz = numeric.trapezoid, numeric.trapz
cumulative_trapezoid, gradient = numeric.cumulative_trapezoid, numeric.gradient
vander, block_diag, unravel_index = construct.vander, construct.block_diag, construct.unravel_index
fill, scalar_tensor = construct.fill, construct.scalar_tensor
empty_strided, empty_permuted = construct.empty_strided, construct.empty_permuted
hann_window, hamming_window = windows.hann_window, windows.hamming_window
blackman_window, bartlett_window = windows.blackman_window, windows.bartlett_window
kaiser_window = windows.kaiser_window
as_strided_scatter = construct.as_strided_scatter
norm_except_dim, frobenius_norm = distance.norm_except_dim, distance.frobenius_norm
vmap, cond, while_loop = functional_ops.vmap, functional_ops.cond, functional_ops.while_loop
globals().update(legacy.REMOVED)     # lstsq, eig, solve, symeig, matrix_rank: raise


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


def rsub(input, other, alpha=1):
    return arith.rsub(input, other, alpha)


def clamp_min(input, min, *, out=None):
    return fused_pointwise.clamp_min(input, min, out=out)


def clamp_max(input, max, *, out=None):
    return fused_pointwise.clamp_max(input, max, out=out)


def detach(input):
    return input.detach()


def is_signed(input):
    return input.is_signed()


def is_same_size(input, other):
    return input.is_same_size(other)


def is_inference(input):
    return input.is_inference()


def is_distributed(input):
    return False


def is_vulkan_available():
    return False


def get_device(input):
    """-1 for a CPU tensor, else the GPU's index."""
    return input.get_device()


def nonzero_static(input, *, size, fill_value=-1):
    return input.nonzero_static(size=size, fill_value=fill_value)


# --- torch.<op>_(input, ...): the in-place Tensor methods called as functions ---------------------

_INPLACE_FUNCTIONS = (
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
    "arctanh_", "as_strided_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_",
    "clamp_max_", "clamp_min_", "clip_", "conj_physical_", "cos_", "cosh_", "deg2rad_",
    "detach_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_",
    "gcd_", "i0_", "index_put_", "lcm_", "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_",
    "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "resize_as_", "round_",
    "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_",
    "trunc_", "xlogy_", "zero_")


def _inplace_function(name):
    def fn(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = "``torch.%s(input, ...)`` is ``input.%s(...)``." % (name, name)
    return fn


globals().update({_n: _inplace_function(_n) for _n in _INPLACE_FUNCTIONS})


# --- process-wide settings ------------------------------------------------------------------------

_settings = {"deterministic": False, "warn_only": False, "matmul_precision": "highest",
             "warn_always": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Recorded only: ember's ops are deterministic already."""
    _settings["deterministic"], _settings["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _settings["warn_only"]


def set_deterministic_debug_mode(debug_mode):
    """0 / "default": off, 1 / "warn": on with warnings only, 2 / "error": on."""
    modes = {"default": 0, "warn": 1, "error": 2}
    if isinstance(debug_mode, str):
        if debug_mode not in modes:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, "
                               "`error`, but got %s" % debug_mode)
        debug_mode = modes[debug_mode]
    elif not isinstance(debug_mode, int):
        raise TypeError("debug_mode must be str or int, but got %s" % type(debug_mode).__name__)
    if debug_mode not in (0, 1, 2):
        raise RuntimeError("invalid value of debug_mode, expected 0, 1, or 2, but got %d"
                           % debug_mode)
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    if not _settings["deterministic"]:
        return 0
    return 1 if _settings["warn_only"] else 2


def set_float32_matmul_precision(precision):
    """Recorded only: ember's float32 matmuls always run at full precision."""
    if precision not in ("highest", "high", "medium"):
        import warnings
        warnings.warn("%s is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect." % precision)
        return
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision():
    return _settings["matmul_precision"]


def set_warn_always(b):
    _settings["warn_always"] = bool(b)


def is_warn_always_enabled():
    return _settings["warn_always"]


def set_flush_denormal(mode):
    """False: NumPy offers no switch for flushing denormals, so the request is not honoured."""
    return False


def is_anomaly_enabled():
    from .autograd import anomaly_mode
    return anomaly_mode.is_anomaly_enabled()


def is_anomaly_check_nan_enabled():
    return is_anomaly_enabled()


def set_anomaly_enabled(enabled, check_nan=True):
    from .autograd import anomaly_mode
    anomaly_mode._enabled[0] = bool(enabled)


__all__ = [k for k in list(globals()) if not k.startswith("_") and k not in (
    "np", "D", "METHODS", "EXTRA_FUNCTIONS", "arith", "blas", "construct", "distance",
    "functional_ops", "fused_pointwise", "legacy", "numeric", "pointwise", "reduce",
    "shape", "views", "views_extra", "windows", "result_dtype")]
__all__ += ["nonzero", "argwhere", "equal", "allclose", "isclose"]
