"""The preprocessing that goes with pretrained classification weights
(``torchvision.transforms._presets.ImageClassification``): what ``weights.transforms()`` builds.

It uses ``ember.vision.transforms`` (imported when first needed).
"""
from ... import nn


def _transforms():
    from .. import transforms
    return transforms


class ImageClassification(nn.Module):
    """Resize to `resize_size` (bilinear, antialiased), center-crop to `crop_size`, convert
    to float in [0, 1] and normalize with `mean`/`std`; accepts PIL images and tensors."""

    def __init__(self, *, crop_size, resize_size=256, mean=(0.485, 0.456, 0.406),
                 std=(0.229, 0.224, 0.225), interpolation=None, antialias=True):
        super().__init__()
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        if interpolation is None:
            interpolation = _transforms().InterpolationMode.BILINEAR
        self.interpolation = interpolation
        self.antialias = antialias

    def forward(self, img):
        from ... import Tensor, float32
        F = _transforms().functional
        img = F.resize(img, self.resize_size, interpolation=self.interpolation,
                       antialias=self.antialias)
        img = F.center_crop(img, self.crop_size)
        if not isinstance(img, Tensor):
            img = F.pil_to_tensor(img)
        img = F.convert_image_dtype(img, float32)
        return F.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self):
        return (f"{self.__class__.__name__}(\n    crop_size={self.crop_size}\n"
                f"    resize_size={self.resize_size}\n    mean={self.mean}\n    std={self.std}\n"
                f"    interpolation={self.interpolation}\n)")

    def describe(self):
        return ("Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)`` image "
                "``torch.Tensor`` objects. "
                f"The images are resized to ``resize_size={self.resize_size}`` using "
                f"``interpolation={self.interpolation}``, followed by a central crop of "
                f"``crop_size={self.crop_size}``. Finally the values are first rescaled to "
                f"``[0.0, 1.0]`` and then normalized using ``mean={self.mean}`` and "
                f"``std={self.std}``.")
