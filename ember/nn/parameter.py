"""``nn.Parameter`` and ``nn.Buffer``: tensors that a Module registers when they are assigned.

A Parameter is a Tensor subclass sharing the memory (and version counter) of the tensor it
was made from. Ops on a Parameter return plain Tensors, as in PyTorch.
"""
from collections import OrderedDict

from .._tensor import Tensor

__all__ = ["Parameter", "UninitializedParameter", "is_lazy", "Buffer", "UninitializedBuffer",
           "UninitializedTensorMixin"]


def _alias(cls, data):
    """A new `cls` instance over `data`'s memory, outside the autograd graph."""
    t = object.__new__(cls)
    t._data = data._data
    t._dtype = data._dtype
    if data._vc is None:
        data._vc = [0]
    t._vc = data._vc
    return t


class Parameter(Tensor):
    """A Tensor that is a module parameter: assigning it to a Module attribute registers it.
    ``requires_grad`` defaults to True, even under ``no_grad``."""

    _is_param = True

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        t = _alias(cls, data)
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    @property
    def data(self):
        return Tensor.data.fget(self)

    @data.setter
    def data(self, value):
        if self._rg and not (value._dtype.is_floating_point or value._dtype.is_complex):
            raise RuntimeError("data set to a tensor that requires gradients must be floating "
                               "point or complex dtype")
        Tensor.data.fset(self, value)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __repr__(self):
        from .._tensor_str import tensor_repr
        return tensor_repr(self, prefix="Parameter containing:\ntensor(")

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.data, self.requires_grad, OrderedDict()))


def _rebuild_parameter(data, requires_grad, backward_hooks):
    """Unpickles a Parameter (``torch._utils._rebuild_parameter``)."""
    return Parameter(data, requires_grad)


class _BufferMeta(type(Tensor)):
    """Makes ``isinstance(t, nn.Buffer)`` true for the tensors ``Buffer(...)`` returns."""

    def __instancecheck__(cls, obj):
        if cls is Buffer:
            return isinstance(obj, Tensor) and getattr(obj, "_is_buffer", False)
        return super().__instancecheck__(obj)


class Buffer(Tensor, metaclass=_BufferMeta):
    """A Tensor that assigning to a Module attribute registers as a buffer (``persistent``
    says whether it goes into the state dict). The result is a plain Tensor."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        t = data.detach()
        if data.requires_grad:
            t.requires_grad_(True)
        t.persistent = persistent
        t._is_buffer = True
        return t


class UninitializedTensorMixin:
    """What uninitialized parameters and buffers share: `materialize` gives them uninitialised
    memory of a shape and turns them into their ``cls_to_become``; they print as
    ``<ClassName>``."""

    def materialize(self, shape, device=None, dtype=None):
        from .._creation import empty
        data = empty(shape, device=device or self.device, dtype=dtype or self.dtype)
        self._data, self._dtype = data._data, data._dtype
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return "<%s>" % type(self).__name__

    def __reduce_ex__(self, proto):
        return (type(self), (self.requires_grad,))

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
            "initialized one. Call `forward` to initialize the parameters before accessing their "
            "attributes.")

    def numel(self):
        raise self._unusable("numel")

    def dim(self):
        raise self._unusable("dim")

    def _unusable(self, method):
        """PyTorch's error for computing with an uninitialized parameter (ember raises it for
        the shape queries; ops on the empty placeholder fail on their own)."""
        kind = type(self).__name__
        return ValueError(
            "Attempted to use an uninitialized %s in <method '%s' of 'torch._C.TensorBase' "
            "objects>. This error happens when you are using a `LazyModule` or explicitly "
            "manipulating `torch.nn.parameter.%s` objects. When using LazyModules Call `forward` "
            "with a dummy batch to initialize the parameters before calling torch functions"
            % ("parameter" if "Parameter" in kind else "buffer", method, kind))


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is not known yet (lazy modules)."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from .._creation import empty
        return Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self.device, self.dtype)
        return memo[id(self)]


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (lazy modules)."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        from .._creation import empty
        t = _alias(cls, empty(0, device=device, dtype=dtype))
        t.persistent = persistent
        return t


def is_lazy(param):
    """Whether `param` is an uninitialized parameter or buffer."""
    return isinstance(param, UninitializedTensorMixin)
