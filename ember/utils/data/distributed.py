"""``DistributedSampler``: each of `num_replicas` processes reads its own share of the
dataset (padded, or trimmed with `drop_last`, to equal lengths), reshuffled per epoch."""
import math

import ember

from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _process_group_value(name):
    """World size or rank from ``ember.distributed`` when a process group is running."""
    try:
        import ember.distributed as dist
    except ImportError:
        raise RuntimeError("Requires distributed package to be available") from None
    if not (getattr(dist, "is_available", lambda: False)() and dist.is_initialized()):
        raise ValueError("Default process group has not been initialized, please make sure "
                         "to call init_process_group.")
    return getattr(dist, name)()


class DistributedSampler(Sampler):
    """Restricts data loading to a subset of the dataset, for distributed training.

    `num_replicas` and `rank` default to the process group's world size and rank; given
    explicitly, no process group is needed. Call ``set_epoch`` before each epoch so that
    shuffling (seeded with ``seed + epoch``) differs between epochs.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None:
            num_replicas = _process_group_value("get_world_size")
        if rank is None:
            rank = _process_group_value("get_rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas)
                                         / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        if self.shuffle:
            g = ember.Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = ember.randperm(len(self.dataset), generator=g).tolist()
        else:
            indices = list(range(len(self.dataset)))
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[:self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(f"Number of indices ({len(indices)}) does not match "
                                 f"total_size ({self.total_size})")
        indices = indices[self.rank:self.total_size:self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(f"Number of subsampled indices ({len(indices)}) does not "
                                 f"match num_samples ({self.num_samples})")
        return iter(indices)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Sets the epoch, which seeds the shuffling of the next iteration."""
        self.epoch = epoch
