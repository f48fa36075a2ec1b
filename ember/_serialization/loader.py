"""Reading checkpoints: the zip format, the pre-1.6 format, and where storages go.

``load`` in ember/serialization.py picks the format and the unpickler; this module turns
persistent ids into storages (reading their bytes from the archive), applies
``map_location``, and maps PyTorch's pickled global names onto ember's objects.
"""
import importlib
import io
import pickle
import struct
import sys

import numpy as np

from .. import _dtype as D
from .._device import device
from .._storage import TypedStorage, UntypedStorage
from . import rebuild as R
from .safe_unpickler import SafeUnpickler, base_globals

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001


# --- where storages go (map_location) -------------------------------------------------------
def _target_device(location):
    """The device a storage saved at `location` ('cpu', 'cuda:1') is restored to; None for
    the CPU. Raises PyTorch's errors for devices this machine does not have."""
    if isinstance(location, bytes):
        location = location.decode("ascii")
    if isinstance(location, device):
        location = str(location)
    if not isinstance(location, str):
        raise RuntimeError("invalid storage location in checkpoint: %r" % (location,))
    if location == "cpu":
        return None
    dev = device(location)
    if dev.type == "cuda":
        from .. import cuda
        if not cuda.is_available():
            raise RuntimeError("Attempting to deserialize object on a CUDA device but "
                               "torch.cuda.is_available() is False. If you are running on a "
                               "CPU-only machine, please use torch.load with "
                               "map_location=torch.device('cpu') to map your storages to the "
                               "CPU.")
        count = cuda.device_count()
        if (dev.index or 0) >= count:
            raise RuntimeError("Attempting to deserialize object on CUDA device %d but "
                               "torch.cuda.device_count() is %d. Please use torch.load with "
                               "map_location to map your storages to an existing device."
                               % (dev.index or 0, count))
        return dev
    if dev.type == "cpu":
        return None
    raise RuntimeError("don't know how to restore data location of torch.storage.UntypedStorage "
                       "(tagged with %s)" % location)


def default_restore_location(storage, location):
    """Marks `storage` (on the CPU) to be moved to the device named by `location`."""
    storage._ember_device = _target_device(location)
    return storage


def restore_function(map_location):
    """``map_location`` (None, str, device, dict or callable) -> f(storage, location)."""
    if map_location is None:
        return default_restore_location
    if isinstance(map_location, dict):
        return lambda s, loc: default_restore_location(s, map_location.get(loc, loc))
    if isinstance(map_location, (str, bytes, device)):
        return lambda s, loc: default_restore_location(s, map_location)
    if not callable(map_location):
        raise TypeError("map_location must be a string, device, dict or callable, got %s"
                        % type(map_location).__name__)

    def restore(storage, location):
        result = map_location(storage, location)
        if result is None:
            return default_restore_location(storage, location)
        if not isinstance(result, UntypedStorage):
            raise TypeError("map_location should return a storage or None, got %s"
                            % type(result).__name__)
        return result
    return restore


def _device_for_location(restore):
    """For rebuild functions that name a device themselves: location -> device or None."""
    def target(location):
        probe = TypedStorage(np.empty(0, np.uint8), D.uint8)
        return getattr(restore(probe, location), "_ember_device", None)
    return target


# --- storages from bytes --------------------------------------------------------------------
def decode_storage(raw, dtype, byteorder):
    """The flat ember array of a storage from its raw little/big-endian bytes."""
    swap = byteorder is not None and byteorder != sys.byteorder and dtype.itemsize > 1
    if dtype is D.bfloat16:
        bits = raw.view(np.uint16)
        return R.decode_bfloat16(bits.byteswap() if swap else bits)
    flat = raw.view(dtype.np)
    return flat.byteswap() if swap else flat


