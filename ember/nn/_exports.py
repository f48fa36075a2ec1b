"""The ``torch.*`` functions and Tensor methods that PyTorch implements with its nn kernels
(``torch.relu``, ``torch.softmax``, ``Tensor.log_softmax``, ``torch.batch_norm``, ...).

`TORCH_FUNCTIONS` and `TENSOR_METHODS` map PyTorch's names to ember's implementations
(with PyTorch's argument orders). `install()` adds the ones ember does not define yet to
the ``ember`` module and to `Tensor`; ``ember.nn`` calls it when it is imported.
"""
from . import _f_activation as A
from . import _f_basic as B
from . import _f_loss as L
from . import _f_loss2 as L2
from . import _f_norm as N
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
