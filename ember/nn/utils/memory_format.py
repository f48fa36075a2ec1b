"""``torch.nn.utils.convert_conv2d/3d_weight_memory_format``.

PyTorch re-lays the weights of every (transposed) convolution in `module` out in
`memory_format` (channels_last speeds up its kernels). ember's arrays have one layout, so
the weights are left as they are; the module (the same object, as in PyTorch) is returned.
"""

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def convert_conv2d_weight_memory_format(module, memory_format):
    """Returns `module`; in ember memory formats do not change a tensor's layout."""
    return module


def convert_conv3d_weight_memory_format(module, memory_format):
    """Returns `module`; in ember memory formats do not change a tensor's layout."""
    return module
