"""``torch.utils``: helpers around the core (``data``, ``tensorboard``, ...).

Kept light: a subpackage is imported when first used (``ember.utils.data``), so
``import ember`` does not pay for it.
"""
import importlib


def __getattr__(name):
    if not name.startswith("__"):
        try:
            return importlib.import_module("." + name, __name__)
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
