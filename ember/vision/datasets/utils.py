"""Dataset file helpers as ``torchvision.datasets.utils``, without any network access.

ember never downloads.  ``download_url`` and ``download_and_extract_archive`` succeed when
the file is already where torchvision would have saved it (extracting archives as
torchvision does); otherwise they raise ``RuntimeError`` naming the file, the folder to
put it in and the address torchvision would have fetched it from.
"""
import bz2
import gzip
import hashlib
import lzma
import os
import tarfile
import warnings
import zipfile

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url",
           "download_and_extract_archive", "extract_archive", "verify_str_arg",
           "iterable_to_str", "list_dir", "list_files"]


def calculate_md5(fpath, chunk_size=1024 * 1024):
    """Hex MD5 digest of a file."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5, **kwargs):
    """True when the file's MD5 is ``md5``."""
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None):
    """True when the file exists and (if ``md5`` is given) has that MD5."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


def missing_files_error(what, files, folder, urls=()):
    """The RuntimeError ember raises instead of downloading."""
    names = ", ".join(files)
    text = (f"{what} not found and ember does not download anything. Put {names} "
            f"in {os.path.abspath(str(folder))}")
    if urls:
        text += " (torchvision downloads from " + ", ".join(urls) + ")"
    return RuntimeError(text + ".")


def download_url(url, root, filename=None, md5=None, max_redirect_hops=3):
    """Succeed if ``root/filename`` is present (MD5-checked when given); never downloads."""
    root = os.path.expanduser(root)
    filename = filename or os.path.basename(url)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    if os.path.isfile(fpath):
        raise RuntimeError(f"{fpath} is present but its MD5 is not {md5}: the file is corrupted or "
                           f"not the expected one (ember does not download; replace it with the "
                           f"file from {url}).")
    raise missing_files_error("File", [filename], root, [url])


def _archive_kind(path):
    """(archive type, compression) from the file name, as torchvision recognises them."""
    name = str(path).lower()
    for suffix, kind in ((".tar.gz", ("tar", "gz")), (".tgz", ("tar", "gz")),
                         (".tar.bz2", ("tar", "bz2")), (".tbz", ("tar", "bz2")),
                         (".tbz2", ("tar", "bz2")), (".tar.xz", ("tar", "xz")),
                         (".tar", ("tar", None)), (".zip", ("zip", None)),
                         (".gz", (None, "gz")), (".bz2", (None, "bz2")), (".xz", (None, "xz"))):
        if name.endswith(suffix):
            return kind, suffix
    raise RuntimeError(f"File '{path}' is neither recognized as archive nor as compressed file.")


_OPENERS = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open}


def extract_archive(from_path, to_path=None, remove_finished=False):
    """Extract a tar/zip archive or decompress a .gz/.bz2/.xz file; returns the target folder
    (or, for a single compressed file, the decompressed file's path)."""
    from_path = str(from_path)
    if to_path is None:
        to_path = os.path.dirname(from_path)
    (archive, compression), suffix = _archive_kind(from_path)
    if archive == "tar":
        mode = "r:" + compression if compression else "r"
        with tarfile.open(from_path, mode) as tar:
            if hasattr(tarfile, "data_filter"):    # refuses paths leaving to_path
                tar.extractall(to_path, filter="data")
            else:
                tar.extractall(to_path)
        result = to_path
    elif archive == "zip":
        with zipfile.ZipFile(from_path) as zf:
            zf.extractall(to_path)
        result = to_path
    else:
        result = os.path.join(to_path, os.path.basename(from_path)[:-len(suffix)])
        with _OPENERS[compression](from_path, "rb") as src, open(result, "wb") as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                dst.write(chunk)
    if remove_finished:
        os.remove(from_path)
    return result


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished=False):
    """Extract ``download_root/filename`` when present; never downloads."""
    download_root = os.path.expanduser(download_root)
    extract_root = extract_root or download_root
    filename = filename or os.path.basename(url)
    archive = os.path.join(download_root, filename)
    if not os.path.isfile(archive):
        raise missing_files_error("File", [filename], download_root, [url])
    if md5 is not None and not check_md5(archive, md5):
        warnings.warn(f"{archive}: MD5 differs from the published {md5}; extracting it anyway")
    extract_archive(archive, extract_root, remove_finished)


def iterable_to_str(iterable):
    """'a', 'b', 'c' as one string."""
    return "'" + "', '".join([str(item) for item in iterable]) + "'"


def verify_str_arg(value, arg=None, valid_values=None, custom_msg=None):
    """Check that ``value`` is a string among ``valid_values``; returns it."""
    if not isinstance(value, str):
        if arg is None:
            msg = f"Expected type str, but got type {type(value)}."
        else:
            msg = f"Expected type str for argument {arg}, but got type {type(value)}."
        raise ValueError(msg)
    if valid_values is None:
        return value
    if value not in valid_values:
        if custom_msg is not None:
            msg = custom_msg
        else:
            msg = (f"Unknown value '{value}' for argument {arg}. Valid values are "
                   f"{{{iterable_to_str(valid_values)}}}.")
        raise ValueError(msg)
    return value


def list_dir(root, prefix=False):
    """Sub-folders of ``root`` (full paths with ``prefix``)."""
    root = os.path.expanduser(root)
    dirs = [p for p in os.listdir(root) if os.path.isdir(os.path.join(root, p))]
    return [os.path.join(root, d) for d in dirs] if prefix else dirs


def list_files(root, suffix, prefix=False):
    """Files of ``root`` whose names end with ``suffix``."""
    root = os.path.expanduser(root)
    files = [p for p in os.listdir(root)
             if os.path.isfile(os.path.join(root, p)) and p.endswith(suffix)]
    return [os.path.join(root, f) for f in files] if prefix else files
