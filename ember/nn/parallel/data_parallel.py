"""``nn.DataParallel`` and ``nn.parallel.data_parallel``.

Without GPUs (and, for now, with them too) the wrapped module runs on one device: on the
CPU it is simply called, on CUDA the module and inputs live on ``device_ids[0]``.
"""
from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


def _cuda_available():
    from ... import cuda
    return cuda.is_available()


def _device_index(d):
    if isinstance(d, int):
        return d
    from ..._device import as_device
    return as_device(d).index or 0


class DataParallel(Module):
    """Implements data parallelism at the module level; on a machine without GPUs it calls
    the wrapped module."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not _cuda_available():
            self.module = module
            self.device_ids = []
            return
        from ... import cuda
        if device_ids is None:
            device_ids = list(range(cuda.device_count()))
        if output_device is None:
            output_device = device_ids[0]
        self.dim = dim
        self.module = module
        self.device_ids = [_device_index(x) for x in device_ids]
        self.output_device = _device_index(output_device)
        from ..._device import device
        self.src_device_obj = device("cuda", self.device_ids[0])
        if len(self.device_ids) == 1:
            self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError("module must have its parameters and buffers on device %s "
                                   "(device_ids[0]) but found one of them on device: %s"
                                   % (self.src_device_obj, t.device))
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """Evaluates ``module(*inputs)`` (the functional form of DataParallel)."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
