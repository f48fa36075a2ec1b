"""Pickling tensors: as PyTorch pickles them inside a checkpoint, or plainly elsewhere.

Inside ``ember.save`` the pickle must name PyTorch's globals (``torch._utils
_rebuild_tensor_v2``, ``torch FloatStorage``, ``torch float32``, ``torch Size``...) so that
``torch.load`` can read it. Python's pickler only writes the true module of an object, so
`TorchPickler` (built on the pure-Python pickler) writes those names itself for ember's
counterparts. Each tensor becomes a rebuild call over a storage; each storage is a
persistent id ``('storage', storage class, key, location, numel)`` whose bytes go in the
archive as ``data/<key>``: one record per root buffer, so views keep sharing memory.

Outside ``ember.save`` (``pickle.dumps``, ``copy.copy``, multiprocessing), `reduce_tensor`
pickles the tensor's root NumPy array with the view's offset and strides.
"""
import pickle
import types
from collections import OrderedDict

import numpy as np

from .. import _dtype as D
from .._device import device, device_of
from .._storage import TypedStorage, UntypedStorage, legacy_storage_class, root_of
from .._tensor import Size, Tensor
from . import rebuild as R


def _ptr(a):
    return a.__array_interface__["data"][0] if isinstance(a, np.ndarray) else a.data.ptr


def tensor_layout(t):
    """(root array, element offset, strides) of `t`'s data within its root buffer; the root
    is a copy of the data when the view cannot be described that way (negative strides,
    a root that is not one dense block, misaligned reinterpretations)."""
    a = t._data
    root = root_of(a)
    item = a.itemsize
    if root.flags.c_contiguous or root.flags.f_contiguous:
        nbytes = root.nbytes
        delta = _ptr(a) - _ptr(root)
        strides = a.strides
        if (nbytes % item == 0 and delta % item == 0 and delta >= 0
                and all(s >= 0 and s % item == 0 for s in strides)):
            end = delta + sum((n - 1) * s for n, s in zip(a.shape, strides)) + item
            if a.size == 0 or end <= nbytes:
                return root, delta // item, tuple(s // item for s in strides)
    copy = a.copy()   # C order
    return copy, 0, tuple(s // item for s in copy.strides)


def _user_state(t):
    """Python attributes set on a tensor by the user (ember's own are underscored)."""
    return {k: v for k, v in t.__dict__.items()
            if not k.startswith("_") and k not in ("grad_fn", "persistent")}


def reduce_tensor(t):
    """``Tensor.__reduce_ex__`` outside a checkpoint: the root array plus the view."""
    root, offset, stride = tensor_layout(t)
    return (R._rebuild_from_array,
            (root, t._dtype, offset, tuple(t._data.shape), stride, t._rg))


def _torch_names():
    """ember objects that must be pickled under PyTorch's names -> (module, name)."""
    names = {Size: ("torch", "Size"), device: ("torch", "device"), Tensor: ("torch", "Tensor"),
             UntypedStorage: ("torch.storage", "UntypedStorage"),
             R._rebuild_tensor_v2: ("torch._utils", "_rebuild_tensor_v2"),
             R._rebuild_tensor_v3: ("torch._utils", "_rebuild_tensor_v3"),
             R._rebuild_parameter: ("torch._utils", "_rebuild_parameter"),
             R._rebuild_parameter_with_state: ("torch._utils", "_rebuild_parameter_with_state"),
             R._rebuild_from_type_v2: ("torch._tensor", "_rebuild_from_type_v2")}
    for dt in D.ALL:
        names[dt] = ("torch", dt.name)
    for name, dt in R.STORAGE_NAMES.items():
        names[legacy_storage_class(dt)] = ("torch", name)
    try:
        from ..nn import parameter
        names[parameter._rebuild_parameter] = ("torch._utils", "_rebuild_parameter")
        names[parameter.Parameter] = ("torch.nn.parameter", "Parameter")
    except ImportError:   # nn not importable yet: only its rebuild function is missing
        pass
    return {id(k): (k, v) for k, v in names.items()}


_NAMES = []


def torch_names():
    if not _NAMES:
        _NAMES.append(_torch_names())
    return _NAMES[0]


class StorageRecords:
    """The storages met while pickling a checkpoint: key -> (flat array, dtype)."""

    def __init__(self, legacy=False):
        self.legacy = legacy   # pre-1.6 ids carry a sixth field (a storage view, always None)
        self.records = {}      # key -> (root array, dtype)
        self._keys = {}        # (id(root), dtype name) -> key
        self._np_type = {}     # id(root) -> NumPy dtype it was viewed as

    def persistent_id(self, storage):
        """The persistent id of an ember storage, registering its bytes under a new key."""
        root = storage._root
        dtype = storage._dtype if isinstance(storage, TypedStorage) else None
        np_type = dtype.np if dtype is not None else np.dtype(np.uint8)
        seen = self._np_type.setdefault(id(root), np_type)
        if seen != np_type:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data "
                               "as different types")
        ident = (id(root), dtype.name if dtype is not None else None)
        key = self._keys.get(ident)
        if key is None:
            key = self._keys[ident] = str(len(self._keys))
            self.records[key] = (root, dtype)
        if dtype is None:
            cls, numel = UntypedStorage, root.nbytes
        else:
            cls, numel = legacy_storage_class(dtype), root.nbytes // np_type.itemsize
        pid = ("storage", cls, key, str(device_of(root)), numel)
        return pid + (None,) if self.legacy else pid

    def storage_nbytes(self, key):
        """The size in the file of storage `key` (without encoding it)."""
        root, dtype = self.records[key]
        if dtype is None:
            return root.nbytes
        return root.nbytes // dtype.np.itemsize * dtype.itemsize

    def storage_bytes(self, key):
        """The bytes of storage `key` as PyTorch lays them out (a host uint8 buffer)."""
        root, dtype = self.records[key]
        if not isinstance(root, np.ndarray):
            root = root.get()
        flat = root.ravel(order="K")
        if dtype is not None and flat.dtype != dtype.np:
            flat = flat.view(dtype.np)
        if dtype is D.bfloat16:
            flat = R.encode_bfloat16(flat)
        return flat.view(np.uint8)


