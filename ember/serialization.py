"""``torch.save`` / ``torch.load`` in PyTorch's own file format, plus safetensors files.

Files are interchangeable with PyTorch both ways: ``ember.save`` writes the zip archive
``torch.save`` writes (same records, same pickled global names, 64-byte aligned storages),
and ``ember.load`` reads PyTorch's zip files and its pre-1.6 format. ``weights_only=True``
(the default) unpickles with an interpreter that only allows tensors, storages, containers,
numbers, strings, dtypes, devices and ``Size`` (and what ``add_safe_globals`` adds), so a
hostile file cannot run code. Ember-specific: saving to a path is atomic (a temporary file
in the same folder, then a rename), so an interrupted save leaves the old file intact.
"""
import io
import os
import pickle
import random
import struct
import sys
import warnings

from ._serialization import loader as L
from ._serialization.atomic import atomic_write
from ._serialization.pickler import (StorageRecords, TorchPickler, reduce_for_checkpoint,
                                     reduce_tensor)
from ._tensor import Tensor
from ._serialization.rebuild import LOAD_STATE, StorageType, storage_type
from ._storage import UntypedStorage
from ._serialization.safetensors import load_safetensors, save_safetensors
from ._serialization.zipformat import ZipReader, ZipWriter

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "safe_globals", "get_unsafe_globals_in_checkpoint", "location_tag",
           "default_restore_location", "SourceChangeWarning", "StorageType",
           "save_safetensors", "load_safetensors", "reduce_tensor", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2
MAGIC_NUMBER = L.MAGIC_NUMBER
PROTOCOL_VERSION = L.PROTOCOL_VERSION
default_restore_location = L.default_restore_location

UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
    "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set to "
    "`False` will likely succeed, but it can result in arbitrary code execution. Do it only "
    "if you got the file from a trusted source.")
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default "
    "with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


class SourceChangeWarning(Warning):
    """Warned by PyTorch when a pickled module's source changed (ember never warns it)."""


def location_tag(storage):
    """'cpu' or 'cuda:N': where a storage lives, as recorded in checkpoints."""
    from ._device import device_of
    return str(device_of(storage._root))


# --- safe globals (the weights_only allowlist) ----------------------------------------------
_safe = {}


def _safe_key(entry):
    if isinstance(entry, tuple):
        if len(entry) != 2:
            raise ValueError("Expected tuple of length 2 (global, str of callable full path), "
                             "but got tuple of length: %d" % len(entry))
        if type(entry[1]) is not str:
            raise TypeError("Expected second item in tuple to be str of callable full path, "
                            "but got: %s" % type(entry[1]))
        return entry[1], entry[0]
    return "%s.%s" % (entry.__module__, entry.__qualname__), entry


def add_safe_globals(safe_globals):
    """Allows these classes/functions in ``weights_only`` loads (``(obj, 'mod.name')`` pairs
    give the name the file uses)."""
    for entry in safe_globals:
        _safe[entry] = _safe_key(entry)


def clear_safe_globals():
    _safe.clear()


def get_safe_globals():
    return list(_safe)


class safe_globals:
    """Context manager adding safe globals for the ``with`` block."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        self._added = [g for g in self.safe_globals if g not in _safe]
        add_safe_globals(self._added)

    def __exit__(self, *exc):
        for g in self._added:
            _safe.pop(g, None)


def _allowed_user_globals():
    out = {}
    for name, obj in _safe.values():
        out[name] = obj
        if name.startswith("ember."):   # ember classes appear under PyTorch's names in files
            out["torch." + name[len("ember."):]] = obj
    return out


def _weights_only_message(message):
    """PyTorch's wording around a weights-only unpickling error."""
    if "was not an allowed global by default" in message:
        text = ("Weights only load failed. This file can still be loaded, to do so you have "
                "two options, \033[1mdo those steps only if you trust the source of the "
                "checkpoint\033[0m. \n\t(1) %s\n\t(2) Alternatively, to load with "
                "`weights_only=True` please check the recommended steps in the following error "
                "message.\n\tWeightsUnpickler error: %s" % (UNSAFE_MESSAGE, message))
    else:
        text = "Weights only load failed. %s\n" % UNSAFE_MESSAGE
        if "is blocked" not in message:
            text += ("Please file an issue with the following so that we can make "
                     "`weights_only=True` compatible with your use case: WeightsUnpickler "
                     "error: ")
        text += "\n\n" + message
    return text + _DOCS_MESSAGE


