"""The tensor half of ``torchvision.transforms.functional``.

Images are tensors of shape [..., C, H, W] (or [H, W]); uint8 images hold 0..255, float
images 0..1.  The functions are written with ember ops, mirroring the tensor math of
torchvision (same casts, rounding and clamping), so they give PyTorch's numbers and, for
float images, keep autograd working.
"""
import numpy as np

import ember
from ember.nn.functional import conv2d, grid_sample, interpolate, pad as torch_pad

from ._antialias import resize_antialias


def _assert_image_tensor(img):
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img):
    """[channels, height, width]."""
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else int(img.shape[-3])
    return [channels, int(img.shape[-2]), int(img.shape[-1])]


def get_image_size(img):
    """[width, height]."""
    _assert_image_tensor(img)
    return [int(img.shape[-1]), int(img.shape[-2])]


def get_image_num_channels(img):
    """Channels of a [..., C, H, W] image (1 for [H, W])."""
    _assert_image_tensor(img)
    return 1 if img.ndim == 2 else int(img.shape[-3])


_MAX_VALUES = {"uint8": 255, "int8": 127, "int16": 32767, "uint16": 65535,
               "int32": 2147483647, "int64": 9223372036854775807}


def _max_value(dtype):
    """Largest pixel value of an image dtype: the integer maximum, or 1 for floats."""
    return _MAX_VALUES.get(str(dtype).replace("torch.", ""), 1)


def _assert_channels(img, permitted):
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, "
                        f"but found {c}")


