"""Rebuilding tensors while unpickling: ember's versions of ``torch._utils._rebuild_*``.

A checkpoint pickles a tensor as a call ``_rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, hooks)``, the storage coming from the archive (a persistent id). The loader
maps PyTorch's global names onto these functions. They check every argument, because under
``weights_only=True`` the file is untrusted: a bad value raises an error, never builds a
tensor that reads outside its storage.
"""
import threading
from collections import OrderedDict

import numpy as np

from .. import _dtype as D
from .._storage import TypedStorage
from .._tensor import Tensor


class StorageType:
    """What a pickled ``torch.FloatStorage`` (or another legacy storage class) stands for:
    only its dtype matters when loading."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __repr__(self):
        return "StorageType(dtype=%r)" % self.dtype


# storage class names as PyTorch pickles them -> element dtype
STORAGE_NAMES = {dt._legacy.replace("Tensor", "Storage"): dt for dt in D.ALL
                 if not dt.name.startswith("uint") or dt is D.uint8}


def storage_type(name):
    """The StorageType of a storage class name ('FloatStorage', 'UntypedStorage')."""
    if name == "UntypedStorage":
        return StorageType(D.uint8)
    return StorageType(STORAGE_NAMES[name])


def _check_ints(name, values):
    if not isinstance(values, (tuple, list)) or not all(type(v) is int for v in values):
        raise RuntimeError("invalid %s in checkpoint: %r" % (name, values))
    return tuple(values)


def _flat_of(storage, dtype):
    """The flat array of a loaded storage, seen as `dtype` elements."""
    if not isinstance(storage, TypedStorage):
        raise RuntimeError("expected a storage to rebuild a tensor, got %s"
                           % type(storage).__name__)
    flat = storage._root
    if storage._dtype is dtype:
        return flat
    # only raw bytes (an untyped storage) may be reinterpreted
    if flat.dtype != np.uint8 or storage._dtype is not D.uint8 or flat.nbytes % dtype.itemsize:
        raise RuntimeError("cannot view a %s storage of %d bytes as %s"
                           % (storage._dtype, flat.nbytes, dtype))
    return decode_bfloat16(flat) if dtype is D.bfloat16 else flat.view(dtype.np)


def decode_bfloat16(raw):
    """2-byte bfloat16 values (as uint8 or uint16) -> float32 array (ember's bfloat16)."""
    bits = raw.view("<u2") if raw.dtype == np.uint8 else raw
    return (bits.astype(np.uint32) << 16).view(np.float32)


def encode_bfloat16(flat):
    """ember's bfloat16 (float32 values already rounded) -> 2-byte bfloat16 values."""
    return (np.ascontiguousarray(flat).view(np.uint32) >> 16).astype("<u2")


def _contiguous_strides(size):
    strides, step = [], 1
    for n in reversed(size):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def strided_view(flat, offset, size, stride):
    """The tensor data ``as_strided(flat, size, stride, offset)``, checked to stay inside.
    No strides (None or empty), as PyTorch's ``set_`` takes them, mean contiguous ones."""
    size = _check_ints("size", size)
    if stride is None or (isinstance(stride, (tuple, list)) and not stride):
        stride = _contiguous_strides(size)
    stride = _check_ints("stride", stride)
    if type(offset) is not int or offset < 0 or len(size) != len(stride):
        raise RuntimeError("invalid storage offset or stride in checkpoint")
    if any(s < 0 for s in size):
        raise RuntimeError("negative sizes in checkpoint: %r" % (size,))
    n = flat.shape[0]
    if 0 in size:       # no element is read: any offset and strides do, as in PyTorch
        at = min(offset, n)     # (ember cannot place an empty view past the storage's end)
        if not isinstance(flat, np.ndarray):
            return flat[at:at].reshape(size)
        strides = stride if all(s >= 0 for s in stride) else None
        return np.ndarray(size, dtype=flat.dtype, buffer=flat, offset=at * flat.itemsize,
                          strides=None if strides is None else
                          tuple(s * flat.itemsize for s in strides))
    if any(s < 0 for s in stride):
        raise RuntimeError("negative strides in checkpoint: %r" % (stride,))
    if offset + sum((d - 1) * s for d, s in zip(size, stride)) >= n:
        last = offset + sum((d - 1) * s for d, s in zip(size, stride))   # the last element
        raise RuntimeError("setStorage: sizes %s, strides %s, storage offset %d, and itemsize "
                           "%d requiring a storage size of %d are out of bounds for storage of "
                           "size %d" % (list(size), list(stride), offset, flat.itemsize,
                                        (last + 1) * flat.itemsize, n * flat.itemsize))
    item = flat.itemsize
    if isinstance(flat, np.ndarray):
        return np.ndarray(size, dtype=flat.dtype, buffer=flat, offset=offset * item,
                          strides=tuple(s * item for s in stride))
    xp = __import__(type(flat).__module__.split(".")[0])
    return xp.lib.stride_tricks.as_strided(flat[offset:], size, tuple(s * item for s in stride))


class LoadState(threading.local):
    """Per-thread state of the load in progress: where storages saved at a location go."""
    restore = None     # location string -> ember device, or None to stay on the CPU


LOAD_STATE = LoadState()


def _finish(t, dev, requires_grad):
    """Moves a rebuilt tensor to its device and sets requires_grad."""
    if dev is not None:
        t = t.to(dev)
    if type(requires_grad) is not bool:
        raise RuntimeError("requires_grad must be a bool (checkpoint has %r)" % (requires_grad,))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _device_of(storage):
    return getattr(storage, "_ember_device", None)


def _rebuild_tensor(storage, storage_offset, size, stride):
    """``torch._utils._rebuild_tensor``."""
    dtype = getattr(storage, "_dtype", None) or D.uint8
    data = strided_view(_flat_of(storage, dtype), storage_offset, size, stride)
    return _finish(Tensor._make(data, dtype), _device_of(storage), False)


def apply_metadata(data, dtype, metadata):
    """``torch._utils.set_tensor_metadata``: PyTorch saves a lazy conjugate or negative view
    (its conj and neg bits) with ``{'conj': True}`` or ``{'neg': True}``. ember has no such
    bits: the values are conjugated or negated into a copy."""
    if not metadata:
        return data
    if not isinstance(metadata, dict):
        raise RuntimeError("invalid tensor metadata in checkpoint: expected dict, got %s"
                           % type(metadata).__name__)
    for key, value in metadata.items():
        if type(key) is not str or not isinstance(value, (bool, int, float, type(None))):
            raise RuntimeError("invalid tensor metadata in checkpoint: %r" % (metadata,))
    if "conj" in metadata:
        if not dtype.is_complex:
            raise RuntimeError("cannot set the conjugate bit of a %s tensor (checkpoint "
                               "metadata %r)" % (dtype, metadata))
        if metadata["conj"]:
            data = np.conj(data)
    if metadata.get("neg"):
        data = np.negative(data)
    return data


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    """``torch._utils._rebuild_tensor_v2``: a tensor over a storage of the archive."""
    if not isinstance(storage, TypedStorage):
        raise RuntimeError("expected a typed storage, got %s" % type(storage).__name__)
    dtype = storage._dtype
    data = strided_view(_flat_of(storage, dtype), storage_offset, size, stride)
    data = apply_metadata(data, dtype, metadata)
    return _finish(Tensor._make(data, dtype), _device_of(storage), requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    """``torch._utils._rebuild_tensor_v3``: like v2, with the dtype given apart (uint16...)."""
    if not isinstance(dtype, D.dtype):
        raise RuntimeError("invalid dtype in checkpoint: %r" % (dtype,))
    data = strided_view(_flat_of(storage, dtype), storage_offset, size, stride)
    data = apply_metadata(data, dtype, metadata)
    return _finish(Tensor._make(data, dtype), _device_of(storage), requires_grad)


def _parameter_class():
    from ..nn.parameter import Parameter
    return Parameter


def _rebuild_parameter(data, requires_grad, backward_hooks):
    """``torch._utils._rebuild_parameter``."""
    if not isinstance(data, Tensor):
        raise RuntimeError("expected a tensor to rebuild a Parameter, got %s"
                           % type(data).__name__)
    if type(requires_grad) is not bool:
        raise RuntimeError("requires_grad of a Parameter must be a bool (checkpoint has %r)"
                           % (requires_grad,))
    return _parameter_class()(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """``torch._utils._rebuild_parameter_with_state``: a Parameter with Python attributes."""
    return set_obj_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


def set_obj_state(obj, state):
    """Restores Python attributes saved with a tensor; internal names are refused."""
    if state is None:
        return obj
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    for part in (state, slots):
        if not part:
            continue
        if not isinstance(part, dict):
            raise RuntimeError("invalid tensor state in checkpoint")
        for k, v in part.items():
            if not isinstance(k, str) or k.startswith("_") or hasattr(type(obj), k):
                raise RuntimeError("cannot restore attribute %r of a tensor" % (k,))
            obj.__dict__[k] = v
    return obj


def as_subclass(t, cls):
    """`t` as an instance of the Tensor subclass `cls` (sharing its memory)."""
    if type(t) is cls:
        return t
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise RuntimeError("cannot rebuild a tensor as %r" % (cls,))
    if cls is Tensor:
        out = Tensor._make(t._data, t._dtype)
        out._rg = t._rg
        return out
    if cls is _parameter_class():
        return cls(t, t.requires_grad)
    out = object.__new__(cls)
    out._data, out._dtype, out._rg = t._data, t._dtype, t._rg
    return out


def _rebuild_from_type_v2(func, new_type, args, state):
    """``torch._tensor._rebuild_from_type_v2``: a tensor subclass or a tensor with attributes."""
    if func not in REBUILD_FUNCTIONS.values() or not isinstance(args, tuple):
        raise RuntimeError("invalid tensor rebuild function in checkpoint: %r" % (func,))
    return set_obj_state(as_subclass(func(*args), new_type), state)


def _rebuild_from_type(func, type, args, dict):
    """``torch._tensor._rebuild_from_type`` (older files)."""
    return _rebuild_from_type_v2(func, type, args, dict)


def _rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    """``torch._utils._rebuild_device_tensor_from_cpu_tensor``."""
    if not isinstance(data, Tensor) or not isinstance(dtype, D.dtype):
        raise RuntimeError("invalid device tensor in checkpoint")
    restore = LOAD_STATE.restore
    dev = restore(str(device)) if restore is not None else None
    return _finish(data.to(dtype=dtype), dev, requires_grad)


def _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad):
    """Meta tensors have no data; ember gives zeros of the same shape."""
    from .._creation import zeros
    if not isinstance(dtype, D.dtype):
        raise RuntimeError("invalid dtype in checkpoint: %r" % (dtype,))
    return zeros(_check_ints("size", size), dtype=dtype, requires_grad=bool(requires_grad))


def _unsupported(kind):
    def rebuild(*args, **kwargs):
        raise RuntimeError("ember cannot load %s tensors from a checkpoint" % kind)
    rebuild.__name__ = "_rebuild_" + kind
    return rebuild


def _get_layout(name):
    """``torch.serialization._get_layout``: ember only has the strided layout."""
    if name != "torch.strided":
        raise RuntimeError("ember does not support the %s layout" % name)
    return "torch.strided"


def _rebuild_from_array(array, dtype, offset, size, stride, requires_grad):
    """Rebuilds a tensor pickled by plain `pickle`/`copy` (ember's own format): `array` is
    the memory the tensor views (shared by the views pickled with it)."""
    flat = array.ravel(order="K")
    if flat.dtype != dtype.np:
        flat = flat.view(dtype.np)
    t = Tensor._make(strided_view(flat, offset, size, stride), dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


REBUILD_FUNCTIONS = {
    "_rebuild_tensor": _rebuild_tensor,
    "_rebuild_tensor_v2": _rebuild_tensor_v2,
    "_rebuild_tensor_v3": _rebuild_tensor_v3,
    "_rebuild_parameter": _rebuild_parameter,
    "_rebuild_parameter_with_state": _rebuild_parameter_with_state,
    "_rebuild_device_tensor_from_cpu_tensor": _rebuild_device_tensor_from_cpu_tensor,
    "_rebuild_meta_tensor_no_storage": _rebuild_meta_tensor_no_storage,
    "_rebuild_qtensor": _unsupported("quantized"),
    "_rebuild_sparse_tensor": _unsupported("sparse"),
    "_rebuild_nested_tensor": _unsupported("nested"),
    "_rebuild_wrapper_subclass": _unsupported("wrapper_subclass"),
    "_rebuild_device_tensor_from_numpy": _unsupported("numpy_device"),
}


def torch_globals():
    """PyTorch's pickled global names that a weights-only load may use -> ember objects."""
    from .._device import device
    from .._tensor import Size
    names = {
        "collections.OrderedDict": OrderedDict,
        "torch.Size": Size,
        "torch.Tensor": Tensor,
        "torch._tensor.Tensor": Tensor,
        "torch.device": device,
        "torch.serialization._get_layout": _get_layout,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.storage.UntypedStorage": StorageType(D.uint8),
        "torch.UntypedStorage": StorageType(D.uint8),
    }
    for name, fn in REBUILD_FUNCTIONS.items():
        names["torch._utils." + name] = fn
    for name, dt in STORAGE_NAMES.items():
        names["torch." + name] = StorageType(dt)
    for dt in D.ALL:
        names["torch." + dt.name] = dt
    return names
