"""``ember.vision``: torchvision's public API on ember (``import torchvision`` under ``ember run``).

``datasets``, ``transforms``, ``utils`` and ``io`` load with the package; ``models`` loads
on first use (``ember.vision.models`` or ``from ember.vision import models``), so the rest
keeps working whatever state the models package is in.  Pillow (the ``vision`` extra) is
needed only by the functions that touch PIL images.
"""
import importlib

from . import datasets, io, transforms, utils

__version__ = "0.28.0+ember"

_image_backend = "PIL"
_video_backend = "pyav"


def set_image_backend(backend):
    """Choose the image loader of the datasets: 'PIL' or 'accimage'."""
    global _image_backend
    if backend not in ["PIL", "accimage"]:
        raise ValueError(f"Invalid backend '{backend}'. Options are 'PIL' and 'accimage'")
    _image_backend = backend


def get_image_backend():
    """Name of the image loader of the datasets ('PIL' by default)."""
    return _image_backend


def set_video_backend(backend):
    """Record the video backend name; ember reads no video."""
    global _video_backend
    if backend not in ["pyav", "video_reader", "cuda"]:
        raise ValueError(f"Invalid video backend '{backend}'. Options are 'pyav', 'video_reader' "
                         "and 'cuda'")
    _video_backend = backend


def get_video_backend():
    """Name of the video backend ('pyav' by default)."""
    return _video_backend


def _is_tracing():
    return False


def __getattr__(name):
    if name == "models":
        return importlib.import_module(".models", __name__)
    raise AttributeError(f"ember has no torchvision.{name} yet")
