"""Attaches the ops to `Tensor` as methods and operators.

Each method is the op's own function (``Tensor.exp is ops.unary.FUNCTIONS['exp']``), so a
method call costs nothing over the function. In-place forms (``add_``) compute the op and
write it back through `ops.inplace.apply_`.
"""
import math

import numpy as np

from . import _dtype as D
from . import _random_factories as R
from ._tensor import Tensor
from . import special
from .ops import (arith, blas, construct, distance, fused_pointwise, index, index_ops, inplace,
                  legacy, linalg_ops, numeric, pointwise, pointwise_math, reduce, shape, sorting,
                  spectral, unary, views, views_extra)
from .ops._op import is_tensor

METHODS = {
    # arithmetic
    "add": arith.add, "sub": arith.sub, "subtract": arith.sub, "mul": arith.mul,
    "multiply": arith.mul, "div": arith.div, "divide": arith.div, "true_divide": arith.div,
    "floor_divide": arith.floor_divide, "remainder": arith.remainder, "fmod": arith.fmod,
    "pow": arith.pow, "float_power": lambda x, e: arith.pow(x.double(), e),
    "neg": arith.neg, "negative": arith.neg,
    "eq": arith.eq, "ne": arith.ne, "lt": arith.lt, "le": arith.le, "gt": arith.gt, "ge": arith.ge,
    "not_equal": arith.ne, "less": arith.lt, "less_equal": arith.le, "greater": arith.gt,
    "greater_equal": arith.ge,
    "bitwise_and": arith.bitwise_and, "bitwise_or": arith.bitwise_or,
    "bitwise_xor": arith.bitwise_xor, "bitwise_not": arith.bitwise_not,
    "bitwise_left_shift": arith.bitwise_left_shift,
    "bitwise_right_shift": arith.bitwise_right_shift,
    "logical_and": arith.logical_and, "logical_or": arith.logical_or,
    "logical_xor": arith.logical_xor, "logical_not": arith.logical_not,
    # pointwise
    "clone": pointwise.clone, "clamp": pointwise.clamp, "clip": pointwise.clamp,
    "maximum": pointwise.maximum, "minimum": pointwise.minimum, "fmax": pointwise.fmax,
    "fmin": pointwise.fmin, "masked_fill": pointwise.masked_fill, "lerp": pointwise.lerp,
    "addcmul": pointwise.addcmul, "addcdiv": pointwise.addcdiv, "atan2": pointwise.atan2,
    "arctan2": pointwise.atan2, "hypot": pointwise.hypot, "xlogy": pointwise.xlogy,
    "logit": pointwise.logit, "nan_to_num": pointwise.nan_to_num, "isnan": pointwise.isnan,
    "isinf": pointwise.isinf, "isfinite": pointwise.isfinite, "isposinf": pointwise.isposinf,
    "isneginf": pointwise.isneginf, "isreal": pointwise.isreal, "round": pointwise.round,
    "conj": pointwise.conj, "sigmoid": pointwise.sigmoid,
    "where": lambda self, condition, other: pointwise.where(condition, self, other),
    # reductions
    "sum": reduce.sum, "nansum": reduce.nansum, "mean": reduce.mean, "nanmean": reduce.nanmean,
    "prod": reduce.prod, "cumsum": reduce.cumsum, "cumprod": reduce.cumprod, "var": reduce.var,
    "std": reduce.std, "max": reduce.max, "min": reduce.min, "amax": reduce.amax,
    "amin": reduce.amin, "aminmax": reduce.aminmax, "argmax": reduce.argmax,
    "argmin": reduce.argmin, "all": reduce.all, "any": reduce.any,
    "count_nonzero": reduce.count_nonzero, "logsumexp": reduce.logsumexp,
    # views
    "view": views.view, "reshape": views.reshape, "squeeze": views.squeeze,
    "unsqueeze": views.unsqueeze, "expand": views.expand, "permute": views.permute,
    "transpose": views.transpose, "swapaxes": views.swapaxes, "swapdims": views.swapaxes,
    "t": views.t, "narrow": views.narrow, "select": views.select, "as_strided": views.as_strided,
    "diagonal": views.diagonal, "unfold": views.unfold, "flatten": views.flatten,
    "unflatten": views.unflatten, "movedim": views.movedim, "moveaxis": views.movedim,
    "split": views.split, "chunk": views.chunk, "tensor_split": views.tensor_split,
    "unbind": views.unbind,
    # rearranging
    "flip": shape.flip, "fliplr": shape.fliplr, "flipud": shape.flipud, "roll": shape.roll,
    "rot90": shape.rot90, "repeat": shape.repeat, "tile": shape.tile,
    "repeat_interleave": shape.repeat_interleave, "tril": shape.tril, "triu": shape.triu,
    "broadcast_to": shape.broadcast_to,
    # products
    "matmul": blas.matmul, "mm": blas.mm, "bmm": blas.bmm, "mv": blas.mv, "dot": blas.dot,
    "vdot": blas.vdot, "outer": blas.outer, "ger": blas.outer, "addmm": blas.addmm,
    "addmv": blas.addmv, "addbmm": blas.addbmm, "baddbmm": blas.baddbmm, "addr": blas.addr,
    "inner": blas.inner,
    # indexing
    "index_put": index.index_put, "copy_": inplace.copy_,
    # random fillers
    "uniform_": R.uniform_, "normal_": R.normal_, "random_": R.random_,
    "exponential_": R.exponential_, "geometric_": R.geometric_, "log_normal_": R.log_normal_,
    "cauchy_": R.cauchy_, "bernoulli_": R.bernoulli_, "bernoulli": R.bernoulli,
    "multinomial": R.multinomial,
}
METHODS.update({k: v for k, v in unary.FUNCTIONS.items() if k != "round"})
METHODS.update({
    # single-kernel pointwise ops (ops/fused_pointwise.py, ops/pointwise_math.py)
    "clamp_min": fused_pointwise.clamp_min, "clamp_max": fused_pointwise.clamp_max,
    "logaddexp": pointwise_math.logaddexp, "logaddexp2": pointwise_math.logaddexp2,
    "copysign": pointwise_math.copysign, "heaviside": pointwise_math.heaviside,
    "gcd": pointwise_math.gcd, "lcm": pointwise_math.lcm, "ldexp": pointwise_math.ldexp,
    "nextafter": pointwise_math.nextafter, "frexp": pointwise_math.frexp,
    "signbit": pointwise_math.signbit, "positive": pointwise_math.positive,
    "angle": pointwise_math.angle, "dist": distance.dist,
    # statistics (ops/numeric.py)
    "cov": numeric.cov, "corrcoef": numeric.corrcoef,
    # views and splits (ops/views_extra.py)
    "hsplit": views_extra.hsplit, "vsplit": views_extra.vsplit, "dsplit": views_extra.dsplit,
    "split_with_sizes": views_extra.split_with_sizes, "unsafe_split": views_extra.unsafe_split,
    "unsafe_chunk": views_extra.unsafe_chunk, "unsafe_split_with_sizes":
    views_extra.split_with_sizes, "ravel": views_extra.ravel, "adjoint": views_extra.adjoint,
    "resolve_conj": views_extra.resolve_conj, "resolve_neg": views_extra.resolve_neg,
    "is_conj": views_extra.is_conj, "is_neg": views_extra.is_neg,
    "narrow_copy": views_extra.COPY_FUNCTIONS["narrow_copy"],
    "stft": spectral.stft, "istft": spectral.istft,
})
# op families that register themselves (ops/<family>.py: METHODS, INPLACE, FUNCTIONS)
EXTRA_FUNCTIONS = {}
FAMILIES = (index_ops, sorting, linalg_ops, special)
for _family in FAMILIES:
    METHODS.update(_family.METHODS)
    EXTRA_FUNCTIONS.update(_family.FUNCTIONS)
