"""``torch.hub`` for pretrained weights, offline: checkpoints are read from the local cache.

PyTorch downloads ``load_state_dict_from_url(url)`` into ``$TORCH_HOME/hub/checkpoints``
(``$TORCH_HOME`` defaults to ``$XDG_CACHE_HOME/torch``, i.e. ``~/.cache/torch``) and loads
it from there afterwards. ember never downloads: it loads the cached file when it is
there (a file PyTorch downloaded works as is) and otherwise raises `FileNotFoundError`
naming the file and the folder to put it in. Loading hub repositories (``hub.load``) is
not supported.
"""
import os
import re
import warnings
import zipfile
from urllib.parse import urlparse

__all__ = ["get_dir", "set_dir", "load_state_dict_from_url", "download_url_to_file", "load",
           "list", "help"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_hub_dir = None


def _torch_home():
    default = os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")
    return os.path.expanduser(os.getenv("TORCH_HOME", default))


def get_dir():
    """The hub cache folder: ``set_dir``'s, else ``$TORCH_HOME/hub``."""
    if os.getenv("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_torch_home(), "hub")


def set_dir(d):
    """Sets the hub cache folder."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """ember has no network access: always raises, naming where the file should go."""
    raise RuntimeError("ember does not download files: fetch %s yourself and save it as %s"
                       % (url, dst))


def _is_legacy_zip(path):
    """A zip holding one checkpoint file (how some old weights were published)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    return len(infos) == 1 and not infos[0].is_dir()


def _load_legacy_zip(path, model_dir, map_location, weights_only):
    from .serialization import load as _load
    with zipfile.ZipFile(path) as zf:
        member = zf.infolist()[0]
        target = os.path.realpath(os.path.join(model_dir, member.filename))
        if not target.startswith(os.path.realpath(model_dir) + os.sep):
            raise ValueError("Zip file contains a path outside the target folder: %s"
                             % member.filename)
        zf.extract(member, model_dir)
    warnings.warn("Falling back to the old format < 1.6. This support will be deprecated in "
                  "favor of default zipfile format introduced in 1.6. Please redo torch.save() "
                  "to save it in the new zipfile format.", FutureWarning, stacklevel=3)
    return _load(target, map_location=map_location, weights_only=weights_only)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True,
                             check_hash=False, file_name=None, weights_only=False):
    """Loads the checkpoint that PyTorch would have downloaded from `url`, from
    ``<model_dir or hub dir/checkpoints>/<file name of the URL>``; raises
    `FileNotFoundError` when it is not there (ember does not download)."""
    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead",
                      stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached = os.path.join(model_dir, filename)
    if not os.path.exists(cached):
        raise FileNotFoundError(
            "ember cannot download %s (no network access). Put the file %r in %s (or set "
            "$TORCH_HOME: the folder is $TORCH_HOME/hub/checkpoints); a copy downloaded by "
            "PyTorch works as is." % (url, filename, model_dir))
    if _is_legacy_zip(cached):
        return _load_legacy_zip(cached, model_dir, map_location, weights_only)
    from .serialization import load as _load
    return _load(cached, map_location=map_location, weights_only=weights_only)


def _no_repos(*args, **kwargs):
    raise RuntimeError("ember.hub cannot load models from hub repositories (no network access "
                       "and no code download); build the model in ember and load its state "
                       "dict with load_state_dict_from_url or ember.load")


load = list = help = _no_repos   # noqa: A001  (torch.hub.load, .list, .help)
