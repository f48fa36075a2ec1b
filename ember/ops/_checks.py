"""PyTorch's argument checks and error messages shared by the newer op files."""
import numpy as np

from .. import _dtype as D
from ._op import is_tensor

# the C++ type names PyTorch prints in "expected dtype ..." messages
_CPP = {"float32": "float", "float64": "double", "float16": "c10::Half",
        "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
        "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
        "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
        "uint16": "short unsigned int", "uint32": "unsigned int", "uint64": "long unsigned int"}


def cpp_name(dt):
    return _CPP[dt.name]


def type_name(dt):
    """The short scalar-type name of kernel messages: 'Float', 'Long', 'Bool', ..."""
    return dt._legacy[:-6]


def not_implemented(kernel, dt):
    """PyTorch's NotImplementedError for a dtype a kernel was not built for."""
    return NotImplementedError('"%s" not implemented for \'%s\'' % (kernel, type_name(dt)))


def need_tensor(fn, arg, pos, x):
    """PyTorch's TypeError for a Python number where only a tensor is accepted."""
    if not is_tensor(x):
        raise TypeError("%s(): argument '%s' (position %d) must be Tensor, not %s"
                        % (fn, arg, pos, type(x).__name__))


def is_integral(dt, include_bool=True):
    return not (dt.is_floating_point or dt.is_complex) and (include_bool or dt is not D.bool_)


def floating(x):
    """`x` itself when floating or complex, else `x` in the default float dtype."""
    dt = x._dtype
    if dt.is_floating_point or dt.is_complex:
        return x
    return x.to(D.get_default_dtype())


def compute_dtype(np_dtype):
    """NumPy dtype an elementwise formula runs in: float16 is computed in float32, as
    PyTorch's CPU kernels do (one rounding at the end)."""
    return np.dtype(np.float32) if np_dtype == np.float16 else np_dtype