def reduce_for_checkpoint(t):
    """How a tensor is pickled inside a checkpoint: PyTorch's rebuild call over a storage."""
    root, offset, stride = tensor_layout(t)
    dtype = t._dtype
    hooks = OrderedDict()
    size = tuple(t._data.shape)
    if dtype.name in ("uint16", "uint32", "uint64"):
        storage = UntypedStorage(root)
        args = (storage, offset, size, stride, t._rg, hooks, dtype)
        fn = R._rebuild_tensor_v3
    else:
        storage = TypedStorage(root, dtype)
        args = (storage, offset, size, stride, t._rg, hooks)
        fn = R._rebuild_tensor_v2
    state = _user_state(t)
    if (type(t) is not Tensor and not hasattr(type(t), "_legacy_dtype")) or state:
        return (R._rebuild_from_type_v2, (fn, type(t), args, state))
    return (fn, args)


# attributes ember itself sets on tensors (anything else is user state, pickled with them)
_PLAIN_ATTRS = {"_data", "_dtype", "_rg", "_vc", "_base", "_view_fn", "grad_fn", "_grad",
                "_output_nr", "_accumulator", "_hooks", "_post_hooks", "_retains_grad"}
_TUPLE_OPS = (pickle.EMPTY_TUPLE, pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3)


class TorchPickler(pickle._Pickler):
    """A pickler that writes ember tensors, storages, dtypes and devices under PyTorch's
    names, sending storage bytes to `records`."""

    def __init__(self, file, protocol, records):
        super().__init__(file, protocol)
        self._records = records
        self._names = torch_names()

    def persistent_id(self, obj):
        if isinstance(obj, UntypedStorage):
            return self._records.persistent_id(obj)
        return None

    def save(self, obj, save_persistent_id=True):
        if type(obj) is Tensor and self.proto >= 2 and not obj.__dict__.keys() - _PLAIN_ATTRS:
            self._save_plain_tensor(obj)
        else:
            super().save(obj, save_persistent_id)

    def _save_plain_tensor(self, t):
        """The hot path of `reducer_override` for a plain tensor: writes the opcodes of
        ``_rebuild_tensor_v2((storage pid), offset, size, stride, requires_grad,
        OrderedDict())`` directly, memoizing what PyTorch's pickler memoizes (the output
        is byte for byte PyTorch's), about 3x faster than the general machinery."""
        x = self.memo.get(id(t))
        if x is not None:
            self.write(self.get(x[0]))
            return
        dtype = t._dtype
        if dtype.name in ("uint16", "uint32", "uint64"):
            super().save(t)
            return
        root, offset, stride = tensor_layout(t)
        write, save_int, memoize = self.write, self.save_long, self.memoize
        self.save(R._rebuild_tensor_v2)
        write(pickle.MARK)
        self.save_pers(self._records.persistent_id(TypedStorage(root, dtype)))
        save_int(offset)
        for seq in (tuple(t._data.shape), stride):
            if not seq:
                write(pickle.EMPTY_TUPLE)
                continue
            if len(seq) > 3:
                write(pickle.MARK)
            for v in seq:
                save_int(v)
            write(_TUPLE_OPS[len(seq)] if len(seq) <= 3 else pickle.TUPLE)
            memoize(seq)
        write(pickle.NEWTRUE if t._rg else pickle.NEWFALSE)
        self.save(OrderedDict)
        write(pickle.EMPTY_TUPLE + pickle.REDUCE)
        memoize(OrderedDict())    # the hooks dict
        write(pickle.TUPLE)
        memoize(object())         # the argument tuple
        write(pickle.REDUCE)
        memoize(t)

    def reducer_override(self, obj):
        t = type(obj)
        if t is Tensor or (isinstance(obj, Tensor) and t.__reduce_ex__ is Tensor.__reduce_ex__):
            return reduce_for_checkpoint(obj)
        if t is D.dtype:
            return obj.name
        if t is device:
            return (device, (str(obj),))
        return NotImplemented

    def save_global(self, obj, name=None):
        entry = self._names.get(id(obj))
        if entry is None or entry[0] is not obj:
            return super().save_global(obj, name)
        module, name = entry[1]
        if self.proto >= 4:
            self.save(module)
            self.save(name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + module.encode("utf-8") + b"\n" + name.encode("utf-8")
                       + b"\n")
        self.memoize(obj)


# the base class's dispatch table calls its own save_global for functions: route them to ours
TorchPickler.dispatch = dict(pickle._Pickler.dispatch)
TorchPickler.dispatch[types.FunctionType] = TorchPickler.save_global
