"""Storages: the flat memory under tensors.

A tensor's ``_data`` is a NumPy (or CuPy) array that is a view into a root array (the one
that owns the memory). Every tensor viewing the same root shares that storage: the
storage object is derived from the root, so views never have to be told about it.
"""
import numpy as np

from . import _dtype as D


def root_of(a):
    """The array that owns `a`'s memory (looking through as_strided's wrapper objects)."""
    while True:
        b = a.base
        if b is not None and not isinstance(b, type(a)):
            b = getattr(b, "base", None)
        if not isinstance(b, type(a)):
            return a
        a = b


def _ptr(a):
    return a.__array_interface__["data"][0] if isinstance(a, np.ndarray) else a.data.ptr


def element_offset(a):
    """How many elements `a` starts after the start of its root."""
    root = root_of(a)
    return (_ptr(a) - _ptr(root)) // a.itemsize


def root_flat(a):
    """The whole root memory as a flat array of `a`'s dtype."""
    root = root_of(a)
    flat = root.reshape(-1) if root.flags.c_contiguous else root.ravel(order="K")
    return flat.view(a.dtype) if flat.dtype != a.dtype else flat


class UntypedStorage:
    """Bytes of memory shared by tensors (``torch.UntypedStorage``)."""

    def __init__(self, root, dtype=None):
        self._root = root
        self._dtype = dtype

    @property
    def _flat(self):
        return self._root.reshape(-1).view(np.uint8)

    def data_ptr(self):
        return _ptr(self._root)

    def nbytes(self):
        return self._root.nbytes

    def size(self):
        return self.nbytes()

    def __len__(self):
        return self.size()

    def element_size(self):
        return 1

    @property
    def device(self):
        from ._device import device_of
        return device_of(self._root)

    def tolist(self):
        return self._flat.tolist()

    def __getitem__(self, i):
        return int(self._flat[i])

    def __eq__(self, other):
        return isinstance(other, UntypedStorage) and self.data_ptr() == other.data_ptr()

    def __hash__(self):
        return hash(self.data_ptr())

    def __repr__(self):
        body = "\n".join(" %d" % v for v in self.tolist())
        return "%s\n[torch.storage.UntypedStorage(device=%s) of size %d]" % (
            body, self.device, self.size())

    def untyped(self):
        return self


class TypedStorage(UntypedStorage):
    """A storage seen as elements of one dtype (``tensor.storage()``)."""

    @property
    def dtype(self):
        return self._dtype

    @property
    def _flat(self):
        flat = self._root.reshape(-1)
        return flat.view(self._dtype.np) if flat.dtype != self._dtype.np else flat

    def size(self):
        return self._root.nbytes // self._dtype.itemsize

    def element_size(self):
        return self._dtype.itemsize

    def __getitem__(self, i):
        return self._flat[i].item()

    def __setitem__(self, i, v):
        self._flat[i] = v

    def untyped(self):
        return UntypedStorage(self._root)

    def __iter__(self):
        return iter(self.tolist())

    def __repr__(self):
        body = "\n".join(" %s" % v for v in self.tolist())
        tail = "[torch.storage.TypedStorage(dtype=%r, device=%s) of size %d]" % (
            self._dtype, self.device, self.size())
        return body + "\n" + tail if body else tail


def storage_of(a, dtype):
    return TypedStorage(root_of(a), dtype)


_LEGACY_STORAGE = {}


def legacy_storage_class(dt):
    """``torch.FloatStorage`` and friends: typed storages of one dtype."""
    cls = _LEGACY_STORAGE.get(dt.name)
    if cls is None:
        def __init__(self, *args):
            if len(args) == 1 and isinstance(args[0], (list, tuple)):
                root = np.asarray(args[0], dtype=dt.np)
            else:
                root = np.zeros(int(args[0]) if args else 0, dtype=dt.np)
            TypedStorage.__init__(self, root, dt)
        cls = type(dt._legacy.replace("Tensor", "Storage"), (TypedStorage,), {"__init__": __init__})
        _LEGACY_STORAGE[dt.name] = cls
    return cls


__all__ = ["UntypedStorage", "TypedStorage", "storage_of", "root_of", "element_offset", "D"]
