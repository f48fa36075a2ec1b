"""Sorting op family: sort, argsort, msort, topk, kthvalue (here); median, nanmedian, mode,
quantile, nanquantile (sort_stats.py); unique, unique_consecutive, isin (sort_unique.py).

Ties: ``sort`` orders equal values by position (stable); PyTorch's non-stable CPU sort may
order them differently (it depends on the CPU's vector sort), ``stable=True`` agrees always.
``topk``, ``kthvalue`` and ``mode`` report the same indices as PyTorch among ties, by
replaying its selection algorithms (sort_stl.py) on the rows where ties matter. NaN sorts
above every number, as in PyTorch.
"""
import math

import numpy as np

from .. import _dtype as D
from .._device import array_module, contiguous, on_host
from ._op import Op, norm_dim, run, wrap as _T
from . import sort_stats as ST
from . import sort_unique as U
from . import sort_stl
from .reduce import RETURN_TYPES

# elements per call replayed in Python (sort_stl) before falling back to stable order
_EMULATE_LIMIT = 200_000


_OUT_TYPES = {}


def _out2(r, out):
    """Writes (values, indices) into the `out` pair; PyTorch then returns a '<name>_out'
    named tuple of the out tensors."""
    if out is None:
        return r
    from ._out import write_out
    from .reduce import _named
    write_out(out[0], r[0])
    write_out(out[1], r[1])
    name = type(r).__name__ + "_out"
    if name not in _OUT_TYPES:
        _OUT_TYPES[name] = _named(name)
    return _OUT_TYPES[name](*out)


