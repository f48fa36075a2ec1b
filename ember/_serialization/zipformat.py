"""The zip container of PyTorch's checkpoint format (``torch.save`` since 1.6).

A checkpoint is an uncompressed ("stored") zip archive whose records all live under one
folder (``archive/`` or the file's base name): ``data.pkl`` (the pickled object),
``data/<key>`` (the raw bytes of each storage), ``byteorder``, ``version`` and a few
markers. Each record's bytes start at a multiple of 64 bytes in the file (the padding sits
in an extra field of the local header named ``FB``), so storages can be memory-mapped.

The writer lays records out as PyTorch's (miniz) writer does: local header without sizes,
the data, then a data descriptor with the CRC-32 and sizes. The reader uses the standard
library's `zipfile` for the central directory and reads storage bytes straight into NumPy
buffers.
"""
import struct
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

ALIGNMENT = 64
_U32 = 0xFFFFFFFF
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_FLAGS = 0x0808          # bit 3: sizes in a data descriptor; bit 11: UTF-8 names
# Records this large (or this far into the file) need zip64 fields; tests lower it.
ZIP64_LIMIT = _U32
_PARALLEL_CRC = 1 << 20

CORRUPT_HINT = (" This is an internal miniz error. If you are seeing this error, there is a high "
                "likelihood that your checkpoint file is corrupted. This can happen if the "
                "checkpoint was not saved properly, was transferred incorrectly, or the file was "
                "modified after saving.")


class ZipWriter:
    """Writes records one after the other to a binary file object, then the directory."""

    def __init__(self, fileobj, archive_name="archive"):
        self._f = fileobj
        self._prefix = archive_name + "/"
        self._pos = 0
        self._entries = []     # (name bytes, crc, size, header offset)
        self._pool = None

    def write_record(self, name, data):
        """Appends record `name` holding `data` (bytes, or a buffer such as a uint8 array)."""
        name_b = (self._prefix + name).encode("utf-8")
        mv = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) else data
        size = len(mv)
        offset = self._pos
        zip64 = size >= ZIP64_LIMIT or offset >= ZIP64_LIMIT
        extra = b""
        if zip64:   # sizes stay in the descriptor, but readers want the zip64 field here
            extra = struct.pack("<HHQQ", 1, 16, 0, 0)
        # the FB field itself takes 4 bytes, then padding to the alignment
        start = offset + _LOCAL.size + len(name_b) + len(extra) + 4
        pad = (-start) % ALIGNMENT
        extra += struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        header = _LOCAL.pack(0x04034B50, 45 if zip64 else 20, _FLAGS, 0, 0, 0x21, 0,
                             _U32 if zip64 else 0, _U32 if zip64 else 0, len(name_b), len(extra))
        write = self._f.write
        write(header)
        write(name_b)
        write(extra)
        if size >= _PARALLEL_CRC:
            # zlib releases the GIL: checksum in a helper thread while the bytes are written
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1)
            pending = self._pool.submit(zlib.crc32, mv)
            write(mv)
            crc = pending.result()
        else:
            write(mv)
            crc = zlib.crc32(mv)
        if zip64:
            descriptor = struct.pack("<IIQQ", 0x08074B50, crc, size, size)
        else:
            descriptor = struct.pack("<IIII", 0x08074B50, crc, size, size)
        write(descriptor)
        self._pos += len(header) + len(name_b) + len(extra) + size + len(descriptor)
        self._entries.append((name_b, crc, size, offset))

    def close(self):
        """Writes the central directory and its end records."""
        cd_start = self._pos
        parts = []
        for name_b, crc, size, offset in self._entries:
            big = size >= ZIP64_LIMIT or offset >= ZIP64_LIMIT
            extra = struct.pack("<HHQQQ", 1, 24, size, size, offset) if big else b""
            parts.append(_CENTRAL.pack(
                0x02014B50, 45 if big else 20, 45 if big else 20, _FLAGS, 0, 0, 0x21, crc,
                _U32 if big else size, _U32 if big else size, len(name_b), len(extra), 0, 0, 0,
                0, _U32 if big else offset))
            parts.append(name_b)
            parts.append(extra)
        cd = b"".join(parts)
        self._f.write(cd)
        cd_size = len(cd)
        count = len(self._entries)
        end = cd_start + cd_size
        if count >= 0xFFFF or cd_start >= ZIP64_LIMIT or cd_size >= ZIP64_LIMIT:
            self._f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count,
                                      cd_size, cd_start))
            self._f.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
            self._f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, _U32, _U32,
                                      0))
        else:
            self._f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size,
                                      cd_start, 0))
        self._f.flush()
        if self._pool is not None:
            self._pool.shutdown()


