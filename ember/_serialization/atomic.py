"""Atomic file writes: a temporary file in the same folder, renamed over the target."""
import os
import random


def atomic_write(path, write):
    """Runs ``write(file)`` on a temporary file next to `path`, then renames it over `path`,
    so a crash or kill mid-write leaves any previous file intact. Devices and pipes (which
    cannot be replaced) are written directly."""
    real = os.path.realpath(path)
    parent = os.path.dirname(real)
    if not os.path.isdir(parent):
        raise RuntimeError("Parent directory %s does not exist." % os.path.dirname(path))
    if os.path.isdir(real):
        raise RuntimeError("File %s cannot be opened: it is a directory." % path)
    if os.path.exists(real) and not os.path.isfile(real):
        with open(real, "wb") as f:
            write(f)
        return
    tmp = os.path.join(parent, ".%s.%d.%06d.tmp" % (os.path.basename(real), os.getpid(),
                                                    random.randrange(10 ** 6)))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        if os.path.exists(real):
            os.chmod(tmp, os.stat(real).st_mode & 0o7777)
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
