"""View ops: results share memory with their input, exactly where PyTorch's do.

A view remembers its root ``_base`` and a function that rebuilds it from that base
(``_view_fn``), so an in-place change of the view can be replayed on the base's graph
(see `inplace.py`). Views share the base's version counter.
"""
import math

import numpy as np

from .._device import strided_view
from ._op import Op, norm_dim, norm_dims, run


def make_view(op, x):
    """Runs the view op `op` on `x` and links the result to `x`'s root base."""
    out = run(op, x)
    _link(x, out, op)
    return out


def _link(x, out, op):
    if out._dtype.is_complex and x.__dict__.get("_conj_bit", False):
        out._conj_bit = True   # a view of a conjugate answers is_conj() as PyTorch's does
    if x._vc is None:
        x._vc = [0]
    out._vc = x._vc
    base = x._base
    if base is None:
        out._base, out._view_fn = x, op.replay
    else:
        prev = x._view_fn
        out._base, out._view_fn = base, lambda b: op.replay(prev(b))


class ViewOp(Op):
    """A view op is rebuilt from its parameters to replay it on another tensor."""
    params = ()

    def replay(self, t):
        return make_view(type(self)(*self.params), t)


def _strided(a, shape, strides_elems):
    item = a.itemsize
    return strided_view(a, shape, tuple(s * item for s in strides_elems))


