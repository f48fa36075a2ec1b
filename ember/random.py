"""``torch.random``: seeding and the state of the default CPU generator."""
import contextlib

import numpy as np

from . import _generator
from ._device import as_device


class Generator(_generator.Generator):
    """A random-number generator (PyTorch's CPU mt19937); its state is a uint8 tensor."""

    def __init__(self, device="cpu"):
        super().__init__(as_device(device))

    def get_state(self):
        from ._tensor import Tensor
        return Tensor._make(super().get_state())

    def set_state(self, new_state):
        data = new_state._data if hasattr(new_state, "_data") else np.asarray(new_state)
        super().set_state(np.ascontiguousarray(data, dtype=np.uint8))
        return self

    def __repr__(self):
        return "<torch._C.Generator object at %#x>" % id(self)


default_generator = Generator()


def manual_seed(seed):
    """Seeds the default generator (and CUDA's, when present); returns it."""
    seed = int(seed)
    default_generator.manual_seed(seed)
    from . import cuda
    cuda.manual_seed_all(seed)
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """Restores the default generator's state when the block ends."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def gen(generator):
    return default_generator if generator is None else generator
