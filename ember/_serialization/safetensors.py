"""Reading and writing ``.safetensors`` files without the `safetensors` package.

The format: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor
name to ``{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}`` (plus an optional
``"__metadata__"`` dict of strings), then the raw little-endian bytes of every tensor, the
offsets counting from the end of the header. Tensors are stored contiguous; shared memory is
not kept (each tensor gets its own bytes), as in the reference implementation.
"""
import json
import os
import struct

import numpy as np

from .. import _dtype as D
from .atomic import atomic_write
from .rebuild import decode_bfloat16, encode_bfloat16

_CODES = {"BOOL": D.bool_, "U8": D.uint8, "I8": D.int8, "I16": D.int16, "U16": D.uint16,
          "I32": D.int32, "U32": D.uint32, "I64": D.int64, "U64": D.uint64, "F16": D.float16,
          "BF16": D.bfloat16, "F32": D.float32, "F64": D.float64, "C64": D.complex64}
_NAMES = {dt.name: code for code, dt in _CODES.items()}
_MAX_HEADER = 100_000_000


def _tensor_bytes(t):
    """The little-endian bytes of a tensor in C order."""
    a = t.detach()._data
    if not isinstance(a, np.ndarray):
        a = a.get()
    a = np.ascontiguousarray(a)
    if t.dtype is D.bfloat16:
        a = encode_bfloat16(a)
    elif a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and np.little_endian is False):
        a = a.byteswap()
    return a.reshape(-1).view(np.uint8)


def save_safetensors(tensors, filename, metadata=None):
    """Writes a dict of name -> tensor to a ``.safetensors`` file, like
    ``safetensors.torch.save_file`` (atomically, as ``ember.save``)."""
    from .._tensor import Tensor
    if not isinstance(tensors, dict):
        raise TypeError("expected a dict of tensors, got %s" % type(tensors).__name__)
    header, chunks, offset = {}, [], 0
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("metadata must be a dict of str to str")
        header["__metadata__"] = dict(metadata)
    # larger element types first keeps every tensor aligned to its itemsize
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0])
                   if isinstance(kv[1], Tensor) else (0, kv[0]))
    for name, t in items:
        if not isinstance(t, Tensor):
            raise TypeError("%s is not a tensor but %s" % (name, type(t).__name__))
        code = _NAMES.get(t.dtype.name)
        if code is None:
            raise ValueError("safetensors has no type for %s (tensor %r)" % (t.dtype, name))
        data = _tensor_bytes(t)
        header[name] = {"dtype": code, "shape": list(t.shape),
                        "data_offsets": [offset, offset + data.nbytes]}
        chunks.append(data)
        offset += data.nbytes
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)

    def write(f):
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for data in chunks:
            f.write(memoryview(data))
    atomic_write(os.fspath(filename), write)


def read_safetensors_header(f, size):
    """(header dict, data start) of an open safetensors file of `size` bytes, validated."""
    raw = f.read(8)
    if len(raw) != 8:
        raise RuntimeError("invalid safetensors file: header too small")
    (n,) = struct.unpack("<Q", raw)
    if n > min(size - 8, _MAX_HEADER):
        raise RuntimeError("invalid safetensors file: header length %d is too large" % n)
    try:
        header = json.loads(f.read(n).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise RuntimeError("invalid safetensors file: bad JSON header (%s)" % e) from None
    if not isinstance(header, dict):
        raise RuntimeError("invalid safetensors file: header is not a JSON object")
    start = 8 + n
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype = _CODES[info["dtype"]]
            shape = [int(s) for s in info["shape"]]
            begin, end = (int(x) for x in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise RuntimeError("invalid safetensors file: bad entry for tensor %r" % name) from None
        numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if min(shape, default=0) < 0 or end - begin != numel * dtype.itemsize or begin < 0 or \
                start + end > size:
            raise RuntimeError("invalid safetensors file: tensor %r has inconsistent offsets"
                               % name)
        spans.append((begin, end, name, dtype, shape))
    spans.sort()
    for a, b in zip(spans, spans[1:]):
        if a[1] > b[0]:
            raise RuntimeError("invalid safetensors file: tensors %r and %r overlap"
                               % (a[2], b[2]))
    return header, start, spans


def load_safetensors(filename, device="cpu"):
    """Reads a ``.safetensors`` file into a dict of name -> tensor, like
    ``safetensors.torch.load_file``."""
    from .._tensor import Tensor
    size = os.path.getsize(filename)
    out = {}
    with open(filename, "rb") as f:
        _, start, spans = read_safetensors_header(f, size)
        for begin, end, name, dtype, shape in spans:
            raw = np.empty(end - begin, dtype=np.uint8)
            f.seek(start + begin)
            if f.readinto(memoryview(raw)) != raw.nbytes:
                raise RuntimeError("invalid safetensors file: truncated data for %r" % name)
            if dtype is D.bfloat16:
                arr = decode_bfloat16(raw)
            else:
                arr = raw.view(np.dtype(dtype.np).newbyteorder("<"))
                if not np.little_endian:
                    arr = arr.astype(dtype.np)
            t = Tensor._make(arr.reshape(shape), dtype)
            out[name] = t if str(device) == "cpu" else t.to(device)
    return out
