"""Dtype casts and device moves (differentiable: gradients flow back converted)."""
import numpy as np

from .. import _dtype as D
from .._device import array_module, contiguous, module_for
from ._op import Op, run


def round_bfloat16(a):
    """Rounds float32 values to bfloat16 precision (round to nearest even), kept as float32."""
    shape = np.shape(a)
    a = contiguous(a.astype(np.float32, copy=False)).reshape(shape)  # (keeps 0-d arrays 0-d)
    bits = a.view(np.uint32)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> 16) & np.uint32(1))) & np.uint32(0xFFFF0000)
    out = np.where(np.isnan(a), a, rounded.view(np.float32))
    return out.astype(np.float32, copy=False)


class ToCopyBackward0(Op):
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, a):
        self.in_dtype = a.dtype
        dt = self.dtype
        if dt.is_complex is False and a.dtype.kind == "c":
            a = a.real
        with np.errstate(invalid="ignore", over="ignore"):
            out = a.astype(dt.np)
        if dt is D.bfloat16:
            out = round_bfloat16(out)
        return out

    def backward(self, g):
        return g.to(self._in_meta[0][1]) if self._in_meta[0] is not None else None


def cast(t, dtype):
    out = run(ToCopyBackward0(dtype), t)
    out._dtype = dtype
    return out


class ToDevice(Op):
    def __init__(self, dev):
        self.dev = dev

    def forward(self, a):
        xp = module_for(self.dev)
        if xp is np:
            return a if array_module(a) is np else a.get()
        with xp.cuda.Device(self.dev.index or 0):
            return xp.asarray(a)

    def backward(self, g):
        return g.to(self._src)

    def name(self):
        return "ToCopyBackward0"


def to_device(t, dev):
    op = ToDevice(dev)
    op._src = t.device
    out = run(op, t)
    out._dtype = t._dtype
    return out
