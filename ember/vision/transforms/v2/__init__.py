"""``torchvision.transforms.v2`` as a thin alias of the v1 transforms.

The classes are the v1 ones (same arguments, random draws and results on a single PIL
image or tensor image) plus v2's conversion transforms ``ToImage``, ``ToDtype``,
``ToPureTensor``, ``Identity`` and ``RGB``.  ember has no ``tv_tensors``: v2's joint
handling of (image, boxes, masks) inputs is not provided; pass one image at a time.
"""
import ember
from ember import nn
from .. import functional as _F1
from ..transforms import *  # noqa: F401,F403
from ..transforms import __all__ as _v1_all
from . import functional

__all__ = list(_v1_all) + ["ToImage", "ToDtype", "ToPureTensor", "Identity", "RGB", "functional"]


class ToImage(nn.Module):
    """PIL image or HxWxC ndarray -> CxHxW tensor with the same values (no scaling)."""

    def forward(self, inpt):
        return functional.to_image(inpt)


class ToDtype(nn.Module):
    """Convert to ``dtype``; with ``scale=True`` rescale values to the new range."""

    def __init__(self, dtype, scale=False):
        super().__init__()
        self.dtype = dtype
        self.scale = scale

    def forward(self, inpt):
        dtype = self.dtype.get(type(inpt), self.dtype.get("others")) if isinstance(self.dtype, dict) \
            else self.dtype
        if dtype is None or not isinstance(inpt, ember.Tensor):
            return inpt
        return functional.to_dtype(inpt, dtype, scale=self.scale)


class ToPureTensor(nn.Module):
    """Identity for plain tensors (ember has no tensor subclasses to unwrap)."""

    def forward(self, inpt):
        return inpt


class Identity(nn.Module):
    """Return the input unchanged."""

    def forward(self, inpt):
        return inpt


class RGB(nn.Module):
    """Convert a grayscale or RGB image to 3-channel RGB."""

    def forward(self, inpt):
        if not isinstance(inpt, ember.Tensor):
            return inpt.convert("RGB")
        if _F1.get_dimensions(inpt)[0] == 3:
            return inpt
        return inpt.expand(*inpt.shape[:-3], 3, *inpt.shape[-2:])
