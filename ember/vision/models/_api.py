"""Pretrained-weights descriptions and the model registry (``torchvision.models._api``).

Each builder has a ``WeightsEnum`` subclass (``ResNet18_Weights`` ...) whose members are
``Weights(url, transforms, meta)``; ``DEFAULT`` is an alias of the recommended member.

ember never downloads: ``weights.get_state_dict()`` loads the checkpoint from PyTorch's
cache, ``$TORCH_HOME/hub/checkpoints/<file name of the url>`` (``~/.cache/torch`` when
``$TORCH_HOME`` is unset; ``ember.hub.set_dir`` moves it as ``torch.hub.set_dir`` does), so a
file downloaded by PyTorch works as is. A missing file raises RuntimeError naming the path
and the URL to fetch it from.
"""
import fnmatch
import importlib
import inspect
import os
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import Any, Callable, Dict
from urllib.parse import urlparse

__all__ = ["WeightsEnum", "Weights", "get_model", "get_model_builder", "get_model_weights",
           "get_weight", "list_models", "register_model"]


@dataclass
class Weights:
    """One set of pretrained weights: where PyTorch publishes the file (`url`), a callable
    building the matching preprocessing (`transforms`) and `meta` data (categories,
    num_params, metrics, ...)."""

    url: str
    transforms: Callable
    meta: Dict[str, Any]

    def __eq__(self, other):
        if not isinstance(other, Weights):
            return NotImplemented
        if self.url != other.url or self.meta != other.meta:
            return False
        if isinstance(self.transforms, partial) and isinstance(other.transforms, partial):
            return (self.transforms.func == other.transforms.func
                    and self.transforms.args == other.transforms.args
                    and self.transforms.keywords == other.transforms.keywords)
        return self.transforms == other.transforms


def cached_checkpoint_path(url, model_dir=None, file_name=None):
    """Where PyTorch's hub keeps the file downloaded from `url`."""
    if model_dir is None:
        from ... import hub
        model_dir = os.path.join(hub.get_dir(), "checkpoints")
    return os.path.join(model_dir, file_name or os.path.basename(urlparse(url).path))


class WeightsEnum(Enum):
    """Base class of the per-model weights enums; members' values are `Weights`."""

    @classmethod
    def verify(cls, obj):
        """`obj` as a member of this enum: None stays None, a name ("IMAGENET1K_V1" or
        "ResNet18_Weights.IMAGENET1K_V1") is looked up, another enum raises TypeError."""
        if obj is not None:
            if type(obj) is str:
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} "
                                f"but received {obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, *args, **kwargs):
        """The checkpoint's state dict, read from the local hub cache (never downloaded)."""
        path = cached_checkpoint_path(self.url, kwargs.get("model_dir"), kwargs.get("file_name"))
        if not os.path.exists(path):
            raise RuntimeError(
                f"The pretrained weights {self!r} are not in the local cache: expected the file "
                f"{path}. ember never downloads; get the file from {self.url} and save it there "
                f"(the folder is $TORCH_HOME/hub/checkpoints, ~/.cache/torch/hub/checkpoints by "
                f"default; a file downloaded by PyTorch works as is).")
        from ... import hub
        return hub.load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self):
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self):
        return self.value.meta


BUILTIN_MODELS = {}


def register_model(name=None):
    """Decorator adding a builder to the registry (under `name` or its function name)."""
    def wrapper(fn):
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn
    return wrapper


def list_models(module=None, include=None, exclude=None):
    """Sorted names of the registered models, optionally only those of `module` and
    filtered by fnmatch patterns `include` / `exclude` (a string or a list of them)."""
    all_models = {k for k, v in BUILTIN_MODELS.items()
                  if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__}
    if include:
        models = set()
        for pattern in [include] if isinstance(include, str) else include:
            models |= set(fnmatch.filter(all_models, pattern))
    else:
        models = all_models
    if exclude:
        for pattern in [exclude] if isinstance(exclude, str) else exclude:
            models -= set(fnmatch.filter(all_models, pattern))
    return sorted(models)


def get_model_builder(name):
    """The builder function registered under `name` (case-insensitive)."""
    name = name.lower()
    try:
        return BUILTIN_MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name, **config):
    """Builds the model registered under `name` with the builder's keyword arguments."""
    return get_model_builder(name)(**config)


def _get_enum_from_fn(fn):
    """The WeightsEnum class in the annotation of `fn`'s ``weights`` parameter."""
    sig = inspect.signature(fn)
    if "weights" not in sig.parameters:
        raise ValueError("The method is missing the 'weights' argument.")
    ann = sig.parameters["weights"].annotation
    candidates = [ann] + list(getattr(ann, "__args__", ()))
    for t in candidates:
        if isinstance(t, type) and issubclass(t, WeightsEnum):
            return t
    raise ValueError("The WeightsEnum class for the specific method couldn't be retrieved. "
                     "Make sure the typing info is correct.")


def get_model_weights(name):
    """The weights enum class of a builder (given as the function or its registered name)."""
    model = get_model_builder(name) if isinstance(name, str) else name
    return _get_enum_from_fn(model)


def get_weight(name):
    """A weights member from its full name, e.g. ``"ResNet50_Weights.IMAGENET1K_V1"``."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    models = importlib.import_module(__name__.rsplit(".", 1)[0])
    candidate = getattr(models, enum_name, None)
    if not (isinstance(candidate, type) and issubclass(candidate, WeightsEnum)):
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't "
                         f"be retrieved.")
    return candidate[value_name]
