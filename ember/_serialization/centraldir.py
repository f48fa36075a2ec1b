"""The central directory of a checkpoint's zip archive, read and checked as PyTorch reads it.

PyTorch reads archives with miniz, whose rules differ from Python's `zipfile` both ways:
miniz refuses some archives that `zipfile` reads (inconsistent zip64 end records, entry
counts, disk numbers, sizes of stored records, records reaching past the end of the file)
and reads some that `zipfile` refuses (a newer "version needed to extract", an end record
followed by junk). `read_central_directory` applies miniz's checks, in miniz's order, so that
``ember.load`` accepts and refuses the archives ``torch.load`` does; a refusal is PyTorch's
``RuntimeError`` with miniz's reason.
"""
import struct

CORRUPT_HINT = (" This is an internal miniz error. If you are seeing this error, there is a high "
                "likelihood that your checkpoint file is corrupted. This can happen if the "
                "checkpoint was not saved properly, was transferred incorrectly, or the file was "
                "modified after saving.")

MAX32 = 0xFFFFFFFF
_EOCD_SIG, _LOCATOR_SIG, _EOCD64_SIG = b"PK\x05\x06", b"PK\x06\x07", b"PK\x06\x06"
_CENTRAL_SIG = b"PK\x01\x02"
_EOCD = struct.Struct("<4sHHHHIIH")              # end of central directory, 22 bytes
_LOCATOR = struct.Struct("<4sIQI")               # zip64 end record locator, 20 bytes
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")          # zip64 end of central directory, 56 bytes
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")  # central directory header, 46 bytes
_LOCAL_SIZE = 30
_SEARCH_BLOCK = 4096
_MAX_COMMENT = 0xFFFF

NOT_AN_ARCHIVE = "not a ZIP archive"
NO_DIRECTORY = "failed finding central directory"
CORRUPTED = "invalid header or archive is corrupted"
MULTIDISK = "unsupported multidisk archive"
TOO_MANY_FILES = "too many files"
DIRECTORY_SIZE = "unsupported central directory size"
MASKED = "unsupported encryption"
_MASKED_FLAG = 0x2000          # general purpose flag: local headers masked


def archive_error(reason):
    return RuntimeError("PytorchStreamReader failed reading zip archive: %s.%s"
                        % (reason, CORRUPT_HINT))


class Entry:
    """One record as its central directory header describes it. `stat_error` is miniz's
    reason to refuse the record's metadata when it is read (a bad zip64 extra field)."""
    __slots__ = ("raw_name", "filename", "flag_bits", "compress_type", "CRC", "compress_size",
                 "file_size", "header_offset", "stat_error")

    def __init__(self, header, raw_name, extra):
        (_, _, _, self.flag_bits, self.compress_type, _, _, self.CRC, self.compress_size,
         self.file_size, _, _, _, _, _, _, self.header_offset) = header
        self.raw_name = raw_name
        self.filename = raw_name.decode("utf-8", "replace")
        self.stat_error = None
        if MAX32 in (self.compress_size, self.file_size, self.header_offset):
            self._read_zip64_fields(extra)

    def _read_zip64_fields(self, extra):
        """The 64-bit sizes and offset of the zip64 extra field, for the 32-bit fields that
        are all ones (in that order: size, compressed size, header offset)."""
        for field_id, start, end in _extra_fields(extra):
            if field_id is None:
                self.stat_error = CORRUPTED
                return
            if field_id != 1:
                continue
            for attr in ("file_size", "compress_size", "header_offset"):
                if getattr(self, attr) == MAX32:
                    if end - start < 8:
                        self.stat_error = CORRUPTED
                        return
                    setattr(self, attr, struct.unpack_from("<Q", extra, start)[0])
                    start += 8
            return


def _extra_fields(extra):
    """(id, data start, data end) of each extra field; (None, None, None) where the fields
    stop making sense."""
    pos = 0
    while pos < len(extra):
        if len(extra) - pos < 4:
            yield None, None, None
            return
        field_id, size = struct.unpack_from("<HH", extra, pos)
        if size + 4 > len(extra) - pos:
            yield None, None, None
            return
        yield field_id, pos + 4, pos + 4 + size
        pos += 4 + size


def _read_at(f, offset, n):
    f.seek(offset)
    return f.read(n)


def _find_end_record(f, size):
    """Offset of the last end-of-central-directory signature with a whole record after it,
    searched backwards in blocks through the last 64 KiB (the longest comment) or so."""
    start = max(size - _SEARCH_BLOCK, 0)
    while True:
        block = _read_at(f, start, min(_SEARCH_BLOCK, size - start))
        i = block.rfind(_EOCD_SIG)
        while i >= 0 and size - (start + i) < _EOCD.size:
            i = block.rfind(_EOCD_SIG, 0, i)
        if i >= 0:
            return start + i
        if start == 0 or size - start >= _MAX_COMMENT + _EOCD.size:
            return None
        start = max(start - (_SEARCH_BLOCK - 3), 0)


