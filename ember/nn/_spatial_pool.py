"""Pooling: max / average / adaptive / power-average pooling and max unpooling.

Windows are strided views of the (padded) input, as in convolution. Max pooling records the
flat input index of each maximum; its gradient scatters into those indices (`ScatterAdd`),
whose own gradient gathers them back (`Gather`). Average pooling and adaptive average pooling
are linear maps whose backward is their adjoint (a spread of the gradient over the windows,
or the transposed averaging matrices), again differentiable.
"""
import itertools
import math

import numpy as np

from .._device import array_module, contiguous
from ..ops._op import Op, run
from ._spatial_conv import Geometry

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d",
           "lp_pool1d", "lp_pool2d", "lp_pool3d"]


# --- gather / scatter over the flattened spatial dims ---------------------------------------------

def _flat(a, nd):
    return a.reshape(a.shape[:a.ndim - nd] + (-1,))


def scatter_add_array(g, idx, in_shape, nd, unique=False):
    """Zeros of `in_shape` with g[..., j] added at flat spatial index idx[..., j]
    (`unique`: no index repeats within a row, so the values are simply placed)."""
    lead = in_shape[:len(in_shape) - nd]
    size = math.prod(in_shape[len(in_shape) - nd:])
    rows = math.prod(lead)
    idx = np.broadcast_to(idx, g.shape)
    xp = array_module(g)
    flat_idx = _flat(idx, nd).reshape(rows, -1) + (xp.arange(rows) * size)[:, None]
    gv = _flat(g, nd).reshape(rows, -1)
    if unique:
        out = xp.zeros(rows * size, dtype=g.dtype)
        out[flat_idx.ravel()] = gv.ravel()
        return out.reshape(in_shape)
    if g.dtype.kind == "c":
        out = (xp.bincount(flat_idx.ravel(), gv.real.ravel(), rows * size)
               + 1j * xp.bincount(flat_idx.ravel(), gv.imag.ravel(), rows * size))
    else:
        out = xp.bincount(flat_idx.ravel(), gv.ravel(), rows * size)
    return out.astype(g.dtype, copy=False).reshape(in_shape)


def gather_array(x, idx, nd):
    lead = x.shape[:x.ndim - nd]
    xf = _flat(x, nd)
    fi = _flat(idx, nd)
    return np.take_along_axis(xf, np.broadcast_to(fi, lead + fi.shape[-1:]), -1).reshape(
        lead + idx.shape[idx.ndim - nd:])


class ScatterAdd(Op):
    """g (..., *out), idx (..., *out) -> (..., *in): g added at the flat spatial indices."""

    def __init__(self, in_shape, nd, node="MaxPool2DWithIndicesBackwardBackward0", unique=False):
        self.in_shape, self.nd, self.node, self.unique = in_shape, nd, node, unique
        self.saved_idx = None

    def forward(self, g, idx):
        self.saved_idx = idx
        return scatter_add_array(g, idx, self.in_shape, self.nd, self.unique)

    def backward(self, gg):
        return run(Gather(self.nd), gg, _wrap(self.saved_idx)), None

    def name(self):
        return self.node


class Gather(Op):
    """x (..., *in), idx (..., *out) -> (..., *out): x at the flat spatial indices."""

    def __init__(self, nd, node="GatherBackward0"):
        self.nd, self.node = nd, node

    def forward(self, x, idx):
        self.in_shape, self.saved_idx = x.shape, idx
        return gather_array(x, idx, self.nd)

    def backward(self, g):
        return run(ScatterAdd(self.in_shape, self.nd), g, _wrap(self.saved_idx)), None

    def name(self):
        return self.node


def _wrap(a):
    from .._tensor import Tensor
    return Tensor._make(a)


# --- argument handling -------------------------------------------------------------------------------

def _tuple(v, nd, fname, what):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * nd
    v = tuple(int(i) for i in v)
    if len(v) == 1:
        return v * nd
    if len(v) != nd:
        raise RuntimeError("%s: %s must either be a single int, or a tuple of %s ints"
                           % (fname, what, {1: "one", 2: "two", 3: "three"}[nd]))
    return v


def _out_size(n, k, s, p, d, ceil):
    num = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)
    out = num // s + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


_KNAMES = {1: ("kW",), 2: ("kH", "kW"), 3: ("kT", "kH", "kW")}


