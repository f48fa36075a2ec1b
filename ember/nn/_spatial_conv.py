"""Convolution: ``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``, ``unfold`` and ``fold``.

Everything rests on three array kernels that share one geometry (the `Geometry` of a forward
convolution that maps an input of spatial size ``in_size`` to an output of size ``out``):

* `conv_array`    x (N, C, *in), w (O, C/G, *k)        -> y (N, O, *out)   im2col + matmul
* `convt_array`   y (N, O, *out), w (O, C/G, *k)       -> x (N, C, *in)    matmul + col2im
* `convw_array`   x (N, C, *in), g (N, O, *out)        -> w (O, C/G, *k)   im2col + matmul

Each is bilinear, and the derivatives of each are the other two, so the three ops below
(`ConvolutionBackward0`, `ConvTransposeOp`, `ConvWeightOp`) call one another in ``backward``:
gradients of any order come free.
"""
import itertools
import math
import warnings

import numpy as np

from .._device import array_module, strided_view
from ..autograd import grad_mode
from ..ops._op import Op, is_tensor, run

_grad_state = grad_mode.state

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "unfold", "fold"]



class Geometry:
    """Sizes of one convolution: kernel, stride, dilation, (low, high) padding, groups, and
    the spatial sizes of its input (``in_size``) and output (``out``)."""

    __slots__ = ("k", "s", "d", "pads", "groups", "in_size", "out")

    def __init__(self, k, s, d, pads, groups, in_size, out=None):
        self.k, self.s, self.d, self.pads, self.groups = k, s, d, pads, groups
        self.in_size = in_size
        if out is None:
            out = tuple((n + lo + hi - dd * (kk - 1) - 1) // ss + 1
                        for n, (lo, hi), kk, ss, dd in zip(in_size, pads, k, s, d))
        self.out = out

    @property
    def padded(self):
        return tuple(n + lo + hi for n, (lo, hi) in zip(self.in_size, self.pads))


