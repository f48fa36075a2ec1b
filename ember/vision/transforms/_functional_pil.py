"""The PIL-image half of ``torchvision.transforms.functional``.

Each function takes and returns a ``PIL.Image.Image`` and does what torchvision's PIL
backend does (same Pillow calls, so the pixels are Pillow's own).  Pillow is imported
lazily so that ``import ember.vision`` works without it.
"""
import numbers

import numpy as np


def _pil():
    from PIL import Image
    return Image


def _is_pil_image(img):
    """True for a PIL image (torchvision also accepts accimage images; ember has none)."""
    try:
        from PIL import Image
    except ImportError:
        return False
    return isinstance(img, Image.Image)


def _check(img):
    if not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def image_from_array(array, mode):
    """``Image.fromarray(array, mode)`` without Pillow's deprecated ``mode`` argument."""
    Image = _pil()
    array = np.ascontiguousarray(array)
    height, width = array.shape[0], (1 if array.ndim == 1 else array.shape[1])
    return Image.frombuffer(mode, (width, height), array.tobytes(), "raw", mode, 0, 1)


def get_dimensions(img):
    """[channels, height, width] of a PIL image."""
    if _is_pil_image(img):
        width, height = img.size
        return [len(img.getbands()), height, width]
    raise TypeError(f"Unexpected type {type(img)}")


def get_image_size(img):
    """[width, height] of a PIL image."""
    if _is_pil_image(img):
        return list(img.size)
    raise TypeError(f"Unexpected type {type(img)}")


def get_image_num_channels(img):
    """Number of bands of a PIL image."""
    if _is_pil_image(img):
        return len(img.getbands())
    raise TypeError(f"Unexpected type {type(img)}")


def hflip(img):
    """Mirror left-right."""
    _check(img)
    return img.transpose(_pil().Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    """Mirror top-bottom."""
    _check(img)
    return img.transpose(_pil().Transpose.FLIP_TOP_BOTTOM)


def _enhance(img, enhancer_name, factor):
    _check(img)
    from PIL import ImageEnhance
    return getattr(ImageEnhance, enhancer_name)(img).enhance(factor)


def adjust_brightness(img, brightness_factor):
    """Pillow's Brightness enhancer."""
    return _enhance(img, "Brightness", brightness_factor)


def adjust_contrast(img, contrast_factor):
    """Pillow's Contrast enhancer."""
    return _enhance(img, "Contrast", contrast_factor)


def adjust_saturation(img, saturation_factor):
    """Pillow's Color enhancer."""
    return _enhance(img, "Color", saturation_factor)


def adjust_sharpness(img, sharpness_factor):
    """Pillow's Sharpness enhancer."""
    return _enhance(img, "Sharpness", sharpness_factor)


def adjust_hue(img, hue_factor):
    """Shift the hue channel in HSV space by ``hue_factor * 255`` (wrapping as uint8)."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img)
    Image = _pil()
    mode = img.mode
    if mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    hue = np.array(h, dtype=np.uint8)
    hue += np.int32(hue_factor * 255).astype(np.uint8)   # uint8 arithmetic wraps around
    h = image_from_array(hue, "L")
    return Image.merge("HSV", (h, s, v)).convert(mode)


def adjust_gamma(img, gamma, gain=1.0):
    """Gamma correction through a 256-entry lookup table per RGB band."""
    _check(img)
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    mode = img.mode
    table = [int((255 + 1 - 1e-3) * gain * pow(v / 255.0, gamma)) for v in range(256)] * 3
    return img.convert("RGB").point(table).convert(mode)


def _parse_padding(padding):
    """[left, top, right, bottom] from an int or a 1-, 2- or 4-sequence."""
    if isinstance(padding, numbers.Number):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[1], padding[0], padding[1]]
    return list(padding)


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad (or, for negative amounts, crop) the borders of a PIL image."""
    _check(img)
    from PIL import ImageOps
    Image = _pil()
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, "
                         f"not a {len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")

    if padding_mode == "constant":
        border = padding
        if isinstance(border, list):
            border = tuple(border)
        if isinstance(border, tuple) and len(border) == 1:
            border = border[0]
        opts = _parse_fill(fill, img, name="fill")
        palette = img.getpalette() if img.mode == "P" else None
        out = ImageOps.expand(img, border=border, **opts)
        if palette is not None:
            out.putpalette(palette)
        return out

    left, top, right, bottom = _parse_padding(padding)
    crop_l, crop_t, crop_r, crop_b = (max(-p, 0) for p in (left, top, right, bottom))
    if crop_l or crop_t or crop_r or crop_b:
        img = img.crop((crop_l, crop_t, img.width - crop_r, img.height - crop_b))
    left, top, right, bottom = (max(p, 0) for p in (left, top, right, bottom))
    widths = ((top, bottom), (left, right))
    if img.mode == "P":
        palette = img.getpalette()
        out = Image.fromarray(np.pad(np.asarray(img), widths, mode=padding_mode))
        out.putpalette(palette)
        return out
    array = np.asarray(img)
    if array.ndim == 3:
        widths = widths + ((0, 0),)
    return Image.fromarray(np.pad(array, widths, mode=padding_mode))


