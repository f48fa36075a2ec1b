"""Resampling: ``interpolate``/``upsample``, ``pixel_shuffle``, ``grid_sample``, ``affine_grid``.

Every interpolation mode of ``interpolate`` is separable: along each spatial dim the output is
a fixed linear map of the input, so it is one sparse matrix per dim. Nearest modes gather
(`TakeDims`); linear and cubic modes multiply by dense (out, in) matrices (`SeparableLinear`),
whose gradient is the transposed matrices. Indices and weights follow PyTorch's kernels
(``aten/native/UpSample.h``), computed in the input's precision so indices agree exactly.
"""
import math
import warnings

import numpy as np

from .._device import contiguous
from ..ops._op import Op, run
from ._spatial_pad import TakeDims
from ._spatial_pool import SeparableLinear, adaptive_avg_pool1d, adaptive_avg_pool2d, \
    adaptive_avg_pool3d, Gather

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle", "grid_sample", "affine_grid"]


# --- per-dim index and weight tables -----------------------------------------------------------------

def _scale_value(scale, n, o, ft):
    """PyTorch's compute_scales_value: 1/scale when given, else in/out (in the input type)."""
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(n) / ft(o)


def _nearest_index(n, o, scale, exact):
    i = np.arange(o)
    if not exact:
        if o == n:
            return i
        if o == 2 * n:
            return i >> 1
    s = _scale_value(scale, n, o, np.float32)
    src = (i.astype(np.float32) + np.float32(0.5)) * s if exact else i.astype(np.float32) * s
    return np.minimum(np.floor(src).astype(np.int64), n - 1)


def _area_scale(n, o, align_corners, scale, ft):
    if align_corners:
        return ft(n - 1) / ft(o - 1) if o > 1 else ft(0)
    return _scale_value(scale, n, o, ft)


def _source_index(s, o, align_corners, cubic, ft):
    i = np.arange(o).astype(ft)
    if align_corners:
        return s * i
    src = s * (i + ft(0.5)) - ft(0.5)
    return src if cubic else np.maximum(src, ft(0))


def _linear_matrix(n, o, align_corners, scale, ft):
    if n == o:
        return None
    s = _area_scale(n, o, align_corners, scale, ft)
    real = _source_index(s, o, align_corners, False, ft)
    i0 = np.minimum(np.floor(real).astype(np.int64), n - 1)
    l1 = np.clip(real - i0.astype(ft), ft(0), ft(1))
    i1 = i0 + (i0 < n - 1)
    m = np.zeros((o, n), dtype=ft)
    rows = np.arange(o)
    np.add.at(m, (rows, i0), ft(1) - l1)
    np.add.at(m, (rows, i1), l1)
    return m


def _cubic_coefficients(t, ft):
    a = ft(-0.75)

    def c1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def c2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    x2 = ft(1) - t
    return [c2(t + ft(1)), c1(t), c1(x2), c2(x2 + ft(1))]


def _cubic_matrix(n, o, align_corners, scale, ft):
    s = _area_scale(n, o, align_corners, scale, ft)
    real = _source_index(s, o, align_corners, True, ft)
    i0 = np.minimum(np.floor(real).astype(np.int64), n - 1)
    t = np.clip(real - i0.astype(ft), ft(0), ft(1))
    m = np.zeros((o, n), dtype=ft)
    rows = np.arange(o)
    for k, w in enumerate(_cubic_coefficients(t, ft)):
        np.add.at(m, (rows, np.clip(i0 - 1 + k, 0, n - 1)), w.astype(ft))
    return m