def _pad_zeros(x, pads):
    """x (N, C, *sp) with zeros added around the spatial dims (a view when no padding)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    shape = x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads))
    out = array_module(x).zeros(shape, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for n, (lo, _) in
                                           zip(x.shape[2:], pads))] = x
    return out


def windows(xpad, geo):
    """Strided view (N, C, *out, *k) of the kernel windows of a padded input."""
    nd = len(geo.k)
    st = xpad.strides
    shape = xpad.shape[:2] + tuple(geo.out) + tuple(geo.k)
    strides = (st[:2] + tuple(st[2 + i] * geo.s[i] for i in range(nd))
               + tuple(st[2 + i] * geo.d[i] for i in range(nd)))
    return strided_view(xpad, shape, strides)


def im2col(x, geo):
    """x (N, C, *in) -> columns (N, G, C/G * prod(k), prod(out)), contiguous."""
    nd = len(geo.k)
    n, c = x.shape[:2]
    win = windows(_pad_zeros(x, geo.pads), geo)
    perm = (0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd))
    cols = array_module(win).ascontiguousarray(win.transpose(perm))
    g = geo.groups
    return cols.reshape(n, g, (c // g) * math.prod(geo.k), math.prod(geo.out))


def col2im(cols, geo, n, c):
    """The adjoint of `im2col`: columns (N, C, *k, *out) summed back into (N, C, *in)."""
    xpad = array_module(cols).zeros((n, c) + geo.padded, dtype=cols.dtype)
    for kidx in itertools.product(*[range(k) for k in geo.k]):
        dst = tuple(slice(i * d, i * d + s * (o - 1) + 1, s)
                    for i, d, s, o in zip(kidx, geo.d, geo.s, geo.out))
        xpad[(slice(None), slice(None)) + dst] += cols[(slice(None), slice(None)) + kidx]
    if not any(lo or hi for lo, hi in geo.pads):
        return xpad
    return xpad[(slice(None), slice(None)) + tuple(slice(lo, lo + m) for m, (lo, _) in
                                                   zip(geo.in_size, geo.pads))]


def conv_array(x, w, geo, cols=None):
    n = x.shape[0]
    o, g = w.shape[0], geo.groups
    if cols is None:
        cols = im2col(x, geo)
    wm = w.reshape(g, o // g, -1)
    return np.matmul(wm, cols).reshape((n, o) + tuple(geo.out))


def convt_array(y, w, geo):
    n, o = y.shape[:2]
    g = geo.groups
    c = w.shape[1] * g
    ym = y.reshape(n, g, o // g, math.prod(geo.out))
    wm = w.reshape(g, o // g, -1)
    cols = np.matmul(wm.transpose(0, 2, 1), ym)        # (N, G, C/G * K, L)
    cols = cols.reshape((n, c) + tuple(geo.k) + tuple(geo.out))
    return array_module(cols).ascontiguousarray(col2im(cols, geo, n, c))


def convw_array(x, gy, geo, wshape, cols=None):
    n, o = gy.shape[:2]
    g = geo.groups
    if cols is None:
        cols = im2col(x, geo)                          # (N, G, C/G * K, L)
    gm = gy.reshape(n, g, o // g, math.prod(geo.out))
    if n == 1:
        gw = np.matmul(gm[0], cols[0].transpose(0, 2, 1))
    else:
        gw = np.matmul(gm, cols.transpose(0, 1, 3, 2)).sum(0)
    return gw.reshape(wshape)


def _needs(op, i):
    meta = op._in_meta
    return i < len(meta) and meta[i] is not None


def _bias_grad(g):
    return g.sum([0] + list(range(2, g.dim())))


class ConvolutionBackward0(Op):
    """conv(x, w) + b; PyTorch's node for every convolution. With `keep_cols` the im2col
    columns of the forward are kept for the weight gradient (one copy fewer in backward)."""
    saved_inputs = (0, 1)
    cols = None

    def __init__(self, geo, keep_cols=False):
        self.geo, self.keep_cols = geo, keep_cols

    def forward(self, x, w, b=None):
        cols = im2col(x, self.geo)
        if self.keep_cols:
            self.cols = cols
        y = conv_array(x, w, self.geo, cols)
        if b is not None:
            y += b.reshape((1, -1) + (1,) * len(self.geo.k))
        return y

    def backward(self, g):
        x, w = self.saved_tensors
        gx = run(ConvTransposeOp(self.geo), g, w) if _needs(self, 0) else None
        gw = run(ConvWeightOp(self.geo, tuple(w.shape), self.cols), x, g) \
            if _needs(self, 1) else None
        if len(self.next_functions) > 2:
            return gx, gw, _bias_grad(g) if _needs(self, 2) else None
        return gx, gw


class ConvTransposeOp(Op):
    """The adjoint of conv in x: y (N, O, *out), w (O, C/G, *k) -> (N, C, *in) (+ b)."""
    saved_inputs = (0, 1)

    def __init__(self, geo):
        self.geo = geo

    def forward(self, y, w, b=None):
        x = convt_array(y, w, self.geo)
        if b is not None:
            x += b.reshape((1, -1) + (1,) * len(self.geo.k))
        return x

    def backward(self, g):
        y, w = self.saved_tensors
        gy = run(ConvolutionBackward0(self.geo), g, w) if _needs(self, 0) else None
        gw = run(ConvWeightOp(self.geo, tuple(w.shape)), g, y) if _needs(self, 1) else None
        if len(self.next_functions) > 2:
            return gy, gw, _bias_grad(g) if _needs(self, 2) else None
        return gy, gw

    def name(self):
        return "ConvolutionBackward0"


class ConvWeightOp(Op):
    """The derivative of conv in w: x (N, C, *in), g (N, O, *out) -> (O, C/G, *k)
    (`cols`: x's im2col columns when the forward kept them)."""
    saved_inputs = (0, 1)

    def __init__(self, geo, wshape, cols=None):
        self.geo, self.wshape, self.cols = geo, wshape, cols

    def forward(self, x, g):
        out = convw_array(x, g, self.geo, self.wshape, self.cols)
        self.cols = None
        return out

    def backward(self, gw):
        x, g = self.saved_tensors
        gx = run(ConvTransposeOp(self.geo), g, gw) if _needs(self, 0) else None
        gg = run(ConvolutionBackward0(self.geo), x, gw) if _needs(self, 1) else None
        return gx, gg

    def name(self):
        return "ConvolutionBackwardBackward0"


# --- argument checking ------------------------------------------------------------------------

def _tuple(v, nd, name):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * nd
    v = tuple(int(i) for i in v)
    if len(v) == 1:
        return v * nd
    if len(v) != nd:
        raise RuntimeError("expected %s to be a single integer value or a list of %d values to "
                           "match the convolution dimensions, but got %s=%s"
                           % (name, nd, name, list(v)))
    return v


_CTYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
          "int32": "int", "bfloat16": "c10::BFloat16"}
