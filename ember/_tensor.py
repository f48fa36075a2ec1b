"""The Tensor: an array (``_data``), its dtype, and its place in the autograd graph.

The class stays thin: math methods are the functions of `ember.ops` attached in
`_tensor_methods.py`; this file holds what is about the tensor itself (metadata, memory,
conversions, autograd state, Python protocols).
"""
import math
import sys
import warnings

import numpy as np

from . import _dtype as D
from ._device import array_module, as_device, device, device_of, module_for
from ._storage import TypedStorage, UntypedStorage, element_offset, root_of, storage_of
from .autograd import grad_mode
from .ops import _op

_BY_NP = D._BY_NP
_state = grad_mode.state


class Size(tuple):
    """``torch.Size``: a tuple of ints that prints as ``torch.Size([2, 3])``."""

    __module__ = "ember"

    def __new__(cls, seq=()):
        return tuple.__new__(cls, (int(s) for s in seq))

    def __repr__(self):
        return "torch.Size([%s])" % ", ".join(str(s) for s in self)

    def numel(self):
        return math.prod(self)

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __reduce__(self):
        return (Size, (tuple(self),))


_tuple_new = tuple.__new__


class _LegacyMeta(type):
    """Makes ``isinstance(t, torch.FloatTensor)`` test the dtype, as in PyTorch.

    Only the legacy classes use it: ``isinstance(x, Tensor)`` keeps Python's fast C check."""

    def __instancecheck__(cls, obj):
        legacy = cls.__dict__.get("_legacy_dtype")
        if legacy is None:
            return type.__instancecheck__(cls, obj)
        return isinstance(obj, Tensor) and obj._dtype is legacy and obj.device.type == cls._dev


