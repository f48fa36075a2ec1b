"""The zip container of PyTorch's checkpoint format (``torch.save`` since 1.6).

A checkpoint is an uncompressed ("stored") zip archive whose records all live under one
folder (``archive/`` or the file's base name): ``data.pkl`` (the pickled object),
``data/<key>`` (the raw bytes of each storage), ``byteorder``, ``version`` and a few
markers. Each record's bytes start at a multiple of 64 bytes in the file (the padding sits
in an extra field of the local header named ``FB``), so storages can be memory-mapped.

The writer lays records out as PyTorch's (miniz) writer does: local header without sizes,
the data, then a data descriptor with the CRC-32 and sizes. The reader checks the central
directory as PyTorch's does (`centraldir`) and reads storage bytes straight into NumPy
buffers.
"""
import functools
import os
import re
import stat
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .centraldir import CORRUPT_HINT, read_central_directory

ALIGNMENT = 64
_U32 = 0xFFFFFFFF
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_FLAGS = 0x0808          # bit 3: sizes in a data descriptor; bit 11: UTF-8 names
# Records this large (or this far into the file) need zip64 fields; tests lower it.
ZIP64_LIMIT = _U32
_PARALLEL_CRC = 1 << 20
_PREALLOCATE_MIN = 1 << 20

_ENCRYPTED = 0x41        # flag bits: encrypted, strongly encrypted
_PATCHED = 0x20          # flag bit: compressed patched data
_STORED, _DEFLATED = 0, 8   # the compression methods PyTorch's reader knows
# the archive format versions PyTorch reads
MIN_VERSION, MAX_VERSION = 1, 10
_VERSION = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-9]+)")



def _is_zip64(size, offset):
    return size >= ZIP64_LIMIT or offset >= ZIP64_LIMIT


def _local_header(name_b, size, offset):
    """The local header of a record (with its name and the ``FB`` padding field) starting at
    `offset`, padded so that the record's bytes start at a multiple of `ALIGNMENT`."""
    zip64 = _is_zip64(size, offset)
    extra = b""
    if zip64:   # sizes stay in the descriptor, but readers want the zip64 field here
        extra = struct.pack("<HHQQ", 1, 16, 0, 0)
    # the FB field itself takes 4 bytes, then padding to the alignment
    start = offset + _LOCAL.size + len(name_b) + len(extra) + 4
    pad = (-start) % ALIGNMENT
    extra += struct.pack("<HH", 0x4246, pad) + b"Z" * pad
    return _LOCAL.pack(0x04034B50, 45 if zip64 else 20, _FLAGS, 0, 0, 0x21, 0,
                       _U32 if zip64 else 0, _U32 if zip64 else 0, len(name_b),
                       len(extra)) + name_b + extra


def _descriptor(crc, size, offset):
    if _is_zip64(size, offset):
        return struct.pack("<IIQQ", 0x08074B50, crc, size, size)
    return struct.pack("<IIII", 0x08074B50, crc, size, size)


def _central_directory(entries, cd_start):
    """The central directory of `entries` ((name, crc, size, offset) each) and its end
    records, for a directory starting at `cd_start`."""
    parts = []
    for name_b, crc, size, offset in entries:
        big = _is_zip64(size, offset)
        extra = struct.pack("<HHQQQ", 1, 24, size, size, offset) if big else b""
        parts.append(_CENTRAL.pack(
            0x02014B50, 45 if big else 20, 45 if big else 20, _FLAGS, 0, 0, 0x21, crc,
            _U32 if big else size, _U32 if big else size, len(name_b), len(extra), 0, 0, 0,
            0, _U32 if big else offset))
        parts.append(name_b)
        parts.append(extra)
    cd_size = sum(len(p) for p in parts)
    count = len(entries)
    end = cd_start + cd_size
    if count >= 0xFFFF or cd_start >= ZIP64_LIMIT or cd_size >= ZIP64_LIMIT:
        parts.append(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count,
                                 cd_size, cd_start))
        parts.append(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
        parts.append(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, _U32, _U32, 0))
    else:
        parts.append(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size,
                                 cd_start, 0))
    return b"".join(parts)


