"""``torch.backends``: flags for accelerator libraries (accepted; ember has no cuDNN)."""
from . import cudnn, mps  # noqa: F401