class ViewBackward0(ViewOp):
    def __init__(self, shape):
        self.params = (shape,)
        self.shape = shape

    def forward(self, a):
        self.in_shape = a.shape
        try:
            return np.reshape(a, self.shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None

    def backward(self, g):
        return g.reshape(self.in_shape)


def infer_shape(shape, numel):
    """Resolves one -1 in `shape` for `numel` elements, with PyTorch's errors."""
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError("invalid shape dimension %d" % s)
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError("shape '%s' is invalid for input of size %d" % (list(shape), numel))
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError("shape '%s' is invalid for input of size %d" % (list(shape), numel))
    return tuple(shape)


def view(x, *shape):
    if len(shape) == 1 and hasattr(shape[0], "is_floating_point"):   # view(dtype)
        return x.view_dtype(shape[0])
    shape = _sizes(shape)
    return make_view(ViewBackward0(infer_shape(shape, x._data.size)), x)


def reshape(x, *shape):
    shape = infer_shape(_sizes(shape), x._data.size)
    try:
        np.reshape(x._data, shape, copy=False)
    except ValueError:
        return x.contiguous().view(shape)
    return make_view(ViewBackward0(shape), x)


def _sizes(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


class SqueezeBackward0(ViewOp):
    def __init__(self, dims):
        self.params = (dims,)
        self.dims = dims

    def forward(self, a):
        self.in_shape = a.shape
        dims = tuple(d for d in self.dims if a.shape[d] == 1)
        return np.squeeze(a, axis=dims) if dims else a.view()

    def backward(self, g):
        return g.reshape(self.in_shape)


def squeeze(x, dim=None):
    dims = norm_dims(dim, x._data.ndim) if x._data.ndim else ()
    op = SqueezeBackward0(dims)
    if dim is not None:
        op.__class__ = SqueezeBackward1 if isinstance(dim, int) else SqueezeBackward2
    return make_view(op, x)


class SqueezeBackward1(SqueezeBackward0):
    pass


class SqueezeBackward2(SqueezeBackward0):
    pass


class UnsqueezeBackward0(ViewOp):
    def __init__(self, dim):
        self.params = (dim,)
        self.dim = dim

    def forward(self, a):
        key = (slice(None),) * self.dim + (None,)
        return with_new_axis_strides(a, np.expand_dims(a, self.dim), key)

    def backward(self, g):
        return g.squeeze(self.dim)


def unsqueeze(x, dim):
    return make_view(UnsqueezeBackward0(norm_dim(dim, x._data.ndim + 1)), x)


class ExpandBackward0(ViewOp):
    def __init__(self, shape):
        self.params = (shape,)
        self.shape = shape

    def forward(self, a):
        self.in_shape = a.shape
        lead = len(self.shape) - a.ndim
        strides = [0] * lead + [s // a.itemsize for s in a.strides]
        for i, n in enumerate(a.shape):
            if n == 1 and self.shape[lead + i] != 1:
                strides[lead + i] = 0
        return _strided(a, self.shape, strides)

    def backward(self, g):
        return g.sum_to_size(self.in_shape)


def expand(x, *sizes):
    sizes = _sizes(sizes)
    shape = x._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError("expand(%s{%s}, size=[%s]): the number of sizes provided (%d) must be "
                           "greater or equal to the number of dimensions in the tensor (%d)"
                           % (x.type(), list(shape), ", ".join(map(str, sizes)), len(sizes),
                              len(shape)))
    lead = len(sizes) - len(shape)
    out = list(sizes)
    for i, n in enumerate(shape):
        want = sizes[lead + i]
        if want == -1:
            out[lead + i] = n
        elif n != 1 and want != n:
            raise RuntimeError("The expanded size of the tensor (%d) must match the existing size "
                               "(%d) at non-singleton dimension %d.  Target sizes: %s.  Tensor "
                               "sizes: %s" % (want, n, lead + i, list(sizes), list(shape)))
    for i in range(lead):
        if out[i] < 0:
            raise RuntimeError("The expanded size of the tensor (-1) isn't allowed in a leading, "
                               "non-existing dimension %d" % i)
    return make_view(ExpandBackward0(tuple(out)), x)


class PermuteBackward0(ViewOp):
    def __init__(self, dims):
        self.params = (dims,)
        self.dims = dims

    def forward(self, a):
        return np.transpose(a, self.dims)

    def backward(self, g):
        return g.permute(tuple(np.argsort(self.dims).tolist()))


def permute(x, *dims):
    dims = _sizes(dims)
    nd = x._data.ndim
    if len(dims) != nd:
        raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does not "
                           "match the length of the desired ordering of dimensions i.e. input.dim()"
                           " = %d is not equal to len(dims) = %d" % (nd, len(dims)))
    return make_view(PermuteBackward0(norm_dims(dims, nd)), x)


class TransposeBackward0(ViewOp):
    def __init__(self, d0, d1):
        self.params = (d0, d1)
        self.d0, self.d1 = d0, d1

    def forward(self, a):
        return np.swapaxes(a, self.d0, self.d1) if a.ndim else a.view()

    def backward(self, g):
        return g.transpose(self.d0, self.d1)


def transpose(x, dim0, dim1):
    nd = x._data.ndim
    return make_view(TransposeBackward0(norm_dim(dim0, nd), norm_dim(dim1, nd)), x)


class TBackward0(ViewOp):
    def forward(self, a):
        return a.T

    def backward(self, g):
        return g.t()


def t(x):
    if x._data.ndim > 2:
        raise RuntimeError("t() expects a tensor with <= 2 dimensions, but self is %dD"
                           % x._data.ndim)
    return make_view(TBackward0(), x)


class IndexViewOp(ViewOp):
    """Basic indexing (ints, slices, None, Ellipsis): a strided view."""

    def __init__(self, key):
        self.params = (key,)
        self.key = key
        # a trailing Ellipsis makes NumPy return a 0-d view instead of a scalar copy
        self.np_key = key if Ellipsis in key else key + (Ellipsis,)

    def forward(self, a):
        self.in_shape = a.shape
        out = a[self.np_key]
        return with_new_axis_strides(a, out, self.key) if None in self.key else out

    def backward(self, g):
        from .index import place
        return place(g, self.in_shape, self.key)

    node_name = None   # set by split/chunk/unbind, whose outputs PyTorch records as one node

    def name(self):
        if self.node_name:
            return self.node_name
        # PyTorch applies the key left to right; the last real step names the node
        key = self.key if isinstance(self.key, tuple) else (self.key,)
        for k in reversed(key):
            if k is None:
                return "UnsqueezeBackward0"
            if isinstance(k, int):
                return "SelectBackward0"
            if isinstance(k, slice) and k != slice(None):
                return "SliceBackward0"
        return "AliasBackward0"


def with_new_axis_strides(a, out, key):
    """`out` (``a[key]`` for a basic key) with PyTorch's strides on the axes None inserted:
    PyTorch unsqueezes before the next input dim d, giving it size[d] * stride[d] (1 at the
    end). NumPy gives new axes stride 0; only ``stride()`` can tell, so only it changes."""
    real = sum(1 for k in key if k is not None and k is not Ellipsis)
    wanted = []
    d = pos = 0
    for k in key:
        if k is Ellipsis:
            skip = a.ndim - real
            d, pos = d + skip, pos + skip
        elif k is None:
            wanted.append((pos, a.shape[d] * a.strides[d] if d < a.ndim else a.itemsize))
            pos += 1
        else:
            d += 1
            pos += not isinstance(k, int)
    strides = list(out.strides)
    for p, s in wanted:
        strides[p] = s
    if tuple(strides) == out.strides:
        return out
    return strided_view(out, out.shape, strides)


def basic_index(x, key):
    return make_view(IndexViewOp(key), x)


def narrow(x, dim, start, length):
    nd = x._data.ndim
    dim = norm_dim(dim, nd)
    size = x._data.shape[dim]
    if hasattr(start, "item"):
        start = start.item()
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError("start (%d) + length (%d) exceeds dimension size (%d)."
                           % (start, length, size))
    key = (slice(None),) * dim + (slice(start, start + length),)
    return basic_index(x, key)


def select(x, dim, index):
    nd = x._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = norm_dim(dim, nd)
    size = x._data.shape[dim]
    if not -size <= index < size:
        raise IndexError("select(): index %d out of range for tensor of size %s at dimension %d"
                         % (index, list(x._data.shape), dim))
    return basic_index(x, (slice(None),) * dim + (int(index) % size,))


class AsStridedBackward0(ViewOp):
    def __init__(self, size, stride, offset):
        self.params = (size, stride, offset)
        self.size, self.stride, self.offset = size, stride, offset

    def forward(self, a):
        from .._storage import root_flat, element_offset
        self.in_shape = a.shape
        self.in_strides = tuple(s // a.itemsize for s in a.strides)
        self.in_offset = element_offset(a)
        flat = root_flat(a)
        off = self.offset if self.offset is not None else self.in_offset
        need = off + sum((n - 1) * s for n, s in zip(self.size, self.stride)) + 1
        if min(self.size, default=1) > 0 and need > flat.size:
            raise RuntimeError("setStorage: sizes %s, strides %s, storage offset %d, and itemsize "
                               "%d requiring a storage size of %d are out of bounds for storage "
                               "of size %d" % (list(self.size), list(self.stride), off, a.itemsize,
                                               need * a.itemsize, flat.size * a.itemsize))
        return _strided(flat[off:], self.size, self.stride)

    def backward(self, g):
        from .index import as_strided_scatter_grad
        return as_strided_scatter_grad(g, self)


def as_strided(x, size, stride, storage_offset=None):
    return make_view(AsStridedBackward0(tuple(size), tuple(stride), storage_offset), x)


class DiagonalBackward0(ViewOp):
    def __init__(self, offset, d1, d2):
        self.params = (offset, d1, d2)
        self.offset, self.d1, self.d2 = offset, d1, d2

    def forward(self, a):
        self.in_shape = a.shape
        return np.diagonal(a, self.offset, self.d1, self.d2)

    def backward(self, g):
        from .index import diagonal_scatter_grad
        return diagonal_scatter_grad(g, self)


def diagonal(x, offset=0, dim1=0, dim2=1):
    nd = x._data.ndim
    d1, d2 = norm_dim(dim1, nd), norm_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError("diagonal dimensions cannot be identical %d, %d" % (dim1, dim2))
    return make_view(DiagonalBackward0(offset, d1, d2), x)


class UnfoldBackward0(ViewOp):
    def __init__(self, dim, size, step):
        self.params = (dim, size, step)
        self.dim, self.size, self.step = dim, size, step

    def forward(self, a):
        self.in_shape = a.shape
        return unfold_array(a, self.dim, self.size, self.step)

    def backward(self, g):
        from .index import unfold_grad
        return unfold_grad(g, self)


def unfold_array(a, dim, size, step):
    """The windows of `size` elements every `step` along `dim`, as a strided view."""
    if a.ndim == 0:
        return a.reshape(1)
    st = [s // a.itemsize for s in a.strides]
    shape, strides = list(a.shape), list(st)
    shape[dim] = (a.shape[dim] - size) // step + 1
    strides[dim] = st[dim] * step
    return _strided(a, shape + [size], strides + [st[dim]])


def unfold(x, dimension, size, step):
    nd = x._data.ndim
    dim = norm_dim(dimension, nd) if nd else 0
    n = x._data.shape[dim] if nd else 1
    if size > n:
        raise RuntimeError("maximum size for tensor at dimension %d is %d but size is %d"
                           % (dim, n, size))
    if step <= 0:
        raise RuntimeError("step is %d but must be > 0" % step)
    return make_view(UnfoldBackward0(dim, size, step), x)


class AliasBackward0(ViewOp):
    def forward(self, a):
        return a.view()

    def backward(self, g):
        return g


def alias(x):
    return make_view(AliasBackward0(), x)


class ViewAsRealBackward0(ViewOp):
    def __init__(self, part):
        self.params = (part,)
        self.part = part

    def forward(self, a):
        return a.real if self.part == "real" else a.imag

    def backward(self, g):
        from .. import _functions as F
        return F.complex(g, g * 0) if self.part == "real" else F.complex(g * 0, g)

    def name(self):
        return "RealBackward0" if self.part == "real" else "ImagBackward0"


def real(x):
    if not x._dtype.is_complex:
        return x
    return make_view(ViewAsRealBackward0("real"), x)


def imag(x):
    if not x._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return make_view(ViewAsRealBackward0("imag"), x)


# --- views built from the ones above ----------------------------------------------------------------

def flatten(x, start_dim=0, end_dim=-1):
    nd = x._data.ndim
    if nd == 0:
        return x.reshape(1)
    s, e = norm_dim(start_dim, nd), norm_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return x
    shape = x._data.shape
    return x.reshape(shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def unflatten(x, dim, sizes):
    shape = x._data.shape
    dim = norm_dim(dim, len(shape))
    sizes = infer_shape(tuple(sizes), shape[dim])
    return x.view(shape[:dim] + sizes + shape[dim + 1:])


def movedim(x, source, destination):
    nd = x._data.ndim
    src = norm_dims(source, nd)
    dst = norm_dims(destination, nd)
    if len(src) != len(dst):
        raise RuntimeError("movedim: Invalid source or destination dims: source (%s dims) should "
                           "contain the same number of dims as destination (%s dims)"
                           % (list(src), list(dst)))
    order = [d for d in range(nd) if d not in src]
    perm = [None] * nd
    for s, d in zip(src, dst):
        perm[d] = s
    it = iter(order)
    perm = [p if p is not None else next(it) for p in perm]
    return x.permute(perm)


def split(x, split_size_or_sections, dim=0):
    nd = x._data.ndim
    dim = norm_dim(dim, nd)
    n = x._data.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0 and n > 0:
            raise RuntimeError("split_size can only be 0 if dimension size is 0, but got dimension "
                               "size of %d" % n)
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError("split_with_sizes expects split_sizes to sum exactly to %d (input "
                               "tensor's size at dimension %d), but got split_sizes=%s"
                               % (n, dim, sizes))
    out, start = [], 0
    name = "SplitBackward0" if isinstance(split_size_or_sections, int) else \
        "SplitWithSizesBackward0"
    for s in sizes:
        piece = narrow(x, dim, start, s)
        if piece.grad_fn is not None:
            piece.grad_fn.node_name = name
        out.append(piece)
        start += s
    return tuple(out)


def chunk(x, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: %d" % chunks)
    n = x._data.shape[norm_dim(dim, x._data.ndim)]
    size = -(-n // chunks) if n else 0
    if size == 0:
        return split(x, [0] * chunks if n == 0 else 1, dim) if n == 0 else split(x, 1, dim)
    return split(x, size, dim)


def tensor_split(x, indices_or_sections, dim=0):
    dim = norm_dim(dim, x._data.ndim)
    n = x._data.shape[dim]
    if hasattr(indices_or_sections, "tolist"):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise RuntimeError("number of sections must be larger than 0, got %d" % k)
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        bounds = np.cumsum([0] + sizes).tolist()
    else:
        bounds = [0] + [min(max(int(i), 0), n) for i in indices_or_sections] + [n]
    return tuple(narrow(x, dim, bounds[i], max(bounds[i + 1] - bounds[i], 0))
                 for i in range(len(bounds) - 1))


class UnbindBackward0(Op):
    """All slices along `dim` at once; backward stacks their gradients (one node, not n)."""

    def __init__(self, dim, n):
        self.dim, self.n_outputs = dim, n

    def forward(self, a):
        lead = (slice(None),) * self.dim
        return tuple(a[lead + (i, Ellipsis)] for i in range(self.n_outputs))

    def backward(self, *grads):
        from .shape import stack
        return stack(grads, self.dim)


def unbind(x, dim=0):
    dim = norm_dim(dim, x._data.ndim)
    n = x._data.shape[dim]
    if n == 1:
        out = (select(x, dim, 0),)
        if out[0].grad_fn is not None:
            out[0].grad_fn.node_name = "UnbindBackward0"
        return out
    out = run(UnbindBackward0(dim, n), x)
    lead = (slice(None),) * dim
    for i, o in enumerate(out):
        _link(x, o, IndexViewOp(lead + (i,)))
    return out


def swapaxes(x, a, b):
    return transpose(x, a, b)
