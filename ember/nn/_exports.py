"""The ``torch.*`` functions and Tensor methods that PyTorch implements with its nn kernels
(``torch.relu``, ``torch.softmax``, ``Tensor.log_softmax``, ``torch.batch_norm``, ...).

`TORCH_FUNCTIONS` and `TENSOR_METHODS` map PyTorch's names to ember's implementations
(with PyTorch's argument orders). `install()` adds the ones ember does not define yet to
the ``ember`` module and to `Tensor`; ``ember.nn`` calls it when it is imported.
"""
from . import _f_activation as A
from . import _f_basic as B
from . import _f_extra as X
from . import _f_loss as L
from . import _f_loss2 as L2
from . import _f_norm as N
from . import _spatial_conv as C
from . import _spatial_pad as P
from . import _spatial_pool as Q
from . import _spatial_sample as S
from ._f_ctc import ctc_loss as _ctc


def _softmax(input, dim, dtype=None):
    return A.softmax(input, dim, dtype=dtype)


def _log_softmax(input, dim, dtype=None):
    return A.log_softmax(input, dim, dtype=dtype)


def _dropout(input, p, train):
    return B.dropout(input, p, train)


def _dropout_(input, p, train):
    return B.dropout(input, p, train, inplace=True)


def _feature_dropout(input, p, train):
    return B._dropout_impl(input, p, train, False, feature=True)


def _alpha_dropout(input, p, train):
    return B.alpha_dropout(input, p, train)


def _feature_alpha_dropout(input, p, train):
    return B.feature_alpha_dropout(input, p, train)


def _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
                cudnn_enabled=True):
    return N.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                   eps, cudnn_enabled=True):
    return N.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                           momentum, eps)


def _layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    return N.layer_norm(input, normalized_shape, weight, bias, eps)


def _group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return N.group_norm(input, num_groups, weight, bias, eps)


def _embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return B.embedding(indices, weight, padding_idx if padding_idx >= 0 else None,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def _reduction_name(reduction):
    return ("none", "mean", "sum")[reduction] if isinstance(reduction, int) else reduction


def _bce_logits(input, target, weight=None, pos_weight=None, reduction=1):
    return L.binary_cross_entropy_with_logits(input, target, weight,
                                              reduction=_reduction_name(reduction),
                                              pos_weight=pos_weight)


def _kl_div(input, target, reduction=1, log_target=False):
    return L2.kl_div(input, target, reduction=_reduction_name(reduction), log_target=log_target)


def _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=1,
              zero_infinity=False):
    return _ctc(log_probs, targets, input_lengths, target_lengths, blank,
                _reduction_name(reduction), zero_infinity)


def _cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=1):
    return L2.cosine_embedding_loss(input1, input2, target, margin,
                                    reduction=_reduction_name(reduction))


def _margin_ranking_loss(input1, input2, target, margin=0.0, reduction=1):
    return L2.margin_ranking_loss(input1, input2, target, margin,
                                  reduction=_reduction_name(reduction))


def _hinge_embedding_loss(input, target, margin=1.0, reduction=1):
    return L2.hinge_embedding_loss(input, target, margin, reduction=_reduction_name(reduction))


def _pool_stride(stride):
    """The torch.* pooling functions take stride=() for "the kernel size"."""
    return None if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else stride


def _max_pool(fn):
    def pool(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
        return fn(input, kernel_size, _pool_stride(stride), padding, dilation, ceil_mode)
    pool.__name__ = fn.__name__
    return pool


def _avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False,
                count_include_pad=True):
    return Q.avg_pool1d(input, kernel_size, _pool_stride(stride), padding, ceil_mode,
                        count_include_pad)


def _adaptive_max_pool1d(input, output_size):
    """(values, indices), as torch.adaptive_max_pool1d returns them."""
    return Q.adaptive_max_pool1d(input, output_size, return_indices=True)


def _convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                 groups):
    """The general convolution: dimensionality from the weight, transposed or not."""
    n = weight.dim() - 2
    if transposed:
        fn = (C.conv_transpose1d, C.conv_transpose2d, C.conv_transpose3d)[n - 1]
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    fn = (C.conv1d, C.conv2d, C.conv3d)[n - 1]
    return fn(input, weight, bias, stride, padding, dilation, groups)


def _constant_pad_nd(input, pad, value=0):
    return P.pad(input, tuple(pad), "constant", value)


def _triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                         reduction=0):
    """PyTorch's kernel: clamp_min(margin + d(a, p) - d(a, n), 0), then the reduction.
    (Called without `reduction`, torch.triplet_margin_loss returns the per-sample losses.)"""
    from ..ops.fused_pointwise import clamp_min
    L2._check_triplet_dims(anchor, positive, negative)
    d_pos = B.pairwise_distance(anchor, positive, p, eps)
    d_neg = B.pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(B.pairwise_distance(positive, negative, p, eps))
    loss = clamp_min(margin + d_pos - d_neg, 0)
    name = _reduction_name(reduction)
    return loss.mean() if name == "mean" else loss.sum() if name == "sum" else loss


def _poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return L2.poisson_nll_loss(input, target, log_input, full, eps=eps,
                               reduction=_reduction_name(reduction))