_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
           "int32": "Int", "bfloat16": "BFloat16", "int16": "Short", "int8": "Char",
           "uint8": "Byte"}


def _check_dtypes(x, w, b):
    if b is not None and b._dtype is not x._dtype:
        raise RuntimeError("Input type (%s) and bias type (%s) should be the same"
                           % (_CTYPE.get(x._dtype.name, x._dtype.name),
                              _CTYPE.get(b._dtype.name, b._dtype.name)))
    if w._dtype is not x._dtype:
        raise RuntimeError("expected scalar type %s but found %s"
                           % (_SCALAR.get(x._dtype.name, x._dtype.name),
                              _SCALAR.get(w._dtype.name, w._dtype.name)))


def _batched(x, nd, name):
    """x with a batch dimension, and whether one was added (unbatched input)."""
    if not is_tensor(x):
        raise TypeError("%s() received an invalid combination of arguments - got (%s)"
                        % (name, type(x).__name__))
    if x.dim() == nd + 1:
        return x.unsqueeze(0), True
    if x.dim() != nd + 2:
        raise RuntimeError("Expected %dD (unbatched) or %dD (batched) input to %s, but got input "
                           "of size: %s" % (nd + 1, nd + 2, name, list(x.shape)))
    return x, False


def _sizes_str(v):
    return " x ".join(str(i) for i in v)