class ZipReader:
    """Reads the records of a checkpoint archive from a seekable binary file object.

    `zipfile` parses the central directory; stored records are then read straight from the
    file (no CRC check, as PyTorch's reader), each offset and size checked against the file.
    """

    def __init__(self, fileobj):
        self._f = fileobj
        start = fileobj.tell()
        self._size = fileobj.seek(0, 2)
        fileobj.seek(start)
        try:
            self._zip = zipfile.ZipFile(fileobj)
            infos = self._zip.infolist()
        except zipfile.BadZipFile as e:
            reason = "not a ZIP archive" if "not a zip file" in str(e) else \
                "failed finding central directory"
            raise RuntimeError("PytorchStreamReader failed reading zip archive: %s.%s"
                               % (reason, CORRUPT_HINT)) from None
        except (NotImplementedError, OSError, ValueError, EOFError, struct.error,
                OverflowError) as e:
            raise RuntimeError("PytorchStreamReader failed reading zip archive: %s.%s"
                               % (e, CORRUPT_HINT)) from None
        if not infos:
            raise RuntimeError("PytorchStreamReader failed reading zip archive: archive has no "
                               "records.%s" % CORRUPT_HINT)
        first = infos[0].filename
        self.prefix = first[:first.index("/") + 1] if "/" in first else ""
        self._infos = {}
        for info in infos:
            if info.filename.startswith(self.prefix):
                self._infos[info.filename[len(self.prefix):]] = info

    def names(self):
        return list(self._infos)

    def has_record(self, name):
        return name in self._infos

    def _info(self, name):
        info = self._infos.get(name)
        if info is None:
            raise RuntimeError("PytorchStreamReader failed locating file %s: file not found"
                               % name)
        return info

    def _corrupt(self, name, why):
        return RuntimeError("PytorchStreamReader failed reading file %s: %s.%s"
                            % (name, why, CORRUPT_HINT))

    def record_size(self, name):
        return self._info(name).file_size

    def data_offset(self, name):
        """Where record `name`'s bytes start in the file (it must be stored uncompressed)."""
        info = self._info(name)
        if not 0 <= info.header_offset <= self._size - _LOCAL.size:
            raise self._corrupt(name, "record header outside the file")
        self._f.seek(info.header_offset)
        head = self._f.read(_LOCAL.size)
        if len(head) != _LOCAL.size or head[:4] != b"PK\x03\x04":
            raise self._corrupt(name, "invalid header or archive is corrupted")
        fields = _LOCAL.unpack(head)
        return info.header_offset + _LOCAL.size + fields[9] + fields[10]

    def read_record(self, name):
        """The bytes of record `name`."""
        info = self._info(name)
        if info.compress_type == zipfile.ZIP_STORED:
            return self.read_array(name, info.file_size).tobytes()
        try:
            return self._zip.read(info)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, zlib.error,
                ValueError, OverflowError) as e:
            raise self._corrupt(name, e) from None

    def read_array(self, name, nbytes):
        """The first `nbytes` bytes of record `name` as a fresh uint8 array."""
        info = self._info(name)
        if info.file_size < nbytes:
            raise self._corrupt(name, "record holds %d bytes, %d expected"
                                % (info.file_size, nbytes))
        if info.compress_type != zipfile.ZIP_STORED:
            return np.frombuffer(bytearray(self.read_record(name)[:nbytes]), dtype=np.uint8)
        start = self.data_offset(name)
        if start + nbytes > self._size:
            raise self._corrupt(name, "file is truncated")
        out = np.empty(nbytes, dtype=np.uint8)
        if nbytes == 0:
            return out
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