def convert_image_dtype(image, dtype=ember.float32):
    """Change dtype and rescale values to the new dtype's range."""
    if image.dtype == dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == ember.float32 and dtype in (ember.int32, ember.int64)) or \
                (image.dtype == ember.float64 and dtype == ember.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        # 1.0 maps just below max + 1, so the cast's truncation spreads values evenly.
        eps = 1e-3
        return image.mul(float(_max_value(dtype)) + 1.0 - eps).to(dtype)
    input_max = float(_max_value(image.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(_max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return ember.div(image, factor, rounding_mode="floor").to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


def vflip(img):
    """Flip the rows."""
    _assert_image_tensor(img)
    return img.flip(-2)


def hflip(img):
    """Flip the columns."""
    _assert_image_tensor(img)
    return img.flip(-1)


def crop(img, top, left, height, width):
    """img[..., top:top+height, left:left+width], zero-padded where the box leaves the image."""
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [max(min(0, right) - left, 0), max(min(0, bottom) - top, 0),
                        max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding_ltrb, fill=0)
    return img[..., top:bottom, left:right]


def rgb_to_grayscale(img, num_output_channels=1):
    """ITU-R 601-2 luma (0.2989 R + 0.587 G + 0.114 B), cast back to the image dtype."""
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(dim=-3)
    else:
        gray = img.clone()
    if num_output_channels == 3:
        return gray.expand(img.shape)
    return gray


def _blend(img1, img2, ratio):
    ratio = float(ratio)
    bound = _max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def adjust_brightness(img, brightness_factor):
    """Blend with black."""
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    return _blend(img, ember.zeros_like(img), brightness_factor)


def adjust_contrast(img, contrast_factor):
    """Blend with the mean gray level."""
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    dtype = img.dtype if img.is_floating_point() else ember.float32
    gray = rgb_to_grayscale(img) if get_dimensions(img)[0] == 3 else img
    mean = ember.mean(gray.to(dtype), dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img, saturation_factor):
    """Blend with the grayscale image."""
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def adjust_hue(img, hue_factor):
    """Rotate the hue in HSV space by ``hue_factor`` turns."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not isinstance(img, ember.Tensor):
        raise TypeError("Input img should be Tensor image")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    orig_dtype = img.dtype
    h, s, v = _rgb2hsv(convert_image_dtype(img, ember.float32)).unbind(dim=-3)
    h = (h + hue_factor) % 1.0
    rgb = _hsv2rgb(ember.stack((h, s, v), dim=-3))
    return convert_image_dtype(rgb, orig_dtype)


def adjust_gamma(img, gamma, gain=1):
    """gain * img ** gamma on the 0..1 scale, clamped."""
    if not isinstance(img, ember.Tensor):
        raise TypeError("Input img should be a Tensor.")
    _assert_channels(img, [1, 3])
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    dtype = img.dtype
    result = img if img.is_floating_point() else convert_image_dtype(img, ember.float32)
    result = (gain * result.pow(gamma)).clamp(0, 1)
    return convert_image_dtype(result, dtype)


def _rgb2hsv(img):
    r, g, b = img.unbind(dim=-3)
    maxc = ember.max(img, dim=-3).values
    minc = ember.min(img, dim=-3).values
    gray = maxc == minc           # hue and saturation are 0 there; avoid dividing by 0
    cr = maxc - minc
    ones = ember.ones_like(maxc)
    s = cr / ember.where(gray, ones, maxc)
    cr_div = ember.where(gray, ones, cr)
    rc, gc, bc = (maxc - r) / cr_div, (maxc - g) / cr_div, (maxc - b) / cr_div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = ember.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return ember.stack((h, s, maxc), dim=-3)


def _hsv2rgb(img):
    h, s, v = img.unbind(dim=-3)
    i = ember.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.to(dtype=ember.int32) % 6
    p = ember.clamp(v * (1.0 - s), 0.0, 1.0)
    q = ember.clamp(v * (1.0 - s * f), 0.0, 1.0)
    t = ember.clamp(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    # sector i picks (r, g, b) from these six candidates
    sector = (i.unsqueeze(dim=-3) == ember.arange(6, device=i.device).view(-1, 1, 1)).to(dtype=img.dtype)
    r = ember.stack((v, q, p, p, t, v), dim=-3)
    g = ember.stack((t, v, v, q, p, p), dim=-3)
    b = ember.stack((p, p, t, v, v, q), dim=-3)
    return ember.stack([(sector * c).sum(dim=-3) for c in (r, g, b)], dim=-3)


def _parse_pad_padding(padding):
    """[left, right, top, bottom] (the order of nn.functional.pad)."""
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]


def _pad_symmetric(img, padding):
    """Mirror padding that repeats the edge pixel; negative amounts crop."""
    left, right, top, bottom = padding
    if min(padding) < 0:
        cl, cr, ct, cb = (max(-p, 0) for p in padding)
        img = img[..., ct:img.shape[-2] - cb, cl:img.shape[-1] - cr]
        left, right, top, bottom = (max(p, 0) for p in padding)
    h, w = int(img.shape[-2]), int(img.shape[-1])
    xs = list(range(left - 1, -1, -1)) + list(range(w)) + [-(k + 1) for k in range(right)]
    ys = list(range(top - 1, -1, -1)) + list(range(h)) + [-(k + 1) for k in range(bottom)]
    x_idx, y_idx = ember.tensor(xs, device=img.device), ember.tensor(ys, device=img.device)
    if img.ndim == 3:
        return img[:, y_idx[:, None], x_idx[None, :]]
    if img.ndim == 4:
        return img[:, :, y_idx[:, None], x_idx[None, :]]
    raise RuntimeError("Symmetric padding of N-D tensors are not supported yet")


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad the borders with a constant, the edge value, or a reflection."""
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, "
                         f"not a {len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    p = _parse_pad_padding(padding)
    if padding_mode == "symmetric":
        return _pad_symmetric(img, p)
    mode = "replicate" if padding_mode == "edge" else padding_mode
    squeeze = img.ndim < 4
    if squeeze:
        img = img.unsqueeze(dim=0)
    out_dtype = img.dtype
    cast = mode != "constant" and out_dtype not in (ember.float32, ember.float64)
    if cast:
        img = img.to(ember.float32)
    if mode == "constant":
        img = torch_pad(img, p, mode=mode, value=float(fill))
    else:
        img = torch_pad(img, p, mode=mode)
    if squeeze:
        img = img.squeeze(dim=0)
    return img.to(out_dtype) if cast else img


def _cast_squeeze_in(img, req_dtypes):
    squeeze = img.ndim < 4
    if squeeze:
        img = img.unsqueeze(dim=0)
    out_dtype = img.dtype
    cast = out_dtype not in req_dtypes
    if cast:
        img = img.to(req_dtypes[0])
    return img, cast, squeeze, out_dtype


def _cast_squeeze_out(img, cast, squeeze, out_dtype):
    if squeeze:
        img = img.squeeze(dim=0)
    if cast:
        if not out_dtype.is_floating_point:
            img = ember.round(img)
        img = img.to(out_dtype)
    return img


def resize(img, size, interpolation="bilinear", antialias=True):
    """Resize the last two dims to ``size`` = [h, w] with nn.functional.interpolate."""
    _assert_image_tensor(img)
    size = list(size)
    if antialias is None or interpolation not in ("bilinear", "bicubic"):
        antialias = False
    img, cast, squeeze, out_dtype = _cast_squeeze_in(img, [ember.float32, ember.float64])
    if antialias:
        img = resize_antialias(img, size, interpolation)
    else:
        align_corners = False if interpolation in ("bilinear", "bicubic") else None
        img = interpolate(img, size=size, mode=interpolation, align_corners=align_corners)
    if interpolation == "bicubic" and out_dtype == ember.uint8:
        img = img.clamp(min=0, max=255)
    return _cast_squeeze_out(img, cast, squeeze, out_dtype)


def _assert_grid_transform_inputs(img, matrix, interpolation, fill, modes, coeffs=None):
    if not isinstance(img, ember.Tensor):
        raise TypeError("Input img should be Tensor")
    _assert_image_tensor(img)
    if matrix is not None and not isinstance(matrix, list):
        raise TypeError("Argument matrix should be a list")
    if matrix is not None and len(matrix) != 6:
        raise ValueError("Argument matrix should have 6 float values")
    if coeffs is not None and len(coeffs) != 8:
        raise ValueError("Argument coeffs should have 8 float values")
    if fill is not None and not isinstance(fill, (int, float, tuple, list)):
        import warnings
        warnings.warn("Argument fill should be either int, float, tuple or list")
    channels = get_dimensions(img)[0]
    if isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != channels:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number "
                         f"of channels of the image ({len(fill)} != {channels})")
    if interpolation not in modes:
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")


def _apply_grid_transform(img, grid, mode, fill):
    """grid_sample with zero padding; with ``fill``, pixels from outside get the fill colour."""
    img, cast, squeeze, out_dtype = _cast_squeeze_in(img, [grid.dtype])
    n = int(img.shape[0])
    if n > 1:
        grid = grid.expand(n, grid.shape[1], grid.shape[2], grid.shape[3])
    if fill is not None:
        # an all-ones extra channel tells, after sampling, how much of each pixel was inside
        ones = ember.ones((n, 1, img.shape[2], img.shape[3]), dtype=img.dtype, device=img.device)
        img = ember.cat((img, ones), dim=1)
    img = grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        inside = img[:, -1:, :, :]
        img = img[:, :-1, :, :]
        inside = inside.expand_as(img)
        values = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = ember.tensor(values, dtype=img.dtype, device=img.device)
        fill_img = fill_img.view(1, len(values), 1, 1).expand_as(img)
        if mode == "nearest":
            outside = inside < 0.5
            img[outside] = fill_img[outside]
        else:
            img = img * inside + (1.0 - inside) * fill_img
    return _cast_squeeze_out(img, cast, squeeze, out_dtype)


def _gen_affine_grid(theta, w, h, ow, oh):
    """Sampling grid for an inverse affine map given in pixel units around the centre."""
    base = ember.empty(1, oh, ow, 3, dtype=theta.dtype, device=theta.device)
    base[..., 0].copy_(ember.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, steps=ow, device=theta.device))
    base[..., 1].copy_(ember.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, steps=oh,
                                      device=theta.device).unsqueeze(-1))
    base[..., 2].fill_(1)
    scaled = theta.transpose(1, 2) / ember.tensor([0.5 * w, 0.5 * h], dtype=theta.dtype,
                                                 device=theta.device)
    return base.view(oh * ow, 3).mm(scaled[0]).view(1, oh, ow, 2)


def affine(img, matrix, interpolation="nearest", fill=None):
    """Apply the inverse affine ``matrix`` (6 numbers) with grid_sample."""
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ["nearest", "bilinear"])
    dtype = img.dtype if img.is_floating_point() else ember.float32
    theta = ember.tensor(matrix, dtype=dtype, device=img.device).reshape(1, 2, 3)
    h, w = int(img.shape[-2]), int(img.shape[-1])
    grid = _gen_affine_grid(theta, w=w, h=h, ow=w, oh=h)
    return _apply_grid_transform(img, grid, interpolation, fill=fill)