def _conv(x, w, b, stride, padding, dilation, groups, nd, name):
    x, unbatched = _batched(x, nd, name)
    if w.dim() != nd + 2:
        raise RuntimeError("weight should have at least three dimensions" if w.dim() < 3 else
                           "expected stride to be a single integer value or a list of %d values "
                           "to match the convolution dimensions, but got stride=%s"
                           % (w.dim() - 2, list(_tuple(stride, nd, "stride"))))
    _check_dtypes(x, w, b)
    s = _tuple(stride, nd, "stride")
    d = _tuple(dilation, nd, "dilation")
    k = tuple(w.shape[2:])
    if any(v <= 0 for v in s):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in d):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(v != 1 for v in s):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = tuple((dd * (kk - 1) // 2, dd * (kk - 1) - dd * (kk - 1) // 2)
                         for dd, kk in zip(d, k))
            if any(lo != hi for lo, hi in pads):
                warnings.warn("Using padding='same' with even kernel lengths and odd dilation may "
                              "require a zero-padded copy of the input be created", stacklevel=3)
        else:
            raise RuntimeError("Invalid padding string: '%s'" % padding)
    else:
        p = _tuple(padding, nd, "padding")
        if any(v < 0 for v in p):
            raise RuntimeError("negative padding is not supported")
        pads = tuple((v, v) for v in p)
    c, o = x.shape[1], w.shape[0]
    if o % groups:
        raise RuntimeError("Given groups=%d, expected weight to be divisible by %d at dimension 0, "
                           "but got weight of size [%s] instead"
                           % (groups, groups, list(w.shape)))
    if w.shape[1] * groups != c:
        raise RuntimeError("Given groups=%d, weight of size %s, expected input%s to have %d "
                           "channels, but got %d channels instead"
                           % (groups, list(w.shape), list(x.shape), w.shape[1] * groups, c))
    if b is not None and (b.dim() != 1 or b.shape[0] != o):
        raise RuntimeError("Given weight of size %s, expected bias to be 1-dimensional with %d "
                           "elements, but got bias of size %s instead"
                           % (list(w.shape), o, list(b.shape)))
    padded = [n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads)]
    eff = [dd * (kk - 1) + 1 for dd, kk in zip(d, k)]
    if any(pn < e for pn, e in zip(padded, eff)):
        raise RuntimeError("Calculated padded input size per channel: (%s). Kernel size: (%s). "
                           "Kernel size can't be greater than actual input size"
                           % (_sizes_str(padded), _sizes_str(eff)))
    geo = Geometry(k, s, d, pads, groups, tuple(x.shape[2:]))
    args = (x, w) if b is None else (x, w, b)
    y = run(ConvolutionBackward0(geo, w._rg and _grad_state.enabled), *args)
    return y.squeeze(0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over an input (N, C, L) or (C, L)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over an input (N, C, H, W) or (C, H, W)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over an input (N, C, D, H, W) or (C, D, H, W)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transpose(x, w, b, stride, padding, output_padding, groups, dilation, nd, name):
    x, unbatched = _batched(x, nd, name)
    if w.dim() != nd + 2:
        raise RuntimeError("weight should have at least three dimensions" if w.dim() < 3 else
                           "expected stride to be a single integer value or a list of %d values "
                           "to match the convolution dimensions, but got stride=%s"
                           % (w.dim() - 2, list(_tuple(stride, nd, "stride"))))
    _check_dtypes(x, w, b)
    s = _tuple(stride, nd, "stride")
    d = _tuple(dilation, nd, "dilation")
    if isinstance(padding, str):
        raise TypeError("conv_transpose%dd(): argument 'padding' must be tuple of ints, not str"
                        % nd)
    p = _tuple(padding, nd, "padding")
    op = _tuple(output_padding, nd, "output_padding")
    k = tuple(w.shape[2:])
    if any(v <= 0 for v in s):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in d):
        raise RuntimeError("dilation should be greater than zero")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    if any(v < 0 for v in op):
        raise RuntimeError("negative output_padding is not supported")
    for i in range(nd):
        if op[i] >= s[i] and op[i] >= d[i]:
            raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                               "got output_padding_height: %d output_padding_width: %d stride_"
                               "height: %d stride_width: %d dilation_height: %d dilation_width: %d"
                               % (op[0], op[-1], s[0], s[-1], d[0], d[-1]))
    cin = x.shape[1]
    if w.shape[0] != cin:
        raise RuntimeError("Given transposed=1, weight of size %s, expected input%s to have %d "
                           "channels, but got %d channels instead"
                           % (list(w.shape), list(x.shape), w.shape[0], cin))
    if cin % groups:
        raise RuntimeError("Given groups=%d, expected weight to be divisible by %d at dimension 0, "
                           "but got weight of size [%s] instead"
                           % (groups, groups, list(w.shape)))
    cout = w.shape[1] * groups
    if b is not None and (b.dim() != 1 or b.shape[0] != cout):
        raise RuntimeError("Given transposed=1, weight of size %s, expected bias to be "
                           "1-dimensional with %d elements, but got bias of size %s instead"
                           % (list(w.shape), cout, list(b.shape)))
    in_sp = x.shape[2:]
    out_sp = tuple((n - 1) * ss - 2 * pp + dd * (kk - 1) + oo + 1
                   for n, ss, pp, dd, kk, oo in zip(in_sp, s, p, d, k, op))
    if any(v <= 0 for v in out_sp):
        raise RuntimeError("Given input size per channel: (%s). Calculated output size per "
                           "channel: (%s). Output size is too small"
                           % (_sizes_str(in_sp), _sizes_str(out_sp)))
    geo = Geometry(k, s, d, tuple((v, v) for v in p), groups, out_sp, tuple(in_sp))
    args = (x, w) if b is None else (x, w, b)
    y = run(ConvTransposeOp(geo), *args)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution ("deconvolution") over an input (N, C, L) or (C, L)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1, "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution over an input (N, C, H, W) or (C, H, W)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2, "conv_transpose2d")


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution over an input (N, C, D, H, W) or (C, D, H, W)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 3, "conv_transpose3d")


