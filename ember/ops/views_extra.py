"""More views and splits: hsplit/vsplit/dsplit, split_with_sizes, ravel, adjoint,
view_as_real/view_as_complex, polar, the conj/neg-bit queries, and the ``*_copy`` forms.

ember keeps no lazy conjugate or negative bit: ``conj()`` of a complex tensor computes
its values, and marks the result so that ``is_conj()`` answers as PyTorch's does.
"""
import numpy as np

from .. import _dtype as D
from .._device import array_module, strided_view
from ._op import Op, run
from . import views
from .pointwise import CloneBackward0
from .views import ViewOp, make_view


# --- splits --------------------------------------------------------------------------------------

def _split_along(fn_name, x, sections, dim):
    if isinstance(sections, int):
        n = x._data.shape[dim]
        if sections == 0 or n % sections:
            raise RuntimeError("torch.%s attempted to split along dimension %d, but the size of "
                               "the dimension %d is not divisible by the split_size %d!"
                               % (fn_name, dim, n, sections))
    return views.tensor_split(x, sections, dim)


def hsplit(input, indices_or_sections):
    """Splits columns (dim 1; dim 0 of a 1-d tensor)."""
    nd = input._data.ndim
    if nd < 1:
        raise RuntimeError("torch.hsplit requires a tensor with at least 1 dimension, but got a "
                           "tensor with %d dimensions!" % nd)
    return _split_along("hsplit", input, indices_or_sections, 1 if nd > 1 else 0)


def vsplit(input, indices_or_sections):
    """Splits rows (dim 0) of a tensor of at least 2 dimensions."""
    nd = input._data.ndim
    if nd < 2:
        raise RuntimeError("torch.vsplit requires a tensor with at least 2 dimension, but got a "
                           "tensor with %d dimensions!" % nd)
    return _split_along("vsplit", input, indices_or_sections, 0)


def dsplit(input, indices_or_sections):
    """Splits depth (dim 2) of a tensor of at least 3 dimensions."""
    nd = input._data.ndim
    if nd < 3:
        raise RuntimeError("torch.dsplit requires a tensor with at least 3 dimension, but got a "
                           "tensor with %d dimensions!" % nd)
    return _split_along("dsplit", input, indices_or_sections, 2)


def split_with_sizes(input, split_sizes, dim=0):
    """Pieces of the given sizes along `dim` (the sizes must add up to the dim's size)."""
    return views.split(input, list(split_sizes), dim)


def unsafe_split(input, split_size, dim=0):
    return views.split(input, split_size, dim)


def unsafe_chunk(input, chunks, dim=0):
    return views.chunk(input, chunks, dim)


# --- reshaping views -----------------------------------------------------------------------------

def ravel(input):
    """The elements as a 1-d tensor: a view when possible, else a copy."""
    return input.reshape(-1)


def adjoint(input):
    """The conjugate transpose of the last two dims (a view)."""
    if input._data.ndim < 2:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of "
                           "matrices. Got %d-D tensor." % input._data.ndim)
    return input.transpose(-2, -1).conj()


# --- complex views -------------------------------------------------------------------------------

class ViewAsRealBackward0(ViewOp):
    def forward(self, a):
        re = a.real
        return strided_view(re, a.shape + (2,), re.strides + (re.itemsize,))

    def backward(self, g):
        return view_as_complex(g.contiguous())


def view_as_real(input):
    """A complex tensor's memory as real pairs: shape (..., 2)."""
    if not input._dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return make_view(ViewAsRealBackward0(), input)


class ViewAsComplexBackward0(ViewOp):
    def forward(self, a):
        c = np.complex64 if a.dtype == np.float32 else np.complex128
        return a.view(c)[..., 0]

    def backward(self, g):
        return view_as_real(g.contiguous().resolve_conj())


def view_as_complex(input):
    """Real pairs in the last dimension (size 2, stride 1) as one complex tensor."""
    dt = input._dtype
    if dt not in (D.float32, D.float64):
        raise RuntimeError("view_as_complex is only supported for float and double tensors, but "
                           "got a tensor of scalar type: %s" % dt._legacy[:-6])
    a = input._data
    if a.ndim == 0 or a.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if a.strides[-1] != a.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % (2 * a.itemsize) for s in a.strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if input.storage_offset() % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return make_view(ViewAsComplexBackward0(), input)


class PolarBackward0(Op):
    saves_output = True

    def forward(self, r, theta):
        c = np.complex64 if r.dtype == np.float32 else np.complex128
        out = array_module(r).empty(np.broadcast_shapes(r.shape, theta.shape), dtype=c)
        out.real = r * np.cos(theta)
        out.imag = r * np.sin(theta)
        return out

    def backward(self, g):
        res = self.saved_output
        gc = g.conj()
        return (gc * res.sgn()).real, (gc * (res * 1j)).real