METHODS["kron"] = EXTRA_FUNCTIONS["kron"] = construct.kron   # PyTorch's graph (UnsafeView on top)

# in-place forms: computed out of place, then written back
INPLACE = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
           "floor_divide", "remainder", "fmod", "pow", "neg", "negative", "clamp", "clip",
           "masked_fill", "lerp", "addcmul", "addcdiv", "atan2", "arctan2", "hypot", "xlogy",
           "logit", "nan_to_num", "round", "sigmoid", "eq", "ne", "lt", "le", "gt", "ge",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "logical_and",
           "logical_or", "logical_xor", "logical_not", "tril", "triu", "addmm", "addmv",
           "addbmm", "baddbmm", "addr", "float_power", "index_put", "maximum", "minimum",
           "cumsum", "cumprod", "square", "clamp_min", "clamp_max", "copysign", "heaviside",
           "gcd", "lcm", "ldexp", "nextafter", "bitwise_left_shift", "bitwise_right_shift",
           "greater", "greater_equal", "less", "less_equal", "not_equal"] + list(unary.FUNCTIONS) + [
    n for f in FAMILIES for n in f.INPLACE]


def _inplace_method(fn, name):
    def method(self, *args, **kwargs):
        return inplace.apply_(self, fn, *args, **kwargs)
    method.__name__ = name + "_"
    method.__doc__ = "In-place version of :meth:`Tensor.%s`." % name
    return method