# --- unfold / fold: im2col and col2im as ops ---------------------------------------------------

class Im2ColBackward0(Op):
    """(N, C, *sp) -> (N, C * prod(k), L): the sliding blocks of ``F.unfold``."""

    def __init__(self, geo):
        self.geo = geo

    def forward(self, x):
        if x.ndim == 3:         # unbatched
            return self.forward(x[None])[0]
        cols = im2col(x, self.geo)
        return cols.reshape(x.shape[0], -1, cols.shape[-1])

    def backward(self, g):
        return run(Col2ImBackward0(self.geo), g)


class Col2ImBackward0(Op):
    """(N, C * prod(k), L) -> (N, C, *sp): blocks summed back in place (``F.fold``)."""

    def __init__(self, geo):
        self.geo = geo

    def forward(self, cols):
        if cols.ndim == 2:      # unbatched
            return self.forward(cols[None])[0]
        n = cols.shape[0]
        c = cols.shape[1] // math.prod(self.geo.k)
        return col2im(cols.reshape((n, c) + tuple(self.geo.k) + tuple(self.geo.out)),
                      self.geo, n, c).copy()

    def backward(self, g):
        return run(Im2ColBackward0(self.geo), g)


def _pair4(v, name):
    return _tuple(v, 2, name)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extracts sliding local blocks: (N, C, H, W) -> (N, C*kh*kw, L); also unbatched."""
    x = input
    if x.dim() not in (3, 4):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                           "other non-zero dimensions for input, but got: %s" % list(x.shape))
    k, d = _pair4(kernel_size, "kernel_size"), _pair4(dilation, "dilation")
    p, s = _pair4(padding, "padding"), _pair4(stride, "stride")
    geo = Geometry(k, s, d, tuple((v, v) for v in p), 1, tuple(x.shape[-2:]))
    if any(o <= 0 for o in geo.out):
        raise RuntimeError("Given input with spatial size (%d, %d), kernel_size=(%d, %d), "
                           "dilation=(%d, %d), padding=(%d, %d), calculated shape of the array of "
                           "sliding blocks as (%d, %d), but its components must be at least one."
                           % (tuple(x.shape[-2:]) + k + d + p + geo.out))
    return run(Im2ColBackward0(geo), x)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combines sliding local blocks into a tensor: (N, C*kh*kw, L) -> (N, C, H, W)."""
    x = input
    if x.dim() not in (2, 3):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
                           "size and non-zero dimensions for input, but got: %s" % list(x.shape))
    size = _pair4(output_size, "output_size")
    k, d = _pair4(kernel_size, "kernel_size"), _pair4(dilation, "dilation")
    p, s = _pair4(padding, "padding"), _pair4(stride, "stride")
    geo = Geometry(k, s, d, tuple((v, v) for v in p), 1, size)
    kk = k[0] * k[1]
    if x.shape[-2] % kk:
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of "
                           "kernel_size, but got input.size(1)=%d and kernel_size=(%d, %d)"
                           % (x.shape[-2], k[0], k[1]))
    if math.prod(geo.out) != x.shape[-1]:
        raise RuntimeError("Given output_size=(%d, %d), kernel_size=(%d, %d), dilation=(%d, %d), "
                           "padding=(%d, %d), stride=(%d, %d), expected size of input's dimension "
                           "2 to match the calculated number of sliding blocks %d * %d = %d, but "
                           "got input.size(2)=%d." % (size + k + d + p + s + geo.out +
                                                      (math.prod(geo.out), x.shape[-1])))
    return run(Col2ImBackward0(geo), x)
