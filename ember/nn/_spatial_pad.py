"""``F.pad``: constant, reflect, replicate and circular padding (negative sizes crop).

Constant padding is its own adjoint up to sign: its gradient is the same op with the pads
negated. The other modes read the input through one index array per padded dim (`TakeDims`);
their gradient adds the output back along those indices (`TakeDimsAdjoint`).
"""
import numpy as np

from .._device import array_module
from ..ops._op import Op, run

__all__ = ["pad"]


class ConstantPadNdBackward0(Op):
    """Pads (or, for negative sizes, crops) the trailing dims with a constant."""

    def __init__(self, pairs, value):
        self.pairs, self.value = pairs, value      # pairs: [(lo, hi)] for each dim, first dim first

    def forward(self, x):
        lead = x.ndim - len(self.pairs)
        crop = tuple(slice(max(-lo, 0), n - max(-hi, 0))
                     for n, (lo, hi) in zip(x.shape[lead:], self.pairs))
        x = x[(Ellipsis,) + crop]
        widths = [(0, 0)] * lead + [(max(lo, 0), max(hi, 0)) for lo, hi in self.pairs]
        if not any(w != (0, 0) for w in widths):
            return x.copy()
        out = array_module(x).full(tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, widths)), self.value,
                      dtype=x.dtype)
        out[tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape, widths))] = x
        return out

    def backward(self, g):
        return run(ConstantPadNdBackward0([(-lo, -hi) for lo, hi in self.pairs], 0), g)


class TakeDims(Op):
    """x[..., idx_1, ..., idx_k]: the trailing dims read through index arrays."""

    def __init__(self, idxs, node):
        self.idxs, self.node = idxs, node

    def forward(self, x):
        self.in_shape = x.shape
        lead = x.ndim - len(self.idxs)
        xp = array_module(x)
        for i, idx in enumerate(self.idxs):
            x = xp.take(x, xp.asarray(idx), axis=lead + i)
        return x

    def backward(self, g):
        return run(TakeDimsAdjoint(self.idxs, self.in_shape[len(self.in_shape) - len(self.idxs):],
                                   self.node), g)

    def name(self):
        return self.node


class TakeDimsAdjoint(Op):
    """The adjoint of `TakeDims`: values added back at their source indices."""

    def __init__(self, idxs, sizes, node):
        self.idxs, self.sizes, self.node = idxs, sizes, node

    def forward(self, g):
        lead = g.ndim - len(self.idxs)
        for i in reversed(range(len(self.idxs))):
            ax = lead + i
            shape = list(g.shape)
            shape[ax] = self.sizes[i]
            out = array_module(g).zeros(shape, dtype=g.dtype)
            np.add.at(out, (slice(None),) * ax + (self.idxs[i],), g)
            g = out
        return g

    def backward(self, gg):
        return run(TakeDims(self.idxs, self.node), gg)

    def name(self):
        return self.node.replace("Backward0", "BackwardBackward0")


def _source_index(n, lo, hi, mode):
    if mode == "circular":      # negative pads crop first; the rest wraps around the crop
        start, m = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
        return np.arange(-max(lo, 0), m + max(hi, 0)) % m + start
    q = np.arange(-lo, n + hi)
    if mode == "reflect":
        q = np.abs(q)
        return np.where(q >= n, 2 * (n - 1) - q, q)
    return np.clip(q, 0, n - 1)     # replicate


_SUPPORTED = ("Supported combinations for non-constant padding:\n"
              "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
              "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
              "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def pad(input, pad, mode="constant", value=None):
    """Pads the last ``len(pad) // 2`` dims: ``pad = (left_last, right_last, left_prev, ...)``."""
    x = input
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError("Unrecognised padding mode %s" % mode)
    k = len(pad) // 2
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(k)][::-1]   # first padded dim first
    nd = x.dim()
    if mode == "constant":
        if len(pad) > 2 * nd:
            raise RuntimeError("Padding length should be less than or equal to two times the "
                               "input dimension but got padding length %d and input of dimension "
                               "%d" % (len(pad), nd))
        for (lo, hi), n in zip(pairs, x.shape[nd - k:]):
            if n + lo + hi < 0:
                raise RuntimeError("The input size %d, plus negative padding %d and %d resulted "
                                   "in a negative output size, which is invalid. Check dimension "
                                   "%d of your input." % (n, lo, hi, nd - k))
        v = 0 if value is None else value
        if not x.dtype.is_floating_point and not x.dtype.is_complex:
            v = int(v)
        return run(ConstantPadNdBackward0(pairs, v), x)
    if value is not None and value != 0:
        raise RuntimeError('Padding mode "%s" doesn\'t take in value argument' % mode)
    if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
        raise NotImplementedError("Padding size %d is not supported for %dD input tensor.\n%s"
                                  % (len(pad), nd, _SUPPORTED))
    sizes = x.shape[nd - k:]
    for i, ((lo, hi), n) in enumerate(zip(pairs, sizes)):
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError("Argument #4: Padding size should be less than the corresponding "
                               "input dimension, but got: padding (%d, %d) at dimension %d of "
                               "input %s" % (lo, hi, nd - k + i, list(x.shape)))
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    idxs = [_source_index(n, lo, hi, mode) for (lo, hi), n in zip(pairs, sizes)]
    node = {"reflect": "ReflectionPad%dDBackward0", "replicate": "ReplicationPad%dDBackward0",
            "circular": "CopySlices"}[mode]
    return run(TakeDims(idxs, node if mode == "circular" else node % k), x)
