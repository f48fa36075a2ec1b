"""Devices and the one backend seam: every op asks for the array module of its data.

`numpy` serves the CPU; `cupy` (optional) serves CUDA devices. Nothing else in ember
branches on the device: it calls `array_module(array)` or `module_for(device)`.
"""
import builtins

import numpy as np


class device:
    """``torch.device('cpu')``, ``device('cuda:1')``, ``device('cuda', 1)``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError("device() received an invalid combination of arguments - got (%s)"
                            % builtins.type(type).__name__)
        if ":" in type:
            if index is not None:
                raise RuntimeError("type (string) must not include an index because index was "
                                   "passed explicitly: " + type)
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError("Invalid device string: '%s:%s'" % (type, idx))
            index = int(idx)
        if type not in ("cpu", "cuda", "mps", "meta", "xpu"):
            raise RuntimeError("Expected one of cpu, cuda, mps, meta, xpu device type at start of "
                               "device string: " + type)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type, self.index = type, index

    def __repr__(self):
        if self.index is None:
            return "device(type='%s')" % self.type
        return "device(type='%s', index=%d)" % (self.type, self.index)

    def __str__(self):
        return self.type if self.index is None else "%s:%d" % (self.type, self.index)

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        """``with torch.device('cuda'):`` makes factories without ``device=`` build there."""
        _default_stack.append(_default[0])
        _default[0] = self
        return self

    def __exit__(self, *exc):
        _default[0] = _default_stack.pop()
        return False


CPU = device("cpu")

# The device of factories called without ``device=``; None stands for the CPU, so the
# common case costs one lookup.
_default = [None]
_default_stack = []


def set_default_device(device):
    """``torch.set_default_device``: None or 'cpu' restores the CPU."""
    _default[0] = None if device is None else as_device(device)


def get_default_device():
    """``torch.get_default_device``: a CUDA default reports the current CUDA index."""
    dev = _default[0]
    if dev is None:
        return CPU
    if dev.type == "cuda" and dev.index is None:
        from . import cuda
        return device("cuda", cuda.current_device())
    return dev


def factory_device(device):
    """The device a factory builds on: `device`, else the default (None for the CPU)."""
    return _default[0] if device is None else device


def as_device(d):
    """None, a string, an int (a CUDA index) or a device -> a device."""
    if d is None:
        return CPU
    if isinstance(d, device):
        return d
    return device(d)


def _cupy():
    try:
        import cupy
        return cupy
    except Exception:  # noqa: BLE001  no CuPy or no driver: CUDA is simply unavailable
        return None


def cuda_available():
    cp = _cupy()
    if cp is None:
        return False
    try:
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001
        return False


def module_for(dev):
    """The array module (numpy or cupy) that holds tensors of device `dev`."""
    if dev.type == "cpu":
        return np
    if dev.type == "cuda" and cuda_available():
        return _cupy()
    raise AssertionError("Torch not compiled with CUDA enabled")


def array_module(arr):
    """numpy for host arrays, cupy for CuPy's (recognised by the module of their type)."""
    return _cupy() if type(arr).__module__.startswith("cupy") else np


def on_host(kernel):
    """`kernel`, written for NumPy only, made to accept device arrays: they are copied to the
    host, and the arrays it returns are copied back to the device of the first of them. For
    host arrays it is `kernel` itself, plus one check."""
    def call(*args, **kwargs):
        for a in args:
            if type(a).__module__.startswith("cupy"):
                xp = array_module(a)
                host = [x.get() if type(x).__module__.startswith("cupy") else x for x in args]
                return _to_module(kernel(*host, **kwargs), xp)
        return kernel(*args, **kwargs)
    call.__name__, call.__doc__ = kernel.__name__, kernel.__doc__
    return call


def _to_module(result, xp):
    if isinstance(result, tuple):
        return tuple(_to_module(r, xp) for r in result)
    if isinstance(result, (np.ndarray, np.generic)):
        return xp.asarray(result)
    return result


def contiguous(arr):
    """`arr` in C order (itself when it already is), on its own device."""
    return array_module(arr).ascontiguousarray(arr)


def strided_view(arr, shape, strides):
    """A view of `arr` with the given shape and byte strides, on the array's own device."""
    return array_module(arr).lib.stride_tricks.as_strided(arr, tuple(shape), tuple(strides))


def device_of(arr):
    if not type(arr).__module__.startswith("cupy"):
        return CPU
    return device("cuda", arr.device.id)