def _setup(x, nd, kernel_size, stride, padding, dilation, ceil_mode, fname):
    """Checks a pooling call; returns (batched x, whether unbatched, Geometry with the padding
    needed for ceil-mode windows)."""
    if x.dim() not in (nd + 1, nd + 2) or x.numel() == 0 and x.dim() == nd + 1:
        if nd == 1:
            raise RuntimeError("%s: Expected 2D or 3D (batch mode) tensor with optional 0 dim "
                               "batch size for input, but got:%s" % (fname, list(x.shape)))
        raise RuntimeError("non-empty %dD or %dD (batch mode) tensor expected for input"
                           % (nd + 1, nd + 2))
    unbatched = x.dim() == nd + 1
    if unbatched:
        x = x.unsqueeze(0)
    k = _tuple(kernel_size, nd, fname, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _tuple(stride, nd, fname, "stride")
    p = _tuple(padding, nd, fname, "padding")
    d = _tuple(dilation, nd, fname, "dilation")
    if any(v <= 0 for v in k):
        raise RuntimeError("kernel size should be greater than zero, but got %s"
                           % " ".join("%s: %d" % (n, v) for n, v in zip(_KNAMES[nd], k)))
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v < 0 for v in p):
        raise RuntimeError("pad must be non-negative, but got pad: %d" % min(p))
    for kk, pp, dd in zip(k, p, d):
        if pp > (dd * (kk - 1) + 1) // 2:
            raise RuntimeError("pad should be at most half of effective kernel size, but got "
                               "pad=%d, kernel_size=%d and dilation=%d" % (pp, kk, dd))
    if any(v <= 0 for v in d):
        raise RuntimeError("dilation should be greater than zero, but got %s"
                           % " ".join("dilation%s: %d" % (n[1:], v)
                                      for n, v in zip(_KNAMES[nd], d)))
    sp = tuple(x.shape[2:])
    out = tuple(_out_size(n, kk, ss, pp, dd, ceil_mode)
                for n, kk, ss, pp, dd in zip(sp, k, s, p, d))
    if any(o <= 0 for o in out):
        raise RuntimeError("Given input size: (%s). Calculated output size: (%s). Output size is "
                           "too small" % ("x".join(map(str, (x.shape[1],) + sp)),
                                          "x".join(map(str, (x.shape[1],) + out))))
    # high padding so that every (ceil-mode) window lies inside the padded input
    pads = tuple((pp, max(pp, (o - 1) * ss + dd * (kk - 1) + 1 - n - pp))
                 for n, o, kk, ss, pp, dd in zip(sp, out, k, s, p, d))
    return x, unbatched, Geometry(k, s, d, pads, 1, sp, out), p


def _pad_value(x, pads, value):
    if not any(lo or hi for lo, hi in pads):
        return x
    shape = x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads))
    out = array_module(x).full(shape, value, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for n, (lo, _) in
                                           zip(x.shape[2:], pads))] = x
    return out


def _lowest(dtype):
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


# --- max pooling ------------------------------------------------------------------------------------

def window_max(xpad, geo, offsets):
    """Max over every window of a padded input, and the offset (``offsets[k]`` for kernel
    position k, row-major) of the maximum in its window. As in PyTorch, a later element wins
    only when strictly greater, or NaN."""
    best = arg = None
    for pos, kidx in enumerate(itertools.product(*[range(k) for k in geo.k])):
        v = xpad[(slice(None), slice(None)) + tuple(
            slice(i * d, i * d + s * (o - 1) + 1, s)
            for i, d, s, o in zip(kidx, geo.d, geo.s, geo.out))]
        xp = array_module(v)
        if best is None:
            best = v.copy()
            arg = xp.full(v.shape, offsets[pos], dtype=np.int64)
            continue
        take = v > best
        if v.dtype.kind in "fc":
            take |= xp.isnan(v)
        xp.maximum(best, v, out=best)      # NaN-propagating, like PyTorch
        arg[take] = offsets[pos]
    return best, arg


