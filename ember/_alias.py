"""Makes ``import torch`` / ``import torchvision`` load ember (used by ``ember run``).

A meta-path finder answers for ``torch``, ``torch.*``, ``torchvision`` and
``torchvision.*`` with the matching ember modules, so the module objects are ember's own:
classes keep their ember names and pickle across processes unchanged.
"""
import importlib
import importlib.abc
import importlib.util
import sys

ALIASES = {"torch": "ember", "torchvision": "ember.vision"}


def target_of(fullname):
    for alias, real in ALIASES.items():
        if fullname == alias or fullname.startswith(alias + "."):
            return real + fullname[len(alias):]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        try:
            return importlib.import_module(self.target)
        except ModuleNotFoundError as e:
            if e.name and (e.name == self.target or self.target.startswith(e.name + ".")):
                raise ModuleNotFoundError("ember has no %s yet (needed as %s)"
                                          % (self.target, spec.name), name=spec.name) from None
            raise

    def exec_module(self, module):
        pass


class AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        real = target_of(fullname)
        if real is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(real))


def install():
    """Installs the finder once (idempotent)."""
    if not any(isinstance(f, AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, AliasFinder())
