"""How tensors travel between processes: through shared memory, never copied.

``multiprocessing`` pickles what it sends (queues, pipes, process arguments under spawn)
with its ``ForkingPickler``. `init_reductions` registers reducers there, like PyTorch's
``torch/multiprocessing/reductions.py``, so only inter-process transfers use them; plain
``pickle`` (and ``ember.save``) keep using ``Tensor.__reduce_ex__``.

Sending a tensor moves its storage into shared memory (as PyTorch does) and sends the
segment's file descriptor (``multiprocessing.reduction.DupFd``) with the tensor's shape,
strides and offset. The receiver maps the same pages, so both processes see one storage.
"""
import sys
from multiprocessing.reduction import DupFd, ForkingPickler

import numpy as np

from .._storage import root_of
from .._tensor import Tensor
from . import _shared

__all__ = ["reduce_tensor", "rebuild_tensor", "reduce_segment", "rebuild_segment",
           "init_reductions"]


def reduce_segment(seg):
    """Sends a Segment as a duplicate of its file descriptor."""
    return (rebuild_segment, (DupFd(seg.fd), seg.nbytes))


def rebuild_segment(dup_fd, nbytes):
    return _shared.map_fd(dup_fd.detach(), nbytes)


def reduce_tensor(tensor):
    """The ForkingPickler reducer of Tensor: shares the storage, sends where it is."""
    if tensor._rg and tensor.grad_fn is not None:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
            "autograd does not support crossing process boundaries.  If you just want to "
            "transfer the data, call detach() on the tensor before serializing (e.g., putting "
            "it on the queue).")
    a = tensor._data
    if not isinstance(a, np.ndarray):  # a GPU array: sent by value, rebuilt on its device
        return (_rebuild_device_tensor, (type(tensor), a.get(), tensor._dtype, tensor._rg,
                                         str(tensor.device)))
    _shared.share_memory_(tensor)
    a = tensor._data
    root = root_of(a)
    offset = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return (rebuild_tensor, (type(tensor), root.base, a.dtype, a.shape, a.strides, offset,
                             tensor._dtype, tensor._rg))


def rebuild_tensor(cls, seg, np_dtype, shape, strides, offset, dtype, requires_grad):
    data = _shared.view(_shared.segment_root(seg), np_dtype, shape, strides, offset)
    return _wrap(cls, data, dtype, requires_grad)


def _rebuild_device_tensor(cls, host, dtype, requires_grad, device):
    from .._device import as_device, module_for
    return _wrap(cls, module_for(as_device(device)).asarray(host), dtype, requires_grad)


def _wrap(cls, data, dtype, requires_grad):
    if cls is Tensor:
        t = Tensor._make(data, dtype)
    else:
        t = object.__new__(cls)
        t._data, t._dtype = data, dtype
    if requires_grad:
        t._rg = True
    return t


def reduce_parameter(param):
    """nn.Parameter: shared in place, rebuilt as a Parameter over the same memory."""
    _shared.share_memory_(param)
    data = Tensor._make(param._data, param._dtype)
    return (_rebuild_parameter, (type(param), data, param._rg))


def _rebuild_parameter(cls, data, requires_grad):
    return cls(data, requires_grad)


def init_reductions():
    """Registers the reducers with multiprocessing's ForkingPickler.

    ``nn.Parameter`` gets its own reducer only if ``ember.nn`` is already imported (this
    module does not import it: it is heavy). Without it a Parameter still travels through
    shared memory, by its own ``__reduce_ex__`` over its data, but the sender's Parameter
    is not moved to shared memory until it is shared itself (``Module.share_memory()``).
    """
    ForkingPickler.register(_shared.Segment, reduce_segment)
    ForkingPickler.register(Tensor, reduce_tensor)
    parameter = sys.modules.get("ember.nn.parameter")
    if parameter is not None:
        ForkingPickler.register(parameter.Parameter, reduce_parameter)
