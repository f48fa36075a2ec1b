"""Order statistics: median, nanmedian, mode, quantile, nanquantile."""
import numpy as np

from .._device import array_module, on_host
from ._op import Op, as_0d, is_tensor, norm_dim, run, wrap as _T
from .reduce import RETURN_TYPES


_SMALL = 4096   # up to this many elements a full sort is cheaper than partition + rank


def _sorting():
    from . import sorting
    return sorting


# --- median / nanmedian over all elements ---------------------------------------------------------

class MedianBackward0(Op):
    """The lower median of all elements; the gradient is shared evenly by the values equal to
    it (by the NaNs when it is NaN)."""
    saved_inputs = (0,)
    saves_output = True

    def __init__(self, ignore_nan):
        self.ignore_nan = ignore_nan

    def forward(self, a):
        flat = a.reshape(-1)
        if flat.size == 0:
            return array_module(a).full((), np.nan if a.dtype.kind == "f" else 0, a.dtype)
        if flat.dtype.kind in "fc":
            nans = np.isnan(flat)
            if nans.any():
                if not self.ignore_nan or nans.all():
                    return array_module(a).full((), np.nan, a.dtype)
                flat = flat[~nans]
        k = (flat.size - 1) // 2
        return as_0d(np.partition(flat, k)[k])

    def backward(self, g):
        (x,) = self.saved_tensors
        out = self.saved_output
        mask = x.isnan() if bool(out.isnan()) else x == out
        mask = mask.to(g.dtype)
        return mask * (g / mask.sum())

    def name(self):
        return "NanmedianBackward0" if self.ignore_nan else "MedianBackward0"


# --- median / nanmedian / mode along a dim --------------------------------------------------------

class MedianBackward1(Op):
    """Selects one value per row (median, nanmedian, mode); its gradient goes to that position."""
    n_outputs = 2
    differentiable_outputs = 1

    def __init__(self, dim, keepdim, pick, node_name):
        self.dim, self.keepdim, self.pick, self.node_name = dim, keepdim, pick, node_name

    def name(self):
        return self.node_name

    def forward(self, a):
        vals, self.idx = on_host(self._select)(a)     # PyTorch's tie order, replayed on the host
        return vals, self.idx

    def _select(self, a):
        S = _sorting()
        self.in_shape = a.shape
        if a.ndim == 0:
            self.idx = np.zeros((), dtype=np.int64)
            return a.copy(), self.idx
        d = self.dim
        rows = S.rows_last(a, d)
        idx = self.pick(rows) if rows.shape[0] else np.zeros(0, dtype=np.int64)
        shape = S.rows_shape(a.shape, d, 1)
        idx = np.asarray(idx, dtype=np.int64)
        vals = S.from_rows(S.take_rows(rows, idx[:, None]) if rows.size else
                           np.zeros(shape, a.dtype), shape, d)
        idx = S.from_rows(idx, shape, d)
        if not self.keepdim:
            vals, idx = vals.squeeze(d), idx.squeeze(d)
        self.idx = idx
        return vals, idx

    def backward(self, g, _):
        if not len(self.in_shape):
            return g
        idx = _T(self.idx)
        if not self.keepdim:
            g, idx = g.unsqueeze(self.dim), idx.unsqueeze(self.dim)
        return g.new_zeros(self.in_shape).scatter(self.dim, idx, g)


def _pick_median(rows):
    """Index of the lower median of each row in (value, position) order; a row with NaN
    gives its first NaN."""
    n = rows.shape[1]
    r = (n - 1) // 2
    if rows.size <= _SMALL:
        idx = np.argsort(rows, axis=1, kind="stable")[:, r]
    else:
        S = _sorting()
        value = np.partition(rows, r, axis=1)[:, r]
        idx = S.rank_pick(rows, value, np.full(rows.shape[0], r))
    if rows.dtype.kind in "fc":
        nans = np.isnan(rows)
        has = nans.any(axis=1)
        idx[has] = nans[has].argmax(axis=1)
    return idx


