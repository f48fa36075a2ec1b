"""``torch.nn.utils.rnn``: packed sequences for the recurrent layers.

A `PackedSequence` holds the rows of a batch of variable-length sequences step by step:
``data`` stacks, for every time step t, the ``batch_sizes[t]`` sequences still running
(sorted longest first; ``sorted_indices`` maps back to the caller's order).
"""
from collections import namedtuple

import numpy as np

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


def _ember():
    import ember
    return ember


def _bind(optional, fn):
    return None if optional is None else fn(optional)


_PackedSequenceBase = namedtuple("PackedSequence_",
                                 ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedSequenceBase):
    """(data, batch_sizes, sorted_indices, unsorted_indices) of a packed batch."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should "
                    "never be created manually. They should be instantiated by functions like "
                    "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                    "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        else:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def pin_memory(self):
        return type(self)(self.data.pin_memory(), self.batch_sizes,
                          _bind(self.sorted_indices, lambda t: t.pin_memory()),
                          _bind(self.unsorted_indices, lambda t: t.pin_memory()))

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices = _bind(self.sorted_indices, lambda t: t.to(data.device))
        unsorted_indices = _bind(self.unsorted_indices, lambda t: t.to(data.device))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, *args, **kwargs):
        kwargs.setdefault("device", "cuda")
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs):
        kwargs.setdefault("device", "cpu")
        return self.to(*args, **kwargs)

    def double(self):
        return self.to(dtype=_ember().float64)

    def float(self):
        return self.to(dtype=_ember().float32)

    def half(self):
        return self.to(dtype=_ember().float16)

    def long(self):
        return self.to(dtype=_ember().int64)

    def int(self):
        return self.to(dtype=_ember().int32)

    def short(self):
        return self.to(dtype=_ember().int16)

    def char(self):
        return self.to(dtype=_ember().int8)

    def byte(self):
        return self.to(dtype=_ember().uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def invert_permutation(permutation):
    """The inverse of a permutation tensor (None stays None)."""
    if permutation is None:
        return None
    p = permutation._data
    out = np.empty_like(p)
    out[p] = permutation._xp.arange(p.size, dtype=p.dtype)
    return _ember().Tensor._make(out, permutation.dtype)


def _lengths_array(lengths):
    E = _ember()
    if isinstance(lengths, E.Tensor):      # lengths are host bookkeeping, as in PyTorch
        return lengths.cpu()._data.astype(np.int64).reshape(-1)
    return np.asarray([int(v) for v in lengths], dtype=np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded batch (T, B, *) (or (B, T, *)) of sequences of the given lengths."""
    E = _ember()
    lens = _lengths_array(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = E.tensor(order, dtype=E.int64, device=input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    if lens.size != input.shape[1]:
        raise RuntimeError("Expected `len(lengths)` to be equal to batch_size, but got %d "
                           "(batch_size=%d)" % (lens.size, input.shape[1]))
    if lens.size and lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if np.any(np.diff(lens) > 0):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    if lens[0] > input.shape[0]:
        raise RuntimeError("Expected sequence length to be larger than or equal to the maximum "
                           "length, but got %d < %d" % (input.shape[0], lens[0]))
    sizes = [int((lens > t).sum()) for t in range(int(lens[0]))]
    data = E.cat([input[t, :b] for t, b in enumerate(sizes)], 0)
    batch_sizes = E.tensor(sizes, dtype=E.int64)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Unpacks a PackedSequence into (padded batch, lengths) -- the inverse of packing."""
    E = _ember()
    sizes = [int(b) for b in sequence.batch_sizes.tolist()]
    max_len = len(sizes)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             "sequence in input, but got total_length=%d and max sequence length "
                             "being %d" % (total_length, max_len))
        max_len = total_length
    data = sequence.data
    batch = sizes[0]
    tail = tuple(data.shape[1:])
    rows, start = [], 0
    for b in sizes:
        step = data[start:start + b]
        start += b
        if b < batch:
            step = E.cat([step, E.full((batch - b,) + tail, padding_value, dtype=data.dtype,
                                       device=data.device)], 0)
        rows.append(step)
    for _ in range(max_len - len(sizes)):
        rows.append(E.full((batch,) + tail, padding_value, dtype=data.dtype, device=data.device))
    padded = E.stack(rows, 1 if batch_first else 0)
    counts = np.asarray(sizes)
    lengths = E.tensor([int((counts > i).sum()) for i in range(batch)], dtype=E.int64)
    if sequence.unsorted_indices is not None:
        u = sequence.unsorted_indices
        return padded.index_select(0 if batch_first else 1, u), lengths[u.cpu()]
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stacks variable-length sequences (L_i, *) into (L_max, B, *) (or (B, L_max, *))."""
    E = _ember()
    if isinstance(sequences, E.Tensor):
        sequences = sequences.unbind(0)
    try:
        sequences = list(sequences)
    except TypeError:
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg of "
                           "type: %s" % type(sequences)) from None
    if padding_side not in ("left", "right"):
        raise ValueError("Expected padding_side to be one of left or right, but got %s."
                         % padding_side)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    max_len = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        n = max_len - s.shape[0]
        if n:
            fill = E.full((n,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype)
            s = E.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return E.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Splits a padded batch back into its sequences (a list of tensors)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(n)] for seq, n in zip(padded_sequences, _lengths_array(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of variable-length sequences (L_i, *)."""
    E = _ember()
    lengths = E.tensor([v.size(0) for v in sequences], dtype=E.int64)
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences of a PackedSequence."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