for _name, _fn in METHODS.items():
    setattr(Tensor, _name, _fn)
for _name in INPLACE:
    setattr(Tensor, _name + "_", _inplace_method(METHODS[_name], _name))


# --- operators ------------------------------------------------------------------------------------

def _r(fn):
    def reflected(self, other):
        return fn(other, self)
    return reflected


def _iop(fn):
    def iop(self, other):
        return inplace.apply_(self, fn, other)
    return iop


def _getitem(self, key):
    return index.getitem(self, key)


def _matmul_r(self, other):
    return blas.matmul(other, self)


def _not_tensor(fn):
    def op(self, other):
        if not (is_tensor(other) or isinstance(other, (int, float, bool, complex, np.ndarray,
                                                       np.generic))):
            return NotImplemented
        return fn(self, other)
    return op


Tensor.__add__ = arith.add_operator
Tensor.__radd__ = _r(arith.add)
Tensor.__sub__ = arith.sub_operator
Tensor.__rsub__ = arith.rsub
Tensor.__mul__ = arith.mul_operator
Tensor.__rmul__ = _r(arith.mul)
Tensor.__truediv__ = arith.div_operator
Tensor.__rtruediv__ = arith.rdiv
Tensor.__floordiv__ = _not_tensor(arith.floor_divide)
Tensor.__rfloordiv__ = _r(arith.floor_divide)
Tensor.__mod__ = _not_tensor(arith.remainder)
Tensor.__rmod__ = _r(arith.remainder)
Tensor.__pow__ = _not_tensor(arith.pow)
Tensor.__rpow__ = _r(arith.pow)
Tensor.__matmul__ = blas.matmul
Tensor.__rmatmul__ = _matmul_r
Tensor.__neg__ = arith.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = unary.FUNCTIONS["abs"]
Tensor.__invert__ = arith.bitwise_not
Tensor.__and__ = arith.bitwise_and
Tensor.__rand__ = _r(arith.bitwise_and)
Tensor.__or__ = arith.bitwise_or
Tensor.__ror__ = _r(arith.bitwise_or)
Tensor.__xor__ = arith.bitwise_xor
Tensor.__rxor__ = _r(arith.bitwise_xor)
Tensor.__lshift__ = arith.bitwise_left_shift
Tensor.__rlshift__ = _r(arith.bitwise_left_shift)
Tensor.__rshift__ = arith.bitwise_right_shift
Tensor.__rrshift__ = _r(arith.bitwise_right_shift)
Tensor.__eq__ = _not_tensor(arith.eq)
Tensor.__ne__ = _not_tensor(arith.ne)
Tensor.__lt__ = arith.lt
Tensor.__le__ = arith.le
Tensor.__gt__ = arith.gt
Tensor.__ge__ = arith.ge
Tensor.__hash__ = lambda self: id(self)
for _op, _fn in [("add", arith.add), ("sub", arith.sub), ("mul", arith.mul),
                 ("truediv", arith.div), ("floordiv", arith.floor_divide),
                 ("mod", arith.remainder), ("pow", arith.pow), ("and", arith.bitwise_and),
                 ("or", arith.bitwise_or), ("xor", arith.bitwise_xor),
                 ("lshift", arith.bitwise_left_shift), ("rshift", arith.bitwise_right_shift)]:
    setattr(Tensor, "__i%s__" % _op, _iop(_fn))
