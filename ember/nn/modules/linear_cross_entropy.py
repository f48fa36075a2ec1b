"""``nn.LinearCrossEntropyLoss``: a bias-optional Linear producing the logits, followed by
cross entropy, in one criterion (``F.linear_cross_entropy``)."""
import math

from .. import functional as F
from .linear import Linear
from .loss import _WeightedLoss

__all__ = ["LinearCrossEntropyLoss"]


class LinearCrossEntropyLoss(_WeightedLoss):
    """Cross entropy of ``linear(input)`` against `target`.

    The weight is stored flat in ``self.linear`` (``(C * prod(out_features), in_features)``)
    and viewed as ``(C, *out_features, in_features)`` in forward, as in PyTorch, so seeded
    layers start from PyTorch's weights and state dicts have its keys.
    """

    __constants__ = ["num_classes", "out_features", "reduction", "ignore_index",
                     "label_smoothing"]

    def __init__(self, in_features, num_classes, *, out_features=(), bias=False, device=None,
                 dtype=None, reduction="mean", weight=None, ignore_index=None,
                 label_smoothing=0.0, options=None):
        if weight is not None and weight.shape != (num_classes,):
            raise RuntimeError("expected weight shape to be %s, got %s"
                               % ((num_classes,), tuple(weight.shape)))
        if label_smoothing < 0 or label_smoothing > 1.0:
            raise RuntimeError("expected label_smoothing to be in range [0, 1], got %s"
                               % label_smoothing)
        super().__init__(weight=weight, size_average=None, reduce=None, reduction=reduction)
        self.num_classes = num_classes
        self.out_features = out_features
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.linear = Linear(in_features, math.prod(out_features, start=num_classes), bias=bias,
                             device=device, dtype=dtype)
        self.options = options

    def forward(self, input, target):
        shape = (self.num_classes,) + tuple(self.out_features)
        weight = self.linear.weight.reshape(shape + (self.linear.in_features,))
        bias = self.linear.bias
        if bias is not None:
            bias = bias.reshape(shape)
        return F.linear_cross_entropy(input, weight, target, linear_bias=bias, weight=self.weight,
                                      reduction=self.reduction, ignore_index=self.ignore_index,
                                      label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self):
        return ("in_features=%s, num_classes=%s, out_features=%s, bias=%s, reduction=%s, "
                "ignore_index=%s, label_smoothing=%s, options=%s"
                % (self.linear.in_features, self.num_classes, self.out_features,
                   self.linear.bias is not None, self.reduction, self.ignore_index,
                   self.label_smoothing, self.options))