class MaxPoolOp(Op):
    """Max over each window; also returns the flat input index of each maximum."""
    n_outputs = 2
    differentiable_outputs = 1

    def __init__(self, geo, nd, unbatched):
        self.geo, self.nd, self.unbatched = geo, nd, unbatched

    def forward(self, x):
        geo, nd = self.geo, self.nd
        self.in_shape = x.shape
        if self.unbatched:
            x = x[None]
        # flat input index = window start + offset of the kernel position in the window
        instride = [math.prod(geo.in_size[i + 1:]) for i in range(nd)]
        offsets = [sum(k * d * st for k, d, st in zip(kidx, geo.d, instride))
                   for kidx in itertools.product(*[range(k) for k in geo.k])]
        vals, flat = window_max(_pad_value(x, geo.pads, _lowest(x.dtype)), geo, offsets)
        start = 0
        for i in range(nd):
            shape = [1] * (2 + nd)
            shape[2 + i] = geo.out[i]
            start = start + ((array_module(x).arange(geo.out[i]) * geo.s[i] - geo.pads[i][0])
                             * instride[i]).reshape(shape)
        flat += start
        if self.unbatched:
            vals, flat = vals[0], flat[0]
        self.idx = flat
        return vals, flat

    def backward(self, g, _gi=None):
        # windows that do not overlap never share a maximum: the gradient is just placed
        disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(self.geo.s, self.geo.d,
                                                               self.geo.k))
        return run(ScatterAdd(self.in_shape, self.nd, "MaxPool%dDWithIndicesBackwardBackward0"
                              % self.nd, disjoint), g, _wrap(self.idx))

    def name(self):
        return "MaxPool%dDWithIndicesBackward0" % self.nd


def _max_pool(x, nd, kernel_size, stride, padding, dilation, ceil_mode, fname):
    if nd == 1:     # PyTorch pools 1-D inputs as 2-D ones of height 1
        xb, unbatched, geo, _ = _setup(x, 1, kernel_size, stride, padding, dilation, ceil_mode,
                                       fname)
        out, idx = _max_pool(x.unsqueeze(-2), 2, (1,) + geo.k, (1,) + geo.s,
                             (0, geo.pads[0][0]), (1,) + geo.d, ceil_mode, "max_pool2d")
        return out.squeeze(-2), idx.squeeze(-2)
    xb, unbatched, geo, _ = _setup(x, nd, kernel_size, stride, padding, dilation, ceil_mode,
                                   fname)
    return run(MaxPoolOp(geo, nd, unbatched), x)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """1-D max pooling; returns (output, indices)."""
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, "max_pool1d")


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """2-D max pooling; returns (output, indices)."""
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """3-D max pooling; returns (output, indices)."""
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, "max_pool3d")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over an input (N, C, L) or (C, L)."""
    r = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return r if return_indices else r[0]


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over an input (N, C, H, W) or (C, H, W)."""
    r = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return r if return_indices else r[0]


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling over an input (N, C, D, H, W) or (C, D, H, W)."""
    r = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return r if return_indices else r[0]


# --- average pooling -----------------------------------------------------------------------------------

def _divisors(geo, p, count_include_pad, divisor_override, dtype):
    """The divisor of every output position, shaped to broadcast over (N, C, *out)."""
    nd = len(geo.k)
    if divisor_override:
        return np.asarray(divisor_override, dtype=dtype)
    div = np.ones((1, 1) + (1,) * nd, dtype=np.int64)
    for i in range(nd):
        start = np.arange(geo.out[i]) * geo.s[i] - p[i]
        end = np.minimum(start + geo.k[i], geo.in_size[i] + p[i])
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, geo.in_size[i])
        shape = [1] * (2 + nd)
        shape[2 + i] = geo.out[i]
        div = div * (end - start).reshape(shape)
    return div.astype(dtype)


def window_sum(xpad, geo):
    """Sum over every window of a padded input (N, C, *padded) -> (N, C, *out)."""
    out = None
    for kidx in itertools.product(*[range(k) for k in geo.k]):
        src = xpad[(slice(None), slice(None)) + tuple(
            slice(i * d, i * d + s * (o - 1) + 1, s)
            for i, d, s, o in zip(kidx, geo.d, geo.s, geo.out))]
        out = src.copy() if out is None else out.__iadd__(src)
    return out


def window_spread(g, geo):
    """The adjoint of `window_sum`: each output's value added over its window, unpadded."""
    n, c = g.shape[:2]
    xpad = array_module(g).zeros((n, c) + geo.padded, dtype=g.dtype)
    for kidx in itertools.product(*[range(k) for k in geo.k]):
        dst = tuple(slice(i * d, i * d + s * (o - 1) + 1, s)
                    for i, d, s, o in zip(kidx, geo.d, geo.s, geo.out))
        xpad[(slice(None), slice(None)) + dst] += g
    return contiguous(xpad[(slice(None), slice(None)) + tuple(
        slice(lo, lo + m) for m, (lo, _) in zip(geo.in_size, geo.pads))])