def _compute_affine_output_size(matrix, w, h):
    """(width, height) of the box holding the whole image after the map (for expand=True)."""
    corners = ember.tensor([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                            [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]])
    theta = ember.tensor(matrix, dtype=ember.float32).view(2, 3)
    moved = ember.matmul(corners, theta.T)
    lo = moved.min(dim=0).values + ember.tensor((w * 0.5, h * 0.5))
    hi = moved.max(dim=0).values + ember.tensor((w * 0.5, h * 0.5))
    tol = 1e-4     # drop float noise below 1e-4 before rounding outwards
    size = ember.ceil((hi / tol).trunc_() * tol) - ember.floor((lo / tol).trunc_() * tol)
    return int(size[0]), int(size[1])


def rotate(img, matrix, interpolation="nearest", expand=False, fill=None):
    """Apply the inverse rotation ``matrix``; ``expand`` grows the canvas to fit."""
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ["nearest", "bilinear"])
    w, h = int(img.shape[-1]), int(img.shape[-2])
    ow, oh = _compute_affine_output_size(matrix, w, h) if expand else (w, h)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    theta = ember.tensor(matrix, dtype=dtype, device=img.device).reshape(1, 2, 3)
    grid = _gen_affine_grid(theta, w=w, h=h, ow=ow, oh=oh)
    return _apply_grid_transform(img, grid, interpolation, fill=fill)