# --- interpolate ---------------------------------------------------------------------------------------

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_NEEDS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _output_size(x, nd, size, scale_factor, recompute):
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    "input with spatial dimensions of %s and output size of %s. Please provide "
                    "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                    "...,oK) format." % (list(x.shape[2:]), size))
            return [int(v) for v in size], [None] * nd
        return [int(size)] * nd, [None] * nd
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != nd:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but got "
                "input with spatial dimensions of %s and scale_factor of shape %s. Please provide "
                "input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,"
                "sK) format." % (list(x.shape[2:]), scale_factor))
        scales = [float(s) for s in scale_factor]
    else:
        scales = [float(scale_factor)] * nd
    out = [int(math.floor(n * s)) for n, s in zip(x.shape[2:], scales)]
    return out, ([None] * nd if recompute else scales)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Down/up-samples to `size` or by `scale_factor` with PyTorch's interpolation modes."""
    x = input
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    nd = x.dim() - 2
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode not in _MODES or nd not in (1, 2, 3):
        raise NotImplementedError(
            "Input Error: Only 3D, 4D and 5D input Tensors supported (got %dD) for the modes: "
            "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
            "(got %s)" % (x.dim(), mode))
    if mode in _NEEDS and x.dim() != _NEEDS[mode]:
        raise NotImplementedError("Got %dD input, but %s mode needs %dD input"
                                  % (x.dim(), mode, _NEEDS[mode]))
    if antialias:
        raise NotImplementedError("ember: interpolate(antialias=True) is not supported")
    out, scales = _output_size(x, nd, size, scale_factor,
                               recompute_scale_factor or (mode == "area" and size is None))
    sp = list(x.shape[2:])
    if any(o <= 0 for o in out):
        raise RuntimeError("Input and output sizes should be greater than 0, but got input (%s) "
                           "and output (%s)" % (", ".join("%s: %d" % ("DHW"[3 - nd + i], n)
                                                         for i, n in enumerate(sp)),
                                                ", ".join("%s: %d" % ("DHW"[3 - nd + i], n)
                                                          for i, n in enumerate(out))))
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nd - 1](x, out)
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        idxs = [_nearest_index(n, o, s, exact) for n, o, s in zip(sp, out, scales)]
        node = ("UpsampleNearestExact%dDBackward0" if exact else "UpsampleNearest%dDBackward0")
        return run(TakeDims(idxs, node % nd), x)
    ft = x.dtype.np.type if x.dtype.is_floating_point else np.float32
    make = _cubic_matrix if mode == "bicubic" else _linear_matrix
    mats = [make(n, o, align_corners, s, ft) for n, o, s in zip(sp, out, scales)]
    node = {"linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
            "bicubic": "UpsampleBicubic2DBackward0",
            "trilinear": "UpsampleTrilinear3DBackward0"}[mode]
    return run(SeparableLinear(mats, node), x)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of `interpolate`."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: nearest-neighbour upsampling."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: bilinear upsampling with align_corners=True."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# --- pixel shuffle -------------------------------------------------------------------------------------

class PixelShuffleBackward0(Op):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r); with ``down`` the inverse rearrangement."""

    def __init__(self, r, down=False):
        self.r, self.down = r, down

    def forward(self, x):
        r = self.r
        lead = x.shape[:-3]
        c, h, w = x.shape[-3:]
        if self.down:
            y = x.reshape(lead + (c, h // r, r, w // r, r))
            nl = len(lead)
            perm = tuple(range(nl)) + (nl, nl + 2, nl + 4, nl + 1, nl + 3)
            return contiguous(y.transpose(perm)).reshape(
                lead + (c * r * r, h // r, w // r))
        y = x.reshape(lead + (c // (r * r), r, r, h, w))
        nl = len(lead)
        perm = tuple(range(nl)) + (nl, nl + 3, nl + 1, nl + 4, nl + 2)
        return contiguous(y.transpose(perm)).reshape(lead + (c // (r * r), h * r, w * r))

    def backward(self, g):
        return run(PixelShuffleBackward0(self.r, not self.down), g)

    def name(self):
        return "PixelUnshuffleBackward0" if self.down else "PixelShuffleBackward0"


def pixel_shuffle(input, upscale_factor):
    """Rearranges (*, C*r^2, H, W) into (*, C, H*r, W*r)."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError("pixel_shuffle expects input to have at least 3 dimensions, but got "
                           "input with %d dimension(s)" % input.dim())
    if r <= 0:
        raise RuntimeError("pixel_shuffle expects a positive upscale_factor, but got %d" % r)
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible "
                           "by the square of upscale_factor, but input.size(-3)=%d is not "
                           "divisible by %d" % (c, r * r))
    return run(PixelShuffleBackward0(r), input)