class AvgPoolOp(Op):
    """Window sums divided by each window's divisor."""

    def __init__(self, geo, div, nd):
        self.geo, self.div, self.nd = geo, div, nd

    def forward(self, x):
        if x.ndim == self.nd + 1:
            return self.forward(x[None])[0]
        out = window_sum(_pad_value(x, self.geo.pads, 0), self.geo)
        div = array_module(out).asarray(self.div)
        if x.dtype.kind in "iu":    # integer division truncates toward zero, as in C++
            return np.sign(out) * (np.abs(out) // div.astype(out.dtype))
        out /= div
        return out

    def backward(self, g):
        return run(AvgPoolAdjoint(self.geo, self.div, self.nd), g)

    def name(self):
        return "AvgPool%dDBackward0" % self.nd


class AvgPoolAdjoint(Op):
    def __init__(self, geo, div, nd):
        self.geo, self.div, self.nd = geo, div, nd

    def forward(self, g):
        if g.ndim == self.nd + 1:
            return self.forward(g[None])[0]
        div = array_module(g).asarray(self.div)
        return window_spread(g / div, self.geo).astype(g.dtype, copy=False)

    def backward(self, gg):
        return run(AvgPoolOp(self.geo, self.div, self.nd), gg)

    def name(self):
        return "AvgPool%dDBackwardBackward0" % self.nd


def _avg_pool(x, nd, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, fname):
    if x.dtype.is_complex or x.dtype.name == "bool" or (nd != 1 and not
                                                      x.dtype.is_floating_point
                                                      and x.dtype.name != "int64"):
        raise NotImplementedError('"%s" not implemented for \'%s\''
                                  % (fname, _scalar_name(x.dtype)))
    if nd == 1 and x.dim() not in (2, 3):
        raise RuntimeError("Expected 2 to 3 dimensions, but got %d-dimensional tensor for "
                           "argument #1 'self' (while checking arguments for avg_pool1d)"
                           % x.dim())
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if nd == 1:     # PyTorch pools 1-D inputs as 2-D ones of height 1
        _, _, geo, p = _setup(x, 1, kernel_size, stride, padding, 1, ceil_mode, fname)
        return _avg_pool(x.unsqueeze(-2), 2, (1,) + geo.k, (1,) + geo.s, (0, p[0]), ceil_mode,
                         count_include_pad, divisor_override, "avg_pool2d").squeeze(-2)
    _, _, geo, p = _setup(x, nd, kernel_size, stride, padding, 1, ceil_mode, fname)
    div = _divisors(geo, p, count_include_pad, divisor_override, x.dtype.np)
    return run(AvgPoolOp(geo, div, nd), x)


def _scalar_name(dt):
    return {"int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "int64": "Long", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}.get(dt.name, dt.name)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over an input (N, C, L) or (C, L)."""
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                     "avg_pool1d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling over an input (N, C, H, W) or (C, H, W)."""
    return _avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling over an input (N, C, D, H, W) or (C, D, H, W)."""
    return _avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool3d")


# --- adaptive pooling ------------------------------------------------------------------------------

def adaptive_bounds(n, o):
    """Start and end (exclusive) of each of the `o` adaptive windows over `n` elements."""
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def apply_mats(x, mats):
    """Multiplies the trailing len(mats) dims of x by the matrices (out_i, in_i) (None: keep)."""
    nd = len(mats)
    for i, m in enumerate(mats):
        if m is None:
            continue
        if i == nd - 1:
            x = np.matmul(x, m.T)
            continue
        sp = x.shape[x.ndim - nd:]
        pre = x.shape[:x.ndim - nd + i]
        rest = math.prod(sp[i + 1:])
        y = np.matmul(m, x.reshape(pre + (sp[i], rest)))
        x = y.reshape(pre + (m.shape[0],) + sp[i + 1:])
    return x


class SeparableLinear(Op):
    """x (..., *sp) times one matrix per trailing dim; backward uses the transposes."""

    def __init__(self, mats, node):
        self.mats, self.node = mats, node

    def forward(self, x):
        xp = array_module(x)
        mats = [None if m is None else xp.asarray(m, dtype=x.dtype) for m in self.mats]
        return xp.ascontiguousarray(apply_mats(x, mats))

    def backward(self, g):
        return run(SeparableLinear([None if m is None else m.T for m in self.mats],
                                   self.node.replace("Backward0", "BackwardBackward0")), g)

    def name(self):
        return self.node


def _average_matrix(n, o):
    start, end = adaptive_bounds(n, o)
    cols = np.arange(n)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return inside / (end - start)[:, None]


def _adaptive_size(output_size, x, nd, fname):
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) != nd:
        raise RuntimeError("%s: output_size must be %d" % (fname, nd))
    out = tuple(int(x.shape[x.dim() - nd + i]) if v is None else int(v)
                for i, v in enumerate(output_size))
    if any(v < 0 for v in out):
        raise RuntimeError("%s: elements of output_size must be greater than or equal to 0 but "
                           "received {%s}" % (fname, ", ".join(map(str, out))))
    return out


def _adaptive_check(x, nd, fname, sep=": "):
    if x.dim() not in (nd + 1, nd + 2):
        raise RuntimeError("%s(): Expected %dD or %dD tensor, but got%s%s"
                           % (fname, nd + 1, nd + 2, sep, list(x.shape)))
    for i in range(1, x.dim()):
        if x.shape[i] == 0:
            raise RuntimeError("%s(): Expected input to have non-zero size for non-batch "
                               "dimensions, but input has sizes %s with dimension %d being empty"
                               % (fname, list(x.shape), i))


def _adaptive_avg(x, output_size, nd):
    fname = "adaptive_avg_pool%dd" % nd
    _adaptive_check(x, nd, fname, " ")
    out = _adaptive_size(output_size, x, nd, fname)
    sp = tuple(x.shape[x.dim() - nd:])
    if all(o == 1 for o in out) and nd > 1:
        return x.mean(tuple(range(-nd, 0)), keepdim=True)
    mats = [None if n == o else _average_matrix(n, o) for n, o in zip(sp, out)]
    return run(SeparableLinear(mats, "AdaptiveAvgPool%dDBackward0" % nd), x)


def adaptive_avg_pool1d(input, output_size):
    """Adaptive 1-D average pooling to `output_size`."""
    if input.dim() not in (2, 3):
        raise RuntimeError("adaptive_avg_pool1d(): Expected 2D or 3D tensor, but got: %s"
                           % list(input.shape))
    out = _adaptive_size(output_size, input, 1, "adaptive_avg_pool1d")
    return _adaptive_avg(input.unsqueeze(-2), (1,) + out, 2).squeeze(-2)


def adaptive_avg_pool2d(input, output_size):
    """Adaptive 2-D average pooling to `output_size` (an int, a pair, None keeps a size)."""
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool3d(input, output_size):
    """Adaptive 3-D average pooling to `output_size`."""
    return _adaptive_avg(input, output_size, 3)


class AdaptiveMaxOp(Op):
    """Max over each adaptive window; also returns the flat input index of each maximum."""
    n_outputs = 2
    differentiable_outputs = 1

    def __init__(self, out, nd):
        self.out, self.nd = out, nd

    def forward(self, x):
        nd = self.nd
        sp = x.shape[x.ndim - nd:]
        flat = np.zeros((1,) * (2 * nd), dtype=np.int64)
        for i, (n, o) in enumerate(zip(sp, self.out)):
            start, end = adaptive_bounds(n, o)
            width = int((end - start).max()) if o else 1
            idx = np.minimum(start[:, None] + np.arange(width), end[:, None] - 1)
            shape = [1] * (2 * nd)
            shape[i], shape[nd + i] = o, width
            flat = flat * n + idx.reshape(shape)
        table = flat.reshape(tuple(self.out) + (-1,))
        xf = _flat(x, nd)
        cand = xf[..., table]
        arg = cand.argmax(-1)[..., None]
        xp = array_module(x)
        table = xp.asarray(table)
        vals = xp.ascontiguousarray(xp.take_along_axis(cand, arg, -1)[..., 0])
        idx = xp.ascontiguousarray(
            xp.take_along_axis(xp.broadcast_to(table, cand.shape), arg, -1)[..., 0])
        self.in_shape, self.idx = x.shape, idx
        return vals, idx

    def backward(self, g, _gi=None):
        return run(ScatterAdd(self.in_shape, self.nd), g, _wrap(self.idx))

    def name(self):
        return "AdaptiveMaxPool%dDBackward0" % self.nd


def _adaptive_max(x, output_size, nd):
    fname = "adaptive_max_pool%dd" % nd
    _adaptive_check(x, nd, fname)
    out = _adaptive_size(output_size, x, nd, fname)
    return run(AdaptiveMaxOp(out, nd), x)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    if input.dim() not in (2, 3):
        raise RuntimeError("adaptive_max_pool1d(): Expected 2D or 3D tensor, but got: %s"
                           % list(input.shape))
    out = _adaptive_size(output_size, input, 1, "adaptive_max_pool1d")
    vals, idx = _adaptive_max(input.unsqueeze(-2), (1,) + out, 2)
    return vals.squeeze(-2), idx.squeeze(-2)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(input, output_size, 2)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(input, output_size, 3)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Adaptive 1-D max pooling to `output_size`."""
    r = adaptive_max_pool1d_with_indices(input, output_size)
    return r if return_indices else r[0]


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive 2-D max pooling to `output_size`."""
    r = _adaptive_max(input, output_size, 2)
    return r if return_indices else r[0]


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Adaptive 3-D max pooling to `output_size`."""
    r = _adaptive_max(input, output_size, 3)
    return r if return_indices else r[0]


# --- max unpooling ---------------------------------------------------------------------------------

class MaxUnpoolOp(Op):
    """Places each value at its flat index in zeros of the output size."""

    def __init__(self, out_shape, nd):
        self.out_shape, self.nd = out_shape, nd

    def forward(self, x, idx):
        n = math.prod(self.out_shape[len(self.out_shape) - self.nd:])
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            bad = idx[(idx < 0) | (idx >= n)].ravel()[0]
            raise RuntimeError("Found an invalid max index: %d (output volumes are of size %s"
                               % (bad, "x".join(map(str, self.out_shape[-self.nd:]))))
        self.idx = idx
        lead = self.out_shape[:len(self.out_shape) - self.nd]
        out = array_module(x).zeros(lead + (n,), dtype=x.dtype)
        np.put_along_axis(out, _flat(idx, self.nd).reshape(lead + (-1,)),
                          _flat(x, self.nd).reshape(lead + (-1,)), -1)
        return out.reshape(self.out_shape)

    def backward(self, g):
        return run(Gather(self.nd), g, _wrap(self.idx)), None

    def name(self):
        return "MaxUnpool%dDBackward0" % self.nd


def _unpool(x, indices, nd, kernel_size, stride, padding, output_size):
    k = _tuple(kernel_size, nd, "max_unpool%dd" % nd, "kernel_size")
    s = k if stride is None else _tuple(stride, nd, "max_unpool%dd" % nd, "stride")
    p = _tuple(padding, nd, "max_unpool%dd" % nd, "padding")
    sp = tuple(x.shape[x.dim() - nd:])
    default = tuple((n - 1) * ss + kk - 2 * pp for n, ss, kk, pp in zip(sp, s, k, p))
    if output_size is None:
        size = default
    else:
        size = tuple(int(v) for v in output_size)
        if len(size) == nd + 2 or len(size) == nd + 1:
            size = size[len(size) - nd:]
        if len(size) != nd:
            raise ValueError("output_size should be a sequence containing %d or %d elements, but "
                             "it has a length of '%d'" % (nd, nd + 2, len(size)))
        for i in range(nd):
            lo, hi = default[i] - s[i], default[i] + s[i]
            if not lo < size[i] < hi:
                raise ValueError('invalid output_size "%s" (dim %d must be between %d and %d)'
                                 % (list(size), i, lo, hi))
    if indices.shape != x.shape:
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           "(%s) but got indices tensor with shape: %s"
                           % (list(x.shape), list(indices.shape)))
    out_shape = tuple(x.shape[:x.dim() - nd]) + size
    return run(MaxUnpoolOp(out_shape, nd), x, indices)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool1d: values placed at their indices, zeros elsewhere."""
    return _unpool(input, indices, 1, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: values placed at their indices, zeros elsewhere."""
    return _unpool(input, indices, 2, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool3d: values placed at their indices, zeros elsewhere."""
    return _unpool(input, indices, 3, kernel_size, stride, padding, output_size)


# --- power-average pooling --------------------------------------------------------------------------

def _lp_pool(x, nd, norm_type, kernel_size, stride, ceil_mode):
    k = _tuple(kernel_size, nd, "lp_pool%dd" % nd, "kernel_size")
    pool = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    if stride is not None:
        out = pool(x.pow(norm_type), k, stride, 0, ceil_mode)
    else:
        out = pool(x.pow(norm_type), k, padding=0, ceil_mode=ceil_mode)
    from . import functional as F
    return (out.sign() * F.relu(out.abs())).mul(math.prod(k)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """1-D power-average pooling: (sum over the window of x ** p) ** (1 / p)."""
    return _lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average pooling."""
    return _lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """3-D power-average pooling."""
    return _lp_pool(input, 3, norm_type, kernel_size, stride, ceil_mode)
