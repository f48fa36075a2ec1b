"""``torch.nn.functional``: the layers as functions.

The implementations live in topic files (`_f_basic`, `_f_activation`, `_f_loss`,
`_f_loss2`, `_f_ctc`, `_f_norm`) and, for convolution, pooling, sampling and recurrent helpers, in
`_spatial` and `_sequence`; this module gathers them under PyTorch's names.
"""
from ._f_basic import *  # noqa: F401,F403
from ._f_activation import *  # noqa: F401,F403
from ._f_loss import *  # noqa: F401,F403
from ._f_loss2 import *  # noqa: F401,F403
from ._f_norm import *  # noqa: F401,F403
from ._f_ctc import *  # noqa: F401,F403
from ._spatial import *  # noqa: F401,F403
from ._sequence import *  # noqa: F401,F403
from ._f_extra import *  # noqa: F401,F403
from ._spatial_fractional import *  # noqa: F401,F403