def pixel_unshuffle(input, downscale_factor):
    """Rearranges (*, C, H*r, W*r) into (*, C*r^2, H, W)."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError("pixel_unshuffle expects input to have at least 3 dimensions, but got "
                           "input with %d dimension(s)" % input.dim())
    if r <= 0:
        raise RuntimeError("pixel_unshuffle expects a positive downscale_factor, but got %d" % r)
    h, w = input.shape[-2:]
    if h % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, "
                           "but input.size(-2)=%d is not divisible by %d" % (h, r))
    if w % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, "
                           "but input.size(-1)=%d is not divisible by %d" % (w, r))
    return run(PixelShuffleBackward0(r, True), input)


# --- grid_sample / affine_grid ---------------------------------------------------------------------

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False "
                  "since 1.3.0. Please specify align_corners=True if the old behavior is desired. "
                  "See the documentation of grid_sample for details.")


def _unnormalize(c, n, align_corners):
    if align_corners:
        return (c + 1) / 2 * (n - 1)
    return ((c + 1) * n - 1) / 2


def _reflect(c, twice_low, twice_high):
    if twice_low == twice_high:
        return c * 0
    mn = twice_low / 2
    span = (twice_high - twice_low) / 2
    t = (c - mn).abs()
    extra = t.fmod(span)
    flips = (t / span).floor()
    import ember as T
    return T.where(flips.remainder(2) == 0, extra + mn, span - extra + mn)


def _source_coord(c, n, padding_mode, align_corners):
    c = _unnormalize(c, n, align_corners)
    if padding_mode == "border":
        c = c.clamp(0, n - 1)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (n - 1)) if align_corners else _reflect(c, -1, 2 * n - 1)
        c = c.clamp(0, n - 1)
    return c


def _gather_points(x, ints, sizes):
    """x (N, C, *sp) at integer points ints[d] (N, *out) (zero outside) -> (N, C, *out)."""
    n, c = x.shape[:2]
    inside = None
    flat = 0
    for i, s in zip(ints, sizes):
        ok = (i >= 0) & (i < s)
        inside = ok if inside is None else inside & ok
        flat = flat * s + np.clip(i, 0, s - 1)
    out_sp = ints[0].shape[1:]
    from .._tensor import Tensor
    idx = Tensor._make(contiguous(flat.reshape(n, 1, -1)))
    vals = run(Gather(1, "GridSamplerBackward0"), x.reshape(n, c, -1), idx)
    mask = Tensor._make(inside.reshape(n, 1, -1).astype(x.dtype.np))
    return (vals * mask).reshape((n, c) + tuple(out_sp))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Samples `input` at the normalised coordinates of `grid` ((x, y[, z]) in [-1, 1])."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' "
                         "or 'bicubic', but got: '%s'" % mode)
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         "'border', or 'reflection', but got: '%s'" % padding_mode)
    if mode == "bicubic" and input.dim() != 4:
        raise ValueError("grid_sample(): bicubic interpolation only supports 4D input")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    x = input
    nd = x.dim() - 2
    if nd not in (2, 3) or grid.dim() != x.dim():
        raise RuntimeError("grid_sampler(): expected 4D or 5D input and grid with same number of "
                           "dimensions, but got input with sizes %s and grid with sizes %s"
                           % (list(x.shape), list(grid.shape)))
    if grid.shape[0] != x.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but "
                           "got input with sizes %s and grid with sizes %s"
                           % (list(x.shape), list(grid.shape)))
    if grid.shape[-1] != nd:
        raise RuntimeError("grid_sampler(): expected grid to have size %d in last dimension, but "
                           "got grid with sizes %s" % (nd, list(grid.shape)))
    if grid.dtype is not x.dtype:
        raise RuntimeError("grid_sampler(): expected input and grid to have same dtype, but "
                           "input has %s and grid has %s" % (x.dtype, grid.dtype))
    sizes = list(x.shape[2:])              # (D,) H, W
    comps = [grid[..., nd - 1 - i] for i in range(nd)]   # grid holds (x, y[, z]): reverse
    if mode == "bicubic":
        return _bicubic(x, comps, sizes, padding_mode, align_corners)
    coords = [_source_coord(c, s, padding_mode, align_corners) for c, s in zip(comps, sizes)]
    if mode == "nearest":
        ints = [np.rint(c._data).astype(np.int64) for c in coords]
        # PyTorch gives the grid a zero gradient (not None) in nearest mode
        return _gather_points(x, ints, sizes) + (grid.sum() * 0).to(x.dtype)
    lows = [np.floor(c._data).astype(np.int64) for c in coords]
    out = None
    for corner in range(2 ** nd):
        ints, w = [], None
        for d in range(nd):
            hi = (corner >> (nd - 1 - d)) & 1
            i = lows[d] + hi
            wd = (coords[d] - lows[d].astype(x.dtype.np)) if hi else (
                (lows[d] + 1).astype(x.dtype.np) - coords[d])
            w = wd if w is None else w * wd
            ints.append(i)
        term = _gather_points(x, ints, sizes) * w.unsqueeze(1)
        out = term if out is None else out + term
    return out


def _bicubic(x, comps, sizes, padding_mode, align_corners):
    coords = [_unnormalize(c, s, align_corners) for c, s in zip(comps, sizes)]
    lows = [np.floor(c._data).astype(np.int64) for c in coords]
    ts = [c - lows[d].astype(x.dtype.np) for d, c in enumerate(coords)]
    coeffs = [_cubic_weights(t) for t in ts]
    out = None
    for a in range(4):
        for b in range(4):
            iy, ix = lows[0] - 1 + a, lows[1] - 1 + b
            ints = [_pad_tap(iy, sizes[0], padding_mode, align_corners),
                    _pad_tap(ix, sizes[1], padding_mode, align_corners)]
            term = _gather_points(x, ints, sizes) * (coeffs[0][a] * coeffs[1][b]).unsqueeze(1)
            out = term if out is None else out + term
    return out


def _cubic_weights(t):
    a = -0.75

    def c1(v):
        return ((a + 2) * v - (a + 3)) * v * v + 1

    def c2(v):
        return ((a * v - 5 * a) * v + 8 * a) * v - 4 * a
    return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]


def _pad_tap(i, n, padding_mode, align_corners):
    """An integer tap index with the padding mode applied (out of range stays out: zeros)."""
    if padding_mode == "border":
        return np.clip(i, 0, n - 1)
    if padding_mode == "reflection":
        f = i.astype(np.float64)
        if align_corners:
            f = _reflect_np(f, 0, 2 * (n - 1))
        else:
            f = _reflect_np(f, -1, 2 * n - 1)
        return np.clip(f, 0, n - 1).astype(np.int64)
    return i


def _reflect_np(c, twice_low, twice_high):
    if twice_low == twice_high:
        return c * 0
    mn = twice_low / 2
    span = (twice_high - twice_low) / 2
    t = np.abs(c - mn)
    extra = np.fmod(t, span)
    flips = np.floor(t / span)
    return np.where(flips % 2 == 0, extra + mn, span - extra + mn)


def _base_coords(n, align_corners, like):
    import ember as T
    v = T.linspace(-1, 1, n, dtype=like.dtype) if n > 1 else T.tensor([-1.0], dtype=like.dtype)
    if not align_corners:
        v = v * ((n - 1) / n)
    return v


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of affine matrices `theta`."""
    import ember as T
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError("Expected theta to have floating point type, but got %s" % theta.dtype)
    size = [int(s) for s in size]
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError("Expected a batch of 2D affine matrices of shape Nx2x3 for size %s. "
                             "Got %s." % (size, list(theta.shape)))
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError("Expected a batch of 3D affine matrices of shape Nx3x4 for size %s. "
                             "Got %s." % (size, list(theta.shape)))
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  "affine transforms, respectively. Got size %s." % size)
    if min(size) <= 0:
        raise ValueError("Expected non-zero, positive output size. Got %s" % size)
    n = size[0]
    axes = [_base_coords(s, align_corners, theta) for s in spatial]   # (D,) H, W
    grids = T.meshgrid(*axes, indexing="ij")
    comps = list(reversed(grids)) + [T.ones_like(grids[0])]          # x, y, (z,) 1
    base = T.stack(comps, -1).reshape(1, -1, len(comps))
    out = base.matmul(theta.transpose(1, 2))
    return out.reshape([n] + spatial + [len(spatial)])