def _pick_nanmedian(rows):
    """Index of the lower median of each row's non-NaN values; an all-NaN row replays
    PyTorch's nth_element to know which NaN it reports."""
    n = rows.shape[1]
    order = np.argsort(rows, axis=1, kind="stable")   # NaNs go last
    if rows.dtype.kind not in "fc":
        return order[:, (n - 1) // 2]
    valid = (~np.isnan(rows)).sum(axis=1)
    rank = np.where(valid > 0, (valid - 1) // 2, 0)
    idx = order[np.arange(rows.shape[0]), rank]
    S = _sorting()
    for r in np.flatnonzero(valid == 0):
        q = list(range(n))
        S.sort_stl.nth_element(q, 0, lambda i, j: False)
        idx[r] = q[0]
    return idx


def _pick_mode(rows):
    """Index PyTorch reports for the most frequent value (the smallest of equally frequent
    ones): the last of its run after PyTorch's std::sort of the row."""
    S = _sorting()
    nrows, n = rows.shape
    order = np.argsort(rows, axis=1, kind="stable")
    srt = S.take_rows(rows, order)
    # runs of equal values in each sorted row: the length of each run, stored at its end
    starts = np.ones((nrows, n), dtype=bool)
    starts[:, 1:] = srt[:, 1:] != srt[:, :-1]
    run_id = np.cumsum(starts.reshape(-1)) - 1
    lengths = np.bincount(run_id)[run_id].reshape(nrows, n)
    ends = np.ones((nrows, n), dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    at_end = np.where(ends, lengths, 0)
    best = np.argmax(at_end, axis=1)              # first (smallest) value of maximal count
    idx = order[np.arange(nrows), best]
    has_nan = np.isnan(rows).any(axis=1) if rows.dtype.kind in "fc" else np.zeros(nrows, bool)
    replay = list(np.flatnonzero(has_nan | ((at_end.max(axis=1) > 1) & (n > 16))))
    if len(replay) * n > S._EMULATE_LIMIT:
        replay = []
    for r in replay:
        q = S.items(rows[r])
        S.sort_stl.sort(q, lambda x, y: x[0] < y[0])
        best_i, freq, best_f = 0, 0, 0
        for j in range(n):
            freq += 1
            if j == n - 1 or q[j][0] != q[j + 1][0]:
                if freq > best_f:
                    best_i, best_f = q[j][1], freq
                freq = 0
        idx[r] = best_i
    return idx


def _dim_select(input, dim, keepdim, pick, name, kind, out=None):
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    if nd and input._data.shape[d] == 0 and input._data.size == 0 and _others(input, d):
        raise IndexError("%s(): Expected reduction dim %d to have non-zero size." % (kind, d))
    v, i = run(MedianBackward1(d, keepdim, pick, name), input)
    return _sorting()._out2(RETURN_TYPES[kind](v, i), out)


def _others(x, d):
    shape = list(x._data.shape)
    del shape[d]
    return int(np.prod(shape)) > 0 or len(shape) == 0


def median(input, dim=None, keepdim=False, *, out=None):
    """Lower median of all elements, or along `dim` with the index of the median."""
    if dim is None:
        return run(MedianBackward0(False), input)
    return _dim_select(input, dim, keepdim, _pick_median, "MedianBackward1", "median", out)


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """median() ignoring NaN values."""
    if dim is None:
        return run(MedianBackward0(True), input)
    return _dim_select(input, dim, keepdim, _pick_nanmedian, "NanmedianBackward1", "nanmedian",
                       out)


def mode(input, dim=-1, keepdim=False, *, out=None):
    """Most frequent value along `dim` (the smallest if several are) and an index of it."""
    return _dim_select(input, dim, keepdim, _pick_mode, "ModeBackward0", "mode", out)


# --- quantile / nanquantile -----------------------------------------------------------------------

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    from .. import _dtype as D
    if input._data.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    scalar_q = not is_tensor(q)
    if scalar_q:
        if not 0 <= q <= 1:
            raise RuntimeError("quantile() q must be in the range [0, 1] but got %s" % _num(q))
    elif q._data.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if input._dtype not in (D.float32, D.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if not scalar_q and q._dtype is not input._dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    if interpolation not in _MODES:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           "midpoint or nearest, but got %s" % interpolation)
    if not scalar_q and q._data.size and not ((q._data >= 0) & (q._data <= 1)).all():
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    nd = input._data.ndim
    if dim is None:
        x = input.reshape(-1)
        out_shape = [1] * nd if keepdim else []
    else:
        d = norm_dim(dim, nd)
        x = input.movedim(d, -1) if nd else input.reshape(1)
        out_shape = list(input.shape)
        if nd:
            if keepdim:
                out_shape[d] = 1
            else:
                del out_shape[d]
    srt = x.sort(-1).values                                 # (..., n), NaN last
    n = srt.shape[-1]
    lead = tuple(srt.shape[:-1])
    qv = _T(array_module(input._data).asarray(q, dtype=input._dtype.np)) if scalar_q else q.detach()
    qv = qv.reshape(-1)                                     # (Q,)
    nan = srt.detach().isnan()
    if ignore_nan:
        valid = (~nan).sum(-1, keepdim=True).to(input._dtype)      # (..., 1)
        ranks = qv * (valid - 1)                                    # (..., Q)
        ranks = ranks.masked_fill(ranks < 0, 0)
    else:
        ranks = (qv * (n - 1)).expand(lead + (qv.shape[0],))
        ranks = ranks.masked_fill(nan.any(-1, keepdim=True), n - 1)
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()
    below_i = ranks.long()
    values = srt.gather(-1, below_i)
    if interpolation in ("linear", "midpoint"):
        above = srt.gather(-1, ranks.ceil().long())
        w = ranks - below_i.to(ranks.dtype) if interpolation == "linear" else \
            ranks.new_full(ranks.shape, 0.5)
        values = _lerp(values, above, w)
    # values: (..., Q) -> (Q, ...) with the reduced shape
    values = values.movedim(-1, 0).reshape([qv.shape[0]] + out_shape)
    values = values.reshape(out_shape) if scalar_q or q._data.ndim == 0 else values
    return values.contiguous()


def _lerp(a, b, w):
    """PyTorch's lerp formula (exact at both ends)."""
    diff = b - a
    return (a + w * diff).where(w < 0.5, b - diff * (1 - w))


def _num(v):
    return ("%g" % v) if v != int(v) else ("%d" % v)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The q-th quantiles of `input` (over all elements or along `dim`), interpolated between
    the sorted values with 'linear', 'lower', 'higher', 'midpoint' or 'nearest'."""
    return _quantile(input, q, dim, keepdim, interpolation, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """quantile() ignoring NaN values."""
    return _quantile(input, q, dim, keepdim, interpolation, True)
