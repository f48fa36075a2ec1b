"""Index-based op family: gather/scatter, index_*, take/put, masks, diagonals, searchsorted,
histograms, cumulative max/min, and a few small helpers (trace, kron, cross, cdist, diff, renorm).

The ops live in index_gather.py, index_dim.py, index_diag.py and index_misc.py; this module
only lists them for `_tensor_methods.py` and `_functions.py`.
"""
from . import index_diag as G2
from . import index_dim as I
from . import index_gather as G
from . import index_misc as M

# name -> function(tensor, ...): attached as Tensor methods and torch.* functions
METHODS = {
    "gather": G.gather, "scatter": G.scatter, "scatter_add": G.scatter_add,
    "scatter_reduce": G.scatter_reduce, "take_along_dim": G.take_along_dim,
    "index_select": I.index_select, "index_add": I.index_add, "index_copy": I.index_copy,
    "index_fill": I.index_fill, "index_reduce": I.index_reduce, "take": I.take, "put": I.put,
    "masked_select": I.masked_select, "masked_scatter": I.masked_scatter,
    "diag": G2.diag, "diag_embed": G2.diag_embed, "diagflat": G2.diagflat,
    "diagonal_scatter": G2.diagonal_scatter, "select_scatter": G2.select_scatter,
    "slice_scatter": G2.slice_scatter, "fill_diagonal_": G2.fill_diagonal_, "trace": G2.trace,
    "kron": G2.kron, "cross": G2.cross,
    "bincount": M.bincount, "histc": M.histc, "histogram": M.histogram, "diff": M.diff,
    "cummax": M.cummax, "cummin": M.cummin, "logcumsumexp": M.logcumsumexp, "renorm": M.renorm,
}
# names of METHODS that also get an in-place form name_ (computed out of place, written back)
INPLACE = ["scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy", "index_fill",
           "index_reduce", "put", "masked_scatter", "renorm"]
# torch.* functions that are not Tensor methods
FUNCTIONS = {
    "searchsorted": M.searchsorted, "bucketize": M.bucketize, "tril_indices": G2.tril_indices,
    "triu_indices": G2.triu_indices, "cdist": M.cdist,
}
