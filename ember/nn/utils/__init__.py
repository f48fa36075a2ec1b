"""``torch.nn.utils``: gradient clipping, parameter/vector conversion, weight and spectral
normalisation, parametrizations (and ``rnn``, written alongside the recurrent layers)."""
import importlib.util as _util

from . import fusion, memory_format, parametrizations, parametrize, stateless
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_,
                        clip_grads_with_norm_, get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval,
                     fuse_linear_bn_weights)
from .memory_format import convert_conv2d_weight_memory_format, convert_conv3d_weight_memory_format
from .init import skip_init
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

if _util.find_spec(__name__ + ".rnn") is not None:
    from . import rnn  # noqa: F401

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grads_with_norm_", "clip_grad_value_",
           "convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format",
           "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "get_total_norm", "parameters_to_vector",
           "parametrizations", "parametrize", "remove_spectral_norm", "remove_weight_norm",
           "skip_init", "spectral_norm", "stateless", "vector_to_parameters", "weight_norm"]
