"""Functional forms of the basic layers: linear, bilinear, dropout, embedding, one_hot,
distances and normalisation by a norm."""
import math
import warnings

import numpy as np

from .. import _dtype as D
from .._device import array_module
from .._tensor import Tensor
from ..autograd import grad_mode
from ..ops._op import norm_dim
from ._fused import Fused, apply, composite

__all__ = ["linear", "bilinear", "dropout", "alpha_dropout", "dropout1d", "dropout2d",
           "dropout3d", "feature_alpha_dropout", "embedding", "embedding_bag", "one_hot",
           "pairwise_distance", "cosine_similarity", "normalize", "pdist"]

_state = grad_mode.state


def _legacy_name(dt):
    return dt._legacy[:-6].lower()


# --- linear -------------------------------------------------------------------------------------

class LinearBackward(Fused):
    """``x @ W.T + b`` in one matrix product; named like PyTorch's node for the case."""

    def __init__(self, has_bias, ndim):
        self.has_bias = has_bias
        self.ndim = ndim

    def name(self):
        if self.ndim == 2:
            return "AddmmBackward0" if self.has_bias else "MmBackward0"
        if self.ndim == 1 and not self.has_bias:
            return "SqueezeBackward4"
        return "ViewBackward0" if self.has_bias else "UnsafeViewBackward0"

    def forward(self, x, w, b=None):
        self.x2 = x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        self.w = w
        out = x2 @ w.T
        if b is not None:
            out += b
        if x.ndim != 2:
            out = out.reshape(x.shape[:-1] + (w.shape[0],))
        self.xshape = x.shape
        return out

    def grad_arrays(self, g):
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        meta = self._in_meta
        gx = (g2 @ self.w).reshape(self.xshape) if meta[0] is not None else None
        gw = g2.T @ self.x2 if meta[1] is not None else None
        if not self.has_bias:
            return gx, gw
        gb = g2.sum(0) if meta[2] is not None else None
        return gx, gw, gb

    def composite(self, x, w, b=None):
        out = x.matmul(w.t())
        return out + b if b is not None else out


def linear(input, weight, bias=None):
    """y = x A^T + b."""
    x, w = input, weight
    if x._dtype is not w._dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: %s != %s"
                           % (_legacy_name(x._dtype), _legacy_name(w._dtype)))
    if w.dim() > 2:
        raise RuntimeError("t() expects a tensor with <= 2 dimensions, but self is %dD" % w.dim())
    k = x.shape[-1] if x.dim() else 1
    if w.dim() != 2 or k != w.shape[1]:
        rows = int(np.prod(x.shape[:-1])) if x.dim() > 1 else 1
        wshape = tuple(w.shape) + (1,) * (2 - w.dim())
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)"
                           % (rows, k, wshape[1], wshape[0]))
    if bias is None:
        return apply(LinearBackward(False, x.dim()), x, w)
    if bias.dim() and bias.shape[-1] not in (1, w.shape[0]):
        raise RuntimeError("The expanded size of the tensor (%d) must match the existing size "
                           "(%d) at non-singleton dimension %d.  Target sizes: %s.  Tensor sizes:"
                           " %s" % (w.shape[0], bias.shape[-1], max(x.dim() - 1, 0),
                                    list(x.shape[:-1]) + [w.shape[0]], list(bias.shape)))
    return apply(LinearBackward(True, x.dim()), x, w, bias)


