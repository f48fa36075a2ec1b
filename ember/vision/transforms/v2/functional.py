"""``torchvision.transforms.v2.functional``: the v1 functions plus ``to_image`` and
``to_dtype`` (v2's conversions)."""
import numpy as np

import ember
from ..functional import *  # noqa: F401,F403
from ..functional import __all__ as _v1_all
from .._functional_tensor import _max_value
from ..functional import pil_to_tensor

__all__ = list(_v1_all) + ["to_image", "to_dtype", "to_dtype_image"]


def to_image(inpt):
    """PIL image, HxWxC ndarray or tensor -> CxHxW tensor, values unchanged."""
    if isinstance(inpt, np.ndarray):
        arr = inpt[:, :, None] if inpt.ndim == 2 else inpt
        return ember.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))
    if isinstance(inpt, ember.Tensor):
        return inpt
    return pil_to_tensor(inpt)


def to_dtype_image(image, dtype=ember.float32, scale=False):
    """Cast a tensor image; with ``scale`` map the value range (floats are 0..1) as v2 does."""
    if image.dtype == dtype:
        return image
    if not scale:
        return image.to(dtype)
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == ember.float32 and dtype in (ember.int32, ember.int64)) or \
                (image.dtype == ember.float64 and dtype == ember.int64):
            raise RuntimeError(f"The conversion from {image.dtype} to {dtype} cannot be performed safely.")
        return image.mul(float(_max_value(dtype)) + 1.0 - 1e-3).to(dtype)
    if dtype.is_floating_point:
        return image.to(dtype).mul_(1.0 / _max_value(image.dtype))
    bits_in = _value_bits(image.dtype)
    bits_out = _value_bits(dtype)
    shift = abs(bits_in - bits_out)
    if bits_in > bits_out:
        if image.dtype == ember.uint16:
            return (image / 2 ** shift).to(dtype)
        return ember.div(image, 2 ** shift, rounding_mode="floor").to(dtype)
    return image.to(dtype) * 2 ** shift


def _value_bits(dtype):
    return {"uint8": 8, "int8": 7, "int16": 15, "uint16": 16, "int32": 31,
            "int64": 63}[str(dtype).replace("torch.", "")]


to_dtype = to_dtype_image
