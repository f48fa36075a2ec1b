"""Spatial functional ops of ``torch.nn.functional``: convolution, pooling, padding and
resampling. Each family lives in its own ``_spatial_*.py`` file; this module gathers them."""
from . import _spatial_conv, _spatial_pad, _spatial_pool, _spatial_sample
from ._spatial_conv import *  # noqa: F401,F403
from ._spatial_pad import *  # noqa: F401,F403
from ._spatial_pool import *  # noqa: F401,F403
from ._spatial_sample import *  # noqa: F401,F403

__all__ = (_spatial_conv.__all__ + _spatial_pad.__all__ + _spatial_pool.__all__
           + _spatial_sample.__all__)