def _check_pid(pid, size):
    if type(pid) is not tuple or len(pid) != size:
        raise pickle.UnpicklingError("invalid persistent id in checkpoint: %r" % (pid,))
    typename = pid[0].decode("ascii") if isinstance(pid[0], bytes) else pid[0]
    if typename != "storage":
        raise RuntimeError("Unknown saved id type: %s" % (pid[0],))
    stype, key, location, numel = pid[1:5]
    if isinstance(stype, R.StorageType):
        dtype = stype.dtype
    else:
        raise pickle.UnpicklingError("invalid storage type in checkpoint: %r" % (stype,))
    if isinstance(key, bytes):
        key = key.decode("ascii")
    if type(key) is not str or type(numel) is not int or numel < 0:
        raise pickle.UnpicklingError("invalid storage record in checkpoint: %r" % (pid,))
    return dtype, key, location, numel


class ZipStorages:
    """persistent_load for the zip format: storages read from ``data/<key>`` records."""

    def __init__(self, reader, restore, byteorder, mmap=None):
        self._reader = reader
        self._restore = restore
        self._byteorder = byteorder
        self._mmap = mmap
        self._loaded = {}

    def __call__(self, pid):
        dtype, key, location, numel = _check_pid(pid, 5)
        st = self._loaded.get(key)
        if st is not None:
            if st._dtype is not dtype and st._root.dtype == np.uint8 and dtype is not D.uint8:
                raise RuntimeError("storage %s is used with two dtypes" % key)
            return st
        name = "data/" + key
        nbytes = numel * dtype.itemsize
        if self._mmap is not None:
            if self._reader.record_size(name) < nbytes:
                raise RuntimeError("PytorchStreamReader failed reading file %s: record is too "
                                   "short" % name)
            start = self._reader.data_offset(name)
            if start + nbytes > self._mmap.shape[0]:
                raise RuntimeError("PytorchStreamReader failed reading file %s: file is "
                                   "truncated" % name)
            raw = self._mmap[start:start + nbytes]
        else:
            size = self._reader.record_size(name)
            if size != nbytes:   # PyTorch's check (a memory-mapped load only needs enough)
                raise RuntimeError(
                    "PytorchStreamReader failed reading file %s: record size (%d bytes) does not "
                    "match expected size (%d bytes = %d elements * %d bytes/element) for dtype %s"
                    % (name, size, nbytes, numel, dtype.itemsize, dtype))
            raw = self._reader.read_array(name, nbytes)
        st = TypedStorage(decode_storage(raw, dtype, self._byteorder), dtype)
        st = self._restore(st, location)
        self._loaded[key] = st
        return st


class LegacyStorages:
    """persistent_load for the pre-1.6 format: storages allocated now, filled afterwards."""

    def __init__(self, restore, limit, allow_modules):
        self._restore = restore
        self._limit = limit            # no storage may be larger than the whole file
        self._allow_modules = allow_modules
        self.roots = {}                # key -> TypedStorage (to fill from the file)
        self._views = {}

    def __call__(self, pid):
        if type(pid) is tuple and pid and pid[0] in ("module", b"module"):
            if not self._allow_modules or len(pid) < 2:
                raise pickle.UnpicklingError("Only persistent_load of storage is allowed")
            return pid[1]
        dtype, key, location, numel = _check_pid(pid, 6)
        view = pid[5]
        st = self.roots.get(key)
        if st is None:
            if numel * dtype.itemsize > self._limit:
                raise RuntimeError("storage %s of %d elements does not fit in the file"
                                   % (key, numel))
            flat = np.zeros(numel, dtype=dtype.np)
            st = self._restore(TypedStorage(flat, dtype), location)
            if getattr(st, "_ember_device", None) is not None:
                raise RuntimeError("ember loads legacy (pre-1.6 format) checkpoints on the CPU "
                                   "only: pass map_location='cpu'")
            self.roots[key] = st
        if view is None:
            return st
        view_key, offset, size = view
        out = self._views.get(view_key)
        if out is None:
            if type(offset) is not int or type(size) is not int or offset < 0 or size < 0 or \
                    offset + size > st._root.shape[0]:
                raise RuntimeError("invalid storage view in checkpoint")
            out = self._views[view_key] = TypedStorage(st._root[offset:offset + size], dtype)
        return out


