"""Distinct values: unique, unique_consecutive (optionally of whole slices along a dim), isin.

Like PyTorch, every NaN counts as distinct from every other value, and among equal values
the first one in (stable) sorted order is kept. None of these is differentiable.
"""
import numpy as np

from .. import _dtype as D
from .._device import on_host
from ._op import as_0d, is_tensor, norm_dim, result_dtype, wrap as _T


def _result(values, inverse, counts, return_inverse, return_counts):
    if not return_inverse and not return_counts:
        return values
    out = (values,)
    if return_inverse:
        out += (inverse,)
    if return_counts:
        out += (counts,)
    return out


def _groups(starts, n):
    """Run starts (boolean per position) -> (group id per position, length of each group)."""
    ids = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    counts = np.diff(np.append(first, n)).astype(np.int64)
    return ids.astype(np.int64), counts, first


def _unique_flat(a, consecutive):
    """Distinct values of the 1-D array `a` (sorted unless consecutive), inverse and counts."""
    n = a.size
    if consecutive:
        order = np.arange(n)
        srt = a
    else:
        order = np.argsort(a, kind="stable")
        srt = a[order]
    starts = np.ones(n, dtype=bool)
    if n > 1:
        starts[1:] = srt[1:] != srt[:-1]
    ids, counts, first = _groups(starts, n)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = ids
    return srt[first], inverse, counts


def _unique_slices(a, d, consecutive):
    """Distinct slices of `a` along dim `d` (sorted lexicographically unless consecutive)."""
    m = np.moveaxis(a, d, 0)
    n = m.shape[0]
    rows = m.reshape(n, int(np.prod(m.shape[1:])))
    if consecutive:
        order = np.arange(n)
    elif rows.dtype.kind in "fc" and np.isnan(rows).any():
        order = _nan_slice_order(rows)
    else:
        order = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(n)
    srt = rows[order]
    starts = np.ones(n, dtype=bool)
    if n > 1:
        starts[1:] = (srt[1:] != srt[:-1]).any(axis=1)
    ids, counts, first = _groups(starts, n)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = ids
    out = m[order[first]] if n else m
    return np.moveaxis(out, 0, d), inverse, counts


def _nan_slice_order(rows):
    """The slice order PyTorch's std::sort gives with its lexicographic comparison, in which
    a NaN is neither smaller nor larger than anything (so the result depends on the
    algorithm, which is replayed)."""
    from .sort_stl import sort
    data = [tuple(r) for r in rows.tolist()]

    def less(a, b):
        for x, y in zip(data[a], data[b]):
            if x < y:
                return True
            if x > y:
                return False
        return False
    order = list(range(len(data)))
    sort(order, less)
    return np.asarray(order, dtype=np.int64)


def _unique(input, return_inverse, return_counts, dim, consecutive):
    vals, inv, counts = _unique_arrays(input._data, dim, consecutive)
    return _result(_T(vals), _T(inv), _T(counts), return_inverse, return_counts)


@on_host
def _unique_arrays(a, dim, consecutive):
    """(values, inverse, counts) of unique / unique_consecutive, on host arrays."""
    if dim is None:
        vals, inv, counts = _unique_flat(a.reshape(-1), consecutive)
        inv = inv.reshape(a.shape)
    else:
        d = norm_dim(dim, a.ndim)
        if a.ndim == 0:
            vals, inv, counts = a.reshape(1), np.zeros(1, np.int64), np.ones(1, np.int64)
        else:
            if a.size == 0 and a.shape[d] != 0:
                raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so "
                                   "unique cannot be applied")
            vals, inv, counts = _unique_slices(a, d, consecutive)
    return np.ascontiguousarray(vals), inv, counts


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements of `input` (or distinct slices along `dim`), sorted; optionally
    where each input element went (inverse) and how often each occurs (counts)."""
    return _unique(input, return_inverse, return_counts, dim, False)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapses each run of consecutive equal elements (or slices along `dim`) to one."""
    return _unique(input, return_inverse, return_counts, dim, True)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of `elements` occurs in `test_elements` (either may be a scalar)."""
    if not is_tensor(elements) and not is_tensor(test_elements):
        raise TypeError("isin() received an invalid combination of arguments - got (%s, %s), but "
                        "expected one of:" % (type(elements).__name__,
                                              type(test_elements).__name__))
    for t in (elements, test_elements):
        if is_tensor(t) and (t._dtype is D.bool_ or t._dtype.is_complex):
            raise RuntimeError("Unsupported input type encountered for isin(): %s"
                               % t._dtype._legacy[:-6])
    dt = result_dtype(elements, test_elements)
    xp = (elements if is_tensor(elements) else test_elements)._xp
    e = elements._data if is_tensor(elements) else xp.asarray(elements)
    t = test_elements._data if is_tensor(test_elements) else xp.asarray(test_elements)
    r = np.isin(e.astype(dt.np, copy=False), t.astype(dt.np, copy=False).reshape(-1),
                assume_unique=False, invert=invert)
    return _T(as_0d(r))
