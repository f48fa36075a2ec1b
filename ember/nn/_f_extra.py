"""``F.channel_shuffle``, ``F.native_channel_shuffle`` and ``F.linear_cross_entropy``."""
import math
import warnings

from .. import _dtype as D
from ..ops._op import Op, run
from ._f_basic import linear
from ._f_loss import cross_entropy

__all__ = ["channel_shuffle", "native_channel_shuffle", "linear_cross_entropy"]


# --- channel shuffle ---------------------------------------------------------------------------

def _shuffle_array(x, groups):
    """(N, g, C/g, *) transposed to (N, C/g, g, *), as a fresh array of x's shape."""
    n, c = x.shape[0], x.shape[1]
    if c == 0 or x.size == 0:
        return x.copy()
    split = x.reshape((n, groups, c // groups) + x.shape[2:])
    return split.swapaxes(1, 2).reshape(x.shape)


class ChannelShuffleOp(Op):
    """Channel shuffle; its gradient is the inverse shuffle (C/g groups), itself an op."""

    def __init__(self, groups):
        self.groups = groups

    def forward(self, x):
        self.channels = x.shape[1]
        return _shuffle_array(x, self.groups)

    def backward(self, g):
        inverse = self.channels // self.groups if self.channels else 1
        return run(ChannelShuffleOp(inverse), g)

    def name(self):
        return "ChannelShuffleBackward0"


class NativeChannelShuffleOp(ChannelShuffleOp):
    """``torch.native_channel_shuffle``: the same values, but PyTorch defines no derivative."""

    def backward(self, g):
        raise RuntimeError("derivative for aten::native_channel_shuffle is not implemented")

    def name(self):
        return "torch::autograd::NotImplemented"


def _check_shuffle(input, groups):
    if input.dim() <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           "sizes %s" % list(input.shape))
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           "groups:%d" % groups)
    if input.shape[1] % groups:
        raise RuntimeError("Number of channels must be divisible by groups. Got %d channels and "
                           "%d groups." % (input.shape[1], groups))


def channel_shuffle(input, groups):
    """Divides the channels of (N, C, *) into `groups` and interleaves them."""
    _check_shuffle(input, groups)
    return run(ChannelShuffleOp(int(groups)), input)


def native_channel_shuffle(input, groups):
    """`channel_shuffle` without a derivative (its backward raises, as PyTorch's)."""
    _check_shuffle(input, groups)
    return run(NativeChannelShuffleOp(int(groups)), input)


# --- linear followed by cross entropy ----------------------------------------------------------

def _check_linear_ce(input, linear_weight, linear_bias):
    """PyTorch's shape checks; returns (batch dims, in_features, classes, out_features)."""
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError("expected input with dimensionality 1 or 2, got %d" % input.dim())
    if linear_weight.dim() < 2:
        raise RuntimeError("expected linear_weight with dimensionality at least 2, got %d"
                           % linear_weight.dim())
    batch, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions "
                           "(in_features), got %d and %d, respectively"
                           % (in_features, linear_weight.shape[-1]))
    classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (classes,) + out_features:
        raise RuntimeError("expected linear_bias shape %s, got %s"
                           % ((classes,) + out_features, tuple(linear_bias.shape)))
    if out_features and not batch:
        raise RuntimeError("K-dimensional loss defined by linear_weight shape %s requires batched "
                           "input, (N, %d), got unbatched input with shape %s"
                           % (tuple(linear_weight.shape), in_features, tuple(input.shape)))
    return batch, in_features, classes, out_features


def _chunked_path_applies(options, out_features, reduction, label_smoothing, target,
                          linear_bias):
    """Whether PyTorch would take its chunked path; warns (as PyTorch) when options are
    given but cannot be honoured."""
    if options is None:
        return False
    ok = (not out_features and reduction in ("mean", "sum", "none") and label_smoothing == 0.0
          and target._dtype is D.int64)
    if not ok:
        warnings.warn("linear_cross_entropy: ``options`` ignored; chunked path needs reduction in "
                      "{'mean','sum','none'}, label_smoothing == 0, target.dtype == int64, "
                      "out_features == (). Got reduction=%r, label_smoothing=%s, target.dtype=%s, "
                      "out_features=%s, tracing=False, linear_bias.shape=%s."
                      % (reduction, label_smoothing, target.dtype, out_features,
                         None if linear_bias is None else tuple(linear_bias.shape)),
                      stacklevel=3)
    return ok


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
                         reduction="mean", ignore_index=None, label_smoothing=0.0, options=None):
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``, the logits
    reshaped to (*batch, C, *out_features) for a multi-dimensional weight.

    ``ignore_index=None`` means -100 for class-index targets and is required for probability
    targets. ember always computes the reference path: `options` (PyTorch's chunking, which
    only saves memory) is validated and otherwise changes nothing but PyTorch's warning.
    """
    batch, in_features, classes, out_features = _check_linear_ce(input, linear_weight,
                                                                 linear_bias)
    logits_shape = batch + (classes,) + out_features
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    ignore_index = -100 if ignore_index is None else ignore_index
    if _chunked_path_applies(options, out_features, reduction, label_smoothing, target,
                             linear_bias):
        options._adjust(math.prod(batch) if batch else 1, in_features, classes, input.dtype,
                        input.device)
    if out_features:
        rows = math.prod(out_features) * classes
        linear_weight = linear_weight.reshape((rows, in_features))
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(rows)
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=ignore_index, label_smoothing=label_smoothing)
