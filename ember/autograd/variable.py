"""``Variable``: the pre-0.4 wrapper, now the Tensor itself (as in PyTorch)."""
from .._tensor import Tensor, _LegacyMeta


class _VariableMeta(_LegacyMeta):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor)


class Variable(Tensor, metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False, volatile=False)`` returns a tensor that shares
    `tensor`'s data; ``volatile`` is ignored (use ``no_grad``)."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if data is None:
            from .._creation import tensor
            data = tensor([])
        t = data.detach()
        if requires_grad:
            t.requires_grad_(True)
        return t