Tensor.__imatmul__ = _iop(blas.matmul)
Tensor.__getitem__ = _getitem
Tensor.__setitem__ = inplace.setitem


# --- properties and small methods -------------------------------------------------------------------

Tensor.T = property(lambda self: self.permute(tuple(range(self.dim() - 1, -1, -1))))
Tensor.mT = property(lambda self: self.transpose(-2, -1))
Tensor.H = property(lambda self: self.t().conj() if self.dim() == 2 else self.conj())
Tensor.mH = property(lambda self: self.transpose(-2, -1).conj())
Tensor.real = property(views.real, lambda self, v: self.real.copy_(v))
Tensor.imag = property(views.imag, lambda self, v: self.imag.copy_(v))


def abs_(self):
    return inplace.apply_(self, unary.FUNCTIONS["abs"])


def sum_to_size(self, *size):
    """Sums broadcast dimensions away so the result has `size`."""
    if len(size) == 1 and not isinstance(size[0], int):
        size = tuple(size[0])
    size = tuple(size)
    shape = self._data.shape
    if size == shape:
        return self
    lead = len(shape) - len(size)
    if lead < 0:
        raise RuntimeError("size {%s} is not expandable to size {%s}."
                           % (", ".join(map(str, size)), ", ".join(map(str, shape))))
    dims = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(size)
                                      if n == 1 and shape[lead + i] != 1)
    for i, n in enumerate(size):
        if n != 1 and n != shape[lead + i]:
            raise RuntimeError("size {%s} is not expandable to size {%s}."
                               % (", ".join(map(str, size)), ", ".join(map(str, shape))))
    if not dims:
        return self
    r = self.sum(dims, keepdim=True)
    return r if r._data.shape == size else r.view(size)


def _metadata_inplace(view_fn):
    """``unsqueeze_``, ``squeeze_``, ``t_``, ``transpose_``: the tensor becomes its own view."""
    def method(self, *args):
        self._data = view_fn(self.detach(), *args)._data
        return self
    method.__name__ = view_fn.__name__ + "_"
    return method


for _name in ("unsqueeze", "squeeze", "t", "transpose", "swapaxes", "swapdims"):
    setattr(Tensor, _name + "_", _metadata_inplace(METHODS[_name]))


def expand_as(self, other):
    return self.expand(other.shape)


def view_as(self, other):
    return self.view(other.shape)


def reshape_as(self, other):
    return self.reshape(other.shape)


def view_dtype(self, dtype):
    dt = D.to_dtype(dtype)
    return Tensor._make(self._data.view(dt.np), dt)


def zero_(self):
    return _fill(self, 0)


def fill_(self, value):
    if is_tensor(value):
        if value.dim() != 0:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with %d"
                               " dimensions." % value.dim())
        if value._rg or self._rg:
            return inplace.apply_(self, lambda s, v: v.expand(s.shape).to(s._dtype), value)
        value = value.item()
    return _fill(self, value)


def _fill(self, value):
    if self._rg:   # (not s * 0 + value: NaN in uninitialised memory would survive)
        return inplace.apply_(self, lambda s: s.detach().new_full(s.shape, value))
    inplace.check_leaf(self)
    self._data[...] = value
    self._bump()
    return self


def resize_(self, *sizes, memory_format=None):
    """Resizes in place: shrinking keeps the data (hidden, not freed); growing keeps the old
    values and adds uninitialised memory."""
    from ._storage import element_offset, root_flat, root_of
    if len(sizes) == 1 and not isinstance(sizes[0], int):
        sizes = tuple(sizes[0])
    sizes = tuple(int(s) for s in sizes)
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    n = math.prod(sizes)
    a = self._data
    flat = root_flat(a)
    off = element_offset(a) if a.size or a.base is not None else 0
    if off + n > flat.size:
        bigger = self._xp.empty(off + n, dtype=a.dtype)
        bigger[:flat.size] = flat
        flat = bigger
    self._data = flat[off:off + n].reshape(sizes)
    del root_of
    return self