def bilinear(input1, input2, weight, bias=None):
    """y = x1^T A x2 + b, for each output feature."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError("bilinear(): input batch dimensions do not match: got %s and %s"
                           % (list(input1.shape[:-1]), list(input2.shape[:-1])))
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError("bilinear(): input1 size does not match weight size: got %d but "
                           "expected %d" % (input1.shape[-1], weight.shape[1]))
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError("bilinear(): input2 size does not match weight size: got %d but "
                           "expected %d" % (input2.shape[-1], weight.shape[2]))
    from .._functions import einsum
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out + bias if bias is not None else out


# --- dropout ------------------------------------------------------------------------------------

def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError("dropout probability has to be between 0 and 1, but got %s" % p)


def _mask_mul(input, noise, inplace):
    if inplace:
        return input.mul_(noise)
    return input * noise


def _dropout_impl(input, p, training, inplace, feature=False, alpha=False):
    """PyTorch's dropout kernel: Bernoulli(1 - p) noise (per channel for `feature`),
    rescaled; alpha dropout keeps the mean and variance of SELU activations."""
    if p == 0 or not training or input.numel() == 0:
        return input
    from .._creation import empty, empty_like, zeros
    if p == 1:
        return _mask_mul(input, zeros((), dtype=input.dtype), inplace)
    if feature:
        if input.dim() < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
        noise = empty(shape, dtype=input.dtype, device=input.device)
    else:
        noise = empty_like(input)
    noise.bernoulli_(1 - p)
    if not alpha:
        noise.div_(1 - p)
        return _mask_mul(input, noise, inplace)
    a_const = 1.7580993408473766
    a = 1.0 / math.sqrt((a_const * a_const * p + 1) * (1 - p))
    b = noise.add(-1).mul_(a_const * a).add_(a_const * a * p)
    noise.mul_(a)
    out = _mask_mul(input, noise, inplace)
    return out.add_(b) if inplace else out + b


def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes elements with probability `p` (scaling the rest by 1/(1-p)) when training."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps the self-normalising property of SELU networks."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, feature=True, alpha=True)


def _feature_dropout(input, p, training, inplace, batched):
    if not batched:
        input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = _dropout_impl(input, p, training, inplace, feature=True)
    if not batched:
        result = result.squeeze_(0) if inplace else result.squeeze(0)
    return result


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of (N, C, L) or (C, L) inputs."""
    _check_p(p)
    d = input.dim()
    if d not in (2, 3):
        raise RuntimeError("dropout1d: Expected 2D or 3D input, but received a %dD input. Note "
                           "that dropout1d exists to provide channel-wise dropout on inputs with "
                           "1 spatial dimension, a channel dimension, and an optional batch "
                           "dimension (i.e. 2D or 3D inputs)." % d)
    return _feature_dropout(input, p, training, inplace, d == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of (N, C, H, W) or (C, H, W) inputs."""
    _check_p(p)
    d = input.dim()
    if d not in (3, 4):
        warnings.warn("dropout2d: Received a %d-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence "
                      "this warning, please use dropout instead. Note that dropout2d exists to "
                      "provide channel-wise dropout on inputs with 2 spatial dimensions, a channel "
                      "dimension, and an optional batch dimension (i.e. 3D or 4D inputs)." % d,
                      stacklevel=2)
    if d == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape (C, H, "
                      "W). To maintain the 1D channel-wise dropout behavior, please switch to "
                      "using dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, inplace, feature=True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) inputs."""
    _check_p(p)
    d = input.dim()
    if d not in (4, 5):
        warnings.warn("dropout3d: Received a %d-D input to dropout3d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence "
                      "this warning, please use dropout instead. Note that dropout3d exists to "
                      "provide channel-wise dropout on inputs with 3 spatial dimensions, a channel "
                      "dimension, and an optional batch dimension (i.e. 4D or 5D inputs)." % d,
                      stacklevel=2)
    return _feature_dropout(input, p, training, inplace, d == 5)


# --- embedding ----------------------------------------------------------------------------------

def _check_indices(input, fn="embedding"):
    if input._dtype not in (D.int64, D.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                           "scalar types: Long, Int; but got %s instead (while checking arguments "
                           "for %s)" % (input.type(), fn))


class EmbeddingBackward0(Fused):
    """Rows of the weight picked by integer indices; the gradient adds back into the rows
    (none into `padding_idx`; divided by the index frequency with `scale_grad_by_freq`)."""

    def __init__(self, idx, padding_idx, scale_grad_by_freq):
        self.idx = idx
        self.padding_idx = padding_idx
        self.scale = scale_grad_by_freq

    def forward(self, w):
        self.wshape = w.shape
        return w[self.idx]

    def grad_arrays(self, g):
        xp = array_module(g)
        idx = self.idx.reshape(-1)
        g2 = g.reshape(idx.size, -1)
        if self.scale:
            counts = xp.bincount(idx, minlength=self.wshape[0])
            g2 = g2 / counts[idx][:, None].astype(g2.dtype)
        if self.padding_idx >= 0:
            keep = idx != self.padding_idx
            idx, g2 = idx[keep], g2[keep]
        out = xp.zeros(self.wshape, dtype=g.dtype)
        xp.add.at(out, idx, g2)
        return (out,)

    def composite(self, w):
        rows = w[Tensor._make(self.idx)]
        if self.padding_idx >= 0 or self.scale:
            factor = w._xp.ones(self.idx.shape, dtype=w._dtype.np)
            if self.scale:
                counts = np.bincount(self.idx.reshape(-1), minlength=self.wshape[0])
                factor = factor / counts[self.idx]
            if self.padding_idx >= 0:
                factor[self.idx == self.padding_idx] = 0
            # same forward value, gradient scaled as the kernel does
            f = Tensor._make(factor[..., None].astype(w._dtype.np))
            rows = rows * f + (rows * (1 - f)).detach()
        return rows


def _renorm_rows(weight, idx, max_norm, norm_type):
    """``embedding_renorm_``: rescales (in place, untracked) the looked-up rows whose norm
    exceeds `max_norm`."""
    w = weight._data
    xp = array_module(w)
    rows = xp.unique(idx.reshape(-1))
    sub = w[rows]
    norms = xp.linalg.norm(sub.astype(np.float64), ord=norm_type, axis=1) if norm_type != 2 \
        else xp.sqrt((sub.astype(np.float64) ** 2).sum(1))
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    w[rows] = (sub * scale[:, None]).astype(w.dtype)
    weight._bump()


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Looks up rows of `weight` by the integer indices `input`."""
    _check_indices(input)
    n = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= n:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -n:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = n + padding_idx
    else:
        padding_idx = -1
    idx = input._data
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    idx = idx.astype(np.int64, copy=False)
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    return apply(EmbeddingBackward0(idx, padding_idx, scale_grad_by_freq), weight)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sums, averages or takes the max of bags of embeddings, without building the
    per-index result (bags are the rows of a 2-D `input`, or cut at `offsets`)."""
    from .._creation import tensor, zeros
    _check_indices(input, "embedding_bag")
    if weight.dim() != 2:
        raise ValueError("weight has to be a 2D Tensor, but got Tensor of dimension %d"
                         % weight.dim())
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             "of type %s" % type(offsets))
        b, length = input.shape
        starts = list(range(0, b * length, length))
        flat = input.reshape(-1)
        psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
        ends = starts[1:] + [b * length]
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        flat, psw = input, per_sample_weights
        starts = [int(o) for o in offsets.tolist()]
        if include_last_offset:
            ends = starts[1:]
            starts = starts[:-1]
        else:
            ends = starts[1:] + [flat.shape[0]]
    else:
        raise ValueError("input has to be 1D or 2D Tensor, but got Tensor of dimension %d"
                         % input.dim())
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. "
                                  "per_sample_weights is only supported for mode='sum' (got "
                                  "mode='%s'). Please open a feature request on GitHub." % mode)
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    n = weight.shape[0]
    pad = -1 if padding_idx is None else (padding_idx + n if padding_idx < 0 else padding_idx)
    rows = embedding(flat, weight, max_norm=max_norm, norm_type=norm_type,
                     scale_grad_by_freq=scale_grad_by_freq)
    if psw is not None:
        rows = rows * psw.unsqueeze(1)
    ids = flat._data
    bags = []
    for s, e in zip(starts, ends):
        keep = [i for i in range(s, e) if ids[i] != pad]
        if not keep:
            bags.append(zeros(weight.shape[1], dtype=weight.dtype))
            continue
        sel = rows[tensor(keep)]
        if mode == "sum":
            bags.append(sel.sum(0))
        elif mode == "mean":
            bags.append(sel.mean(0))
        else:
            bags.append(sel.amax(0))
    from .._functions import stack
    if not bags:
        return zeros(0, weight.shape[1], dtype=weight.dtype)
    return stack(bags)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding with a trailing dimension of `num_classes`."""
    if tensor._dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = tensor._data
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size:
        if a.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if a.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    xp = array_module(a)
    out = xp.zeros((a.size, num_classes), dtype=np.int64)
    out[xp.arange(a.size), a.reshape(-1)] = 1
    return Tensor._make(out.reshape(a.shape + (num_classes,)))


# --- norms and distances ------------------------------------------------------------------------

class NormBackward1(Fused):
    """The p-norm over dims (0 where the norm is 0 gives a 0 gradient, as in PyTorch)."""

    def __init__(self, p, dims, keepdim):
        self.p, self.dims, self.keepdim = p, dims, keepdim

    def forward(self, x):
        p, dims = self.p, self.dims
        ax = np.abs(x)
        if p == 2:
            out = np.sqrt((x * x).sum(dims, keepdims=True))
        elif p == 1:
            out = ax.sum(dims, keepdims=True)
        elif p == math.inf:
            out = ax.max(dims, keepdims=True)
        elif p == -math.inf:
            out = ax.min(dims, keepdims=True)
        elif p == 0:
            out = (x != 0).sum(dims, keepdims=True).astype(x.dtype)
        else:
            out = (ax ** p).sum(dims, keepdims=True) ** (1.0 / p)
        self.x, self.out = x, out
        return out if self.keepdim else out.squeeze(dims)

    def grad_arrays(self, g):
        p, x, n = self.p, self.x, self.out
        if not self.keepdim:
            g = np.expand_dims(g, self.dims)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                r = np.where(n == 0, 0, x / n)
            elif p == 1:
                r = np.sign(x)
            elif p in (math.inf, -math.inf):
                hit = (np.abs(x) == n)
                r = np.sign(x) * hit / hit.sum(self.dims, keepdims=True)
            elif p == 0:
                r = np.zeros_like(x)
            else:
                r = np.where(n == 0, 0, x * np.abs(x) ** (p - 2) / n ** (p - 1))
        return ((g * r).astype(x.dtype, copy=False),)

    def composite(self, x):
        p = self.p
        if p == 2:
            out = (x * x).sum(self.dims, keepdim=True).sqrt()
        elif p == 1:
            out = x.abs().sum(self.dims, keepdim=True)
        else:
            out = (x.abs() ** p).sum(self.dims, keepdim=True) ** (1.0 / p)
        return out if self.keepdim else out.squeeze(self.dims)


def _vector_norm(x, p=2, dim=None, keepdim=False):
    dims = tuple(range(x.dim())) if dim is None else tuple(
        norm_dim(d, x.dim()) for d in (dim if isinstance(dim, (tuple, list)) else (dim,)))
    if not x._dtype.is_floating_point:
        x = x.to(D.get_default_dtype())
    return apply(NormBackward1(float(p), dims, keepdim), x)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of ``x1 - x2 + eps`` over the last dimension."""
    d = max(x1.dim(), x2.dim())
    return _vector_norm(x1 - x2 + eps, p, d - 1 if d else None, keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1, x2> / (max(||x1||, eps) * max(||x2||, eps)) along `dim`."""
    from .._functions import broadcast_tensors
    x1, x2 = broadcast_tensors(x1, x2)
    n1 = _vector_norm(x1, 2, dim, True).clamp(min=eps)
    n2 = _vector_norm(x2, 2, dim, True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """Divides by the p-norm along `dim` (at least `eps`)."""
    denom = _vector_norm(input, p, dim, True).clamp(min=eps).expand_as(input)
    r = input / denom
    if out is not None:
        out.copy_(r)
        return out
    return r


def pdist(input, p=2):
    """p-norm distances between all pairs of rows (the upper triangle, row by row)."""
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    from .._creation import tensor
    ti, tj = tensor(i), tensor(j)
    return composite("PdistBackward0", lambda x: _vector_norm(x[ti] - x[tj], p, 1), input)