class Tensor:
    """A multi-dimensional array with autograd. ``torch.Tensor(*sizes)`` / ``Tensor(data)``
    are the legacy constructors (default dtype)."""

    __module__ = "ember"   # prints as <class 'ember.Tensor'>, pickles by that name
    # every tensor has these two; the rest live in a __dict__ made only when first set
    __slots__ = ("_data", "_dtype", "__dict__", "__weakref__")

    # class-level defaults keep _make cheap: a fresh tensor only sets _data and _dtype
    _rg = False
    grad_fn = None
    _grad = None
    _vc = None             # version counter [n], shared by views; created on first need
    _base = None           # the tensor this one is a view of
    _view_fn = None        # rebuilds this view from _base (for in-place ops on views)
    _output_nr = 0
    _accumulator = None
    _hooks = None
    _post_hooks = None
    _retains_grad = False
    _is_param = False
    _dev = "cpu"
    __array_priority__ = 1000

    def __new__(cls, *args, **kwargs):
        dtype = getattr(cls, "_legacy_dtype", None)
        dev = kwargs.pop("device", None) or ("cuda" if cls._dev == "cuda" else None)
        if dtype is None:
            dtype = kwargs.pop("dtype", None) or D.get_default_dtype()
        return _legacy_new(cls, dtype, args, dev)

    def __init__(self, *args, **kwargs):
        pass

    @classmethod
    def _make(cls, data, dtype=None):
        t = object.__new__(cls)
        t._data = data
        t._dtype = dtype or _BY_NP[data.dtype]
        return t

    @staticmethod
    def _zeros(shape, dtype, xp_like):
        return Tensor._make(array_module(xp_like).zeros(shape, dtype=dtype.np), dtype)

    # --- metadata ---------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return _tuple_new(Size, self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return _tuple_new(Size, self._data.shape)
        from .ops._op import norm_dim
        return self._data.shape[norm_dim(dim, self._data.ndim)]

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    is_sparse = False
    is_quantized = False
    is_meta = False
    is_mkldnn = False
    layout = "torch.strided"

    def get_device(self):
        d = self.device
        return -1 if d.type == "cpu" else d.index

    @property
    def _xp(self):
        return array_module(self._data)

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_complex(self):
        return self._dtype.is_complex

    def is_signed(self):
        return self._dtype.is_signed

    def element_size(self):
        return self._dtype.itemsize

    @property
    def itemsize(self):
        return self._dtype.itemsize

    @property
    def nbytes(self):
        return self._data.size * self._dtype.itemsize

    # --- memory -----------------------------------------------------------------------------
    def stride(self, dim=None):
        a = self._data
        if a.size == 0:   # NumPy gives empty arrays zero strides; PyTorch the contiguous ones
            st = [1] * a.ndim
            for i in range(a.ndim - 2, -1, -1):
                st[i] = st[i + 1] * max(a.shape[i + 1], 1)
        else:
            st = [s // a.itemsize for s in a.strides]
        for i in range(a.ndim - 1, -1, -1):
            if st[i] == 0 and a.shape[i] == 1:  # a new axis: PyTorch gives it the next dim's span
                st[i] = st[i + 1] * a.shape[i + 1] if i + 1 < a.ndim else 1
        st = tuple(st)
        if dim is None:
            return st
        from .ops._op import norm_dim
        return st[norm_dim(dim, self._data.ndim)]

    def storage_offset(self):
        return element_offset(self._data)

    def storage(self):
        return storage_of(self._data, self._dtype)

    def untyped_storage(self):
        return UntypedStorage(root_of(self._data))

    _typed_storage = storage

    def data_ptr(self):
        a = self._data
        return a.__array_interface__["data"][0] if isinstance(a, np.ndarray) else a.data.ptr

    def is_contiguous(self, memory_format=None):
        a = self._data
        if a.flags.c_contiguous:
            return True
        # PyTorch ignores the strides of size-1 dims
        expected = 1
        for n, s in reversed(list(zip(a.shape, a.strides))):
            if n != 1 and s != expected * a.itemsize:
                return n == 0
            expected *= n
        return True

    def contiguous(self, memory_format=None):
        if self.is_contiguous():
            return self
        return self.clone()

    def is_shared(self):
        return getattr(root_of(self._data), "_ember_shared", False)

    def _bump(self):
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1

    @property
    def _version(self):
        return self._vc[0] if self._vc is not None else 0

    # --- autograd state ---------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        flag = bool(requires_grad)
        if not flag and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if flag and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
        self._rg = flag
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want"
                " the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you "
                "access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for "
                "more informations. (Triggered internally at "
                "/pytorch/build/aten/src/ATen/core/TensorBody.h:489.)", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of "
                                "type %s" % type(value).__name__)
            if value.shape != self.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._dtype is not self._dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def data(self):
        """This tensor's memory outside the graph, with its own version counter."""
        return self._alias()

    def _alias(self):
        t = Tensor._make(self._data, self._dtype)
        if self._dtype.is_complex and self.__dict__.get("_conj_bit", False):
            t._conj_bit = True
        return t

    @data.setter
    def data(self, value):
        self._data = value._data
        self._dtype = value._dtype

    def detach(self):
        """A tensor sharing this one's memory (and version counter), outside the graph."""
        t = self._alias()
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        return t

    def detach_(self):
        if self._base is not None and self._base._rg:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._rg = False
        self._output_nr = 0
        return self

    def retain_grad(self):
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True

        def keep(g, t=self):
            t._grad = g.detach().clone() if t._grad is None else t._grad + g
        self.grad_fn._add_pre_hook(self._output_nr, keep)

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """Runs ``hook(grad)`` each time this tensor's gradient is computed; it may return a
        replacement gradient."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from .autograd.graph import RemovableHandle
        if self.grad_fn is not None:
            return self.grad_fn._add_pre_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        from .autograd.graph import RemovableHandle
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(hook)
        return RemovableHandle(self._post_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Computes the gradient of this tensor w.r.t. graph leaves (accumulated in ``.grad``)."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # --- conversions ------------------------------------------------------------------------
    def numpy(self, *, force=False):
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if array_module(self._data) is not np:
            if not force:
                raise TypeError("can't convert %s device type tensor to numpy. Use Tensor.cpu() "
                                "to copy the tensor to host memory first." % self.device)
            return self._data.get()
        if self._dtype is D.bfloat16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self.detach().cpu()._data
        return a if dtype is None else a.astype(dtype, copy=False)

    def tolist(self):
        return _host(self._data).tolist()

    def item(self):
        if self._data.size != 1:
            raise RuntimeError("a Tensor with %d elements cannot be converted to Scalar"
                               % self._data.size)
        return _host(self._data).reshape(-1)[0].item()

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __complex__(self):
        return complex(self._scalar("complex"))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with %s values is ambiguous"
                               % ("no" if self._data.size == 0 else "more than one"))
        return bool(_host(self._data).reshape(-1)[0])

    def __index__(self):
        if self._dtype.is_floating_point or self._dtype.is_complex or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(_host(self._data).reshape(-1)[0])

    def _scalar(self, kind):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return _host(self._data).reshape(-1)[0]

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __getattr__(self, name):
        # Tensor.softmax, .relu, ... are installed by ember.nn: load it once, then look again
        if not name.startswith("__") and "ember.nn" not in sys.modules:
            import importlib
            importlib.import_module("ember.nn")
            return getattr(self, name)
        raise AttributeError("'Tensor' object has no attribute '%s'" % name)

    def __contains__(self, element):
        return bool((self == element).any())

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec):
        if self._data.ndim == 0 and type(self) is Tensor:   # a Parameter prints as itself
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, proto):
        from .serialization import reduce_tensor
        return reduce_tensor(self)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.  If you were attempting to "
                               "deepcopy a module, this may be because of a torch.nn.utils.weight_"
                               "norm usage, see https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        t = type(self).__new__(type(self)) if type(self) is not Tensor else \
            Tensor._make(self._data.copy(), self._dtype)
        if type(self) is not Tensor:
            t._data, t._dtype = self._data.copy(), self._dtype
        t._rg = self._rg
        if self._grad is not None:
            import copy
            t._grad = copy.deepcopy(self._grad, memo)
        for k, v in self.__dict__.items():
            if k not in ("_data", "_dtype", "_rg", "_grad", "_vc", "_accumulator", "grad_fn",
                         "_base", "_view_fn"):
                import copy
                setattr(t, k, copy.deepcopy(v, memo))
        memo[id(self)] = t
        return t

    # --- dtype and device conversion -----------------------------------------------------------
    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device, dtype=None)``, ``to(other)``; returns self when nothing
        changes (unless ``copy=True``)."""
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError("to() got an unexpected keyword argument '%s'" % next(iter(kwargs)))
        for a in args:
            if isinstance(a, D.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype, dev = a._dtype, a.device
            elif isinstance(a, bool):       # to(device, dtype, non_blocking, copy)
                pass
            elif isinstance(a, (str, device, int)):
                dev = a
            elif a is not None:
                dtype = D.to_dtype(a)
        t = self
        if dev is not None:
            dev = as_device(dev)
            if dev != t.device and not (dev.type == t.device.type and dev.index is None):
                from .ops.convert import to_device
                t = to_device(t, dev)
        if dtype is not None and dtype is not t._dtype:
            from .ops.convert import cast
            t = cast(t, dtype)
        if copy and t is self:
            t = self.clone()
        return t

    def type(self, dtype=None, non_blocking=False, **kwargs):
        if dtype is None:
            prefix = "torch.cuda." if self.device.type == "cuda" else "torch."
            return prefix + self._dtype._legacy
        if isinstance(dtype, str):
            cuda = dtype.startswith("torch.cuda.")
            name = dtype.split(".")[-1]
            dt = D._BY_LEGACY.get(name) or D.to_dtype(dtype)
            t = self.to(dt)
            return t.cuda() if cuda else (t.cpu() if dtype.startswith("torch.") else t)
        if isinstance(dtype, type) and issubclass(dtype, Tensor) and hasattr(dtype, "_legacy_dtype"):
            t = self.to(dtype._legacy_dtype)
            return t.cuda() if dtype._dev == "cuda" else t.cpu()
        return self.to(D.to_dtype(dtype))

    def type_as(self, other):
        return self.to(other._dtype).to(other.device)

    def cpu(self, memory_format=None):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        if device is None:
            from . import cuda as _cuda
            device = _cuda.current_device() if _cuda.is_available() else 0
        if isinstance(device, int):
            device = "cuda:%d" % device
        dev = as_device(device)
        if dev.type != "cuda":
            raise RuntimeError("Invalid device, must be cuda device")
        module_for(dev)
        return self.to(dev)

    def float(self, memory_format=None):
        return self.to(D.float32)

    def double(self, memory_format=None):
        return self.to(D.float64)

    def half(self, memory_format=None):
        return self.to(D.float16)

    def bfloat16(self, memory_format=None):
        return self.to(D.bfloat16)

    def long(self, memory_format=None):
        return self.to(D.int64)

    def int(self, memory_format=None):
        return self.to(D.int32)

    def short(self, memory_format=None):
        return self.to(D.int16)

    def char(self, memory_format=None):
        return self.to(D.int8)

    def byte(self, memory_format=None):
        return self.to(D.uint8)

    def bool(self, memory_format=None):
        return self.to(D.bool_)

    def cfloat(self):
        return self.to(D.complex64)

    def cdouble(self):
        return self.to(D.complex128)


def _host(a):
    return a if isinstance(a, np.ndarray) else a.get()


def _legacy_new(cls, dtype, args, dev):
    """The legacy constructors: ``Tensor(*sizes)``, ``Tensor(data)``, ``Tensor(Size)``,
    ``Tensor(storage)``, ``Tensor(other)``."""
    xp = module_for(as_device(dev)) if dev is not None else np
    if len(args) == 1:
        a = args[0]
        if isinstance(a, TypedStorage) or isinstance(a, UntypedStorage):
            flat = a._root.reshape(-1)
            flat = flat.view(dtype.np) if flat.dtype != dtype.np else flat
            return Tensor._make(flat, dtype)
        if isinstance(a, Size):
            return Tensor._make(xp.empty(tuple(a), dtype=dtype.np), dtype)
        if isinstance(a, Tensor):
            if a._dtype is not dtype:
                raise TypeError("expected %s (got %s)" % (_legacy_type_name(dtype, "cpu"),
                                                          a.type()))
            return a.detach()
        if isinstance(a, np.ndarray):
            if a.dtype == dtype.np and dtype is not D.bfloat16:
                return Tensor._make(a, dtype)
            return Tensor._make(a.astype(dtype.np), dtype)
        if isinstance(a, (list, tuple)) or hasattr(a, "__array__") or hasattr(a, "__len__"):
            from ._creation import tensor
            return tensor(a, dtype=dtype, device=dev)
    for s in args:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError("new() received an invalid combination of arguments - got (%s)"
                            % ", ".join(type(x).__name__ for x in args))
        if s < 0:
            raise RuntimeError("Trying to create tensor with negative dimension %d: %s"
                               % (s, list(args)))
    shape = tuple(int(s) for s in args) if args else (0,)   # Tensor() is empty, not 0-d
    return Tensor._make(xp.empty(shape, dtype=dtype.np), dtype)


def _legacy_type_name(dt, dev):
    return ("torch.cuda." if dev == "cuda" else "torch.") + dt._legacy


def _legacy_class(dt, dev="cpu"):
    """``torch.FloatTensor`` and friends: constructors of one dtype; ``isinstance`` tests it."""
    return _LegacyMeta(dt._legacy, (Tensor,), {"_legacy_dtype": dt, "_dev": dev,
                                                "__module__": "torch" if dev == "cpu"
                                                else "torch.cuda"})


_op.Tensor = Tensor

LEGACY = {dt._legacy: _legacy_class(dt) for dt in D.ALL}
LEGACY_CUDA = {dt._legacy: _legacy_class(dt, "cuda") for dt in D.ALL}