def polar(abs, angle, *, out=None):
    """The complex numbers abs * (cos(angle) + i sin(angle))."""
    if abs._dtype is not angle._dtype:
        raise RuntimeError("Expected object of scalar type %s but got scalar type %s for "
                           "second argument" % (abs._dtype._legacy[:-6],
                                                angle._dtype._legacy[:-6]))
    if abs._dtype not in (D.float32, D.float64):
        raise RuntimeError("Expected both inputs to be Half, Float or Double tensors but got %s "
                           "and %s" % (abs._dtype._legacy[:-6], angle._dtype._legacy[:-6]))
    r = run(PolarBackward0(), abs, angle)
    if out is not None:
        from ._out import write_out
        return write_out(out, r)
    return r


def real(input):
    """The real part (a view); a real tensor is returned as is."""
    return views.real(input)


def imag(input):
    """The imaginary part of a complex tensor (a view)."""
    return views.imag(input)


# --- the conjugate and negative bits -------------------------------------------------------------

def is_conj(input):
    """Whether `input` came from ``conj()`` of a complex tensor (see the module note)."""
    return bool(input.__dict__.get("_conj_bit", False))


def is_neg(input):
    """ember never makes lazily negated views."""
    return False


def resolve_conj(input):
    """`input` itself, or a copy without the conjugate mark."""
    if not is_conj(input):
        return input
    return input.clone()


def resolve_neg(input):
    return input


# --- the *_copy forms: the view's values in fresh memory ---------------------------------------

class _CopyOfView(CloneBackward0):
    """A copy of a view, named as PyTorch names the node of the view's ``_copy`` form."""

    def __init__(self, node):
        self.node = node

    def name(self):
        return self.node


def _copy_of(view_tensor, node=None):
    fn = view_tensor.grad_fn
    node = node or (fn.name() if fn is not None else "CloneBackward0") + "_copy"
    out = run(_CopyOfView(node), view_tensor)
    out._dtype = view_tensor._dtype
    return out


def _copy_form(view_fn, node=None):
    def copy_fn(input, *args, out=None, **kwargs):
        r = view_fn(input, *args, **kwargs)
        r = tuple(_copy_of(t, node) for t in r) if isinstance(r, tuple) else _copy_of(r, node)
        if out is not None:
            from ._out import write_out
            if isinstance(r, tuple):
                return tuple(write_out(o, t) for o, t in zip(out, r))
            return write_out(out, r)
        return r
    copy_fn.__name__ = view_fn.__name__ + "_copy"
    copy_fn.__doc__ = "The values of ``%s`` in new memory." % view_fn.__name__
    return copy_fn


def _slice(input, dim=0, start=None, end=None, step=1):
    key = (slice(None),) * views.norm_dim(dim, input._data.ndim) + (slice(start, end, step),)
    return views.basic_index(input, key)


def detach_copy(input, *, out=None):
    """A copy without history; PyTorch still records a node, which has no derivative."""
    from .pointwise_math import NotImplementedBackward
    r = run(NotImplementedBackward(lambda a: a.copy(), "detach_copy"), input)
    if out is not None:
        from ._out import write_out
        return write_out(out, r)
    return r


def _expand(input, size, *, implicit=False):
    return input.expand(size)


def _view(input, size):
    return views.view(input, size) if not hasattr(size, "is_floating_point") else \
        input.view(size)


COPY_FORMS = {
    "view_copy": _view, "expand_copy": _expand, "permute_copy": views.permute,
    "t_copy": views.t, "transpose_copy": views.transpose, "squeeze_copy": views.squeeze,
    "unsqueeze_copy": views.unsqueeze, "select_copy": views.select, "slice_copy": _slice,
    "narrow_copy": views.narrow, "diagonal_copy": views.diagonal, "unfold_copy": views.unfold,
    "as_strided_copy": views.as_strided, "alias_copy": views.alias,
    "unbind_copy": views.unbind, "split_copy": views.split,
    "split_with_sizes_copy": split_with_sizes, "view_as_real_copy": view_as_real,
    "view_as_complex_copy": view_as_complex,
}
COPY_FUNCTIONS = {name: _copy_form(fn) for name, fn in COPY_FORMS.items()}
COPY_FUNCTIONS["detach_copy"] = detach_copy
COPY_FUNCTIONS["narrow_copy"] = _copy_form(views.narrow, "NarrowCopyBackward0")
