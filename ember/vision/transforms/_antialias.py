"""Antialiased resampling: ``interpolate(..., antialias=True)`` for bilinear and bicubic.

PyTorch resizes with antialias the way Pillow does: each output pixel is a normalised
weighted sum of the input pixels under a filter stretched by the downscaling factor
(triangle for bilinear, Keys cubic with a = -0.5 for bicubic).  Along one axis that is a
fixed (out, in) matrix, so a 2-D resize is ``Wh @ x @ Ww.T``, written with ember ops so
that autograd works.  Weights follow ``aten/native/cpu/UpSampleKernel.cpp``.
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
def weight_matrix(in_size, out_size, mode, ft=np.float32):
    """(out_size, in_size) matrix of antialiased resampling weights, computed in ``ft``
    arithmetic as PyTorch does for that input dtype (so the weights agree to the bit)."""
    filt, interp_size = _FILTERS[mode]
    scale = ft(in_size) / ft(out_size)
    if scale >= 1:
        support, invscale = ft(interp_size * 0.5) * scale, ft(1) / scale
    else:
        support, invscale = ft(interp_size * 0.5), ft(1)
    max_taps = int(math.ceil(support)) * 2 + 1
    m = np.zeros((out_size, in_size), dtype=ft)
    half = ft(0.5)
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
        m[i, lo:lo + n] = w
    m.setflags(write=False)    # cached: shared between calls
    return m


def resize_antialias(x, size, mode):
    """Resize the last two dims of float tensor ``x`` to ``size`` = [h, w] with antialias."""
    h, w = int(x.shape[-2]), int(x.shape[-1])
    oh, ow = int(size[0]), int(size[1])
    out = x
    if oh != h:
        wh = ember.from_numpy(weight_matrix(h, oh, mode, x.dtype.np.type).copy())
        out = ember.matmul(wh, out)
    if ow != w:
        ww = ember.from_numpy(np.ascontiguousarray(weight_matrix(w, ow, mode, x.dtype.np.type).T))
        out = ember.matmul(out, ww)
    if out is x:
        out = x.clone()
    return out