def stable_argsort(a, axis, descending):
    """Stable argsort along `axis`; descending keeps equal values in position order and puts
    NaN first (NaN counts as the largest value)."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    if axis == a.ndim - 1:
        return (n - 1) - np.argsort(a[..., ::-1], axis=axis, kind="stable")[..., ::-1]
    idx = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return (n - 1) - np.flip(idx, axis)


def _check_sortable(x, name="Sort"):
    if x._dtype.is_complex:
        raise RuntimeError(" Sort does not support complex dtypes on CPU")


# --- sort / argsort / msort -----------------------------------------------------------------------

class SortBackward0(Op):
    n_outputs = 2
    differentiable_outputs = 1

    def __init__(self, dim, descending):
        self.dim, self.descending = dim, descending

    def forward(self, a):
        if a.ndim == 0:
            self.idx = array_module(a).zeros((), dtype=np.int64)
            return a.copy(), self.idx
        idx = stable_argsort(a, self.dim, self.descending).astype(np.int64, copy=False)
        self.idx = idx
        return np.take_along_axis(a, idx, axis=self.dim), idx

    def backward(self, g, _):
        if g.dim() == 0:
            return g
        return g.new_zeros(g.shape).scatter(self.dim, _T(self.idx), g)


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """Sorted values along `dim` and the positions they came from (ties keep their order)."""
    _check_sortable(input)
    d = norm_dim(dim, input._data.ndim)
    v, i = run(SortBackward0(d, descending), input)
    return _out2(RETURN_TYPES["sort"](v, i), out)


def argsort(input, dim=-1, descending=False, stable=False):
    """The positions that sort `input` along `dim`."""
    _check_sortable(input)
    d = norm_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return _T(array_module(input._data).zeros((), dtype=np.int64))
    return _T(stable_argsort(input._data, d, descending).astype(np.int64, copy=False))


def msort(input, *, out=None):
    """``sort(input, dim=0).values``."""
    r = sort(input, 0).values
    if out is not None:
        from ._out import write_out
        return write_out(out, r)
    return r


# --- helpers for the tie-aware selections ---------------------------------------------------------

def rows_last(a, d):
    """`a` with dim `d` moved last and the other dims flattened: shape (rows, n)."""
    if d != a.ndim - 1:
        a = np.moveaxis(a, d, -1)
    return a.reshape(math.prod(a.shape[:-1]), a.shape[-1])


def from_rows(r, shape_moved, d):
    """Inverse of rows_last for a result with `shape_moved` (dim d last), C-contiguous."""
    r = r.reshape(shape_moved)
    if d != len(shape_moved) - 1:
        r = contiguous(np.moveaxis(r, -1, d))
    return r


def rows_shape(shape, d, n):
    """`shape` with dim d moved last and resized to n (the shape from_rows rebuilds)."""
    return tuple(shape[:d]) + tuple(shape[d + 1:]) + (n,)


def take_rows(rows, idx):
    """``rows[r, idx[r, j]]`` for 2-D arrays."""
    return rows[np.arange(rows.shape[0])[:, None], idx]


def same(u, v):
    """Elementwise equality that treats NaNs as equal (they tie in PyTorch's comparisons)."""
    eq = u == v
    if u.dtype.kind in "fc":
        eq |= np.isnan(u) & np.isnan(v)
    return eq


def _isnan(v):
    return v != v


def greater_nan(x, y):
    """PyTorch's "x sorts after y" with NaN the largest, on (value, index) items."""
    return (_isnan(x[0]) and not _isnan(y[0])) or x[0] > y[0]


def less_nan(x, y):
    return (not _isnan(x[0]) and _isnan(y[0])) or x[0] < y[0]


def leading(rows, m, largest):
    """Positions of the first `m` elements of each row in sorted order (descending when
    `largest`, NaN the largest). Exact for rows whose first m values are distinct; rows with
    ties among them may list those in another order (callers detect and redo them)."""
    n = rows.shape[1]
    if m >= n or m * 8 > n or rows.dtype.kind in "fc" and np.isnan(rows).any():
        return stable_argsort(rows, 1, largest)[:, :m]
    key = rows
    if largest:
        key = -rows if rows.dtype.kind == "f" else ~rows     # reverses the order, no overflow
    part = np.argpartition(key, m - 1, axis=1)[:, :m]
    return take_rows(part, np.argsort(take_rows(key, part), axis=1, kind="stable"))


def rank_pick(rows, value, rank):
    """Position of the element of `rank` (per row) in stable (value, position) order, given
    its value; O(n) per row instead of a sort."""
    eq = same(rows, value[:, None])
    if rows.dtype.kind in "fc":
        below = np.where(np.isnan(value), (~np.isnan(rows)).sum(axis=1),
                         (rows < value[:, None]).sum(axis=1))
    else:
        below = (rows < value[:, None]).sum(axis=1)
    nth = rank - below                    # which of the equal values (0-based, by position)
    return np.argmax(np.cumsum(eq, axis=1) > nth[:, None], axis=1)


def items(row):
    return [(v, i) for i, v in enumerate(row.tolist())]


# --- topk -----------------------------------------------------------------------------------------

class TopkBackward0(Op):
    n_outputs = 2
    differentiable_outputs = 1

    def __init__(self, k, dim, largest, sorted):
        self.k, self.dim, self.largest, self.sorted = k, dim, largest, sorted

    def forward(self, a):
        vals, self.idx = on_host(self._select)(a)     # PyTorch's tie order, replayed on the host
        return vals, self.idx

    def _select(self, a):
        self.in_shape = a.shape
        if a.ndim == 0:
            self.idx = np.zeros((), dtype=np.int64)
            return a.copy(), self.idx
        d, k = self.dim, self.k
        rows = rows_last(a, d)
        n = rows.shape[1]
        idx = np.zeros((rows.shape[0], k), dtype=np.int64)
        if k and rows.shape[0]:
            lead = leading(rows, min(k + 1, n), self.largest)
            idx[:] = lead[:, :k]
            self._fix_ties(rows, lead, idx)
        shape = rows_shape(a.shape, d, k)
        self.idx = from_rows(idx, shape, d)
        return from_rows(take_rows(rows, idx), shape, d), self.idx

    def _fix_ties(self, rows, lead, idx):
        """Rows whose result depends on how PyTorch's selection orders ties are replayed
        (or, past the replay budget, given in stable order)."""
        k, n = self.k, rows.shape[1]
        partial = k * 64 <= n
        top = take_rows(rows, lead)
        tied = same(top[:, 1:], top[:, :-1]).any(axis=1)
        if not self.sorted and not partial and k > 1:
            todo = np.arange(rows.shape[0])
        else:
            todo = np.flatnonzero(tied)
        if todo.size * n > _EMULATE_LIMIT:
            bad = np.flatnonzero(tied)
            if bad.size:
                idx[bad] = stable_argsort(rows[bad], 1, self.largest)[:, :k]
            return
        less = greater_nan if self.largest else less_nan
        for r in todo:
            q = items(rows[r])
            if partial:
                sort_stl.partial_sort(q, k, less)
            else:
                sort_stl.nth_element(q, k - 1, less)
                if self.sorted:
                    sort_stl.sort(q, less, 0, k - 1)
            idx[r] = [i for _, i in q[:k]]

    def backward(self, g, _):
        if not len(self.in_shape):
            return g
        return g.new_zeros(self.in_shape).scatter(self.dim, _T(self.idx), g)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The k largest (or smallest) values along `dim` and their positions."""
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    n = input._data.shape[d] if nd else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if input._dtype is D.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    v, i = run(TopkBackward0(k, d, largest, sorted), input)
    return _out2(RETURN_TYPES["topk"](v, i), out)


# --- kthvalue -------------------------------------------------------------------------------------

class KthvalueBackward0(Op):
    """Selects one value per row; the gradient goes back to its position."""
    n_outputs = 2
    differentiable_outputs = 1

    def __init__(self, dim, keepdim, pick):
        self.dim, self.keepdim, self.pick = dim, keepdim, pick

    def forward(self, a):
        vals, self.idx = on_host(self._select)(a)     # PyTorch's tie order, replayed on the host
        return vals, self.idx

    def _select(self, a):
        self.in_shape = a.shape
        if a.ndim == 0:
            self.idx = np.zeros((), dtype=np.int64)
            return a.copy(), self.idx
        d = self.dim
        rows = rows_last(a, d)
        idx = self.pick(rows) if rows.shape[0] and rows.shape[1] else \
            np.zeros(rows.shape[0], dtype=np.int64)
        shape = rows_shape(a.shape, d, 1)
        vals = from_rows(take_rows(rows, idx[:, None]) if rows.size else
                                         np.zeros(shape, a.dtype), shape, d)
        idx = from_rows(idx.astype(np.int64), shape, d)
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


def _kth_picker(k):
    def pick(rows):
        n = rows.shape[1]
        if rows.size <= 4096:       # small: one stable sort; ties are next to the k-th value
            order = np.argsort(rows, axis=1, kind="stable")
            pos = order[:, k - 1]
            srt = take_rows(rows, order[:, max(k - 2, 0):k + 1])
            value = srt[:, min(k - 1, 1)]
            tied = same(srt[:, 1:], srt[:, :-1]).any(axis=1)
        else:
            pos = np.argpartition(rows, k - 1, axis=1)[:, k - 1]        # NaN sorts last
            value = rows[np.arange(rows.shape[0]), pos]
            tied = same(rows, value[:, None]).sum(axis=1) > 1
        todo = np.flatnonzero(tied)
        if todo.size * n <= _EMULATE_LIMIT:
            for r in todo:
                q = items(rows[r])
                sort_stl.quick_select(q, k - 1, greater_nan)
                pos[r] = q[k - 1][1]
        elif todo.size:
            pos[todo] = rank_pick(rows[todo], value[todo], np.full(todo.size, k - 1))
        return pos
    return pick


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The k-th smallest value along `dim` and its position."""
    _check_sortable(input)
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    n = input._data.shape[d] if nd else 1
    if input._data.size == 0 and nd and input._data.shape[d] == 0:
        raise RuntimeError("kthvalue(): selected number k out of range for dimension %d" % d)
    if not 1 <= k <= n:
        raise RuntimeError("kthvalue(): selected number k out of range for dimension %d" % d)
    op = KthvalueBackward0(d, keepdim, _kth_picker(k))
    v, i = run(op, input)
    return _out2(RETURN_TYPES["kthvalue"](v, i), out)


# name -> function(tensor, ...): attached as Tensor methods and torch.* functions
METHODS = {
    "sort": sort, "argsort": argsort, "msort": msort, "topk": topk, "kthvalue": kthvalue,
    "median": ST.median, "nanmedian": ST.nanmedian, "mode": ST.mode, "quantile": ST.quantile,
    "nanquantile": ST.nanquantile, "unique": U.unique,
    "unique_consecutive": U.unique_consecutive,
}
# names of METHODS that also get an in-place form name_ (computed out of place, written back)
INPLACE = []
# torch.* functions that are not Tensor methods
FUNCTIONS = {"isin": U.isin}