# --- save -------------------------------------------------------------------------------------
def _make_pickler(pickle_module, f, protocol, records):
    """The checkpoint pickler for `pickle_module` (``pickle`` or a drop-in such as dill)."""
    base = pickle_module.Pickler
    if pickle_module is pickle or base is pickle.Pickler:
        return TorchPickler(f, protocol, records)
    if issubclass(base, pickle._Pickler):      # a pure-Python pickler: add PyTorch's names
        return type("Pickler", (TorchPickler, base), {})(f, protocol, records)

    class Pickler(base):
        """Another pickler class: tensors are pickled as in checkpoints; other objects keep
        their ember names (only ember reads such files)."""

        def persistent_id(self, obj):
            return TorchPickler.persistent_id(self, obj)

        def reducer_override(self, obj):
            if isinstance(obj, Tensor) and type(obj).__reduce_ex__ is Tensor.__reduce_ex__:
                return reduce_for_checkpoint(obj)
            if isinstance(obj, type) and issubclass(obj, UntypedStorage):
                return (storage_type, (obj.__name__,))
            return NotImplemented
    p = Pickler(f, protocol=protocol)
    p._records = records
    return p


def _write_zip(obj, f, archive_name, pickle_module, protocol, disable_byteorder):
    records = StorageRecords()
    buf = io.BytesIO()
    _make_pickler(pickle_module, buf, protocol, records).dump(obj)
    serialization_id = "".join(random.choice("0123456789") for _ in range(40))
    head = [("data.pkl", buf.getbuffer()), (".format_version", b"1"),
            (".storage_alignment", b"64")]
    if not disable_byteorder:
        head.append(("byteorder", sys.byteorder.encode("ascii")))
    tail = [("version", b"3\n"), (".data/serialization_id", serialization_id.encode("ascii"))]
    w = ZipWriter(f, archive_name)
    w.reserve([(name, len(data)) for name, data in head] +
              [("data/" + key, records.storage_nbytes(key)) for key in records.records] +
              [(name, len(data)) for name, data in tail])
    for name, data in head:
        w.write_record(name, data)
    for key in records.records:
        w.write_record("data/" + key, records.storage_bytes(key))
    for name, data in tail:
        w.write_record(name, data)
    w.close()