def _directory_bounds(f, size):
    """(entry count, directory offset, directory size, this disk) from the end records."""
    if size < _EOCD.size:
        raise archive_error(NOT_AN_ARCHIVE)
    end = _find_end_record(f, size)
    if end is None:
        raise archive_error(NO_DIRECTORY)
    (_, this_disk, dir_disk, on_disk, total, dir_size, dir_offset,
     _) = _EOCD.unpack(_read_at(f, end, _EOCD.size))
    if end < _LOCATOR.size + _EOCD64.size:
        return total, on_disk, this_disk, dir_disk, dir_size, dir_offset
    locator = _LOCATOR.unpack(_read_at(f, end - _LOCATOR.size, _LOCATOR.size))
    if locator[0] != _LOCATOR_SIG:
        return total, on_disk, this_disk, dir_disk, dir_size, dir_offset
    if locator[2] > size - _EOCD64.size:
        raise archive_error(NOT_AN_ARCHIVE)
    record = _EOCD64.unpack(_read_at(f, locator[2], _EOCD64.size))
    if record[0] != _EOCD64_SIG:      # not a zip64 archive after all: the 32-bit fields hold
        return total, on_disk, this_disk, dir_disk, dir_size, dir_offset
    (_, record_size, _, _, this_disk, dir_disk, on_disk, total, dir_size, dir_offset) = record
    if record_size < _EOCD64.size - 12:
        raise archive_error(CORRUPTED)
    if locator[3] != 1:
        raise archive_error(MULTIDISK)
    if total > MAX32 or on_disk > MAX32:
        raise archive_error(TOO_MANY_FILES)
    if dir_size > MAX32:
        raise archive_error(DIRECTORY_SIZE)
    return total, on_disk, this_disk, dir_disk, dir_size, dir_offset


def read_central_directory(f, size):
    """The entries of the archive in file `f` (`size` bytes), in directory order, checked
    as miniz checks them; RuntimeError with miniz's reason otherwise."""
    total, on_disk, this_disk, dir_disk, dir_size, dir_offset = _directory_bounds(f, size)
    if total != on_disk:
        raise archive_error(MULTIDISK)
    if (this_disk or dir_disk) and (this_disk != 1 or dir_disk != 1):
        raise archive_error(MULTIDISK)
    if dir_size < total * _CENTRAL.size or dir_offset + dir_size > size:
        raise archive_error(CORRUPTED)
    directory = _read_at(f, dir_offset, dir_size)
    entries = []
    pos = 0
    for _ in range(total):
        left = dir_size - pos
        if left < _CENTRAL.size or directory[pos:pos + 4] != _CENTRAL_SIG:
            raise archive_error(CORRUPTED)
        header = _CENTRAL.unpack_from(directory, pos)
        name_len, extra_len, comment_len, disk = header[10:14]
        name_end = pos + _CENTRAL.size + name_len
        extra = directory[name_end:name_end + extra_len]
        if len(extra) < extra_len:   # (miniz then reads it at this odd place in the file)
            extra = _read_at(f, dir_offset + _CENTRAL.size + name_len, extra_len)
        _check_entry(header, extra if extra_len else b"", this_disk, size)
        if _CENTRAL.size + name_len + extra_len + comment_len > left:
            raise archive_error(CORRUPTED)
        entries.append(Entry(header, directory[pos + _CENTRAL.size:name_end], extra))
        pos += _CENTRAL.size + name_len + extra_len + comment_len
    return entries


def _check_entry(header, extra, this_disk, size):
    """miniz's checks of one central directory header (before its length is checked)."""
    compressed, uncompressed, offset = header[8], header[9], header[16]
    if extra and MAX32 in (compressed, uncompressed, offset):
        compressed, uncompressed, offset = _zip64_values(extra, compressed, uncompressed,
                                                         offset)
    if compressed != MAX32 and uncompressed != MAX32:
        # (miniz reads the method together with the time field: a stored record with a
        # nonzero time is not checked)
        method_and_time = header[4] | header[5] << 16
        if (method_and_time == 0 and uncompressed != compressed) or \
                (uncompressed and not compressed):
            raise archive_error(CORRUPTED)
    disk = header[13]
    if disk == 0xFFFF or (disk != this_disk and disk != 1):
        raise archive_error(MULTIDISK)
    if compressed != MAX32 and offset + _LOCAL_SIZE + compressed > size:
        raise archive_error(CORRUPTED)
    if header[3] & _MASKED_FLAG:
        raise archive_error(MASKED)


def _zip64_values(extra, compressed, uncompressed, offset):
    """The sizes and offset once the zip64 extra field (if any) is applied, leniently: the
    values it lacks stay as they are."""
    for field_id, start, _ in _extra_fields(extra):
        if field_id is None:
            raise archive_error(CORRUPTED)
        if field_id != 1:
            continue
        # (miniz reads on to the end of the extra data, past this field's own length)
        values = [uncompressed, compressed, offset]
        for i in range(3):
            if values[i] == MAX32 and len(extra) - start >= 8:
                values[i] = struct.unpack_from("<Q", extra, start)[0]
                start += 8
        return values[1], values[0], values[2]
    return compressed, uncompressed, offset
