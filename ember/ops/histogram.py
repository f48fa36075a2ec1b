"""``torch.histogramdd``: a histogram over the last dimension's coordinates."""
import builtins

import numpy as np

from .._device import array_module
from ._op import wrap
from .index_misc import bin_edges as _edges
from .linalg_ops import return_type

_HISTOGRAMDD = return_type("histogramdd", ["hist", "bin_edges"])




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
        volume = array_module(pts).ones((), pts.dtype)
        for wd in widths:
            volume = volume * wd
        hist = (hist / hist.sum() / volume).astype(pts.dtype)
    return _HISTOGRAMDD(wrap(hist), tuple(wrap(e) for e in edges))
