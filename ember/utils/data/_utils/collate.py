"""Collation: merging a list of samples into a batch (``default_collate``), and
``default_convert`` (NumPy arrays to tensors) used when batching is off.

`collate` walks the structure of the first sample (mappings, namedtuples, sequences) and
calls the function registered in `default_collate_fn_map` for the leaves (tensors, NumPy
arrays and scalars, numbers, strings).
"""
import collections
import copy
import os
import re

import numpy as np

import ember
from ember._tensor import Tensor

__all__ = ["collate", "collate_tensor_fn", "collate_numpy_array_fn", "collate_numpy_scalar_fn",
           "collate_float_fn", "collate_int_fn", "collate_str_fn", "default_collate",
           "default_collate_fn_map", "default_collate_err_msg_format", "default_convert"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, "
    "dicts or lists; found {}")


def default_convert(data):
    """Converts each NumPy array (or NumPy scalar) in `data` to a tensor, walking into
    mappings, namedtuples and sequences; anything else is returned unchanged."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if elem_type.__name__ == "ndarray" and \
                np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return ember.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # a list, as PyTorch returns
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map=None):
    """Collates a batch by the structure of its first element; leaves go to the function
    `collate_fn_map` registers for their type (exact type first, then isinstance in order)."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        def merged():
            return {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
                    for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(merged())
                return clone
            return elem_type(merged())
        except TypeError:
            return merged()
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map)
                           for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if len(set(map(len, batch))) != 1:
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map)
                              for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def _stack_fast(batch, shared):
    """Stacks CPU tensors of one shape and dtype with NumPy directly (what ``ember.stack``
    computes, minus its per-tensor overhead); in a worker (`shared`) the result is written
    straight into shared memory so it reaches the main process without another copy.
    None when the batch needs ``ember.stack`` (autograd, promotion, or its error message)."""
    elem = batch[0]
    shape, dtype = elem._data.shape, elem._dtype
    arrays = []
    for t in batch:
        a = t._data
        if type(a) is not np.ndarray or t._dtype is not dtype or t._rg or a.shape != shape:
            return None
        arrays.append(a)
    out_shape = (len(arrays),) + shape
    if shared:
        out = _shared_stack(arrays, out_shape, elem._data.dtype)
    else:
        out = np.empty(out_shape, elem._data.dtype)
        _copy_stacked(arrays, out)
    return Tensor._make(out, dtype)


def _copy_stacked(arrays, out):
    """Writes the same-shape `arrays` into `out`, one per row."""
    shape = arrays[0].shape
    if shape:
        # the samples laid end to end along their first dimension fill `out` row by row
        np.concatenate(arrays, out=out.reshape((len(arrays) * shape[0],) + shape[1:]))
    else:
        out[...] = arrays


def _shared_stack(arrays, out_shape, np_dtype):
    """The stack of `arrays` in a new shared-memory segment. ember-specific: C-contiguous
    samples are written with ``pwritev`` on the segment's file, which fills its fresh pages
    in the kernel instead of taking a page fault per page through the mapping (about twice
    as fast for a batch of images)."""
    from ember.multiprocessing import _shared
    seg = _shared.new_segment(int(np.prod(out_shape, dtype=np.int64)) * np_dtype.itemsize)
    out = _shared.view(_shared.segment_root(seg), np_dtype, out_shape, None, 0)
    if not (hasattr(os, "pwritev") and all(a.flags.c_contiguous for a in arrays)
            and _pwritev_all(seg.fd, arrays) == seg.nbytes):
        _copy_stacked(arrays, out)
    return out


def _pwritev_all(fd, arrays):
    """Writes `arrays` one after the other from the start of file `fd`; returns the bytes
    written (less than their size if the kernel wrote less at some point)."""
    iov_max = os.sysconf("SC_IOV_MAX") if "SC_IOV_MAX" in os.sysconf_names else 16
    written = 0
    for start in range(0, len(arrays), iov_max):
        chunk = arrays[start:start + iov_max]
        n = os.pwritev(fd, chunk, written)
        written += n
        if n != sum(a.nbytes for a in chunk):
            break
    return written


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Stacks tensors along a new first dimension (into shared memory in a worker)."""
    from .worker import get_worker_info
    out = _stack_fast(batch, get_worker_info() is not None)
    return out if out is not None else ember.stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([ember.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return ember.as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None):
    return ember.tensor(batch, dtype=ember.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return ember.tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Puts each data field into a tensor with an outer batch dimension: tensors are
    stacked, NumPy arrays and numbers become tensors (floats as float64), strings and bytes
    stay lists, and mappings, namedtuples and sequences are collated field by field."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
