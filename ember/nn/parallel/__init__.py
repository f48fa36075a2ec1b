"""``torch.nn.parallel``: data parallelism (on one device the wrapped module is just called)."""
from .data_parallel import DataParallel, data_parallel

__all__ = ["DataParallel", "data_parallel"]
