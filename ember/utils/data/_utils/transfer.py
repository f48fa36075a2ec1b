"""How a worker's batch reaches the main process: pickled, with the shared memory of its
tensors passed as file descriptors over a socket of that worker's own.

PyTorch (and ``ember.multiprocessing``'s queues) send each shared tensor as a duplicate of
its file descriptor that the receiver fetches while unpickling, over a fresh authenticated
connection to the sender (``multiprocessing.resource_sharer``): a round trip per tensor.
ember-specific: a DataLoader worker instead pickles the batch itself (`pack`), sends all the
descriptors at once over a ``SOCK_SEQPACKET`` socket pair made for it (``SCM_RIGHTS``), and
puts only the pickled bytes on the result queue. The main process takes the descriptors
from that worker's socket when it takes the message from the queue (`unpack`): the worker
sent them first, so they are already there, in the same order as the messages.

Everything that is not a shared-memory segment pickles as it would on the queue.
"""
import io
import os
import pickle
import socket
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler

from ember.multiprocessing import _shared

_MAX_FDS = 253  # SCM_MAX_FD: the most descriptors one message may carry on Linux


@dataclass(frozen=True)
class SharedBatch:
    """A packed batch on the result queue: the pickle, and the (key, size) of each segment
    whose descriptor went over the socket of worker `worker_id`."""

    worker_id: int
    payload: bytes
    segments: list


def channel_pair():
    """(main end, worker end) of a new descriptor channel; None where the platform has no
    ``SOCK_SEQPACKET`` Unix sockets with descriptor passing (batches then travel as plain
    queue messages)."""
    if not hasattr(socket, "send_fds"):
        return None
    try:
        main_end, worker_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    except (OSError, AttributeError):
        return None
    main_end.setblocking(False)
    return main_end, worker_end


class _BatchPickler(ForkingPickler):
    """ForkingPickler (so tensors move to shared memory) that lists the segments it meets
    instead of pickling them."""

    def __init__(self, file):
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        self.segments = []
        self._index = {}

    def persistent_id(self, obj):
        if type(obj) is not _shared.Segment:
            return None
        key = id(obj)
        if key not in self._index:
            self._index[key] = len(self.segments)
            self.segments.append(obj)
        return self._index[key]


class _BatchUnpickler(pickle.Unpickler):
    def __init__(self, file, segments):
        super().__init__(file)
        self._segments = segments

    def persistent_load(self, pid):
        return self._segments[pid]


def pack(data, worker_id, sock):
    """In a worker: pickles `data`, sends its segments' descriptors over `sock`, and returns
    the `SharedBatch` to put on the result queue."""
    buf = io.BytesIO()
    pickler = _BatchPickler(buf)
    pickler.dump(data)
    segments = pickler.segments
    fds = [seg.fd for seg in segments]
    for start in range(0, len(fds), _MAX_FDS):
        socket.send_fds(sock, [b"\0"], fds[start:start + _MAX_FDS])
    return SharedBatch(worker_id, buf.getvalue(), [(seg.key, seg.nbytes) for seg in segments])


def _receive_fds(sock, count):
    """The next `count` descriptors on `sock`, which must be waiting there already."""
    fds = []
    try:
        while len(fds) < count:
            try:
                _, got, flags, _ = socket.recv_fds(sock, 1, min(count - len(fds), _MAX_FDS),
                                                   socket.MSG_CMSG_CLOEXEC)
            except BlockingIOError:
                got, flags = [], 0
            fds.extend(got)
            if not got or flags & socket.MSG_CTRUNC:
                raise RuntimeError("DataLoader: the shared memory of a batch from a worker "
                                   "did not arrive with it")
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return fds


def unpack(batch, sock):
    """In the main process: the data of `batch` (a `SharedBatch`), its segments mapped from
    the descriptors waiting on `sock`, the main end of its worker's channel."""
    fds = _receive_fds(sock, len(batch.segments))
    segments = []
    try:
        for i, (key, nbytes) in enumerate(batch.segments):
            fd, fds[i] = fds[i], -1
            seg = _shared.map_fd(fd, nbytes)  # takes the descriptor over
            if seg.key != key:
                raise RuntimeError("DataLoader: the shared memory received from a worker does "
                                   "not match its batch")
            segments.append(seg)
    finally:
        for fd in fds:
            if fd >= 0:
                os.close(fd)
    return _BatchUnpickler(io.BytesIO(batch.payload), segments).load()


def close_channel(sock):
    """Closes the main end of a channel, first closing the descriptors still waiting on it
    (batches that were never taken from the queue): a worker of another DataLoader forked
    meanwhile holds a copy of this socket, which would keep their memory alive."""
    try:
        while True:
            msg, fds, _, _ = socket.recv_fds(sock, 1, _MAX_FDS)
            for fd in fds:
                os.close(fd)
            if not msg and not fds:
                break  # every worker end is closed
    except OSError:  # BlockingIOError: nothing more waiting
        pass
    sock.close()