def fill_legacy_storages(data, pos, keys, roots, byteorder):
    """Reads each storage's bytes (an int64 element count, then the elements) into place."""
    if not isinstance(keys, list):
        raise RuntimeError("invalid storage key list in checkpoint")
    for key in keys:
        st = roots.get(key) if isinstance(key, str) else None
        if st is None:
            raise RuntimeError("storage key %r not found in checkpoint" % (key,))
        if pos + 8 > len(data):
            raise RuntimeError("checkpoint is truncated (storage %s)" % key)
        (numel,) = struct.unpack_from("<q", data, pos)
        flat = st._root
        if numel != flat.shape[0]:
            raise RuntimeError("storage has wrong byte size: expected %d got %d"
                               % (flat.shape[0], numel))
        n = numel * st._dtype.itemsize
        pos += 8
        if pos + n > len(data):
            raise RuntimeError("checkpoint is truncated (storage %s)" % key)
        raw = np.frombuffer(data, dtype=np.uint8, count=n, offset=pos)
        flat[:] = decode_storage(raw, st._dtype, byteorder)
        pos += n
    return pos


# --- global names -----------------------------------------------------------------------------
_GLOBALS = []


def torch_globals():
    """PyTorch's pickled names that every load understands -> ember objects."""
    if not _GLOBALS:
        names = base_globals()
        names.update(R.torch_globals())
        try:
            from ..nn.parameter import Parameter
            names["torch.nn.parameter.Parameter"] = Parameter
        except ImportError:
            pass
        _GLOBALS.append(names)
    return _GLOBALS[0]


def ember_module_name(module):
    """'torch.nn.modules.linear' -> 'ember.nn.modules.linear'; torchvision -> ember.vision."""
    if module == "torch" or module.startswith("torch."):
        return "ember" + module[len("torch"):]
    if module == "torchvision" or module.startswith("torchvision."):
        return "ember.vision" + module[len("torchvision"):]
    return module


def find_ember_global(module, name):
    """The ember object for a PyTorch global (any module), trying parent packages when ember
    lays its files out differently (``torch.nn.modules.linear.Linear`` -> ``ember.nn.Linear``)."""
    parts = ember_module_name(module).split(".")
    for n in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:n]))
            for attr in name.split("."):
                obj = getattr(obj, attr)
            return obj
        except (ImportError, AttributeError):
            continue
    raise AttributeError("ember has no %s.%s yet" % (module, name))


def full_unpickler(pickle_module):
    """An unpickler class (``weights_only=False``) that maps PyTorch names onto ember."""
    class Unpickler(pickle_module.Unpickler):
        def find_class(self, module, name):
            obj = torch_globals().get("%s.%s" % (module, name))
            if obj is not None:
                return obj
            if isinstance(name, str) and name.endswith("Storage") and module == "torch":
                raise RuntimeError("ember does not support %s" % name)
            if module.split(".")[0] in ("torch", "torchvision"):
                return find_ember_global(module, name)
            return super().find_class(module, name)
    return Unpickler


def unpickle(data, pos, weights_only, persistent_load, pickle_module, safe_globals,
             **load_args):
    """Unpickles the pickle starting at `pos` in `data` (bytes) with the restricted or the
    full unpickler; returns the object and where its pickle ended."""
    if weights_only:
        from .._tensor import Tensor
        allowed = dict(torch_globals())
        allowed.update(safe_globals)
        u = SafeUnpickler(data, allowed, persistent_load, tensor_types=(Tensor,),
                          encoding=load_args.get("encoding", "utf-8"), start=pos)
        return u.load(), u._pos
    buf = io.BytesIO(data)
    buf.seek(pos)
    u = full_unpickler(pickle_module)(buf, **load_args)
    if persistent_load is not None:
        u.persistent_load = persistent_load
    return u.load(), buf.tell()
