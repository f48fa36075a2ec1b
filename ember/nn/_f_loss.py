"""Functional losses, part 1: the reduction rules and the hot losses (nll / cross entropy,
mse, l1, smooth l1, huber, binary cross entropy), each one op with an array backward."""
import warnings

import numpy as np

from .. import _dtype as D
from .._device import array_module
from .._tensor import Tensor
from ..ops.arith import div_number
from ._f_activation import log_softmax
from ._fused import Fused, apply

__all__ = ["nll_loss", "cross_entropy", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits"]

_REDUCTIONS = ("none", "mean", "sum")


# --- reductions ---------------------------------------------------------------------------------

def legacy_get_string(size_average, reduce, emit_warning=True):
    """The reduction named by the deprecated ``size_average`` / ``reduce`` arguments."""
    warning = "size_average and reduce args will be deprecated, please use reduction='%s' instead."
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn(warning % ret, stacklevel=3)
    return ret


def get_reduction(reduction, size_average=None, reduce=None):
    """`reduction`, or the legacy arguments' reduction; PyTorch's ValueError if unknown."""
    if size_average is not None or reduce is not None:
        return legacy_get_string(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError("%s is not a valid value for reduction" % reduction)
    return reduction


def reduce_loss(loss, reduction):
    """``apply_loss_reduction`` on a Tensor."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _reduce_arr(loss, reduction):
    xp = array_module(loss)
    if reduction == "mean":
        return xp.asarray(loss.mean() if loss.size else np.nan, dtype=loss.dtype)
    if reduction == "sum":
        return xp.asarray(loss.sum(), dtype=loss.dtype)
    return loss


def _grad_scale(g, reduction, n, shape):
    """The output gradient spread over elements of `shape` (divided by n for 'mean')."""
    if reduction == "none":
        return g
    g = array_module(g).broadcast_to(g, shape)
    return g / n if reduction == "mean" else g


def _match(input, target, warn=True):
    """PyTorch's size warning, then both tensors broadcast to one shape."""
    if target.shape != input.shape:
        if warn:
            warnings.warn("Using a target size (%s) that is different to the input size (%s). This "
                          "will likely lead to incorrect results due to broadcasting. Please "
                          "ensure they have the same size." % (target.size(), input.size()),
                          stacklevel=3)
        from .._functions import broadcast_tensors
        input, target = broadcast_tensors(input, target)
    return input, target


# --- negative log likelihood --------------------------------------------------------------------

class NllLossBackward0(Fused):
    """-w[t] * x[t] over the class dim 1 (0 for ignored targets), reduced; 'mean' divides
    by the total weight of the counted targets."""

    def __init__(self, target, weight, reduction, ignore_index, node):
        self.t, self.w, self.reduction = target, weight, reduction
        self.ignore, self.node = ignore_index, node

    def name(self):
        return self.node

    def forward(self, x):
        t, xp = self.t, array_module(x)
        self.squeeze = x.ndim == 1
        if self.squeeze:
            x, t = x[None], t.reshape(1)
        keep = t != self.ignore
        tc = xp.where(keep, t, 0)
        if x.ndim == 2:
            self.rows = xp.arange(x.shape[0])
            picked = x[self.rows, tc]
        else:
            picked = np.take_along_axis(x, tc[:, None], axis=1)[:, 0]
        wt = self.w[tc] if self.w is not None else xp.ones(tc.shape, dtype=x.dtype)
        wt = xp.where(keep, wt, 0).astype(x.dtype)
        self.tc, self.wt, self.xshape = tc, wt, x.shape
        loss = -wt * picked
        if self.reduction == "none":
            return loss.reshape(()) if self.squeeze else loss
        total = loss.sum()
        if self.reduction == "sum":
            return xp.asarray(total, dtype=x.dtype)
        self.total_weight = wt.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            return xp.asarray(total / self.total_weight, dtype=x.dtype)

    def grad_arrays(self, g):
        xp = array_module(g)
        if self.reduction == "none":
            gl = g.reshape(self.wt.shape)
        elif self.reduction == "sum":
            gl = xp.broadcast_to(g, self.wt.shape)
        else:
            gl = xp.broadcast_to(g / self.total_weight, self.wt.shape)
        out = xp.zeros(self.xshape, dtype=g.dtype)
        if len(self.xshape) == 2:
            out[self.rows, self.tc] = -self.wt * gl
        else:
            xp.put_along_axis(out, self.tc[:, None], (-self.wt * gl)[:, None], axis=1)
        return (out[0] if self.squeeze else out,)

    def composite(self, x):
        xp = array_module(x._data)
        mask = xp.zeros(self.xshape, dtype=x._dtype.np)
        xp.put_along_axis(mask, self.tc[:, None], self.wt[:, None], axis=1)
        m = Tensor._make(mask[0] if self.squeeze else mask)
        loss = -(x * m).sum(1 if not self.squeeze else 0)
        if self.reduction == "none":
            return loss
        if self.reduction == "sum":
            return loss.sum()
        return loss.sum() / float(self.total_weight)


def _nll(input, target, weight, reduction, ignore_index):
    d = input.dim()
    if d < 1:
        raise ValueError("Expected 1 or more dimensions (got %d)" % d)
    if d != 1 and input.shape[0] != (target.shape[0] if target.dim() else 1):
        raise ValueError("Expected input batch_size (%d) to match target batch_size (%d)."
                         % (input.shape[0], target.shape[0] if target.dim() else 1))
    if d <= 2 and target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if d > 2 and tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError("Expected target size %s, got %s"
                           % (list(input.shape[:1]) + list(input.shape[2:]), list(target.shape)))
    n_classes = input.shape[-1] if d <= 2 else input.shape[1]
    if weight is not None and (weight.dim() != 1 or weight.numel() != n_classes):
        raise RuntimeError("weight tensor should be defined either for all %d classes or no "
                           "classes but got weight tensor of shape: %s"
                           % (n_classes, list(weight.shape)))
    if target._dtype not in (D.int64, D.uint8):
        raise RuntimeError("expected target dtype to be Long or Byte, but got %s"
                           % target._dtype._legacy[:-6])
    t = target._data.astype(np.int64, copy=False)
    outside = t.view(np.uint64) >= n_classes          # negative targets wrap to huge values
    if outside.any():
        bad = outside & (t != ignore_index)
        if bad.any():
            raise IndexError("Target %d is out of bounds." % t[bad].reshape(-1)[0])
    w = weight._data.astype(input._dtype.np, copy=False) if weight is not None else None
    if d <= 2:
        return apply(NllLossBackward0(t, w, reduction, ignore_index, "NllLossBackward0"), input)
    if d == 4:
        return apply(NllLossBackward0(t, w, reduction, ignore_index, "NllLoss2DBackward0"), input)
    # other K-dimensional inputs go through the 2-d loss as (N, C, 1, L), as in PyTorch
    n, c = input.shape[:2]
    x = input.contiguous().view(n, c, 1, -1)
    loss = apply(NllLossBackward0(t.reshape(n, 1, -1), w, reduction, ignore_index,
                                  "NllLoss2DBackward0"), x)
    return loss.view(target.shape) if reduction == "none" else loss


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood of class indices given log-probabilities (class dim 1)."""
    reduction = get_reduction(reduction, size_average, reduce)
    return _nll(input, target, weight, reduction, ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dim, then nll_loss (class indices) or the cross entropy
    with class probabilities (a target of the input's shape); optional label smoothing."""
    reduction = get_reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError("label_smoothing must be between 0.0 and 1.0. Got: %s"
                           % label_smoothing)
    class_dim = 0 if input.dim() == 1 else 1
    logp = log_softmax(input, class_dim)
    if input.shape == target.shape:
        return _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim)
    nll = _nll(logp, target, weight, reduction, ignore_index)
    if label_smoothing <= 0.0:
        return nll
    n_classes = input.shape[class_dim]
    ignore = Tensor._make(target._data == ignore_index)
    if weight is not None:
        shape = [1] * input.dim()
        shape[class_dim] = weight.shape[0]
        smooth = -(logp * weight.view(shape)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == "mean":
        if weight is not None:
            kept = target._data[~ignore._data]
            ret = smooth.sum() / float(weight._data[kept].sum())
        else:
            ret = smooth.sum() / int((~ignore._data).sum())
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return (1 - label_smoothing) * nll + ret * (label_smoothing / n_classes)


def _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim):
    n_classes = logp.shape[class_dim]
    if weight is not None and (weight.dim() != 1 or weight.numel() != n_classes):
        raise RuntimeError("weight tensor should be defined either for all %d classes or no "
                           "classes but got weight tensor of shape: %s"
                           % (n_classes, list(weight.shape)))
    if not target._dtype.is_floating_point:
        raise RuntimeError("Expected floating point type for target with class probabilities, "
                           "got %s" % target._dtype._legacy[:-6])
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + (label_smoothing / n_classes)
    prod = logp * target
    if weight is not None:
        shape = [1] * logp.dim()
        shape[class_dim] = weight.shape[0]
        prod = prod * weight.view(shape)
    if reduction == "mean":
        if logp.numel() == 0:
            return -prod.sum() * float("nan")
        return div_number(-prod.sum(), logp.numel() // n_classes)
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum(class_dim)


# --- regression losses --------------------------------------------------------------------------

class PointwiseLoss(Fused):
    """A loss f(x - t) per element, reduced; gradients for both input and target."""

    def __init__(self, node, fn, dfn, comp, reduction):
        self.node, self.fn, self.dfn, self.comp = node, fn, dfn, comp
        self.reduction = reduction

    def name(self):
        return self.node

    def forward(self, x, t):
        self.d = x - t
        return _reduce_arr(self.fn(self.d).astype(x.dtype, copy=False), self.reduction)

    def grad_arrays(self, g):
        d = self.d
        gd = (_grad_scale(g, self.reduction, d.size, d.shape) * self.dfn(d)).astype(d.dtype,
                                                                                   copy=False)
        gx = gd if self._in_meta[0] is not None else None
        gt = -gd if self._in_meta[1] is not None else None
        return gx, gt

    def composite(self, x, t):
        return reduce_loss(self.comp(x - t), self.reduction)


def _weighted(loss, weight, reduction):
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / weight.sum()
    raise ValueError("Invalid reduction mode: %s. Expected one of 'none', 'mean', 'sum'."
                     % reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(x - t)^2, reduced."""
    reduction = get_reduction(reduction, size_average, reduce)
    x, t = _match(input, target)
    if weight is not None:
        if weight.size() != input.size():
            raise ValueError("Weights and input must have the same size.")
        return _weighted((x - t) ** 2, weight, reduction)
    return apply(PointwiseLoss("MseLossBackward0", np.square, lambda d: 2 * d,
                               lambda d: d * d, reduction), x, t)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|x - t|, reduced."""
    reduction = get_reduction(reduction, size_average, reduce)
    x, t = _match(input, target)
    if weight is not None:
        if weight.size() != input.size():
            raise ValueError("Weights and input must have the same size.")
        return _weighted((x - t).abs(), weight, reduction)
    return reduce_loss((x - t).abs(), reduction)


def _smooth_fns(beta):
    def fn(d):
        a = np.abs(d)
        return np.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)

    def dfn(d):
        return np.where(np.abs(d) < beta, d / beta, np.sign(d))

    def comp(d):
        a = d.abs()
        from .._functions import where
        return where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
    return fn, dfn, comp


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (d = x - t), reduced."""
    x, t = _match(input, target)
    reduction = get_reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return reduce_loss((x - t).abs(), reduction)
    fn, dfn, comp = _smooth_fns(beta)
    return apply(PointwiseLoss("SmoothL1LossBackward0", fn, dfn, comp, reduction), x, t)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| <= delta, else delta (|d| - delta / 2), reduced."""
    x, t = _match(input, target)
    if reduction not in _REDUCTIONS and weight is None:
        raise ValueError("%s is not a valid value for reduction" % reduction)
    fn, dfn, comp = _smooth_fns(delta)

    def hfn(d):
        return fn(d) * delta

    def hdfn(d):
        return np.where(np.abs(d) <= delta, d, delta * np.sign(d))

    def hcomp(d):
        return comp(d) * delta
    if weight is not None:
        if weight.size() != input.size():
            raise ValueError("Weights and input must have the same size.")
        loss = apply(PointwiseLoss("HuberLossBackward0", hfn, hdfn, hcomp, "none"), x, t)
        return _weighted(loss, weight, reduction)
    return apply(PointwiseLoss("HuberLossBackward0", hfn, hdfn, hcomp, reduction), x, t)


# --- binary cross entropy -----------------------------------------------------------------------

def _const(w, like, name):
    if w is None:
        return None
    if w.requires_grad:
        from ..autograd import grad_mode
        if grad_mode.state.enabled:
            raise RuntimeError("The function '%s' is not differentiable with respect to argument "
                               "'weight'. This input cannot have requires_grad True." % name)
    return w._data.astype(like._dtype.np, copy=False)


class BinaryCrossEntropyBackward0(Fused):
    """-w (t log x + (1 - t) log(1 - x)), logs clamped at -100."""

    def __init__(self, weight, reduction):
        self.w, self.reduction = weight, reduction

    def forward(self, x, t):
        if ((x < 0) | (x > 1)).any():
            raise RuntimeError("all elements of input should be between 0 and 1")
        with np.errstate(divide="ignore"):
            lx = np.maximum(np.log(x), -100)
            l1x = np.maximum(np.log1p(-x), -100)
        self.x, self.t, self.lx, self.l1x = x, t, lx, l1x
        loss = -(t * lx + (1 - t) * l1x)
        if self.w is not None:
            loss = loss * self.w
        return _reduce_arr(loss.astype(x.dtype, copy=False), self.reduction)

    def grad_arrays(self, g):
        x, t = self.x, self.t
        gs = _grad_scale(g, self.reduction, x.size, x.shape)
        if self.w is not None:
            gs = gs * self.w
        gx = gt = None
        if self._in_meta[0] is not None:
            gx = (gs * (x - t) / np.maximum((1 - x) * x, 1e-12)).astype(x.dtype, copy=False)
        if self._in_meta[1] is not None:
            gt = (gs * (self.l1x - self.lx)).astype(x.dtype, copy=False)
        return gx, gt

    def composite(self, x, t):
        loss = -(t * x.log().clamp(min=-100) + (1 - t) * (1 - x).log().clamp(min=-100))
        if self.w is not None:
            loss = loss * Tensor._make(self.w)
        return reduce_loss(loss, self.reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Binary cross entropy of probabilities `input` against `target`."""
    reduction = get_reduction(reduction, size_average, reduce)
    if target.size() != input.size():
        raise ValueError("Using a target size (%s) that is different to the input size (%s) is "
                         "deprecated. Please ensure they have the same size."
                         % (target.size(), input.size()))
    if target._dtype is not input._dtype:
        raise RuntimeError("Found dtype %s but expected %s"
                           % (target._dtype._legacy[:-6], input._dtype._legacy[:-6]))
    w = _const(weight, input, "binary_cross_entropy")
    if w is not None:
        w = np.broadcast_to(w, np.broadcast_shapes(w.shape, tuple(target.shape)))
    return apply(BinaryCrossEntropyBackward0(w, reduction), input, target)


def _log_sigmoid(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


class BinaryCrossEntropyWithLogitsBackward0(Fused):
    """(1 - t) x - lw * logsigmoid(x) with lw = 1 + (pos_weight - 1) t, times the weight."""

    def __init__(self, weight, pos_weight, reduction):
        self.w, self.pw, self.reduction = weight, pos_weight, reduction

    def forward(self, x, t):
        ls = _log_sigmoid(x)
        lw = (self.pw - 1) * t + 1 if self.pw is not None else None
        loss = (1 - t) * x - (ls * lw if lw is not None else ls)
        if self.w is not None:
            loss = loss * self.w
        self.x, self.t, self.ls, self.lw = x, t, ls, lw
        return _reduce_arr(loss.astype(x.dtype, copy=False), self.reduction)

    def grad_arrays(self, g):
        x, t = self.x, self.t
        gs = _grad_scale(g, self.reduction, x.size, x.shape)
        if self.w is not None:
            gs = gs * self.w
        gx = gt = None
        if self._in_meta[0] is not None:
            sig_neg = np.exp(self.ls - x)  # 1 - sigmoid(x), computed stably
            lw = self.lw if self.lw is not None else 1
            gx = (gs * ((1 - t) - lw * sig_neg)).astype(x.dtype, copy=False)
        if self._in_meta[1] is not None:
            dt = -x - ((self.pw - 1) * self.ls if self.pw is not None else 0)
            gt = (gs * dt).astype(x.dtype, copy=False)
        return gx, gt

    def composite(self, x, t):
        from ._f_activation import logsigmoid
        ls = logsigmoid(x)
        if self.pw is not None:
            ls = ls * ((Tensor._make(self.pw) - 1) * t + 1)
        loss = (1 - t) * x - ls
        if self.w is not None:
            loss = loss * Tensor._make(self.w)
        return reduce_loss(loss, self.reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid + binary cross entropy in one numerically stable step (`pos_weight` weighs the
    positive examples of each class)."""
    reduction = get_reduction(reduction, size_average, reduce)
    if target.size() != input.size():
        raise ValueError("Target size (%s) must be the same as input size (%s)"
                         % (target.size(), input.size()))
    if not target._dtype.is_floating_point:
        raise RuntimeError("result type %s can't be cast to the desired output type %s"
                           % (input._dtype._legacy[:-6], target._dtype._legacy[:-6]))
    if target._dtype is not input._dtype:
        target = target.to(input._dtype)
    w = _const(weight, input, "binary_cross_entropy_with_logits")
    pw = _const(pos_weight, input, "binary_cross_entropy_with_logits")
    return apply(BinaryCrossEntropyWithLogitsBackward0(w, pw, reduction), input, target)
