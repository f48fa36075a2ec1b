"""``torch.cuda`` on CuPy. Without CuPy or a GPU, ``is_available()`` is False and moving a
tensor to CUDA raises PyTorch's error."""
from .._device import _cupy, cuda_available
from .._tensor import LEGACY_CUDA

_current = [0]


def is_available():
    return cuda_available()


def device_count():
    if not cuda_available():
        return 0
    return _cupy().cuda.runtime.getDeviceCount()


def _lazy_init():
    if not cuda_available():
        raise AssertionError("Torch not compiled with CUDA enabled")


def current_device():
    _lazy_init()
    return _current[0]


def set_device(device):
    from .._device import as_device
    idx = device if isinstance(device, int) else as_device(device).index or 0
    _lazy_init()
    _current[0] = idx
    _cupy().cuda.Device(idx).use()


class device:
    """Context manager that makes `device` the current CUDA device."""

    def __init__(self, device):
        from .._device import as_device
        self.idx = device if isinstance(device, int) else (as_device(device).index or 0)

    def __enter__(self):
        self.prev = _current[0]
        set_device(self.idx)

    def __exit__(self, *exc):
        set_device(self.prev)
        return False


def get_device_name(device=None):
    _lazy_init()
    props = _cupy().cuda.runtime.getDeviceProperties(device or 0)
    return props["name"].decode()


def synchronize(device=None):
    if cuda_available():
        _cupy().cuda.Stream.null.synchronize()


def empty_cache():
    if cuda_available():
        _cupy().get_default_memory_pool().free_all_blocks()


def manual_seed(seed):
    pass


def manual_seed_all(seed):
    pass


def memory_allocated(device=None):
    return _cupy().get_default_memory_pool().used_bytes() if cuda_available() else 0


def is_initialized():
    return cuda_available()


globals().update(LEGACY_CUDA)
