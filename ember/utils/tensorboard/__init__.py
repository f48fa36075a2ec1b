"""``torch.utils.tensorboard``: ``SummaryWriter`` writing TensorBoard event files.

Needs the `tensorboard` package (the optional extra ``ember[tensorboard]``); images need
Pillow and ``add_figure`` needs matplotlib.
"""
try:
    import tensorboard  # noqa: F401
except ImportError:
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above") from None

from .writer import FileWriter, SummaryWriter  # noqa: E402

__all__ = ["FileWriter", "SummaryWriter"]
