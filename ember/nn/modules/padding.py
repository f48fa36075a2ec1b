"""Padding layers: constant/zero, reflection, replication and circular padding."""
from .. import _spatial as S
from .module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d"]


def _ntuple(v, n):
    if isinstance(v, (list, tuple)):
        return tuple(v)
    return (v,) * n


class _PadNd(Module):
    """Pads with F.pad in `mode`; `_n` is the number of padding values (2 per padded dim)."""
    __constants__ = ["padding"]
    _n = 2
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, self._n)

    def forward(self, input):
        return S.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return "%s" % (self.padding,)


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input):
        d = self._n // 2
        if input.dim() not in (d + 1, d + 2):
            raise ValueError("expected %dD or %dD input (got %dD input)"
                             % (d + 1, d + 2, input.dim()))
        return S.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Pads the last dim circularly."""
    _n = 2


class CircularPad2d(_CircularPadNd):
    """Pads the last 2 dims circularly."""
    _n = 4


class CircularPad3d(_CircularPadNd):
    """Pads the last 3 dims circularly."""
    _n = 6


class _ConstantPadNd(_PadNd):
    __constants__ = ["padding", "value"]

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return S.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return "padding=%s, value=%s" % (self.padding, self.value)


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with a constant."""
    _n = 2


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 dims with a constant."""
    _n = 4


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 dims with a constant."""
    _n = 6


class _ReflectionPadNd(_PadNd):
    _mode = "reflect"


class ReflectionPad1d(_ReflectionPadNd):
    """Pads the last dim with its reflection."""
    _n = 2


class ReflectionPad2d(_ReflectionPadNd):
    """Pads the last 2 dims with their reflection."""
    _n = 4


class ReflectionPad3d(_ReflectionPadNd):
    """Pads the last 3 dims with their reflection."""
    _n = 6


class _ReplicationPadNd(_PadNd):
    _mode = "replicate"


class ReplicationPad1d(_ReplicationPadNd):
    """Pads the last dim by repeating its edge values."""
    _n = 2


class ReplicationPad2d(_ReplicationPadNd):
    """Pads the last 2 dims by repeating their edge values."""
    _n = 4


class ReplicationPad3d(_ReplicationPadNd):
    """Pads the last 3 dims by repeating their edge values."""
    _n = 6


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return "%s" % (self.padding,)


class ZeroPad2d(ConstantPad2d):
    """Pads the last 2 dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return "%s" % (self.padding,)


class ZeroPad3d(ConstantPad3d):
    """Pads the last 3 dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return "%s" % (self.padding,)
