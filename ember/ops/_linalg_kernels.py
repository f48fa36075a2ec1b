"""NumPy kernels for the linear algebra ops: a batched partial-pivoting LU (as LAPACK's getrf
does it, for pivots and the index of a zero pivot), the order of the first leading minor that
is not positive-definite, triangular substitution, the matrix exponential, and PyTorch's
LinAlgError with its messages. Pure array code; the ops are in `linalg_ops.py`.
"""
import math

import numpy as np

from .._device import array_module


class _LinAlgError(RuntimeError):
    """PyTorch's ``torch.linalg.LinAlgError``: a failed factorization or solve."""


_LinAlgError.__module__ = "torch._C"
LinAlgError = _LinAlgError


def _batch_prefix(a, i):
    return "(Batch element %d): " % i if a.ndim > 2 else ""


def lu_packed(a):
    """Partial-pivoting LU of a batch (..., m, n), done as LAPACK's getrf does it.

    Returns the packed factors (unit lower L below the diagonal, U on and above it), the
    1-based row swaps (int32, shape (..., min(m, n))) and info (first zero pivot, 1-based;
    0 when none), all batched.
    """
    *batch, m, n = a.shape
    k = min(m, n)
    xp = array_module(a)
    work = a.copy().reshape(-1, m, n)
    nb = work.shape[0]
    piv = xp.zeros((nb, k), dtype=np.int32)
    info = xp.zeros(nb, dtype=np.int32)
    rows = xp.arange(nb)
    with np.errstate(all="ignore"):
        for j in range(k):
            p = j + np.argmax(np.abs(work[:, j:, j]), axis=1)
            piv[:, j] = p + 1
            top = work[rows, j, :].copy()
            work[rows, j, :] = work[rows, p, :]
            work[rows, p, :] = top
            pivot = work[:, j, j]
            zero = pivot == 0
            info[(info == 0) & zero] = j + 1
            mult = work[:, j + 1:, j] / np.where(zero, 1, pivot)[:, None]
            work[:, j + 1:, j] = mult
            work[:, j + 1:, j + 1:] -= mult[:, :, None] * work[:, j, None, j + 1:]
    return (work.reshape(a.shape), piv.reshape(tuple(batch) + (k,)),
            info.reshape(tuple(batch)))


def _cholesky_info(a):
    """The order of the first leading minor that is not positive-definite, per batch element
    (0 when the matrix is positive-definite), and the partial lower factor."""
    *batch, n, _ = a.shape
    work = np.tril(a).reshape(-1, n, n)      # (a new array)
    info = array_module(a).zeros(work.shape[0], dtype=np.int32)
    with np.errstate(all="ignore"):
        for j in range(n):
            d = work[:, j, j].real - np.sum(np.abs(work[:, j, :j]) ** 2, axis=1)
            bad = ~(d > 0)
            info[(info == 0) & bad] = j + 1
            ljj = np.sqrt(np.where(bad, np.nan, d))
            work[:, j, j] = ljj
            below = work[:, j + 1:, j] - np.einsum("bik,bk->bi", work[:, j + 1:, :j],
                                                   work[:, j, :j].conj())
            work[:, j + 1:, j] = below / ljj[:, None]
    return info.reshape(tuple(batch)), work.reshape(a.shape)


def _first_failure(info):
    flat = info.reshape(-1)
    bad = np.nonzero(flat)[0]
    return (int(bad[0]), int(flat[bad[0]])) if bad.size else (0, 0)


def raise_singular_inv(a, fname):
    _, _, info = lu_packed(a)
    i, k = _first_failure(info)
    raise _LinAlgError("%s: %sThe diagonal element %d is zero, the inversion could not be "
                       "completed because the input matrix is singular."
                       % (fname, _batch_prefix(a, i), k or a.shape[-1]))


def raise_not_pd(a, fname):
    info, _ = _cholesky_info(a)
    i, k = _first_failure(info)
    raise _LinAlgError("%s: %sThe factorization could not be completed because the input is not "
                       "positive-definite (the leading minor of order %d is not "
                       "positive-definite)." % (fname, _batch_prefix(a, i), k or a.shape[-1]))


def _tri(a, upper, unit):
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        idx = array_module(a).arange(a.shape[-1])
        t[..., idx, idx] = 1
    return t


def _substitute(t, b, upper):
    """Solves t x = b by substitution (t triangular; zeros on the diagonal give inf/nan)."""
    n = t.shape[-1]
    shape = np.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:]
    x = array_module(b).zeros(shape, dtype=np.result_type(t, b))
    order = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(all="ignore"):
        for i in order:
            acc = b[..., i, :] - np.einsum("...k,...kj->...j", t[..., i, :], x)
            x[..., i, :] = acc / t[..., i, i, None]
    return x


def _tolerance(s_max, m, n, atol, rtol, dtype):
    """max(atol, rtol * s_max) with PyTorch's default rtol = eps * max(m, n)."""
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(dtype).eps * max(m, n)
    return np.maximum(0.0 if atol is None else atol, rtol * s_max)


# --- matrix exponential ----------------------------------------------------------------------

_PADE_M = 13
_PADE = tuple(math.factorial(2 * _PADE_M - k) * math.factorial(_PADE_M)
              / (math.factorial(2 * _PADE_M) * math.factorial(k) * math.factorial(_PADE_M - k))
              for k in range(_PADE_M + 1))
_THETA13 = 5.371920351148152


def expm(a):
    """exp(A) by scaling and squaring with the [13/13] Pade approximant (Higham, 2005)."""
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    with np.errstate(all="ignore"):
        norm1 = np.abs(a).sum(-2).max(-1)
        s = np.ceil(np.log2(np.maximum(norm1, 1e-300) / _THETA13))
        s = np.where(np.isfinite(s), np.maximum(s, 0), 0).astype(np.int64)
        x = a / np.exp2(s).astype(a.dtype)[..., None, None]
        eye = array_module(a).eye(n, dtype=a.dtype)
        b = _PADE
        x2 = x @ x
        x4 = x2 @ x2
        x6 = x4 @ x2
        u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4
                 + b[3] * x2 + b[1] * eye)
        v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 \
            + b[0] * eye
        try:
            r = np.linalg.solve(v - u, v + u)
        except np.linalg.LinAlgError:
            r = np.full_like(a, np.nan)
        for i in range(int(s.max(initial=0))):
            r = np.where((s > i)[..., None, None], r @ r, r)
    return r.astype(a.dtype, copy=False)
