"""Searching and counting (searchsorted, bucketize, bincount, histc, histogram), running
max/min (cummax, cummin, logcumsumexp), differences (diff), distances (cdist) and renorm."""
import collections

import numpy as np

from .. import _dtype as D
from .._device import array_module, contiguous
from ._op import Op, as_0d, is_tensor, norm_dim, run
from .index_gather import _legacy, _out, _T
from .reduce import RETURN_TYPES


# --- searchsorted / bucketize ---------------------------------------------------------------------

def _bisect(seq, vals, right):
    """Insertion points of `vals` (rows, m) into the sorted rows of `seq` (rows, n), by the
    same bisection PyTorch runs (so NaNs land where its comparisons put them)."""
    rows, n = seq.shape
    xp = array_module(seq)
    lo = xp.zeros(vals.shape, dtype=np.int64)
    hi = xp.full(vals.shape, n, dtype=np.int64)
    row = xp.arange(rows).reshape(rows, 1)
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        at = seq[row, np.minimum(mid, n - 1)]
        go_right = ~(at > vals) if right else ~(at >= vals)
        lo = np.where(active & go_right, mid + 1, lo)
        hi = np.where(active & ~go_right, mid, hi)


def _has_nan(a):
    return a.dtype.kind in "fc" and bool(np.isnan(a).any())


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """Indices where the values of `input` would be inserted into the innermost dim of
    `sorted_sequence` to keep it sorted (`right`/side='right': after equal values)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError("torch.searchsorted(): side can only be 'left' or 'right' but got %s"
                               % side)
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    scalar = not is_tensor(input)
    vals = array_module(seq).asarray(input) if scalar else input._data
    if scalar and seq.ndim != 1:
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when boundaries "
                           "tensor dimension is 1, but we got boundaries tensor dim(%d) and input "
                           "value's dim(0) numel(1)" % seq.ndim)
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                           "first N-1 dimensions of boundaries tensor and input value tensor must "
                           "match, but we got boundaries tensor %s and input value tensor %s"
                           % (list(seq.shape), list(vals.shape)))
    if seq.ndim > 1 and seq.shape[:-1] != vals.shape[:-1] or seq.ndim > 1 and vals.ndim != seq.ndim:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                           "first N-1 dimensions of boundaries tensor and input value tensor must "
                           "match, but we got boundaries tensor %s and input value tensor %s"
                           % (list(seq.shape), list(vals.shape)))
    if sorter is not None:
        if sorter._data.shape != seq.shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, "
                               "but got boundary tensor %s and got sorter tensor %s"
                               % (list(seq.shape), list(sorter._data.shape)))
        seq = np.take_along_axis(seq, sorter._data.astype(np.int64), axis=-1)
    n = seq.shape[-1]
    if seq.ndim == 1 and n and not (_has_nan(seq) or _has_nan(vals)):
        res = np.searchsorted(seq, vals, side="right" if right else "left")
        return _out(_T(as_0d(res).astype(np.int32 if out_int32 else np.int64)), out)
    seq2 = seq.reshape(-1, n) if seq.size or n else seq.reshape(1, 0)
    vals2 = vals.reshape(seq2.shape[0], -1) if seq.ndim > 1 else vals.reshape(1, -1)
    if n == 0:
        res = array_module(seq).zeros(vals2.shape, dtype=np.int64)
    else:
        res = _bisect(seq2, vals2, right)
    res = res.reshape(vals.shape).astype(np.int32 if out_int32 else np.int64)
    return _out(_T(res), out)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The bucket of each value of `input` between the sorted 1-D `boundaries`."""
    if boundaries._data.ndim != 1:
        raise RuntimeError("boundaries tensor must be 1 dimension, but got dim(%d)"
                           % boundaries._data.ndim)
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


# --- bincount / histc / histogram -----------------------------------------------------------------

