"""Functional losses, part 2: the less common losses, composed from ember ops as PyTorch's
ATen kernels compose them (so values and gradients follow)."""
import math
import warnings

import numpy as np

from .._tensor import Tensor
from ._f_activation import logsigmoid
from ._f_basic import pairwise_distance
from ._f_loss import get_reduction, reduce_loss
from ._fused import composite

__all__ = ["kl_div", "poisson_nll_loss", "gaussian_nll_loss", "margin_ranking_loss",
           "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
           "multilabel_margin_loss", "multi_margin_loss"]


def _where(cond, a, b):
    from .._functions import where
    return where(cond, a, b)


def _const(arr, like):
    """`arr` as a constant tensor of `like`'s dtype on `like`'s device."""
    return Tensor._make(like._xp.asarray(arr, dtype=like._dtype.np))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence with `input` given as log-probabilities (``target`` too with
    `log_target`); 'batchmean' divides the sum by the batch size."""
    if size_average is not None or reduce is not None:
        reduction = get_reduction(reduction, size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                          "support size.'batchmean' divides only by the batch size, and aligns "
                          "with the KL div math definition.'mean' will be changed to behave the "
                          "same as 'batchmean' in the next major release.", stacklevel=2)
        if reduction != "batchmean":
            get_reduction(reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target.xlogy(target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.size()[0] if input.dim() != 0 else total
    return reduce_loss(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Negative log likelihood of a Poisson target (rate exp(input) with `log_input`)."""
    if size_average is not None or reduce is not None:
        reduction = get_reduction(reduction, size_average, reduce)
    elif reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return reduce_loss(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log likelihood of a Gaussian with predicted mean `input` and variance `var`."""
    from .._creation import ones_like
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(
                y for x, y in zip(input.size(), var.size()) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    from ..autograd.grad_mode import no_grad
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -y (x1 - x2) + margin)."""
    reduction = get_reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError("margin_ranking_loss : All input tensors should have same dimension but "
                           "got sizes: input1: %s, input2: %s, target: %s "
                           % (input1.size(), input2.size(), target.size()))
    return reduce_loss((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1."""
    from .._creation import zeros_like
    reduction = get_reduction(reduction, size_average, reduce)
    zeros = zeros_like(input)
    margin_part = _where(target != 1, (margin - input).clamp(min=0), zeros)
    self_part = _where(target != -1, input, zeros)
    return reduce_loss(margin_part + self_part, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1."""
    from .._creation import zeros_like
    reduction = get_reduction(reduction, size_average, reduce)
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if td == 1 and not (input1.dim() == 2 and input2.dim() == 2):
        raise RuntimeError("1D target tensor expects 2D input tensors, but found inputs with sizes "
                           "%s and %s." % (list(input1.shape), list(input2.shape)))
    if td == 0 and not (input1.dim() == 1 and input2.dim() == 1):
        raise RuntimeError("0D target tensor expects 1D input tensors, but found inputs with sizes "
                           "%s and %s." % (list(input1.shape), list(input2.shape)))
    eps = 1e-12
    prod = (input1 * input2).sum(td)
    m1 = (input1 * input1).sum(td) + eps
    m2 = (input2 * input2).sum(td) + eps
    cos = prod / (m1 * m2).sqrt()
    zeros = zeros_like(cos)
    pos = _where(target == 1, 1 - cos, zeros)
    neg = _where(target == -1, (cos - margin).clamp(min=0), zeros)
    return reduce_loss(pos + neg, reduction)


def _check_triplet_dims(anchor, positive, negative):
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == p == n):
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the "
                           "same number of dimensions, but got: anchor %dD, positive %dD, and "
                           "negative %dD inputs" % (a, p, n))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(d(a, p) - d(a, n) + margin, 0) with the pairwise p-norm distance."""
    reduction = get_reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError("margin must be greater than 0, got %s" % margin)
    _check_triplet_dims(anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return reduce_loss((margin + d_pos - d_neg).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """Triplet margin loss with a custom distance function (pairwise_distance by default)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError("%s is not a valid value for reduction" % reduction)
    if margin <= 0:
        raise ValueError("margin must be greater than 0, got %s" % margin)
    _check_triplet_dims(anchor, positive, negative)
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(dist(positive, negative))
    return reduce_loss((margin + d_pos - d_neg).clamp(min=0), reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-y x))."""
    reduction = get_reduction(reduction, size_average, reduce)
    y = target.detach()
    return composite("SoftMarginLossBackward0",
                     lambda x: reduce_loss((-x * y).exp().log1p(), reduction), input)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Mean over classes of the per-class logistic loss."""
    if size_average is not None or reduce is not None:
        reduction = get_reduction(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """sum over target classes j and non-target classes i of max(0, 1 - (x_j - x_i)) / C;
    each target row lists class indices up to the first -1."""
    reduction = get_reduction(reduction, size_average, reduce)
    x = input if input.dim() == 2 else input.reshape(1, -1)
    t = target.cpu()._data.reshape(x.shape)     # the pair table is built on the host
    n, c = x.shape
    is_target = np.zeros((n, c), dtype=bool)
    listed = np.zeros((n, c), dtype=np.float64)  # how often each class is listed
    for row in range(n):
        for j in t[row]:
            if j < 0:
                break
            if j >= c:
                raise RuntimeError("multilabel_margin_loss: target index out of range")
            is_target[row, j] = True
            listed[row, j] += 1
    pair = _const(listed[:, :, None] * (~is_target)[:, None, :], x)  # (n, j, i)

    def loss_of(inp):
        x = inp if inp.dim() == 2 else inp.reshape(1, -1)
        hinge = (1 - x.unsqueeze(2) + x.unsqueeze(1)).clamp(min=0)
        loss = (hinge * pair).sum((1, 2)) / c
        if inp.dim() < 2:
            loss = loss.reshape(())
        return reduce_loss(loss, reduction)
    return composite("MultilabelMarginLossBackward0", loss_of, input)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """sum over i != y of max(0, margin - x_y + x_i)^p (times weight[y]) / C."""
    reduction = get_reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    x = input if input.dim() == 2 else input.reshape(1, -1)
    n, c = x.shape
    t = target._data.reshape(-1).astype(np.int64)
    if t.size != n:
        raise RuntimeError("inconsistent target size, expected %d but got %s"
                           % (n, list(target.shape)))
    if ((t < 0) | (t >= c)).any():
        raise RuntimeError("target out of range")
    onehot = x._xp.zeros((n, c), dtype=x._dtype.np)
    onehot[x._xp.arange(n), t] = 1
    oh = _const(onehot, x)
    w = _const(weight._data[t][:, None], x) if weight is not None else None

    def loss_of(inp):
        x = inp if inp.dim() == 2 else inp.reshape(1, -1)
        x_y = (x * oh).sum(1, keepdim=True)
        z = (margin - x_y + x).clamp(min=0) * (1 - oh)
        if p == 2:
            z = z * z
        if w is not None:
            z = z * w
        loss = z.sum(1) / c
        if inp.dim() < 2:
            loss = loss.reshape(())
        return reduce_loss(loss, reduction)
    return composite("MultiMarginLossBackward0", loss_of, input)
