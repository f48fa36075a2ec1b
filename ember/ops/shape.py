"""Ops that rearrange elements into new memory: cat, stack, flip, roll, repeat, tile, ..."""
import numpy as np

from .. import _dtype as D
from ._op import Op, is_tensor, norm_dim, norm_dims, run


class CatBackward0(Op):
    def __init__(self, dim, sizes):
        self.dim, self.sizes = dim, sizes

    def forward(self, *arrays):
        return np.concatenate(arrays, axis=self.dim)

    def backward(self, g):
        return g.split(self.sizes, self.dim)


def _promoted(tensors):
    dt = tensors[0]._dtype
    for t in tensors[1:]:
        if t._dtype is not dt:
            dt = D.promote_types(dt, t._dtype)
    return [t if t._dtype is dt else t.to(dt) for t in tensors]


def cat(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for t in tensors:
        if not is_tensor(t):
            raise TypeError("expected Tensor as element %d in argument 0, but got %s"
                            % (tensors.index(t), type(t).__name__))
    # legacy: 1-D empty tensors are skipped
    kept = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or tensors[:1]
    nd = kept[0]._data.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = norm_dim(dim, nd)
    ref = kept[0]._data.shape
    for i, t in enumerate(kept):
        s = t._data.shape
        if len(s) != nd:
            raise RuntimeError("Tensors must have same number of dimensions: got %d and %d"
                               % (nd, len(s)))
        for j in range(nd):
            if j != d and s[j] != ref[j]:
                raise RuntimeError("Sizes of tensors must match except in dimension %d. Expected "
                                   "size %d but got size %d for tensor number %d in the list."
                                   % (d, ref[j], s[j], i))
    kept = _promoted(kept)
    r = run(CatBackward0(d, [t._data.shape[d] for t in kept]), *kept)
    if out is not None:
        from ._out import write_out
        return write_out(out, r)
    return r


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError("stack expects each tensor to be equal size, but got %s at entry 0 "
                               "and %s at entry %d" % (list(shape), list(t._data.shape), i))
    d = norm_dim(dim, len(shape) + 1)
    r = cat([t.unsqueeze(d) for t in tensors], d)
    if r.grad_fn is not None:
        r.grad_fn.__class__ = StackBackward0
    if out is not None:
        from ._out import write_out
        return write_out(out, r)
    return r


class StackBackward0(CatBackward0):
    pass


def hstack(tensors):
    tensors = [t if t.dim() else t.reshape(1) for t in tensors]
    return cat(tensors, 0 if tensors[0].dim() == 1 else 1)


def vstack(tensors):
    return cat([atleast_2d(t) for t in tensors], 0)


row_stack = vstack


def dstack(tensors):
    return cat([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors):
    return hstack([t.reshape(-1, 1) if t.dim() <= 1 else t for t in tensors])


def atleast_1d(t):
    return t.reshape(1) if t.dim() == 0 else t


def atleast_2d(t):
    return t.reshape(1, -1) if t.dim() < 2 else t


def atleast_3d(t):
    if t.dim() == 0:
        return t.reshape(1, 1, 1)
    if t.dim() == 1:
        return t.reshape(1, -1, 1)
    if t.dim() == 2:
        return t.unsqueeze(-1)
    return t


class FlipBackward0(Op):
    def __init__(self, dims):
        self.dims = dims

    def forward(self, a):
        return np.flip(a, self.dims).copy() if a.ndim else a.copy()

    def backward(self, g):
        return g.flip(self.dims)


def flip(x, *dims):
    if len(dims) == 1 and not isinstance(dims[0], int):
        dims = tuple(dims[0])
    return run(FlipBackward0(norm_dims(dims, x._data.ndim) if x._data.ndim else ()), x)


def fliplr(x):
    if x.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(x, 1)


def flipud(x):
    if x.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(x, 0)


class RollBackward0(Op):
    def __init__(self, shifts, dims):
        self.shifts, self.dims = shifts, dims

    def forward(self, a):
        return np.roll(a, self.shifts, self.dims)

    def backward(self, g):
        neg = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return g.roll(neg, self.dims)


def roll(x, shifts, dims=None):
    if isinstance(shifts, (list, tuple)):
        shifts = tuple(int(s) for s in shifts)
    if dims is None:
        return run(RollBackward0(shifts, None), x.reshape(-1)).reshape(x.shape) if x.dim() > 1 \
            else run(RollBackward0(shifts, None), x)
    if isinstance(dims, (list, tuple)):
        dims = norm_dims(dims, x._data.ndim)
    else:
        dims = norm_dim(dims, x._data.ndim)
    return run(RollBackward0(shifts, dims), x)


def rot90(x, k=1, dims=(0, 1)):
    k %= 4
    d0, d1 = dims
    if k == 0:
        return x.clone()
    if k == 1:
        return x.flip(d1).transpose(d0, d1)
    if k == 2:
        return x.flip((d0, d1))
    return x.transpose(d0, d1).flip(d1)


class RepeatBackward0(Op):
    def __init__(self, reps):
        self.reps = reps

    def forward(self, a):
        self.in_shape = a.shape
        return np.tile(a, self.reps)

    def backward(self, g):
        shape = (1,) * (len(self.reps) - len(self.in_shape)) + tuple(self.in_shape)
        split = []
        for r, s in zip(self.reps, shape):
            split.extend([r, s])
        return g.reshape(split).sum(tuple(range(0, len(split), 2))).reshape(self.in_shape)


def repeat(x, *sizes):
    if len(sizes) == 1 and not isinstance(sizes[0], int):
        sizes = tuple(sizes[0])
    if len(sizes) < x._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    return run(RepeatBackward0(tuple(int(s) for s in sizes)), x)


def tile(x, *dims):
    if len(dims) == 1 and not isinstance(dims[0], int):
        dims = tuple(dims[0])
    dims = (1,) * (x._data.ndim - len(dims)) + tuple(dims)
    return repeat(x, dims)


def repeat_interleave(x, repeats=None, dim=None, *, output_size=None):
    if repeats is None:
        reps = x
        from .._creation import arange
        return arange(len(reps), device=reps.device).repeat_interleave(reps)
    if dim is None:
        x = x.reshape(-1)
        dim = 0
    d = norm_dim(dim, x._data.ndim)
    if is_tensor(repeats):
        reps = repeats._data
    else:
        reps = int(repeats)
    from .._tensor import Tensor
    idx = np.repeat(x._xp.arange(x._data.shape[d]), reps)
    return x.index_select(d, Tensor._make(idx.astype(np.int64)))


def broadcast_shapes(*shapes):
    try:
        return tuple(np.broadcast_shapes(*[tuple(s) if not isinstance(s, int) else (s,)
                                          for s in shapes]))
    except ValueError:
        raise RuntimeError("Shape mismatch: objects cannot be broadcast to a single shape") from None


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    shape = _broadcast_or_raise([t._data.shape for t in tensors])
    return tuple(t.expand(shape) for t in tensors)


def _broadcast_or_raise(shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        a, b = shapes[0], shapes[1] if len(shapes) > 1 else shapes[0]
        for i in range(1, min(len(a), len(b)) + 1):
            if a[-i] != b[-i] and a[-i] != 1 and b[-i] != 1:
                raise RuntimeError("The size of tensor a (%d) must match the size of tensor b (%d) "
                                   "at non-singleton dimension %d"
                                   % (a[-i], b[-i], max(len(a), len(b)) - i)) from None
        raise RuntimeError("shape mismatch") from None


def broadcast_to(x, shape):
    return x.expand(shape)


def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    if indexing is None:
        import warnings
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    n = len(tensors)
    shape = [t.numel() for t in tensors]
    if indexing == "xy" and n >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(tensors):
        pos = i
        if indexing == "xy" and n >= 2 and i < 2:
            pos = 1 - i
        view = [1] * n
        view[pos] = -1
        out.append(t.reshape(view).expand(shape))
    return tuple(out)


def cartesian_prod(*tensors):
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(x, r=2, with_replacement=False):
    import itertools
    n = x.shape[0]
    it = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = list(it(range(n), r))
    from .._tensor import Tensor
    if not idx:
        return x.new_zeros((0, r)) if r else x.new_zeros((0,))
    ii = Tensor._make(x._xp.asarray(idx, dtype=np.int64))
    return stack([x[ii[:, j]] for j in range(r)], 1)


class TrilBackward(Op):
    def __init__(self, k, upper):
        self.k, self.upper = k, upper

    def forward(self, a):
        return (np.triu if self.upper else np.tril)(a, self.k)

    def backward(self, g):
        return g.triu(self.k) if self.upper else g.tril(self.k)

    def name(self):
        return "TriuBackward0" if self.upper else "TrilBackward0"


def tril(x, diagonal=0):
    if x.dim() < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return run(TrilBackward(diagonal, False), x)


def triu(x, diagonal=0):
    if x.dim() < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return run(TrilBackward(diagonal, True), x)