def bincount(input, weights=None, minlength=0):
    """Number of occurrences of each value of a 1-D non-negative integer tensor (or the sum of
    their `weights`)."""
    if input._dtype not in (D.uint8, D.int8, D.int16, D.int32, D.int64):
        raise NotImplementedError("\"bincount_cpu\" not implemented for '%s'"
                                  % _legacy(input._dtype))
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    a = input._data
    if a.ndim != 1 or a.size and a.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None:
        if weights._data.ndim != 1 or weights._data.shape[0] != a.shape[0]:
            raise RuntimeError("weights should be 1-d and have the same length as input")
        dt = weights._dtype if weights._dtype in (D.float32, D.float64) else D.float64
        counts = np.bincount(a, weights._data.astype(np.float64), minlength=minlength)
        return _T(counts.astype(dt.np))
    return _T(np.bincount(a, minlength=minlength).astype(np.int64))


def _check_bins(bins):
    if bins <= 0:
        raise RuntimeError("torch.histogram(): bins must be > 0, but got %d for dimension 0" % bins)


def _fmt(v):
    return "%g" % v if np.isfinite(v) else ("-nan" if np.isnan(v) else "%s" % ("inf" if v > 0
                                                                               else "-inf"))


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram of `input` with `bins` equal-width bins between min and max (the data's own
    range when both are equal); values outside are ignored."""
    if not input._dtype.is_floating_point:
        raise NotImplementedError("\"histogram_cpu\" not implemented for '%s'"
                                  % _legacy(input._dtype))
    _check_bins(bins)
    a = input._data.reshape(-1)
    ft = a.dtype.type
    lo, hi = ft(min), ft(max)
    if lo == hi and a.size:
        lo, hi = a.min(), a.max()
    if lo == hi:
        lo, hi = lo - ft(1), hi + ft(1)
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError("torch.histc: range of [%s, %s] is not finite" % (_fmt(lo), _fmt(hi)))
    keep = a[(a >= lo) & (a <= hi)]
    with np.errstate(invalid="ignore", over="ignore"):
        pos = ((keep - lo) * ft(bins) / (hi - lo)).astype(np.int64)
    pos = np.minimum(pos, bins - 1)
    hist = np.bincount(pos, minlength=bins).astype(a.dtype)
    return _out(_T(hist), out)


def _named2(name, fields):
    cls = collections.namedtuple(name, fields)
    cls.__module__ = "torch.return_types"
    cls.__repr__ = lambda self: "torch.return_types.%s(\n%s)" % (name, ",\n".join(
        "%s=%r" % (f, getattr(self, f)) for f in fields))
    return cls


histogram_type = _named2("histogram", ["hist", "bin_edges"])


def _c_name(dt):
    """The C type name PyTorch prints for a dtype in some messages ('float', 'double')."""
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16"}.get(dt.name, dt.name)


def bin_edges(col, bins, lo_hi, dim, dtype):
    """Bin edges of one coordinate: given as a tensor, or `bins` equal bins over a range."""
    if is_tensor(bins):
        return bins._data.reshape(-1).astype(dtype, copy=True)
    ft = dtype.type
    if lo_hi is not None:
        lo, hi = ft(lo_hi[0]), ft(lo_hi[1])
    elif col.size:
        lo, hi = col.min(), col.max()
    else:
        lo, hi = ft(0), ft(1)
    if lo > hi:
        raise RuntimeError("torch.histogramdd: min should not exceed max, but got min %g max %g "
                           "for dimension %d" % (lo, hi, dim))
    if lo == hi:
        lo, hi = lo - ft(0.5), hi + ft(0.5)
    return array_module(col).linspace(ft(lo), ft(hi), int(bins) + 1, dtype=dtype)


def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """Histogram of `input` with `bins` equal bins (over `range` or the data's range) or the
    given increasing bin edges; returns (hist, bin_edges)."""
    if not input._dtype.is_floating_point:
        raise NotImplementedError("\"histogramdd\" not implemented for '%s'"
                                  % _legacy(input._dtype))
    a = input._data.reshape(-1)
    ft = a.dtype.type
    if is_tensor(bins):
        if bins._dtype is not input._dtype:
            raise RuntimeError("torch.histogramdd: input tensor and bins tensors should have the "
                               "same dtype, but got input with dtype %s and bins for dimension 0 "
                               "with dtype %s" % (_c_name(input._dtype), _c_name(bins._dtype)))
        edges = bins._data.reshape(-1).copy()
    else:
        _check_bins(bins)
        edges = bin_edges(a, bins, range, 0, a.dtype)
    nb = edges.size - 1
    w = None if weight is None else weight._data.reshape(-1)
    if nb <= 0 or edges[0] > edges[-1]:
        hist = array_module(a).zeros(max(nb, 0), dtype=a.dtype)
    else:
        inside = (a >= edges[0]) & (a <= edges[-1])
        pos = np.searchsorted(edges, a[inside], side="right") - 1
        pos = np.minimum(pos, nb - 1)
        hist = np.bincount(pos, None if w is None else w[inside].astype(np.float64),
                           minlength=nb).astype(a.dtype)
    if density:
        total = hist.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            hist = (hist / (total * np.diff(edges))).astype(a.dtype)
    return histogram_type(_T(hist), _T(edges.astype(a.dtype)))


# --- cummax / cummin / logcumsumexp ---------------------------------------------------------------

def accumulate(ufunc, a, axis):
    """``ufunc.accumulate(a, axis)`` on the array's device. NumPy runs its own loop; CuPy
    accumulates only add and multiply, so there log2(n) passes combine each element with the
    one 1, 2, 4, ... places before it (exact for maximum and minimum; logaddexp rounds in
    another order)."""
    xp = array_module(a)
    if xp is np:
        return ufunc.accumulate(a, axis=axis)
    combine = getattr(xp, ufunc.__name__)
    out = xp.moveaxis(a, axis, -1).copy()
    step = 1
    while step < out.shape[-1]:
        out[..., step:] = combine(out[..., step:], out[..., :-step])
        step *= 2
    return contiguous(xp.moveaxis(out, -1, axis))


class CummaxBackward0(Op):
    n_outputs = 2
    differentiable_outputs = 1

    def __init__(self, dim, is_max):
        self.dim, self.is_max = dim, is_max

    def forward(self, a):
        self.in_shape = a.shape
        if a.ndim == 0:
            self.idx = array_module(a).zeros((), dtype=np.int64)
            return a.copy(), self.idx
        d = self.dim
        vals = accumulate(np.maximum if self.is_max else np.minimum, a, d) if a.size else a.copy()
        # the running index moves to every position whose value equals the running extreme
        mark = vals == a
        if a.dtype.kind in "fc":
            mark |= np.isnan(a)
        shape = [1] * a.ndim
        shape[d] = a.shape[d]
        pos = np.where(mark, array_module(a).arange(a.shape[d]).reshape(shape), 0)
        self.idx = accumulate(np.maximum, pos, d) if a.size else pos.astype(np.int64)
        return vals, self.idx.astype(np.int64)

    def backward(self, g, _):
        if not len(self.in_shape):
            return g
        return g.new_zeros(self.in_shape).scatter_add(self.dim, _T(self.idx), g)

    def name(self):
        return "CummaxBackward0" if self.is_max else "CumminBackward0"


def _cum_extreme(input, dim, is_max):
    d = norm_dim(dim, input._data.ndim)
    v, i = run(CummaxBackward0(d, is_max), input)
    return RETURN_TYPES["cummax" if is_max else "cummin"](v, i)


def cummax(input, dim, *, out=None):
    """Running maximum along `dim` and the index where it was last reached."""
    return _cum_extreme(input, dim, True)


def cummin(input, dim, *, out=None):
    """Running minimum along `dim` and the index where it was last reached."""
    return _cum_extreme(input, dim, False)


class LogcumsumexpBackward0(Op):
    saved_inputs = (0,)
    saves_output = True

    def __init__(self, dim):
        self.dim = dim

    def forward(self, a):
        if a.ndim == 0 or a.size == 0:
            return a.copy()
        return accumulate(np.logaddexp, a, self.dim)

    def backward(self, g):
        (x,) = self.saved_tensors
        out = self.saved_output
        if x.dim() == 0:
            return g
        d = self.dim

        def rev_lcse(t):
            return t.flip(d).logcumsumexp(d).flip(d)

        # sum over k >= i of g_k exp(x_i - out_k), in log space with g split by sign; the
        # entries of the other sign get a hugely negative finite value (not -inf) so that the
        # gradient of this backward stays finite
        lowest = g.new_full((), float(np.finfo(g.dtype.np).min) / 4)
        log_abs = g.abs().log()
        pos = rev_lcse(log_abs.where(g > 0, lowest) - out)
        neg = rev_lcse(log_abs.where(g < 0, lowest) - out)
        return (pos + x).exp() - (neg + x).exp()


def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(input))) along `dim`, computed stably."""
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise NotImplementedError("\"logcumsumexp_out_cpu\" not implemented for '%s'"
                                  % _legacy(input._dtype))
    d = norm_dim(dim, input._data.ndim)
    return _out(run(LogcumsumexpBackward0(d), input), out)


# --- diff -----------------------------------------------------------------------------------------

def diff(input, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along `dim` (``x[i+1] - x[i]``; XOR for bool), after joining
    `prepend` and `append`."""
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError("order must be non-negative but got %d" % n)
    for name, t in (("prepend", prepend), ("append", append)):
        if t is not None and not is_tensor(t):
            raise TypeError("diff(): argument '%s' must be Tensor, not %s"
                            % (name, type(t).__name__))
        if t is not None and t._data.ndim != input._data.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    d = norm_dim(dim, input._data.ndim)
    if prepend is not None or append is not None:
        from .shape import cat
        input = cat([t for t in (prepend, input, append) if t is not None], d)
    x = input
    for _ in range(n):
        m = x.shape[d]
        if m == 0:
            break
        a, b = x.narrow(d, 1, m - 1), x.narrow(d, 0, m - 1)
        x = a.logical_xor(b) if x._dtype is D.bool_ else a - b
    return x


# --- cdist ----------------------------------------------------------------------------------------

class CdistBackward0(Op):
    saved_inputs = (0, 1)
    saves_output = True

    def __init__(self, p, use_mm):
        self.p, self.use_mm = p, use_mm

    def forward(self, a, b):
        p = self.p
        if self.use_mm:
            an = (a * a).sum(-1)[..., :, None]
            bn = (b * b).sum(-1)[..., None, :]
            sq = an + bn - 2 * np.matmul(a, np.swapaxes(b, -1, -2))
            return np.sqrt(np.maximum(sq, 0)).astype(a.dtype, copy=False)
        diff = np.abs(a[..., :, None, :] - b[..., None, :, :])
        if p == 0:
            r = (diff != 0).sum(-1).astype(a.dtype)
        elif p == np.inf:
            r = diff.max(-1) if diff.shape[-1] else diff.sum(-1)
        elif p == 1:
            r = diff.sum(-1)
        elif p == 2:
            r = np.sqrt((diff * diff).sum(-1))
        else:
            r = ((diff ** p).sum(-1)) ** (1.0 / p)
        return r.astype(a.dtype, copy=False)

    def backward(self, g):
        a, b = self.saved_tensors
        dist = self.saved_output
        p = self.p
        diff = a.unsqueeze(-2) - b.unsqueeze(-3)          # (..., P, R, M)
        if p == 0:
            w = diff * 0
        elif p == 1:
            w = diff.sign()
        elif p == np.inf:
            ad = diff.abs()
            top = (ad == dist.unsqueeze(-1)).to(diff.dtype)
            w = diff.sign() * top / top.sum(-1, keepdim=True).clamp(min=1)
        else:
            safe = dist.masked_fill(dist == 0, 1).unsqueeze(-1)
            w = diff.sign() * diff.abs().pow(p - 1) / safe.pow(p - 1)
            w = w.masked_fill((dist == 0).unsqueeze(-1), 0)
        gw = g.unsqueeze(-1) * w
        return gw.sum(-2), -gw.sum(-3)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between each row of `x1` (..., P, M) and each row of `x2` (..., R, M)."""
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError("cdist only supports at least 2D tensors, %s got: %dD"
                               % (name, t._data.ndim))
        if not t._dtype.is_floating_point:
            raise RuntimeError("cdist only supports floating-point dtypes, %s got: %s"
                               % (name, _legacy(t._dtype)))
    if x1._dtype is not x2._dtype:
        raise RuntimeError("expected scalar type %s but found %s"
                           % (_legacy(x1._dtype), _legacy(x2._dtype)))
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError("X1 and X2 must have the same number of columns. X1: %d X2: %d"
                           % (x1._data.shape[-1], x2._data.shape[-1]))
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    try:
        batch = np.broadcast_shapes(x1._data.shape[:-2], x2._data.shape[:-2])
    except ValueError:
        from .index_dim import _size_mismatch
        raise RuntimeError(_size_mismatch(x1._data.shape[:-2], x2._data.shape[:-2])) from None
    if x1._data.shape[:-2] != batch:
        x1 = x1.expand(batch + x1._data.shape[-2:])
    if x2._data.shape[:-2] != batch:
        x2 = x2.expand(batch + x2._data.shape[-2:])
    P, R = x1._data.shape[-2], x2._data.shape[-2]
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == "use_mm_for_euclid_dist_if_necessary" and (P > 25 or R > 25)))
    return run(CdistBackward0(float(p), use_mm), x1, x2)


