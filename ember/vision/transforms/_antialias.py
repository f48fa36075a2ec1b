"""Antialiased resampling: ``interpolate(..., antialias=True)`` for bilinear and bicubic.

PyTorch resizes with antialias the way Pillow does: each output pixel is a normalised
weighted sum of the input pixels under a filter stretched by the downscaling factor
(triangle for bilinear, Keys cubic with a = -0.5 for bicubic).  Along one axis each output
pixel mixes a few neighbouring input pixels with fixed weights, applied tap by tap with
ember ops (columns, then rows) so that autograd works.  Weights follow
``aten/native/cpu/UpSampleKernel.cpp``.
"""
import functools
import math

import numpy as np

import ember


def _triangle(x, ft):
    x = np.abs(x)
    return np.where(x < 1, ft(1) - x, ft(0)).astype(ft)


def _keys_cubic(x, ft):
    a = ft(-0.5)
    x = np.abs(x)
    near = ((a + ft(2)) * x - (a + ft(3))) * x * x + ft(1)
    far = (((x - ft(5)) * x + ft(8)) * x - ft(4)) * a
    return np.where(x < 1, near, np.where(x < 2, far, ft(0))).astype(ft)


_FILTERS = {"bilinear": (_triangle, 2), "bicubic": (_keys_cubic, 4)}


@functools.lru_cache(maxsize=64)
def taps(in_size, out_size, mode, ft=np.float32):
    """(index, weight), both (out_size, k): output pixel i is the sum over t of
    weight[i, t] * input[index[i, t]].  Weights are computed in ``ft`` arithmetic as
    PyTorch does for that input dtype, so they agree to the bit; unused taps weigh 0."""
    filt, interp_size = _FILTERS[mode]
    scale = ft(in_size) / ft(out_size)
    if scale >= 1:
        support, invscale = ft(interp_size * 0.5) * scale, ft(1) / scale
    else:
        support, invscale = ft(interp_size * 0.5), ft(1)
    max_taps = int(math.ceil(support)) * 2 + 1
    index = np.zeros((out_size, max_taps), dtype=np.int64)
    weight = np.zeros((out_size, max_taps), dtype=ft)
    half = ft(0.5)
    used = 1
    for i in range(out_size):
        center = scale * ft(i + 0.5)
        lo = max(int(center - support + half), 0)
        n = min(max(min(int(center + support + half), in_size) - lo, 0), max_taps)
        w = filt((np.arange(lo, lo + n).astype(ft) - center + half) * invscale, ft)
        total = ft(0)
        for v in w:             # summed in order, as the C++ loop does
            total = ft(total + v)
        if total != 0:
            w = (w / total).astype(ft)
        index[i] = np.minimum(np.arange(lo, lo + max_taps), in_size - 1)
        weight[i, :n] = w
        used = max(used, n)
    index, weight = index[:, :used].copy(), weight[:, :used].copy()
    index.setflags(write=False)     # cached: shared between calls
    weight.setflags(write=False)
    return index, weight


def _resample(x, dim, index, weight):
    """Antialiased resampling along ``dim`` (-2 rows or -1 columns), one tap at a time
    (in order, as PyTorch accumulates), with ember ops so that autograd works."""
    out = None
    for t in range(index.shape[1]):
        idx = ember.from_numpy(index[:, t].copy()).to(x.device)
        w = ember.from_numpy(weight[:, t].copy()).to(x.device)
        if dim == -2:
            term = x.index_select(-2, idx) * w.view(-1, 1)
        else:
            term = x.index_select(-1, idx) * w
        out = term if out is None else out + term
    return out


def resize_antialias(x, size, mode):
    """Resize the last two dims of float tensor ``x`` to ``size`` = [h, w] with antialias."""
    h, w = int(x.shape[-2]), int(x.shape[-1])
    oh, ow = int(size[0]), int(size[1])
    ft = x.dtype.np.type
    out = x
    if ow != w:          # columns first: the order closest to PyTorch's float rounding
        out = _resample(out, -1, *taps(w, ow, mode, ft))
    if oh != h:
        out = _resample(out, -2, *taps(h, oh, mode, ft))
    if out is x:
        out = x.clone()
    return out
