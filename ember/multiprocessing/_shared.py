"""Shared memory for tensors: blocks of memory that several processes map at once.

A `Segment` is an anonymous shared file (``memfd_create`` on Linux, an unlinked file in
``/dev/shm`` elsewhere) mapped with ``MAP_SHARED``. It keeps its file descriptor open, so
it can be handed to another process (see `reductions.py`), which maps the same pages:
writes in one process are seen by all, nothing is copied.

Every segment has one root array (`SharedRoot`, bytes), and tensors over it hold plain
NumPy views of that root. ember finds a tensor's storage by walking ``.base`` up to the
array that owns the memory (`ember._storage.root_of`); for shared tensors that is the
`SharedRoot`, whose ``_ember_shared`` flag is what ``Tensor.is_shared()`` reads.
"""
import ctypes
import mmap
import os
import sys
import tempfile
import threading
import weakref

import numpy as np

from .._storage import root_of

_LOCK = threading.Lock()
# key -> Segment, for every segment alive in this process (made here or received), so that
# a segment received twice is mapped once and its tensors keep sharing one storage.
_SEGMENTS = weakref.WeakValueDictionary()
_MMAP_KW = {"trackfd": False} if sys.version_info >= (3, 13) else {}


class SharedRoot(np.ndarray):
    """The byte array over a whole segment. Only the root itself says it is shared: arrays
    NumPy derives from it (copies) get ``_ember_shared = False``."""

    _ember_shared = False

    def __array_finalize__(self, obj):
        self._ember_shared = False


class Segment(mmap.mmap):
    """A block of shared memory; ``fd`` is its file, ``key`` names it across processes."""

    fd = -1
    key = None
    nbytes = 0
    _root_ref = None

    def __del__(self):
        fd, self.fd = self.fd, -1
        if fd >= 0:
            try:
                os.close(fd)
            except (OSError, TypeError):  # TypeError: interpreter shutdown
                pass


def _new_file(nbytes):
    """A fresh file descriptor of `nbytes` bytes of shared memory, with no name on disk."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("ember_shm")
    else:
        folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
        fd, path = tempfile.mkstemp(prefix="ember_shm_", dir=folder)
        os.unlink(path)
    try:
        os.ftruncate(fd, max(nbytes, 1))
    except OSError:
        os.close(fd)
        raise
    return fd


def map_fd(fd, nbytes):
    """Maps the shared file `fd` (taking ownership of it) as a Segment, or returns the
    segment already mapped for that file in this process (then `fd` is closed)."""
    st = os.fstat(fd)
    key = (st.st_dev, st.st_ino)
    with _LOCK:
        seg = _SEGMENTS.get(key)
        if seg is not None:
            os.close(fd)
            return seg
        try:
            seg = Segment(fd, max(nbytes, 1), **_MMAP_KW)
        except BaseException:
            os.close(fd)
            raise
        seg.fd, seg.key, seg.nbytes = fd, key, nbytes
        _SEGMENTS[key] = seg
    return seg


def new_segment(nbytes):
    """A new zero-filled Segment of `nbytes` bytes."""
    return map_fd(_new_file(nbytes), nbytes)


def segment_root(seg):
    """The SharedRoot (uint8 array) over the whole segment; one per segment."""
    root = seg._root_ref() if seg._root_ref is not None else None
    if root is None:
        root = np.ndarray.__new__(SharedRoot, (seg.nbytes,), np.uint8, buffer=seg)
        root._ember_shared = True
        seg._root_ref = weakref.ref(root)  # a strong ref would make a cycle through .base
    return root


def view(root, np_dtype, shape, strides, offset):
    """A plain ndarray over `root`'s bytes, starting `offset` bytes in."""
    return np.ndarray(shape, np_dtype, buffer=root, offset=offset, strides=strides)


def empty(shape, np_dtype):
    """A C-contiguous array of `shape` in a new segment (DataLoader workers collate into
    these so that batches reach the main process without a copy)."""
    np_dtype = np.dtype(np_dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * np_dtype.itemsize
    return view(segment_root(new_segment(nbytes)), np_dtype, shape, None, 0)


def _ptr(a):
    return a.__array_interface__["data"][0]


def byte_bounds(a):
    """(low, high): the addresses of the first byte and one past the last byte of `a`."""
    low = high = _ptr(a)
    if a.size == 0:
        return low, low
    for n, s in zip(a.shape, a.strides):
        if s < 0:
            low += s * (n - 1)
        else:
            high += s * (n - 1)
    return low, high + a.itemsize


def is_shared_array(a):
    """Whether the array `a` lives in a shared-memory segment."""
    return isinstance(a, np.ndarray) and getattr(root_of(a), "_ember_shared", False)


def segment_of(a):
    """The Segment under the shared array `a`."""
    return root_of(a).base


# id(old root array) -> (weakref to it, low address, high address, SharedRoot): memory
# already moved into a segment, so that other tensors still viewing the old memory join
# the same segment when they are shared in turn (instead of getting a copy of their own).
_MOVED = {}


def _record_move(old_root, low, high, root):
    key = id(old_root)
    try:
        ref = weakref.ref(old_root, lambda _, key=key: _MOVED.pop(key, None))
    except TypeError:  # an array type without weakref support: nothing to remember
        return
    _MOVED[key] = (ref, low, high, root)


def _moved_segment(data):
    """(low, root) if the memory of `data` was already moved into a segment, else None."""
    old_root = root_of(data)
    entry = _MOVED.get(id(old_root))
    if entry is None or entry[0]() is not old_root:
        return None
    _, low, high, root = entry
    t_low, t_high = byte_bounds(data)
    return (low, root) if low <= t_low and t_high <= high else None


def share_memory_(tensor):
    """``Tensor.share_memory_()``: moves the tensor's storage into shared memory, in place.

    The storage is the memory of the tensor this one is a view of (its ``_base``), or else
    of the tensor itself; both tensors then use the shared copy. No-op when the memory is
    already shared, and for CUDA tensors (as in PyTorch). ember-specific: other views of
    the same memory keep using the old copy until they are shared (or sent) themselves,
    which puts them on the same shared copy.
    """
    data = tensor._data
    if not isinstance(data, np.ndarray) or is_shared_array(data):
        return tensor
    moved = _moved_segment(data)
    if moved is not None:
        low, root = moved
        tensor._data = view(root, data.dtype, data.shape, data.strides, _ptr(data) - low)
        return tensor
    owner = tensor._base if tensor._base is not None else tensor
    if is_shared_array(owner._data) or root_of(owner._data) is not root_of(data):
        owner = tensor  # the base's memory was replaced meanwhile
    low, high = byte_bounds(owner._data)
    root = segment_root(new_segment(high - low))
    if high > low:
        ctypes.memmove(_ptr(root), low, high - low)
    _record_move(root_of(data), low, high, root)
    for t in {id(owner): owner, id(tensor): tensor}.values():
        a = t._data
        t._data = view(root, a.dtype, a.shape, a.strides, _ptr(a) - low)
    return tensor


def is_shared(tensor):
    """``Tensor.is_shared()``."""
    return is_shared_array(tensor._data)