def crop(img, top, left, height, width):
    """The box (left, top, left + width, top + height); outside parts are black."""
    _check(img)
    return img.crop((left, top, left + width, top + height))


def resize(img, size, interpolation=2):
    """Resize to ``size`` = [height, width] with a Pillow resampling filter."""
    _check(img)
    if not (isinstance(size, list) and len(size) == 2):
        raise TypeError(f"Got inappropriate size arg: {size}")
    return img.resize((size[1], size[0]), interpolation)


def _parse_fill(fill, img, name="fillcolor"):
    """The ``fill`` keyword Pillow wants: one value per band, ints unless mode 'F'."""
    bands = get_image_num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and bands > 1:
        fill = tuple([fill] * bands)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * bands
        elif len(fill) != bands:
            raise ValueError("The number of elements in 'fill' does not match the number of "
                             f"channels of the image ({len(fill)} != {bands})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(v) for v in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def affine(img, matrix, interpolation=0, fill=None):
    """Pillow's AFFINE transform with the inverse matrix (output -> input coordinates)."""
    _check(img)
    return img.transform(img.size, _pil().Transform.AFFINE, matrix, interpolation,
                         **_parse_fill(fill, img))


def rotate(img, angle, interpolation=0, expand=False, center=None, fill=None):
    """Pillow's rotate (counter-clockwise degrees)."""
    _check(img)
    return img.rotate(angle, interpolation, expand, center, **_parse_fill(fill, img))


def perspective(img, perspective_coeffs, interpolation=3, fill=None):
    """Pillow's PERSPECTIVE transform with 8 coefficients."""
    _check(img)
    return img.transform(img.size, _pil().Transform.PERSPECTIVE, perspective_coeffs,
                         interpolation, **_parse_fill(fill, img))


def to_grayscale(img, num_output_channels):
    """Convert to 'L' (one channel) or to 'RGB' with three equal channels."""
    _check(img)
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        gray = np.array(img.convert("L"), dtype=np.uint8)
        return image_from_array(np.dstack([gray, gray, gray]), "RGB")
    raise ValueError("num_output_channels should be either 1 or 3")


def invert(img):
    """ImageOps.invert."""
    _check(img)
    from PIL import ImageOps
    return ImageOps.invert(img)


def posterize(img, bits):
    """ImageOps.posterize."""
    _check(img)
    from PIL import ImageOps
    return ImageOps.posterize(img, bits)


def solarize(img, threshold):
    """ImageOps.solarize."""
    _check(img)
    from PIL import ImageOps
    return ImageOps.solarize(img, threshold)


def autocontrast(img):
    """ImageOps.autocontrast."""
    _check(img)
    from PIL import ImageOps
    return ImageOps.autocontrast(img)


def equalize(img):
    """ImageOps.equalize."""
    _check(img)
    from PIL import ImageOps
    return ImageOps.equalize(img)
