"""``nn.LinearCrossEntropyOptions``: PyTorch's settings for its chunked
``linear_cross_entropy``.

PyTorch uses them to process the batch in chunks (less memory, same loss). ember always
computes the reference path, so the options are only validated and resolved as PyTorch does
(the same ``ValueError`` for invalid or contradictory settings).
"""
import dataclasses

from ... import _dtype as D

__all__ = ["LinearCrossEntropyOptions"]


def _auto_defaults(device_type, dtype):
    """PyTorch's (acc_policy, chunking_method) for "auto" on a device type and dtype."""
    if dtype in (D.float16, D.bfloat16):
        if device_type == "cuda":
            return "compact", "aspect_ratio:2"
        if device_type == "cpu":
            return "accurate", "aspect_ratio"
    return "compact", "aspect_ratio:2"


def _chunking_factor(method):
    """The N of "aspect_ratio:N" (1 for "aspect_ratio"); None for an invalid method."""
    name, sep, factor = method.partition(":")
    if not sep:
        factor = "1"
    if name == "aspect_ratio" and factor.isdigit() and int(factor) > 0:
        return int(factor)
    return None


@dataclasses.dataclass(slots=True, frozen=True)
class LinearCrossEntropyOptions:
    """Chunking options of ``F.linear_cross_entropy`` (validated; see the module docstring)."""

    allow_retain_graph: bool = False
    batch_chunk_size: int = None
    chunking_method: str = "auto"
    acc_policy: str = "auto"
    acc_dtype: object = None

    def __post_init__(self):
        if self.acc_policy not in {"auto", "accurate", "balanced", "compact"}:
            raise ValueError("invalid acc_policy: %r" % (self.acc_policy,))
        if self.chunking_method is not None and self.chunking_method != "auto":
            if _chunking_factor(self.chunking_method) is None:
                raise ValueError("invalid chunking_method: %r" % (self.chunking_method,))
        size = self.batch_chunk_size
        if not (size is None or (isinstance(size, int) and size > 0)):
            raise ValueError("batch_chunk_size must be positive int or None, got %r" % (size,))
        if self.acc_dtype is not None and self.acc_dtype not in (D.float16, D.bfloat16,
                                                                 D.float32, D.float64):
            raise ValueError("acc_dtype must be one of {None, torch.float16, torch.bfloat16, "
                             "torch.float32, torch.float64}, got %r. Pass acc_dtype=None to let "
                             "the op pick automatically." % (self.acc_dtype,))

    @staticmethod
    def _chunk_size(method, num_batches, in_features, num_classes):
        """Rows per chunk for an "aspect_ratio[:N]" method: the power of two at or above
        ceil(batches / ceil(classes / in_features)), divided by N, at most the batch."""
        factor = _chunking_factor(method)
        per_row = -(-num_classes // in_features)
        target = -(-num_batches // per_row)
        power = 1 << (target - 1).bit_length()
        return min(power // factor, num_batches)

    def _adjust(self, num_batches, in_features, num_classes, dtype, device=None):
        """These options with "auto" and None resolved for one call (PyTorch's ``_adjust``);
        raises ValueError when batch_chunk_size and chunking_method disagree."""
        policy, method = self.acc_policy, self.chunking_method
        if method == "auto" and self.batch_chunk_size is not None:
            method = None
        if policy == "auto" or method == "auto":
            auto_policy, auto_method = _auto_defaults(
                device.type if device is not None else None, dtype)
            policy = auto_policy if policy == "auto" else policy
            method = auto_method if method == "auto" else method
        size = num_batches if self.batch_chunk_size is None else min(self.batch_chunk_size,
                                                                     num_batches)
        if method is not None:
            size = self._chunk_size(method, num_batches, in_features, num_classes)
            if self.batch_chunk_size is not None and self.batch_chunk_size != size:
                raise ValueError("batch_chunk_size (=%s) and chunking_method ('%s') give "
                                 "different chunk sizes (%s vs %s); pass only one."
                                 % (self.batch_chunk_size, method, self.batch_chunk_size, size))
        acc_dtype = self.acc_dtype
        if acc_dtype is None:
            low = dtype in (D.float16, D.bfloat16) and device is not None
            acc_dtype = D.float32 if (self.acc_policy == "auto" and low) else dtype
        return dataclasses.replace(self, acc_policy=policy, chunking_method=method,
                                   batch_chunk_size=max(1, size), acc_dtype=acc_dtype)