_CRC_POLY = 0xEDB88320    # CRC-32's polynomial, bit-reflected: bit 31 is x^0, bit 0 is x^31


def _mul_mod_poly(a, b):
    """a * b modulo CRC-32's polynomial (both bit-reflected, as zlib's CRC registers)."""
    product = 0
    for bit in range(31, -1, -1):      # a's coefficients of x^0, x^1, ..., x^31
        if a >> bit & 1:
            product ^= b
        b = (b >> 1) ^ _CRC_POLY if b & 1 else b >> 1      # b *= x
    return product


@functools.lru_cache(maxsize=256)
def _x_pow_8n(nbytes):
    """x^(8 * nbytes) modulo the polynomial: what appending `nbytes` bytes multiplies a CRC
    by."""
    result, power = 1 << 31, 1 << 23     # 1 and x^8
    while nbytes:
        if nbytes & 1:
            result = _mul_mod_poly(result, power)
        power = _mul_mod_poly(power, power)
        nbytes >>= 1
    return result


def crc32_combine(crc_a, crc_b, len_b):
    """``zlib.crc32(a + b)`` from ``zlib.crc32(a)``, ``zlib.crc32(b)`` and ``len(b)`` (the
    standard library does not expose zlib's own)."""
    return _mul_mod_poly(_x_pow_8n(len_b), crc_a) ^ crc_b


