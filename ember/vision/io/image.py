"""Image file I/O as ``torchvision.io.image``: bytes <-> uint8 C x H x W tensors via Pillow."""
import io as _io
from enum import Enum

import numpy as np

import ember


class ImageReadMode(Enum):
    """How to convert a decoded image: keep it, or force gray / gray+alpha / RGB / RGBA."""
    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


_MODE_TO_PIL = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA",
                ImageReadMode.RGB: "RGB", ImageReadMode.RGB_ALPHA: "RGBA"}


def read_file(path):
    """The bytes of a file as a 1-D uint8 tensor."""
    with open(str(path), "rb") as f:
        data = f.read()
    return ember.from_numpy(np.frombuffer(bytearray(data), dtype=np.uint8))


def write_file(filename, data):
    """Write a 1-D uint8 tensor of bytes to a file."""
    with open(str(filename), "wb") as f:
        f.write(data.numpy(force=True).astype(np.uint8, copy=False).tobytes())


def _as_mode(mode):
    return ImageReadMode[mode.upper()] if isinstance(mode, str) else mode


def _check_encoded(input):
    if not isinstance(input, ember.Tensor):
        raise TypeError(f"Expected a torch.Tensor, got {type(input)}")
    if input.dtype != ember.uint8:
        raise RuntimeError("Expected a torch.uint8 tensor")
    if input.dim() != 1 or input.numel() == 0:
        raise RuntimeError("Expected a non empty 1-dimensional tensor")


def _decode(input, mode, apply_exif_orientation=False):
    """Decode encoded bytes with Pillow into a C x H x W tensor (uint8, or uint16 for
    16-bit grayscale kept UNCHANGED)."""
    from PIL import Image, ImageOps
    _check_encoded(input)
    mode = _as_mode(mode)
    try:
        img = Image.open(_io.BytesIO(input.numpy(force=True).tobytes()))
        img.load()
    except Exception as exc:
        raise RuntimeError(f"Unsupported image file. Only jpeg, png, webp and gif are currently "
                           f"supported. ({exc})") from None
    if apply_exif_orientation:
        img = ImageOps.exif_transpose(img)
    if mode == ImageReadMode.UNCHANGED:
        if img.mode in ("I;16", "I;16B", "I;16L", "I"):
            array = np.asarray(img).astype(np.uint16)
            return ember.from_numpy(np.ascontiguousarray(array[None]))
        if img.mode == "P":
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        elif img.mode == "PA":
            img = img.convert("RGBA")
        elif img.mode not in ("L", "LA", "RGB", "RGBA"):
            img = img.convert("RGB")
    else:
        if img.mode == "P" and "transparency" in img.info:
            img = img.convert("RGBA")
        img = img.convert(_MODE_TO_PIL[mode])
    array = np.asarray(img, dtype=np.uint8)
    if array.ndim == 2:
        array = array[:, :, None]
    return ember.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


def decode_png(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Decode PNG bytes into a C x H x W uint8 (or uint16) tensor."""
    return _decode(input, mode, apply_exif_orientation)


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu", apply_exif_orientation=False):
    """Decode JPEG bytes (a tensor or a list of tensors) into C x H x W uint8 tensors."""
    if isinstance(input, list):
        if len(input) == 0:
            raise ValueError("Input list must contain at least one element")
        if not all(isinstance(t, ember.Tensor) for t in input):
            raise ValueError("All elements of the input list must be tensors.")
        return [_decode(t, mode, apply_exif_orientation).to(device) for t in input]
    return _decode(input, mode, apply_exif_orientation).to(device)


def decode_webp(input, mode=ImageReadMode.UNCHANGED):
    """Decode WebP bytes."""
    return _decode(input, mode)


def decode_gif(input):
    """Decode a GIF: C x H x W for one frame, N x C x H x W for an animation."""
    from PIL import Image, ImageSequence
    _check_encoded(input)
    img = Image.open(_io.BytesIO(input.numpy(force=True).tobytes()))
    frames = [np.asarray(f.convert("RGB"), dtype=np.uint8).transpose(2, 0, 1)
              for f in ImageSequence.Iterator(img)]
    out = frames[0] if len(frames) == 1 else np.stack(frames)
    return ember.from_numpy(np.ascontiguousarray(out))


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Decode JPEG, PNG, GIF or WebP bytes (or a file path) into a uint8 C x H x W tensor."""
    if not isinstance(input, ember.Tensor):
        input = read_file(str(input))
    return _decode(input, mode, apply_exif_orientation)


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Read an image file into a uint8 C x H x W tensor."""
    return decode_image(read_file(path), mode, apply_exif_orientation=apply_exif_orientation)


def _to_pil(input):
    from PIL import Image
    if not isinstance(input, ember.Tensor):
        raise TypeError(f"Expected a torch.Tensor, got {type(input)}")
    if input.dtype != ember.uint8:
        raise RuntimeError(f"Input tensor dtype should be uint8, got {input.dtype}")
    if input.dim() != 3:
        raise RuntimeError(f"Input data should be a 3-dimensional tensor, got {input.dim()}.")
    channels = int(input.shape[0])
    if channels not in (1, 3):
        raise RuntimeError(f"The number of channels should be 1 or 3, got: {channels}")
    array = np.ascontiguousarray(input.numpy(force=True).transpose(1, 2, 0))
    return Image.fromarray(array[:, :, 0] if channels == 1 else array)


def encode_png(input, compression_level=6):
    """PNG bytes of a uint8 C x H x W image (C = 1 or 3) as a 1-D uint8 tensor."""
    if compression_level < 0 or compression_level > 9:
        raise RuntimeError("Compression level should be between 0 and 9")
    buf = _io.BytesIO()
    _to_pil(input).save(buf, format="PNG", compress_level=compression_level)
    return ember.from_numpy(np.frombuffer(bytearray(buf.getvalue()), dtype=np.uint8))


def encode_jpeg(input, quality=75):
    """JPEG bytes of a uint8 C x H x W image (or a list of them)."""
    if quality < 1 or quality > 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    if isinstance(input, list):
        if not input:
            raise ValueError("encode_jpeg requires at least one input tensor when a list is passed")
        return [encode_jpeg(t, quality) for t in input]
    buf = _io.BytesIO()
    _to_pil(input).save(buf, format="JPEG", quality=quality)
    return ember.from_numpy(np.frombuffer(bytearray(buf.getvalue()), dtype=np.uint8))


def write_png(input, filename, compression_level=6):
    """Encode as PNG and write to ``filename``."""
    write_file(filename, encode_png(input, compression_level))


def write_jpeg(input, filename, quality=75):
    """Encode as JPEG and write to ``filename``."""
    write_file(filename, encode_jpeg(input, quality))