def _perspective_grid(coeffs, ow, oh, dtype):
    theta1 = ember.tensor([[[coeffs[0], coeffs[1], coeffs[2]],
                            [coeffs[3], coeffs[4], coeffs[5]]]], dtype=dtype)
    theta2 = ember.tensor([[[coeffs[6], coeffs[7], 1.0], [coeffs[6], coeffs[7], 1.0]]], dtype=dtype)
    base = ember.empty(1, oh, ow, 3, dtype=dtype)
    base[..., 0].copy_(ember.linspace(0.5, ow * 1.0 - 0.5, steps=ow))
    base[..., 1].copy_(ember.linspace(0.5, oh * 1.0 - 0.5, steps=oh).unsqueeze(-1))
    base[..., 2].fill_(1)
    flat = base.view(1, oh * ow, 3)
    num = flat.bmm(theta1.transpose(1, 2) / ember.tensor([0.5 * ow, 0.5 * oh], dtype=dtype))
    den = flat.bmm(theta2.transpose(1, 2))
    return (num / den - 1.0).view(1, oh, ow, 2)


def perspective(img, perspective_coeffs, interpolation="bilinear", fill=None):
    """Apply the 8-coefficient projective map with grid_sample."""
    if not isinstance(img, ember.Tensor):
        raise TypeError("Input img should be Tensor.")
    _assert_image_tensor(img)
    _assert_grid_transform_inputs(img, None, interpolation, fill, ["nearest", "bilinear"],
                                  coeffs=perspective_coeffs)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    grid = _perspective_grid(perspective_coeffs, int(img.shape[-1]), int(img.shape[-2]), dtype)
    grid = grid.to(img.device)
    return _apply_grid_transform(img, grid, interpolation, fill=fill)


def _gaussian_kernel1d(kernel_size, sigma, dtype):
    half = (kernel_size - 1) * 0.5
    x = ember.linspace(-half, half, steps=kernel_size, dtype=dtype)
    pdf = ember.exp(-0.5 * (x / sigma).pow(2))
    return pdf / pdf.sum()


def _gaussian_kernel2d(kernel_size, sigma, dtype):
    kx = _gaussian_kernel1d(kernel_size[0], sigma[0], dtype)
    ky = _gaussian_kernel1d(kernel_size[1], sigma[1], dtype)
    return ember.mm(ky[:, None], kx[None, :])


