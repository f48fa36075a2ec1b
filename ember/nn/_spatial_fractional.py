"""Fractional max pooling (Graham, 2014): ``F.fractional_max_pool2d/3d`` and their
``_with_indices`` forms.

Each (batch, channel) plane pools kernel-sized windows whose starts follow a pseudo-random
sequence set by one sample u in [0, 1) per spatial dim: with a = (in - k) / (out - 1),
start[i] = int((i + u) a) - int(u a), and the last window ends at the input's edge. PyTorch
computes that sequence in the input's dtype (float16 and bfloat16 round every step); ember
does the same, so given the same samples (drawn with ``rand`` from the seeded generator
when none are passed) it pools the same windows. A window's maximum is its first largest
value, or its last NaN; the gradient goes to the recorded indices (`ScatterAdd`).
"""
import math
import numbers

import numpy as np

from .. import _dtype as D
from .._device import array_module, contiguous
from ..ops._op import Op, _round_bf16, run
from ._spatial_pool import ScatterAdd, _flat, _scalar_name, _wrap

__all__ = ["fractional_max_pool2d", "fractional_max_pool3d",
           "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices"]

_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}


def _in_dtype(values, dtype):
    """`values` (a number or an array) as numbers of `dtype`, a number as a NumPy scalar
    (bfloat16: float32 rounded to bfloat16)."""
    npdt = np.dtype(np.float32 if dtype is D.bfloat16 else dtype.np)
    if isinstance(values, (numbers.Number, np.generic)):
        values = npdt.type(values)
    else:
        values = values.astype(npdt, copy=False)
    return _round_bf16(values)[()] if dtype is D.bfloat16 else values


def window_starts(samples, in_size, out_size, pool, dtype):
    """The first input index of each output's window: (..., out_size) int64 from samples
    (...), with PyTorch's arithmetic in `dtype`."""
    xp = array_module(samples)
    starts = xp.empty(samples.shape + (out_size,), np.int64)
    if out_size > 1:
        alpha = _in_dtype(_in_dtype(in_size - pool, dtype) / _in_dtype(out_size - 1, dtype), dtype)
        steps = _in_dtype(xp.arange(out_size - 1), dtype)
        u = samples[..., None]
        scaled = _in_dtype(_in_dtype(steps + u, dtype) * alpha, dtype)
        offset = _in_dtype(u * alpha, dtype)
        starts[..., :-1] = scaled.astype(np.int64) - offset.astype(np.int64)
    if out_size > 0:
        starts[..., -1] = in_size - pool
    return starts


def _window_table(starts, spatial, kernel):
    """Flat spatial indices of every window element: (N, C, *out, K), windows in row-major
    order (as PyTorch's nested loops visit them)."""
    nd, xp = len(spatial), array_module(starts[0])
    table = xp.zeros(starts[0].shape[:2] + (1,) * (2 * nd), np.int64)
    for d in range(nd):
        shape = [1] * (2 * nd)
        shape[d] = starts[d].shape[-1]
        s = starts[d].reshape(starts[d].shape[:2] + tuple(shape))
        offsets = xp.arange(max(kernel[d], 0)).reshape([1] * (nd + d) + [-1] + [1] * (nd - d - 1))
        table = table * spatial[d] + (s + offsets)
    return table.reshape(table.shape[:2 + nd] + (max(math.prod(kernel), 0),))


def _start_index(starts, spatial):
    """Flat index of each window's first element (PyTorch's index for an empty window)."""
    nd = len(spatial)
    index = array_module(starts[0]).zeros(starts[0].shape[:2] + (1,) * nd, np.int64)
    for d in range(nd):
        shape = [1] * nd
        shape[d] = starts[d].shape[-1]
        index = index * spatial[d] + starts[d].reshape(starts[d].shape[:2] + tuple(shape))
    return index


def vals_empty(n, c, out):
    """Whether the pooled result has no elements."""
    return n * c * math.prod(out) == 0


class FractionalMaxPoolOp(Op):
    """Max over each fractional window of (N, C, *spatial) or (C, *spatial); also returns
    the flat input index of each maximum. `samples` holds the (N, C, nd) interval samples."""
    n_outputs = 2
    differentiable_outputs = 1

    def __init__(self, kernel, out, nd, dtype):
        self.kernel, self.out, self.nd, self.dtype = kernel, out, nd, dtype

    def forward(self, x, samples):
        nd = self.nd
        in_shape = x.shape
        if x.ndim == nd + 1:
            x = x[None]
        n, c = x.shape[:2]
        spatial = x.shape[2:]
        # PyTorch's sample order: (w, h) in 2-D, (t, h, w) in 3-D
        order = (1, 0) if nd == 2 else (0, 1, 2)
        starts = [window_starts(samples[:n, :, order[d]], spatial[d], self.out[d],
                                self.kernel[d], self.dtype) for d in range(nd)]
        for d in range(nd):
            if starts[d].size and (starts[d].min() < 0
                                   or starts[d].max() > spatial[d] - self.kernel[d]):
                # reachable in low precision, where PyTorch fails an internal assert
                raise RuntimeError("fractional_max_pool%dd: a window computed in %s leaves the "
                                   "input" % (nd, self.dtype))
        if min(self.kernel) <= 0 or vals_empty(n, c, self.out):
            vals = array_module(x).full((n, c) + tuple(self.out), -np.inf, x.dtype)
            idx = np.broadcast_to(_start_index(starts, spatial), vals.shape).copy()
        else:
            table = _window_table(starts, spatial, self.kernel)
            k = table.shape[-1]
            cand = np.take_along_axis(_flat(x, nd), table.reshape(n, c, -1), -1)
            cand = cand.reshape(table.shape)
            nan = np.isnan(cand)
            arg = np.where(nan.any(-1), k - 1 - nan[..., ::-1].argmax(-1), cand.argmax(-1))
            arg = arg[..., None]
            vals = np.take_along_axis(cand, arg, -1)[..., 0]
            idx = np.take_along_axis(table, arg, -1)[..., 0]
        if len(in_shape) == nd + 1:
            vals, idx = vals[0], idx[0]
        self.in_shape, self.idx = in_shape, idx
        return contiguous(vals), contiguous(idx)

    def backward(self, g, _gi=None):
        node = "FractionalMaxPool%dDBackwardBackward0" % self.nd
        return run(ScatterAdd(self.in_shape, self.nd, node), g, _wrap(self.idx)), None

    def name(self):
        return "FractionalMaxPool%dDBackward0" % self.nd