def resize_as_(self, other, memory_format=None):
    return resize_(self, other.shape)


def set_(self, source=None, storage_offset=0, size=None, stride=None):
    from ._storage import TypedStorage, UntypedStorage
    if source is None:
        self._data = self._xp.empty((0,), dtype=self._dtype.np)
    elif is_tensor(source):
        self._data, self._dtype = source._data, source._dtype
    elif isinstance(source, (TypedStorage, UntypedStorage)):
        flat = source._root.reshape(-1)
        flat = flat.view(self._dtype.np) if flat.dtype != self._dtype.np else flat
        if size is None:
            self._data = flat[storage_offset:]
        else:
            stride = stride or tuple(int(math.prod(size[i + 1:])) for i in range(len(size)))
            self._data = views._strided(flat[storage_offset:], size, stride)
    return self


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    from ._creation import tensor
    return tensor(data, dtype=dtype or self._dtype, device=device or self.device,
                  requires_grad=requires_grad)


def _new_filled(factory):
    def method(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return factory(*size, dtype=dtype or self._dtype, device=device or self.device,
                       requires_grad=requires_grad, **kw)
    return method


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    from ._creation import full
    return full(size, fill_value, dtype=dtype or self._dtype, device=device or self.device,
                requires_grad=requires_grad)


def new(self, *args, **kwargs):
    """Legacy ``tensor.new(...)``: the legacy constructor with this tensor's dtype and, unless
    given, its device."""
    from ._tensor import _legacy_new
    return _legacy_new(Tensor, self._dtype, args, kwargs.get("device") or self.device)


def apply_(self, fn):
    flat = self._data.reshape(-1)
    for i in range(flat.size):
        flat[i] = fn(flat[i].item())
    self._bump()
    return self


def nonzero(self, *, as_tuple=False):
    idx = np.nonzero(self._data) if self._data.ndim else np.nonzero(self._data.reshape(1))
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in idx)
    return Tensor._make(np.stack(idx, 1).astype(np.int64) if idx else
                        self._xp.zeros((int(bool(self._data)), 0), dtype=np.int64))


def argwhere(self):
    return nonzero(self)


def equal(self, other):
    return self.shape == other.shape and bool((self == other).all())


def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(self, other, rtol, atol, equal_nan).all())


def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    if not is_tensor(other):
        other = self.new_tensor(other)
    return Tensor._make(np.isclose(self._data, other._data, rtol, atol, equal_nan))


def share_memory_(self):
    """Moves the storage into shared memory (see ember/multiprocessing/_shared.py)."""
    from .multiprocessing import _shared
    return _shared.share_memory_(self)


def pin_memory(self, device=None):
    return self


def is_pinned(self, device=None):
    return False


def ndimension(self):
    return self.dim()


for _f in [abs_, sum_to_size, expand_as, view_as, reshape_as, view_dtype, zero_, fill_, resize_,
           resize_as_, set_, new_tensor, new_full, new, apply_, nonzero, argwhere, equal, allclose, isclose, share_memory_, pin_memory, is_pinned]:
    setattr(Tensor, _f.__name__, _f)


def _output_nr(self):
    """Which output of its grad_fn this tensor is."""
    return self._output_nr


def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False,
                      layout=None, pin_memory=False):
    return construct.empty_strided(size, stride, dtype=dtype or self._dtype,
                                   device=device or self.device, requires_grad=requires_grad)


def is_nonzero(self):
    """The truth of a one-element tensor (ambiguous for any other size)."""
    n = self._data.size
    if n != 1:
        raise RuntimeError("Boolean value of Tensor with %s values is ambiguous"
                           % ("no" if n == 0 else "more than one"))
    return bool(self._data.reshape(()))


def is_same_size(self, other):
    return self._data.shape == other._data.shape


def is_inference(self):
    """False: ember keeps no separate inference tensors (inference_mode is no_grad)."""
    return False


def as_strided_(self, size, stride, storage_offset=None):
    """The tensor becomes the given strided view of its own storage."""
    self._data = views.as_strided(self.detach(), size, stride, storage_offset)._data
    return self