def gaussian_blur(img, kernel_size, sigma):
    """Depthwise convolution with a Gaussian kernel, reflect-padded ([kx, ky] sizes)."""
    if not isinstance(img, ember.Tensor):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    _assert_image_tensor(img)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    kernel = _gaussian_kernel2d(kernel_size, sigma, dtype).to(img.device)
    kernel = kernel.expand(img.shape[-3], 1, kernel.shape[0], kernel.shape[1])
    img, cast, squeeze, out_dtype = _cast_squeeze_in(img, [kernel.dtype])
    padding = [kernel_size[0] // 2, kernel_size[0] // 2, kernel_size[1] // 2, kernel_size[1] // 2]
    img = torch_pad(img, padding, mode="reflect")
    img = conv2d(img, kernel, groups=img.shape[-3])
    return _cast_squeeze_out(img, cast, squeeze, out_dtype)


def _assert_3d(img):
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")


def invert(img):
    """max_value - img."""
    _assert_3d(img)
    _assert_channels(img, [1, 3])
    return _max_value(img.dtype) - img


def posterize(img, bits):
    """Keep the ``bits`` highest bits of each uint8 value."""
    _assert_3d(img)
    if img.dtype != ember.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    return img & -int(2 ** (8 - bits))


def solarize(img, threshold):
    """Invert the pixels at or above ``threshold``."""
    _assert_3d(img)
    _assert_channels(img, [1, 3])
    if threshold > _max_value(img.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    return ember.where(img >= threshold, invert(img), img)


def _blurred_degenerate_image(img):
    dtype = img.dtype if img.is_floating_point() else ember.float32
    kernel = ember.ones((3, 3), dtype=dtype, device=img.device)
    kernel[1, 1] = 5.0
    kernel /= kernel.sum()
    kernel = kernel.expand(img.shape[-3], 1, kernel.shape[0], kernel.shape[1])
    tmp, cast, squeeze, out_dtype = _cast_squeeze_in(img, [kernel.dtype])
    tmp = conv2d(tmp, kernel, groups=tmp.shape[-3])
    tmp = _cast_squeeze_out(tmp, cast, squeeze, out_dtype)
    result = img.clone()
    result[..., 1:-1, 1:-1] = tmp
    return result


def adjust_sharpness(img, sharpness_factor):
    """Blend with a smoothed copy (the border pixels stay as they are)."""
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if img.size(-1) <= 2 or img.size(-2) <= 2:
        return img
    return _blend(img, _blurred_degenerate_image(img), sharpness_factor)


def autocontrast(img):
    """Stretch each channel so its minimum becomes 0 and its maximum the top value."""
    _assert_3d(img)
    _assert_channels(img, [1, 3])
    bound = _max_value(img.dtype)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    minimum = img.amin(dim=(-2, -1), keepdim=True).to(dtype)
    maximum = img.amax(dim=(-2, -1), keepdim=True).to(dtype)
    scale = bound / (maximum - minimum)
    flat = ember.isfinite(scale).logical_not()
    minimum[flat] = 0
    scale[flat] = 1
    return ((img - minimum) * scale).clamp(0, bound).to(img.dtype)


def _equalize_channel(chan):
    """Histogram equalisation of one uint8 channel, as PIL's ImageOps.equalize."""
    hist = np.bincount(chan.reshape(-1), minlength=256)
    nonzero = hist[hist != 0]
    step = int(nonzero[:-1].sum()) // 255
    if step == 0:
        return chan
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate([[0], lut[:-1]]), 0, 255)
    return lut[chan].astype(np.uint8)


def equalize(img):
    """Equalise the histogram of each channel of a uint8 image ([C, H, W] or [N, C, H, W])."""
    _assert_image_tensor(img)
    if not 3 <= img.ndim <= 4:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.ndim}")
    if img.dtype != ember.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    arr = img.numpy(force=True)
    out = np.stack([_equalize_channel(c) for c in arr.reshape(-1, *arr.shape[-2:])])
    return ember.from_numpy(out.reshape(arr.shape)).to(img.device)


def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean) / std per channel."""
    _assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tensor.size()}")
    if not inplace:
        tensor = tensor.clone()
    dtype = tensor.dtype
    mean = ember.as_tensor(mean, dtype=dtype, device=tensor.device)
    std = ember.as_tensor(std, dtype=dtype, device=tensor.device)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {dtype}, "
                         "leading to division by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


def erase(img, i, j, h, w, v, inplace=False):
    """Overwrite the box img[..., i:i+h, j:j+w] with ``v``."""
    _assert_image_tensor(img)
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img


def _create_identity_grid(size):
    axes = [ember.linspace((-s + 1) / s, (s - 1) / s, s) for s in size]
    grid_y, grid_x = ember.meshgrid(axes, indexing="ij")
    return ember.stack([grid_x, grid_y], -1).unsqueeze(0)


def elastic_transform(img, displacement, interpolation="bilinear", fill=None):
    """grid_sample at the identity grid plus ``displacement`` ([1, H, W, 2])."""
    if not isinstance(img, ember.Tensor):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    grid = _create_identity_grid(list(img.shape[-2:])).to(img.device) + displacement.to(img.device)
    return _apply_grid_transform(img, grid, interpolation, fill)
