"""Temporary elision: ``exp(a * b + a)`` computes ``+`` in the buffer of the temporary ``a * b``.

NumPy's operators reuse the buffer of a temporary operand instead of allocating the result,
so a chain of large elementwise operations touches a third less memory. ember's tensors hold
their arrays, which hides the temporaries from NumPy; so ``+ - * /`` do it themselves when
the left operand is a large floating tensor that nothing but the expression can see.

Like NumPy, ember reads "nothing else can see it" from reference counts:

- the tensor: inside ``arith.add_operator``, which ``+`` calls, a temporary is held by the
  operator's stack slot, the function's argument and ``getrefcount``'s argument: 3. A named
  tensor has one more. A Python call (``Tensor.__add__(t, x)``) hands its stack reference
  over, so there a named tensor counts 3 as well: the caller's current instruction must be the
  binary operator. Python 3.14 borrows stack references, which changes the counts: no elision
  there. (Checked on Python 3.10 to 3.13 by tests/test_elide.py.)
- its array: held by the tensor alone (no view, no NumPy user, no saved output), owning its
  memory, writable.
"""
import dis
import sys

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._op import promote, result_dtype, wrap

MIN_ELEMENTS = 1 << 16        # NumPy elides from 256 KiB; smaller ops are not worth the checks
_TEMPORARY_REFS = 3 if sys.version_info < (3, 14) else -1
_OPERATORS = frozenset(dis.opmap[name] for name in (
    "BINARY_OP",                                                             # Python 3.11+
    "BINARY_ADD", "BINARY_SUBTRACT", "BINARY_MULTIPLY", "BINARY_TRUE_DIVIDE")  # Python 3.10
    if name in dis.opmap)
_DTYPES = frozenset((D.float32, D.float64, D.complex64, D.complex128))
_NUMBERS = (bool, int, float, complex, np.generic)
_getrefcount = sys.getrefcount


def elide(inplace, a, b, refs):
    """``inplace(a, b)`` (``operator.iadd``, ...) on `a`'s array when `a` is a temporary
    nobody else can see, as a new tensor; else None. `refs` is a's reference count, taken
    by the operator function in a statement of its own before anything else."""
    if _reusable(a, b, refs):
        return _compute_into(inplace, a, b)
    return None


def _reusable(a, b, refs):
    if refs != _TEMPORARY_REFS or a._rg or a._base is not None:
        return False
    dt = a._dtype
    if dt not in _DTYPES:
        return False
    if isinstance(b, Tensor):
        if b._rg or b._dtype is not dt:
            return False
    elif not isinstance(b, _NUMBERS) or result_dtype(a, b) is not dt:
        return False
    arr = a._data
    # three: the tensor's slot, `arr`, getrefcount's argument
    if _getrefcount(arr) != 3 or arr.base is not None or not arr.flags.writeable:
        return False
    caller = sys._getframe(3)     # _reusable <- elide <- add_operator <- the expression
    return caller.f_code.co_code[caller.f_lasti] in _OPERATORS


def _compute_into(inplace, a, b):
    a, b = promote(a, b)
    arr, other = a._data, b._data
    if other.ndim > arr.ndim:
        return None
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            arr = inplace(arr, other)
    except ValueError:    # b does not broadcast into a's shape; checked before any write
        return None
    return wrap(arr, a._dtype)
