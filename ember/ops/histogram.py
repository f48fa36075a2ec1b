"""``torch.histogramdd``: a histogram over the last dimension's coordinates."""
import builtins

import numpy as np

from ._op import is_tensor, wrap
from .linalg_ops import return_type

_HISTOGRAMDD = return_type("histogramdd", ["hist", "bin_edges"])


def _edges(col, bins, lo_hi, dim, dtype):
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
    return np.linspace(lo, hi, int(bins) + 1, dtype=dtype)


def histogramdd(input, bins=10, *, range=None, weight=None, density=False):
    """Counts (or summed weights) of the points input[..., :] in a grid of bins; returns
    (hist, bin_edges), with the edges one tensor per coordinate."""
    if not input._dtype.is_floating_point:
        raise NotImplementedError("\"histogramdd\" not implemented for '%s'"
                                  % input._dtype._legacy[:-6])
    if input.dim() < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions, "
                           "but got %d" % input.dim())
    pts = input._data.reshape(-1, input.shape[-1])
    d = pts.shape[1]
    per_dim = list(bins) if isinstance(bins, (list, tuple)) else [bins] * d
    if len(per_dim) != d:
        raise RuntimeError("torch.histogramdd: expected %d sequences of bin edges for each of "
                           "the %d input dimensions, but got %d bin sequences instead"
                           % (d, d, len(per_dim)))
    ranges = [range[2 * i:2 * i + 2] for i in builtins.range(d)] if range is not None else \
        [None] * d
    edges = [_edges(pts[:, i], per_dim[i], ranges[i], i, pts.dtype) for i in builtins.range(d)]
    w = weight._data.reshape(-1) if weight is not None else None
    hist, _ = np.histogramdd(pts, bins=edges, weights=w)
    hist = hist.astype(pts.dtype)
    if density:
        widths = np.ix_(*[np.diff(e) for e in edges])
        volume = np.ones((), pts.dtype)
        for wd in widths:
            volume = volume * wd
        hist = (hist / hist.sum() / volume).astype(pts.dtype)
    return _HISTOGRAMDD(wrap(hist), tuple(wrap(e) for e in edges))