def _alpha_dropout_(input, p, train):
    return B.alpha_dropout(input, p, train, inplace=True)


def _feature_alpha_dropout_(input, p, train):
    return B.feature_alpha_dropout(input, p, train, inplace=True)


def _feature_dropout_(input, p, train):
    return input.copy_(_feature_dropout(input, p, train))


def _embedding_renorm_(weight, indices, max_norm, norm_type):
    """Rows of `weight` picked by `indices` whose norm exceeds max_norm scaled down to it, in
    place and without gradient."""
    from ..autograd import grad_mode
    with grad_mode.no_grad():
        rows = indices.reshape(-1).unique()
        picked = weight.index_select(0, rows)
        norms = picked.norm(norm_type, 1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).clamp(max=1)
        weight.index_copy_(0, rows, picked * scale.where(norms > max_norm, 1.0))
    return weight


def _conv_tbc(input, weight, bias, pad=0):
    """Convolution over time of (time, batch, channels) input with a (kernel, in, out)
    weight."""
    out = C.conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)


_GRID_MODES = ("bilinear", "nearest", "bicubic")
_GRID_PADDING = ("zeros", "border", "reflection")


def _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """F.grid_sample with the modes given as PyTorch's enum numbers."""
    return S.grid_sample(input, grid, _GRID_MODES[interpolation_mode],
                         _GRID_PADDING[padding_mode], align_corners)


def _affine_grid_generator(theta, size, align_corners):
    return S.affine_grid(theta, list(size), align_corners)


TORCH_FUNCTIONS = {
    "relu": A.relu, "relu_": A.relu_, "selu": A.selu, "selu_": A.selu_, "celu": A.celu,
    "celu_": A.celu_, "rrelu": A.rrelu, "rrelu_": A.rrelu_, "prelu": A.prelu,
    "hardshrink": A.hardshrink, "threshold": A.threshold, "threshold_": A.threshold_,
    "softmax": _softmax, "log_softmax": _log_softmax,
    "dropout": _dropout, "dropout_": _dropout_, "feature_dropout": _feature_dropout,
    "alpha_dropout": _alpha_dropout, "feature_alpha_dropout": _feature_alpha_dropout,
    "batch_norm": _batch_norm, "instance_norm": _instance_norm, "layer_norm": _layer_norm,
    "group_norm": _group_norm, "rms_norm": N.rms_norm, "embedding": _embedding,
    "embedding_bag": B.embedding_bag, "bilinear": B.bilinear,
    "pairwise_distance": B.pairwise_distance, "cosine_similarity": B.cosine_similarity,
    "pdist": B.pdist, "binary_cross_entropy_with_logits": _bce_logits, "kl_div": _kl_div,
    "cosine_embedding_loss": _cosine_embedding_loss, "margin_ranking_loss": _margin_ranking_loss,
    "hinge_embedding_loss": _hinge_embedding_loss, "ctc_loss": _ctc_loss,
    "conv1d": C.conv1d, "conv2d": C.conv2d, "conv3d": C.conv3d,
    "conv_transpose1d": C.conv_transpose1d, "conv_transpose2d": C.conv_transpose2d,
    "conv_transpose3d": C.conv_transpose3d, "convolution": _convolution,
    "max_pool1d": _max_pool(Q.max_pool1d), "max_pool2d": _max_pool(Q.max_pool2d),
    "max_pool3d": _max_pool(Q.max_pool3d),
    "max_pool1d_with_indices": _max_pool(Q.max_pool1d_with_indices),
    "avg_pool1d": _avg_pool1d, "adaptive_avg_pool1d": Q.adaptive_avg_pool1d,
    "adaptive_max_pool1d": _adaptive_max_pool1d, "pixel_shuffle": S.pixel_shuffle,
    "pixel_unshuffle": S.pixel_unshuffle, "channel_shuffle": X.channel_shuffle,
    "native_channel_shuffle": X.native_channel_shuffle, "constant_pad_nd": _constant_pad_nd,
    "triplet_margin_loss": _triplet_margin_loss, "poisson_nll_loss": _poisson_nll_loss,
    "alpha_dropout_": _alpha_dropout_, "feature_alpha_dropout_": _feature_alpha_dropout_,
    "feature_dropout_": _feature_dropout_, "embedding_renorm_": _embedding_renorm_,
    "conv_tbc": _conv_tbc, "grid_sampler": _grid_sampler, "grid_sampler_2d": _grid_sampler,
    "grid_sampler_3d": _grid_sampler, "affine_grid_generator": _affine_grid_generator,
}

TENSOR_METHODS = {
    "relu": A.relu, "relu_": A.relu_, "prelu": A.prelu, "hardshrink": A.hardshrink,
    "softmax": _softmax, "log_softmax": _log_softmax,
}


def install():
    """Adds the names above that ``ember`` and `Tensor` do not define yet."""
    import ember
    from .._tensor import Tensor
    for name, fn in TORCH_FUNCTIONS.items():
        if name not in ember.__dict__:
            setattr(ember, name, fn)
    for name, fn in TENSOR_METHODS.items():
        if not hasattr(Tensor, name):
            setattr(Tensor, name, fn)