# --- renorm ---------------------------------------------------------------------------------------

class RenormBackward0(Op):
    """Each slice along `dim` whose p-norm exceeds maxnorm is scaled down to maxnorm."""
    saved_inputs = (0,)

    def __init__(self, p, dim, maxnorm):
        self.p, self.dim, self.maxnorm = p, dim, maxnorm

    def _norms(self, a):
        others = tuple(k for k in range(a.ndim) if k != self.dim)
        p = self.p
        if p == np.inf:
            return np.abs(a).max(axis=others, keepdims=True) if a.size else \
                array_module(a).zeros([1 if k in others else n for k, n in enumerate(a.shape)],
                                      a.dtype)
        return (np.abs(a) ** p).sum(axis=others, keepdims=True) ** (1.0 / p)

    def forward(self, a):
        norm = self._norms(a)
        factor = np.where(norm > self.maxnorm, self.maxnorm / (norm + 1e-7), 1.0)
        return (a * factor).astype(a.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        p, d, maxnorm = self.p, self.dim, self.maxnorm
        others = [k for k in range(x.dim()) if k != d]
        ax = x.abs()
        if p == np.inf:
            norm = ax.amax(others, keepdim=True)
            top = (ax == norm).to(x.dtype)
            dnorm = x.sign() * top / top.sum(others, keepdim=True)
        else:
            norm = ax.pow(p).sum(others, keepdim=True).pow(1.0 / p)
            safe = norm.masked_fill(norm == 0, 1)
            dnorm = x.sign() * ax.pow(p - 1) / safe.pow(p - 1)
        over = norm > maxnorm
        factor = (maxnorm / (norm + 1e-7)).where(over, norm.new_ones(()))
        dfactor = (-maxnorm / (norm + 1e-7).pow(2)).where(over, norm.new_zeros(()))
        return g * factor + dnorm * dfactor * (g * x).sum(others, keepdim=True)


def renorm(input, p, dim, maxnorm):
    """Rescales each slice along `dim` whose p-norm exceeds `maxnorm` to norm `maxnorm`."""
    if maxnorm < 0:
        raise RuntimeError("renorm: expected maxnorm to be >= 0 but got %g" % maxnorm)
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if input._data.ndim < 2:
        raise RuntimeError("renorm: input needs at least 2 dimensions, got %d dimensions"
                           % input._data.ndim)
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           "input. Got %s" % _legacy(input._dtype))
    d = norm_dim(dim, input._data.ndim)
    return run(RenormBackward0(float(p), d, maxnorm), input)