def _int_tuple(v, nd, fname, what):
    """An int or a sequence of `nd` ints, as PyTorch's ``int[nd]`` arguments."""
    plural = "tuple of Ints" if nd == 2 else "tuple of three Ints"
    if isinstance(v, (int, np.integer)):
        return (int(v),) * nd
    v = tuple(v)
    for i, e in enumerate(v):
        if not isinstance(e, (int, np.integer)):
            raise TypeError("%s(): argument '%s' must be tuple of ints, but found element of "
                            "type %s at pos %d" % (fname, what, type(e).__name__, i))
    if len(v) != nd:
        raise RuntimeError("%s: %s must either be a single Int or %s" % (fname, what, plural))
    return tuple(int(e) for e in v)


def _check_input(x, kernel, out, nd, fname):
    """PyTorch's checks of the input's rank, sizes and the pooling geometry."""
    kname = "fractional_max_pool2d()" if nd == 2 else "fractional_max_pool3d_out()"
    if x.dim() not in (nd + 1, nd + 2):
        raise RuntimeError("%s: Expected %dD or %dD tensor, but got: %s"
                           % (kname, nd + 1, nd + 2, list(x.shape)))
    for i in range(1, x.dim()):
        if x.shape[i] == 0:
            raise RuntimeError("%s: Expected input to have non-zero size for non-batch "
                               "dimensions, but got%s with dimension %d being empty."
                               % (kname, list(x.shape), i))
    spatial = x.shape[x.dim() - nd:]
    for name, o, k, s in zip(_DIM_NAMES[nd], out, kernel, spatial):
        fits = o + k - 1 <= s if nd == 2 else o + k - 1 < s
        if not fits:
            raise RuntimeError("%s: pool %s %d too large relative to input %s %d"
                               % (kname, name, k, name, s))


def _check_samples(x, samples, nd):
    """PyTorch's checks of `_random_samples` against the input."""
    if samples._dtype is not x._dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if samples.dim() != 3:
        raise RuntimeError("Expect _random_samples to have 3 dimensions, got %d" % samples.dim())
    batched = x.dim() == nd + 2
    batch, channels = (x.shape[0], x.shape[1]) if batched else (1, x.shape[0])
    if samples.shape[0] < batch:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if samples.shape[1] != channels:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.shape[2] != nd:
        raise RuntimeError("Expect _random_samples.size(2) equals to %d; got %d."
                           % (nd, samples.shape[2]))


def _fractional(input, kernel_size, output_size, output_ratio, samples, nd):
    fname = "fractional_max_pool%dd" % nd
    if output_size is None and output_ratio is None:
        raise ValueError("%s requires specifying either an output_size or an output_ratio"
                         % fname)
    if output_size is None:
        if nd == 2 and len(output_ratio) > 2:
            raise ValueError("fractional_max_pool2d requires output_ratio to either be a single "
                             "Int or tuple of Ints.")
        if nd == 3 and not isinstance(output_ratio, (tuple, list)):
            output_ratio = (output_ratio,) * 3
        output_size = [int(input.size(d - nd) * output_ratio[d]) for d in range(nd)]
    if samples is None:
        from .._random_factories import rand
        batch = 1 if input.dim() == nd + 1 else input.size(0)
        samples = rand(batch, input.size(-nd - 1), nd, dtype=input.dtype, device=input.device)
    kernel = _int_tuple(kernel_size, nd, fname, "kernel_size")
    out = _int_tuple(output_size, nd, fname, "output_size")
    _check_input(input, kernel, out, nd, fname)
    if min(out) < 0:
        raise RuntimeError("Trying to create tensor with negative dimension %d: %s"
                           % (min(out), list(input.shape[:input.dim() - nd]) + list(out)))
    _check_samples(input, samples, nd)
    if not input._dtype.is_floating_point:
        raise NotImplementedError("\"%s_out_frame\" not implemented for '%s'"
                                  % (fname, _scalar_name(input._dtype)))
    return run(FractionalMaxPoolOp(kernel, out, nd, input._dtype), input, samples)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """2-D fractional max pooling of (N, C, H, W) or (C, H, W): (values, indices)."""
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """3-D fractional max pooling of (N, C, T, H, W) or (C, T, H, W): (values, indices)."""
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """2-D fractional max pooling to `output_size` (or `output_ratio` of the input size)."""
    r = _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)
    return r if return_indices else r[0]


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """3-D fractional max pooling to `output_size` (or `output_ratio` of the input size)."""
    r = _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)
    return r if return_indices else r[0]
