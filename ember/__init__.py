"""ember: PyTorch's public API in plain Python on NumPy (CPU) and CuPy (GPU).

``import ember as torch`` and PyTorch programs run unchanged.
"""
__version__ = "2.13.0+ember"

from . import _dtype
from ._dtype import (bfloat16, complex64, complex128, dtype, float16, float32, float64, int8,
                     int16, int32, int64, uint8, uint16, uint32, uint64)
from ._dtype import bool_ as bool  # noqa: A001  (torch.bool)
from ._dtype import get_default_dtype, set_default_dtype, promote_types
from ._device import device, get_default_device, set_default_device
from ._tensor import Size, Tensor, LEGACY as _LEGACY
from . import _tensor_methods  # noqa: F401  (attaches the ops to Tensor)
from ._storage import TypedStorage, UntypedStorage, legacy_storage_class as _storage_cls
from ._creation import (arange, as_tensor, asarray, empty, empty_like, eye, from_numpy,
                        frombuffer, full, full_like, linspace, logspace, ones, ones_like, tensor,
                        zeros, zeros_like)
from ._creation import range_ as range  # noqa: A001
from ._random_factories import (bernoulli, binomial, multinomial, normal, poisson, rand, rand_like, randint,
                                randint_like, randn, randn_like, randperm)
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,
                     seed, set_rng_state)
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from . import autograd, backends, cuda, fft, linalg, random  # noqa: F401
from ._functions import *  # noqa: F401,F403  (torch.add, torch.sum, ...)
from ._tensor_str import set_printoptions, get_printoptions  # noqa: F401
from ._threads import (get_num_interop_threads, get_num_threads, set_num_interop_threads,
                       set_num_threads)
from . import _malloc

_malloc.tune()   # reuse freed buffers from the heap instead of faulting them in every step

globals().update(_LEGACY)
for _dt in _dtype.ALL:
    globals()[_dt._legacy.replace("Tensor", "Storage")] = _storage_cls(_dt)
del _dt

float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16
cfloat = complex64
cdouble = complex128
chalf = complex64
strided = "torch.strided"
contiguous_format = "torch.contiguous_format"
preserve_format = "torch.preserve_format"
channels_last = "torch.channels_last"


def set_default_tensor_type(t):
    """Legacy: sets the default float dtype from a tensor type (``torch.DoubleTensor``)."""
    if isinstance(t, str):
        name = t.split(".")[-1]
        if t.startswith("torch.cuda."):
            cuda._lazy_init()
        dt = _dtype._BY_LEGACY[name]
    else:
        dt = t._legacy_dtype
    set_default_dtype(dt)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_storage(obj):
    return isinstance(obj, (TypedStorage, UntypedStorage))


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    return input.is_complex()


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with %s values is ambiguous"
                           % ("no" if input.numel() == 0 else "more than one"))
    return builtins_bool(input.item())


def numel(input):
    return input.numel()


def typename(obj):
    """The tensor type string, else the module-qualified class name (builtins unqualified)."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", None) else module + "." + cls.__qualname__


import builtins as _builtins  # noqa: E402

builtins_bool = _builtins.bool


# Heavier sub-packages load on first use, so `import ember` stays fast.
_LAZY_MODULES = ("nn", "optim", "utils", "multiprocessing", "special", "hub", "distributed",
                 "vision", "serialization", "examples")
_LAZY_NAMES = {"save": "serialization", "load": "serialization"}
def __getattr__(name):
    import importlib
    import sys
    if name in _LAZY_MODULES:
        module = importlib.import_module("." + name, __name__)
        # where ember stands in for torch (ember run, import hooks), torch.nn is ember.nn too
        for key, mod in list(sys.modules.items()):
            if mod is sys.modules[__name__] and key != __name__:
                sys.modules.setdefault(key + "." + name, module)
        return module
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module("." + _LAZY_NAMES[name], __name__), name)
    if not name.startswith("__") and "nn" not in sys.modules[__name__].__dict__:
        # torch.relu, torch.conv2d, torch.batch_norm, ... are installed by ember.nn
        importlib.import_module(".nn", __name__)
        if name in globals():
            return globals()[name]
    raise AttributeError("ember has no torch.%s yet" % name)


def compile(model=None, **kwargs):
    """``torch.compile``: ember runs eagerly, so the model is returned as it is."""
    if model is None:
        return lambda m: m
    return model