def _write_legacy(obj, f, pickle_module, protocol):
    records = StorageRecords(legacy=True)
    sys_info = {"protocol_version": PROTOCOL_VERSION, "little_endian": sys.byteorder == "little",
                "type_sizes": {"short": struct.calcsize("=h"), "int": struct.calcsize("=i"),
                               "long": struct.calcsize("=l")}}
    pickle_module.dump(MAGIC_NUMBER, f, protocol=protocol)
    pickle_module.dump(PROTOCOL_VERSION, f, protocol=protocol)
    pickle_module.dump(sys_info, f, protocol=protocol)
    _make_pickler(pickle_module, f, protocol, records).dump(obj)
    keys = list(records.records)
    pickle_module.dump(keys, f, protocol=protocol)
    for key in keys:
        data = records.storage_bytes(key)
        root, dtype = records.records[key]
        f.write(struct.pack("<q", data.nbytes // (dtype.itemsize if dtype else 1)))
        f.write(memoryview(data))
    f.flush()


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Saves an object to a disk file (or file-like object) in PyTorch's format. Saving to a
    path is atomic in ember: the old file stays intact until the new one is complete."""
    is_path = isinstance(f, (str, os.PathLike))
    if not is_path and not hasattr(f, "write"):
        raise AttributeError("expected 'f' to be string, path, or a file-like object with a "
                             "'write' attribute")
    if is_path:
        f = os.fspath(f)
        if isinstance(f, bytes):
            f = os.fsdecode(f)
        archive = os.path.splitext(os.path.basename(f))[0] or "archive"
    else:
        archive = "archive"

    def write(fileobj):
        if _use_new_zipfile_serialization:
            _write_zip(obj, fileobj, archive, pickle_module, pickle_protocol,
                       _disable_byteorder_record)
        else:
            _write_legacy(obj, fileobj, pickle_module, pickle_protocol)

    if is_path:
        atomic_write(f, write)
    else:
        write(f)


# --- load -------------------------------------------------------------------------------------
def _env_flag(name):
    return os.getenv(name, "0").lower() in ("1", "y", "yes", "true")


def _open_for_read(f):
    """(file object, whether we opened it)."""
    if isinstance(f, (str, os.PathLike)):
        return open(f, "rb"), True
    for attr in ("read", "seek", "tell"):
        if not hasattr(f, attr):
            raise AttributeError("expected 'f' to be string, path, or a file-like object with a "
                                 "'%s' attribute" % attr)
    try:
        f.seek(f.tell())
    except (io.UnsupportedOperation, AttributeError, OSError) as e:
        raise type(e)(str(e) + ". You can only torch.load from a file that is seekable. Please "
                      "pre-load the data into a buffer like io.BytesIO and try to load from it "
                      "instead.") from None
    return f, False


def _is_zip(f):
    start = f.tell()
    head = f.read(4)
    f.seek(start)
    return head == b"PK\x03\x04"


def _read_archive_records(reader):
    """Reads what torch.load reads of an archive before its pickle, with its checks and in
    its order (version, serialization id, record names, .format_version, byteorder,
    .storage_alignment); returns (byteorder, serialization id bytes or None)."""
    reader.version()
    serialization_id = None
    if reader.has_record(".data/serialization_id"):
        serialization_id = reader.read_record(".data/serialization_id")
    reader.check_records()
    if reader.has_record("constants.pkl"):
        raise RuntimeError("This is a TorchScript archive (torch.jit.save); ember cannot load "
                           "TorchScript. Save the model's state_dict in PyTorch instead.")
    if reader.has_record(".format_version"):
        reader.read_record(".format_version")   # only read: its damage is an error
    byteorder = "little"
    if reader.has_record("byteorder"):
        raw = reader.read_record("byteorder")
        if raw not in (b"little", b"big"):
            raise ValueError("Unknown endianness type: " + raw.decode())
        byteorder = raw.decode()
    if reader.has_record(".storage_alignment"):
        int(reader.read_record(".storage_alignment"))   # PyTorch refuses a non-integer
    return byteorder, serialization_id


def _load_zip(f, path, map_location, pickle_module, weights_only, mmap, load_args):
    reader = ZipReader(f)
    byteorder, serialization_id = _read_archive_records(reader)
    mapped = None
    if mmap:
        if path is None:
            raise ValueError("f must be a file path in order to use the mmap argument")
        import numpy as np
        mapped = np.memmap(path, dtype=np.uint8, mode="c")
    restore = L.restore_function(map_location)
    storages = L.ZipStorages(reader, restore, byteorder, mapped)
    data = reader.read_record("data.pkl")
    LOAD_STATE.restore = L._device_for_location(restore)
    try:
        obj, _ = L.unpickle(data, 0, weights_only, storages, pickle_module,
                            _allowed_user_globals(), **load_args)
    finally:
        LOAD_STATE.restore = None
    if serialization_id is not None:
        serialization_id.decode("utf-8")     # PyTorch reads it as text once the object is loaded
    return obj


def _load_legacy(f, map_location, pickle_module, weights_only, load_args):
    data = f.read()
    if not data:
        raise EOFError("Ran out of input")
    if len(data) > 262 and data[257:262] == b"ustar":
        if weights_only:
            raise RuntimeError("Cannot use ``weights_only=True`` with files saved in the legacy "
                               ".tar format. " + UNSAFE_MESSAGE)
        raise RuntimeError("ember cannot read the legacy .tar checkpoint format (PyTorch < 0.4);"
                           " load it in PyTorch and save it again")
    user = _allowed_user_globals()

    def next_pickle(pos, persistent_load=None):
        return L.unpickle(data, pos, weights_only, persistent_load, pickle_module, user,
                          **load_args)

    magic, pos = next_pickle(0)
    if magic != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version, pos = next_pickle(pos)
    if version != PROTOCOL_VERSION:
        raise RuntimeError("Invalid protocol version: %s" % (version,))
    sys_info, pos = next_pickle(pos)
    little = sys_info.get("little_endian", True) if isinstance(sys_info, dict) else True
    storages = L.LegacyStorages(L.restore_function(map_location), len(data), not weights_only)
    result, pos = next_pickle(pos, storages)
    keys, pos = next_pickle(pos)
    L.fill_legacy_storages(data, pos, keys, storages.roots, "little" if little else "big")
    return result


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Loads an object saved with ``torch.save``/``ember.save`` (zip or pre-1.6 format).
    ``weights_only=True`` (the default) refuses every global outside the allowlist."""
    weights_only_not_set = weights_only is None
    if weights_only_not_set:
        weights_only = pickle_module is None
    force_on = _env_flag("TORCH_FORCE_WEIGHTS_ONLY_LOAD")
    force_off = _env_flag("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
    if force_on and force_off:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or "
                           "`TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` should be set, but both were set.")
    if force_on:
        weights_only = True
    elif force_off and weights_only_not_set:
        warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since "
                      "the`weights_only` argument was not explicitly passed to `torch.load`, "
                      "forcing weights_only=False.", UserWarning, stacklevel=2)
        weights_only = False
    if weights_only:
        if pickle_module is not None:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                               "specified")
    elif pickle_module is None:
        pickle_module = pickle
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.")
    pickle_load_args.setdefault("encoding", "utf-8")

    path = os.fspath(f) if isinstance(f, (str, os.PathLike)) else None
    if isinstance(path, str) and path.endswith(".safetensors"):
        if isinstance(map_location, dict) or (callable(map_location) and
                                              not isinstance(map_location, (str, bytes))):
            raise RuntimeError("Loading safetensors file with %s map_location is not supported. "
                               "Use a device string or torch.device instead."
                               % ("dict" if isinstance(map_location, dict) else "callable"))
        return load_safetensors(path, device=str(map_location or "cpu"))

    fileobj, opened = _open_for_read(f)
    try:
        try:
            if _is_zip(fileobj):
                return _load_zip(fileobj, path, map_location, pickle_module, weights_only,
                                 mmap, pickle_load_args)
            if mmap:
                raise RuntimeError("mmap can only be used with files saved with `torch.save(%s"
                                   "_use_new_zipfile_serialization=True), please torch.save your "
                                   "checkpoint with this option in order to use mmap."
                                   % ("%s, " % f if isinstance(f, str) else ""))
            return _load_legacy(fileobj, map_location, pickle_module, weights_only,
                                pickle_load_args)
        except pickle.UnpicklingError as e:
            if weights_only:
                raise pickle.UnpicklingError(_weights_only_message(str(e))) from None
            raise
    finally:
        if opened:
            fileobj.close()


def get_unsafe_globals_in_checkpoint(f):
    """The globals a checkpoint names that a ``weights_only`` load would refuse."""
    import _compat_pickle
    import pickletools
    fileobj, opened = _open_for_read(f)
    try:
        if not _is_zip(fileobj):
            raise ValueError("Expected input to be a checkpoint returned by torch.save")
        data = ZipReader(fileobj).read_record("data.pkl")
    finally:
        if opened:
            fileobj.close()
    allowed = dict(L.torch_globals())
    allowed.update(_allowed_user_globals())
    found, strings = set(), []
    for op, arg, _ in pickletools.genops(data):
        if op.name == "GLOBAL":
            module, name = arg.split(" ", 1)
            if (module, name) in _compat_pickle.NAME_MAPPING:      # Python 2 names
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            module = _compat_pickle.IMPORT_MAPPING.get(module, module)
            found.add("%s.%s" % (module, name))
        elif op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
            found.add("%s.%s" % (strings[-2], strings[-1]))
    return sorted(g for g in found if g not in allowed)