class ZipWriter:
    """Writes records one after the other to a binary file object, then the directory."""

    def __init__(self, fileobj, archive_name="archive"):
        self._f = fileobj
        self._prefix = archive_name + "/"
        self._pos = 0
        self._entries = []     # (name bytes, crc, size, header offset)
        self._pool = None
        self._reserved = False

    def archive_size(self, records):
        """The size of the archive that writing `records` ((name, size) pairs) makes."""
        entries = []
        pos = 0
        for name, size in records:
            name_b = (self._prefix + name).encode("utf-8")
            entries.append((name_b, 0, size, pos))
            pos += len(_local_header(name_b, size, pos)) + size + len(_descriptor(0, size, pos))
        return pos + len(_central_directory(entries, pos))

    def reserve(self, records):
        """Allocates the disk space of the whole archive up front when the file is a new
        regular file (ember-specific: see `preallocate`); small archives are not worth it."""
        if sum(size for _, size in records) >= _PREALLOCATE_MIN:
            self._reserved = preallocate(self._f, self.archive_size(records))

    def write_record(self, name, data):
        """Appends record `name` holding `data` (bytes, or a buffer such as a uint8 array)."""
        name_b = (self._prefix + name).encode("utf-8")
        mv = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) else data
        size = len(mv)
        offset = self._pos
        header = _local_header(name_b, size, offset)
        write = self._f.write
        write(header)
        if size >= _PARALLEL_CRC:
            # zlib releases the GIL: a helper thread checksums the head of the record while
            # the bytes are written; this thread then checksums the tail, 1/8 to 1/4 of the
            # record (checksumming is slower than writing, so both finish about together).
            # Tails of a power of two bytes keep the cache of `_x_pow_8n` small.
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1)
            split = size - (1 << ((size // 4).bit_length() - 1))
            head = self._pool.submit(zlib.crc32, mv[:split])
            write(mv)
            tail = zlib.crc32(mv[split:])
            crc = crc32_combine(head.result(), tail, size - split)
        else:
            write(mv)
            crc = zlib.crc32(mv)
        descriptor = _descriptor(crc, size, offset)
        write(descriptor)
        self._pos += len(header) + size + len(descriptor)
        self._entries.append((name_b, crc, size, offset))

    def close(self):
        """Writes the central directory and its end records."""
        if self._pool is not None:
            self._pool.shutdown()
        self._f.write(_central_directory(self._entries, self._pos))
        if self._reserved:
            self._f.truncate()   # in case the reservation overshot: the archive ends here
        self._f.flush()


def preallocate(fileobj, nbytes):
    """Reserves `nbytes` of disk for `fileobj` when it is a new, empty regular file and the
    platform can (``posix_fallocate``); True if done. Writing into space allocated up front
    is faster, and on ext4 it spares the flush to disk that renaming a freshly written file
    over an existing one otherwise starts (which made atomic saves twice as slow)."""
    fallocate = getattr(os, "posix_fallocate", None)
    if fallocate is None:
        return False
    try:
        fd = fileobj.fileno()
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size or fileobj.tell():
            return False
        fallocate(fd, 0, nbytes)
    except (AttributeError, OSError, ValueError):   # io.UnsupportedOperation is both
        return False
    return True


def _parse_version(text):
    """The integer C's ``strtoull`` reads from `text`, as a signed 64-bit value (PyTorch's
    reading of the version record): RuntimeError if there is none or it overflows."""
    match = _VERSION.match(text)
    if match is None:
        raise RuntimeError("Couldn't parse the version %s as Long Long."
                           % text.decode("utf-8", "replace"))
    sign, digits = match.groups()
    value = int(digits)
    if value >= 1 << 64:
        raise RuntimeError("Couldn't parse the version %s: out of range"
                           % text.decode("utf-8", "replace"))
    value = (-value if sign == b"-" else value) % (1 << 64)   # unsigned, as strtoull
    return value - (1 << 64) if value >= 1 << 63 else value


def _unreadable(entry):
    """Why PyTorch's reader (miniz) refuses to read a record, or None."""
    if entry.stat_error is not None:
        return entry.stat_error
    if entry.flag_bits & _ENCRYPTED:
        return "unsupported encryption"
    if entry.flag_bits & _PATCHED:
        return "unsupported feature"
    if entry.compress_type not in (_STORED, _DEFLATED):
        return "unsupported method"
    return None


class ZipReader:
    """Reads the records of a checkpoint archive from a seekable binary file object.

    The central directory is read and checked as PyTorch's reader does (see `centraldir`);
    records are then read straight from the file (no CRC check, as PyTorch's reader), each
    offset and size checked against the file. Names are matched as PyTorch matches them
    (ASCII letters in any case).
    """

    def __init__(self, fileobj):
        self._f = fileobj
        start = fileobj.tell()
        self._size = fileobj.seek(0, 2)
        fileobj.seek(start)
        entries = read_central_directory(fileobj, self._size)
        if not entries:
            raise RuntimeError("PytorchStreamReader failed reading zip archive: archive has no "
                               "records.%s" % CORRUPT_HINT)
        first = entries[0].raw_name.split(b"\0")[0]     # PyTorch reads it as a C string
        if b"/" not in first:
            raise RuntimeError("file in archive is not in a subdirectory: %s"
                               % first.decode("utf-8", "replace"))
        self._prefix = first[:first.index(b"/") + 1]
        self.prefix = self._prefix.decode("utf-8", "replace")
        self._entries = entries
        self._by_key = {entry.raw_name.lower(): entry for entry in entries}

    def check_records(self):
        """Raises PyTorch's error when a record lies outside the archive's folder (PyTorch
        checks it when it lists the records, after the version)."""
        names = [entry.raw_name.split(b"\0")[0] for entry in self._entries]
        for name in names:
            if not name.startswith(self._prefix):
                raise RuntimeError("file in archive is not in a subdirectory %s: %s"
                                   % (self.prefix, name.decode("utf-8", "replace")))
        for name in names:      # PyTorch hands the names to Python as text
            name[len(self._prefix):].decode("utf-8")

    def version(self):
        """The archive's format version (``.data/version``, else ``version``), read as
        PyTorch's reader does (C's ``strtoull``: leading blanks, a sign, decimal digits, the
        rest ignored); a missing record or a version outside 1..10 is a RuntimeError."""
        name = ".data/version" if self.has_record(".data/version") else "version"
        if not self.has_record(name):
            raise RuntimeError('Expected hasRecord("version") to be true, but got false: the '
                               'checkpoint has no "version" record.')
        value = _parse_version(self.read_record(name))
        if value < MIN_VERSION:
            raise RuntimeError(
                "Attempted to read a PyTorch file with version %d, but the minimum supported "
                "version for reading is %d. Your PyTorch script module file is too old. Please "
                "regenerate it with latest version of PyTorch to mitigate this issue."
                % (value, MIN_VERSION))
        if value > MAX_VERSION:
            raise RuntimeError(
                "Attempted to read a PyTorch file with version %d, but the maximum supported "
                "version for reading is %d. The version of your PyTorch installation may be too "
                "old, please upgrade PyTorch to latest version to mitigate this issue."
                % (value, MAX_VERSION))
        return value

    def names(self):
        return [entry.filename[len(self.prefix):] for entry in self._entries]

    def _key(self, name):
        return (self._prefix + name.encode("utf-8")).lower()   # bytes.lower: ASCII only

    def has_record(self, name):
        return self._key(name) in self._by_key

    def _info(self, name):
        info = self._by_key.get(self._key(name))
        if info is None:
            raise RuntimeError("PytorchStreamReader failed locating file %s: file not found"
                               % name)
        why = _unreadable(info)
        if why is not None:
            raise RuntimeError("PytorchStreamReader failed retrieving file meta-data for %s: "
                               "%s.%s" % (name, why, CORRUPT_HINT))
        return info

    def _corrupt(self, name, why):
        return RuntimeError("PytorchStreamReader failed reading file %s: %s.%s"
                            % (name, why, CORRUPT_HINT))

    def record_size(self, name):
        return self._info(name).file_size

    def data_offset(self, name):
        """Where record `name`'s (stored or compressed) bytes start in the file."""
        info = self._info(name)
        if not 0 <= info.header_offset <= self._size - _LOCAL.size:
            raise self._corrupt(name, "file read failed")
        self._f.seek(info.header_offset)
        head = self._f.read(_LOCAL.size)
        if len(head) != _LOCAL.size or head[:4] != b"PK\x03\x04":
            raise self._corrupt(name, "invalid header or archive is corrupted")
        fields = _LOCAL.unpack(head)
        start = info.header_offset + _LOCAL.size + fields[9] + fields[10]
        if start + info.compress_size > self._size:
            raise self._corrupt(name, "invalid header or archive is corrupted")
        return start

    def read_record(self, name):
        """The bytes of record `name`."""
        info = self._info(name)
        if info.compress_type == _STORED:
            return self.read_array(name, info.file_size).tobytes()
        if info.compress_size == 0:      # PyTorch reads nothing (and keeps a blank buffer)
            return bytes(info.file_size)
        self._f.seek(self.data_offset(name))
        packed = self._f.read(info.compress_size)
        try:
            inflater = zlib.decompressobj(-15)
            data = inflater.decompress(packed, info.file_size)
        except zlib.error as e:
            raise self._corrupt(name, "decompression failed (%s)" % e) from None
        if len(data) != info.file_size or not inflater.eof:
            raise self._corrupt(name, "decompression failed")
        return data

    def read_array(self, name, nbytes):
        """The first `nbytes` bytes of record `name` as a fresh uint8 array."""
        info = self._info(name)
        if info.file_size < nbytes:
            raise self._corrupt(name, "record holds %d bytes, %d expected"
                                % (info.file_size, nbytes))
        out = np.empty(nbytes, dtype=np.uint8)
        if nbytes == 0 and info.compress_size == 0:
            return out            # nothing stored: PyTorch does not even read the header
        if info.compress_type != _STORED:
            return np.frombuffer(bytearray(self.read_record(name)[:nbytes]), dtype=np.uint8)
        start = self.data_offset(name)
        if nbytes == 0:
            return out
        if start + nbytes > self._size:
            raise self._corrupt(name, "file is truncated")
        self._f.seek(start)
        readinto = getattr(self._f, "readinto", None)
        if readinto is not None:
            got = readinto(memoryview(out))
        else:
            chunk = self._f.read(nbytes)
            got = len(chunk)
            out[:got] = np.frombuffer(chunk, dtype=np.uint8)
        if got != nbytes:
            raise self._corrupt(name, "file is truncated")
        return out