def const_data_ptr(self):
    return self.data_ptr()


def dim_order(self, *, ambiguity_check=False):
    """The dims from outermost to innermost in memory (by decreasing stride)."""
    strides = self.stride()
    return tuple(sorted(range(len(strides)), key=lambda d: -strides[d]))


def is_set_to(self, tensor):
    """Whether both tensors view the same memory with the same sizes and strides."""
    return (self.untyped_storage().data_ptr() == tensor.untyped_storage().data_ptr()
            and self.storage_offset() == tensor.storage_offset()
            and self.shape == tensor.shape and self.stride() == tensor.stride())


def map_(self, tensor, callable):
    """Sets each element to ``callable(self_element, tensor_element)`` (tensor broadcasts)."""
    other = np.broadcast_to(tensor._data, self._data.shape)
    a = self._data
    for idx in np.ndindex(a.shape):
        a[idx] = callable(a[idx].item(), other[idx].item())
    self._bump()
    return self


def map2_(self, x, y, callable):
    """Sets each element to ``callable(self_element, x_element, y_element)``."""
    xs = np.broadcast_to(x._data, self._data.shape)
    ys = np.broadcast_to(y._data, self._data.shape)
    a = self._data
    for idx in np.ndindex(a.shape):
        a[idx] = callable(a[idx].item(), xs[idx].item(), ys[idx].item())
    self._bump()
    return self


def record_stream(self, stream):
    """Nothing to do: ember frees memory when the last reference goes."""


def storage_type(self):
    """The legacy storage class of this dtype (``torch.FloatStorage``)."""
    import ember
    return getattr(ember, self._dtype._legacy.replace("Tensor", "Storage"))


def to_dense(self, dtype=None, *, masked_grad=None):
    return self if dtype is None else self.to(dtype)


def module_load(self, other, assign=False):
    """How ``load_state_dict`` turns `other` into this parameter's new value."""
    if assign:
        return other.detach()
    return self.copy_(other).detach()


def as_subclass(self, cls):
    """A tensor of class `cls` sharing this tensor's data (no autograd history)."""
    t = object.__new__(cls)
    t._data, t._dtype = self._data, self._dtype
    return t


def dense_dim(self):
    return self._data.ndim


def sparse_dim(self):
    return 0


def nonzero_static(self, *, size, fill_value=-1):
    """``nonzero`` padded with `fill_value` rows (or cut) to exactly `size` rows."""
    idx = nonzero(self)
    n = idx.shape[0]
    if n >= size:
        return idx[:size].clone()
    return shape.cat([idx, idx.new_full((size - n, idx.shape[1]), fill_value)])


def is_distributed(self):
    return False


def as_strided_scatter(self, src, size, stride, storage_offset=None):
    return construct.as_strided_scatter(self, src, size, stride, storage_offset)


for _f in [nonzero_static, is_distributed, as_strided_scatter]:
    setattr(Tensor, _f.__name__, _f)
for _name, _fn in legacy.REMOVED.items():
    if _name != "matrix_rank":
        setattr(Tensor, _name, _fn)
Tensor.resize, Tensor.resize_as = legacy.resize, legacy.resize_as
Tensor.reinforce, Tensor.volatile = legacy.reinforce, legacy.volatile


for _f in [new_empty_strided, is_nonzero, is_same_size, is_inference, as_strided_,
           const_data_ptr, dim_order, is_set_to, map_, map2_, record_stream, storage_type,
           to_dense, module_load, as_subclass, dense_dim, sparse_dim]:
    setattr(Tensor, _f.__name__, _f)
Tensor.output_nr = property(_output_nr)
for _name in ("is_xla", "is_xpu", "is_mps", "is_ipu", "is_maia", "is_mtia", "is_vulkan",
              "is_nested"):
    setattr(Tensor, _name, property(lambda self: False))


def _factories():
    from . import _creation as C
    Tensor.new_zeros = _new_filled(C.zeros)
    Tensor.new_ones = _new_filled(C.ones)
    Tensor.new_empty = _new_filled(C.empty)


_factories()
