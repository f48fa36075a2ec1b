"""``torch.linalg``: norms, inverses, solvers, factorizations and spectral functions on batches
of matrices (..., m, n), with PyTorch's argument checks, named results and errors.

The differentiable ops behind these functions live in `ember.ops.linalg_ops`.
"""
import math
import numbers

import numpy as np

from . import _dtype as D
from ._device import array_module
from .ops import linalg_ops as L
from .ops._op import norm_dim, norm_dims, run, wrap
from .ops.index_diag import linalg_cross as cross  # noqa: F401  (torch.linalg.cross)
from .ops.linalg_ops import LinAlgError, return_type  # noqa: F401

_SLOGDET = return_type("linalg_slogdet", ["sign", "logabsdet"])
_SVD = return_type("linalg_svd", ["U", "S", "Vh"])
_QR = return_type("linalg_qr", ["Q", "R"])
_EIGH = return_type("linalg_eigh", ["eigenvalues", "eigenvectors"])
_EIG = return_type("linalg_eig", ["eigenvalues", "eigenvectors"])
_LSTSQ = return_type("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
_INV_EX = return_type("linalg_inv_ex", ["inverse", "info"])
_CHOL_EX = return_type("linalg_cholesky_ex", ["L", "info"])
_SOLVE_EX = return_type("linalg_solve_ex", ["result", "info"])
_LU_FACTOR = return_type("linalg_lu_factor", ["LU", "pivots"])
_LU_FACTOR_EX = return_type("linalg_lu_factor_ex", ["LU", "pivots", "info"])
_LU = return_type("linalg_lu", ["P", "L", "U"])


# --- checks -----------------------------------------------------------------------------------------

def _tname(dt):
    return dt._legacy[:-len("Tensor")]


def _not_implemented(kernel, dt):
    return NotImplementedError('"%s" not implemented for \'%s\'' % (kernel, _tname(dt)))


def _check_float(a, fname, int_kernel=None, low=None):
    """PyTorch's dtype errors: integer/bool inputs raise ``fname: Expected a floating point
    ...`` (or NotImplementedError naming `int_kernel`, the CPU kernel that has no integer
    version); half/bfloat16 raise ``Low precision dtypes not supported`` (low=None), pass
    (low='ok') or raise NotImplementedError naming the kernel `low`."""
    dt = a._dtype
    if not (dt.is_floating_point or dt.is_complex):
        if int_kernel is not None:
            if int_kernel.startswith("!"):
                msg = int_kernel[1:]
                raise RuntimeError(msg % _tname(dt) if "%s" in msg else msg)
            raise _not_implemented(int_kernel, dt)
        raise RuntimeError("%s: Expected a floating point or complex tensor as input. Got %s"
                           % (fname, _tname(dt)))
    if (dt is D.float16 or dt is D.bfloat16) and low != "ok":
        if low is not None:
            raise _not_implemented(low, dt)
        raise RuntimeError("%s: Low precision dtypes not supported. Got %s" % (fname, _tname(dt)))


def _check_matrix(a, fname, square=True, int_kernel=None, low=None, dtype=True):
    if a._data.ndim < 2:
        raise RuntimeError("%s: The input tensor A must have at least 2 dimensions." % fname)
    if square and a._data.shape[-1] != a._data.shape[-2]:
        raise RuntimeError("%s: A must be batches of square matrices, but they are %d by %d "
                           "matrices" % (fname, a._data.shape[-2], a._data.shape[-1]))
    if dtype:
        _check_float(a, fname, int_kernel, low)


_ONLY_FLOAT = "!This function doesn't handle types other than float and double"
_NO_COMPLEX_TYPE = "!Unknown Complex ScalarType for %s"


def _check_lapack_float(a):
    """lstsq / matrix_rank: float32, float64 and the complex types only."""
    if a._dtype not in (D.float32, D.float64, D.complex64, D.complex128):
        raise RuntimeError(_ONLY_FLOAT[1:])


def _check_same_dtype(a, b, fname, na="A", nb="B"):
    if a._dtype is not b._dtype:
        raise RuntimeError("%s: Expected %s and %s to have the same dtype, but found %s of type %s "
                           "and %s of type %s instead" % (fname, na, nb, na, _tname(a._dtype), nb,
                                                          _tname(b._dtype)))


def _out(r, out):
    if out is None:
        return r
    from .ops._out import write_out
    return write_out(out, r)


def _outs(result, out):
    """Writes a named-tuple result into the tensors of `out` (a tuple) when given."""
    if out is None:
        return result
    from .ops._out import write_out
    return type(result)(*[write_out(o, r) for o, r in zip(out, result)])


def _info(arr):
    return wrap(arr.astype(np.int32, copy=False))


# --- inverses and determinants ---------------------------------------------------------------------

def inv(A, *, out=None):
    """The inverse of each square matrix; a singular one raises LinAlgError."""
    _check_matrix(A, "linalg.inv")
    return _out(L.inv(A), out)


def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info): info > 0 marks a singular matrix instead of raising."""
    _check_matrix(A, "linalg.inv")
    _, _, info = L.lu_packed(A._data)
    if check_errors and info.any():
        L.raise_singular_inv(A._data, "linalg.inv_ex")
    if not info.any():
        return _outs(_INV_EX(L.inv(A), _info(info)), out)
    with np.errstate(all="ignore"):
        lu_, piv, _ = L.lu_packed(A._data)
        a = A._data
        eye = np.broadcast_to(array_module(a).eye(a.shape[-1], dtype=a.dtype), a.shape)
        res = _lu_solve_arrays(lu_, piv, eye)
    return _outs(_INV_EX(wrap(res), _info(info)), out)


def det(A, *, out=None):
    """The determinant of each square matrix."""
    _check_matrix(A, "linalg.det", low="lu_cpu")
    return _out(L.det(A), out)


def slogdet(A, *, out=None):
    """(sign, logabsdet): the determinant's sign (phase) and the log of its magnitude."""
    _check_matrix(A, "linalg.slogdet")
    sign, logabs = L.slogdet(A)
    return _outs(_SLOGDET(sign, logabs), out)


def matrix_power(A, n, *, out=None):
    """A @ A @ ... (n times); n = 0 gives the identity and n < 0 powers of the inverse."""
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 "
                           "dimensions.")
    if A._data.shape[-1] != A._data.shape[-2]:
        raise RuntimeError("linalg.matrix_power: A must be batches of square matrices, but they "
                           "are %d by %d matrices" % (A._data.shape[-2], A._data.shape[-1]))
    n = int(n)
    if n == 0:
        eye = np.broadcast_to(A._xp.eye(A.shape[-1], dtype=A._dtype.np), A._data.shape)
        return _out(wrap(eye.copy(), A._dtype), out)
    if n < 0:
        _check_matrix(A, "linalg.inv")
        A = L.inv(A)
        n = -n
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return _out(result.clone() if result is A else result, out)


def matrix_exp(A):
    """The matrix exponential of each square matrix."""
    _check_matrix(A, "linalg.matrix_exp", low="ok")
    if A._dtype is D.float16 or A._dtype is D.bfloat16:
        return L.matrix_exp_op(A.float()).to(A._dtype)
    return L.matrix_exp_op(A)


# --- solvers -------------------------------------------------------------------------------------

def _is_vector_rhs(A, B):
    return B.dim() == 1 or (B.dim() == A.dim() - 1 and B.shape == A.shape[:-1])


def solve(A, B, *, left=True, out=None):
    """X with A X = B (left=True) or X A = B; B may be a (batch of) vector(s)."""
    _check_matrix(A, "linalg.solve", low="lu_cpu")
    _check_same_dtype(A, B, "linalg.solve")
    if B._data.ndim == 0:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 2 dimensions.")
    if not left:
        return _out(solve(A.mT, B.mT).mT, out)
    vector = _is_vector_rhs(A, B)
    n = A.shape[-1]
    rows = B.shape[-1] if vector else (B.shape[-2] if B.dim() >= 2 else -1)
    if rows != n:
        shape = "%dx%d" % (B.shape[-1], 1) if vector or B.dim() < 2 else \
            "%dx%d" % (B.shape[-2], B.shape[-1])
        raise RuntimeError("linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           "(%dx%d and %s)" % (n, n, shape))
    return _out(L.solve(A, B, vector), out)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """(result, info): like solve, reporting singular matrices in info."""
    _check_matrix(A, "linalg.solve", low="lu_cpu")
    _, _, info = L.lu_packed(A._data)
    if info.any() and not check_errors:
        with np.errstate(all="ignore"):
            shape = np.broadcast_shapes(A.shape[:-2], B.shape[:-1 if _is_vector_rhs(A, B)
                                                               else -2])
            res = A._xp.full(shape + tuple(B.shape[-1:] if _is_vector_rhs(A, B)
                                        else B.shape[-2:]), np.nan, dtype=A._dtype.np)
        return _outs(_SOLVE_EX(wrap(res), _info(info)), out)
    return _outs(_SOLVE_EX(solve(A, B, left=left), _info(info)), out)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B (or X A = B) for triangular A (only its `upper` or lower part is read)."""
    _check_matrix(A, "linalg.solve_triangular", int_kernel="triangular_solve_cpu",
                  low="triangular_solve_cpu")
    if B._data.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    _check_same_dtype(A, B, "linalg.solve_triangular")
    n = A.shape[-1]
    k = B.shape[-2] if left else B.shape[-1]
    if k != n:
        raise RuntimeError("linalg.solve_triangular: Incompatible shapes of A and B for the "
                           "equation %s (%dx%d and %dx%d)" % ("AX = B" if left else "XA = B", n,
                                                             n, B.shape[-2], B.shape[-1]))
    return _out(L.solve_triangular(A, B, bool(upper), bool(left), bool(unitriangular)), out)


def lstsq(A, B, rcond=None, *, driver=None):
    """(solution, residuals, rank, singular_values) of min ||A X - B||, as PyTorch's CPU
    drivers report them ('gelsy' by default)."""
    _check_matrix(A, "linalg.lstsq", square=False, int_kernel=_ONLY_FLOAT, low="ok")
    _check_lapack_float(A)
    _check_same_dtype(A, B, "torch.linalg.lstsq", "input", "other")
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy,"
                           " gelsd, gelss)")
    vector = B.dim() == A.dim() - 1
    m, n = A.shape[-2:]
    if (B.shape[-1] if vector else B.shape[-2]) != m:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-%d)"
                           % (1 if vector else 2))
    real = A._dtype.to_real().np
    rc = float(np.finfo(real).eps * max(m, n)) if rcond is None else float(rcond)
    op = L.LinalgLstsqBackward0(rc, vector)
    x = run(op, A, B)
    batch = op.batch
    empty_real = wrap(A._xp.zeros((0,), dtype=real))
    full_rank = bool((op.ranks == n).all())
    if m > n and (driver == "gels" or (driver in ("gelsd", "gelss") and full_rank)):
        k = 1 if vector else B.shape[-1]
        residuals = wrap(op.resid.reshape(batch + (k,)))
    else:
        residuals = empty_real
    rank = wrap(A._xp.zeros((0,), dtype=np.int64)) if driver == "gels" else \
        wrap(op.ranks.reshape(batch))
    sv = wrap(op.svals.reshape(batch + (min(m, n),))) if driver in ("gelsd", "gelss") \
        else empty_real
    return _LSTSQ(x, residuals, rank, sv)


# --- factorizations ------------------------------------------------------------------------------

def cholesky(A, *, upper=False, out=None):
    """The Cholesky factor L (A = L L^H) or, with upper=True, U = L^H."""
    _check_matrix(A, "linalg.cholesky", low="cholesky_cpu")
    return _out(L.cholesky(A, upper), out)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): info > 0 gives the order of the leading minor that is not positive-definite."""
    _check_matrix(A, "linalg.cholesky", low="cholesky_cpu")
    op = L.LinalgCholeskyExBackward0(upper, "linalg.cholesky_ex", check_errors)
    low = run(op, A)
    return _outs(_CHOL_EX(low, _info(op.info)), out)


def qr(A, mode="reduced", *, out=None):
    """(Q, R) with A = QR: mode 'reduced', 'complete', or 'r' (Q empty)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError("qr received unrecognized mode '%s' but expected one of 'reduced' "
                           "(default), 'r', or 'complete'" % mode)
    _check_matrix(A, "linalg.qr", square=False, low="geqrf_cpu")
    q, r = L.qr(A, mode)
    return _outs(_QR(q, r), out)


def eigh(A, UPLO="L", *, out=None):
    """(eigenvalues ascending, eigenvectors) of Hermitian matrices, read from the UPLO
    triangle."""
    _check_uplo(UPLO)
    _check_matrix(A, "linalg.eigh", int_kernel="linalg_eigh_cpu", low="linalg_eigh_cpu")
    w, v = L.eigh(A, UPLO)
    return _outs(_EIGH(w, v), out)


def _check_uplo(uplo):
    if uplo not in ("L", "U"):
        raise RuntimeError("Expected UPLO argument to be 'L' or 'U', but got %s" % uplo)


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues of Hermitian matrices, ascending."""
    _check_uplo(UPLO)
    _check_matrix(A, "linalg.eigh", int_kernel="linalg_eigh_cpu", low="linalg_eigh_cpu")
    if A.requires_grad:
        return _out(L.eigh(A, UPLO)[0], out)
    return _out(wrap(np.linalg.eigvalsh(A._data, UPLO=UPLO)), out)


def eig(A, *, out=None):
    """(eigenvalues, eigenvectors) of general square matrices, always complex."""
    _check_matrix(A, "linalg.eig", int_kernel=_NO_COMPLEX_TYPE, low="linalg_eig_out_cpu")
    w, v = L.eig(A)
    return _outs(_EIG(w, v), out)


def eigvals(A, *, out=None):
    """The (complex) eigenvalues of general square matrices."""
    _check_matrix(A, "linalg.eig", int_kernel=_NO_COMPLEX_TYPE, low="linalg_eig_out_cpu")
    if A.requires_grad:
        return _out(L.eig(A)[0], out)
    w = np.linalg.eigvals(A._data)
    ct = np.complex64 if A._dtype in (D.float32, D.complex64) else np.complex128
    return _out(wrap(w.astype(ct, copy=False)), out)


def svd(A, full_matrices=True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh, singular values descending."""
    _check_matrix(A, "linalg.svd", square=False, low="linalg_svd_cpu")
    u, s, vh = L.svd(A, full_matrices)
    return _outs(_SVD(u, s, vh), out)


def svdvals(A, *, driver=None, out=None):
    """The singular values, descending."""
    _check_matrix(A, "linalg.svd", square=False, low="linalg_svd_cpu")
    return _out(L.svdvals(A), out)


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """(LU, pivots, info) of the partial-pivoting LU factorization (no gradient)."""
    _check_matrix(A, "linalg.lu_factor_ex", square=False, int_kernel="lu_cpu", low="lu_cpu")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    lu_, piv, info = L.lu_packed(A._data)
    if check_errors:
        _lu_check(A, info, "torch.linalg.lu_factor_ex")
    return _outs(_LU_FACTOR_EX(wrap(lu_), wrap(piv), _info(info)), out)


def _lu_check(A, info, fname):
    if info.any():
        i, k = L._first_failure(info)
        raise RuntimeError("%s: %sU[%d,%d] is zero and using it on lu_solve would result in a "
                           "division by zero. If you still want to perform the factorization, "
                           "consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
                           % (fname, L._batch_prefix(A._data, i), k, k))


def lu_factor(A, *, pivot=True, out=None):
    """(LU, pivots): the packed LU factors and 1-based row swaps; a zero pivot raises."""
    r = lu_factor_ex(A, pivot=pivot)
    _lu_check(A, r.info._data, "torch.linalg.lu_factor")
    return _outs(_LU_FACTOR(r.LU, r.pivots), out)


def _lu_unpack(lu_, piv, unpack_data=True, unpack_pivots=True):
    m, n = lu_.shape[-2:]
    k = min(m, n)
    dt, xp = lu_._dtype, lu_._xp
    if unpack_data:
        low = lu_.narrow(-1, 0, k).tril(-1) + wrap(xp.eye(m, k, dtype=dt.np))
        up = lu_.narrow(-2, 0, k).triu()
    else:
        low = up = wrap(xp.zeros((0,), dtype=dt.np))
    if unpack_pivots:
        perm = _permutation(piv._data, m)
        p = xp.zeros(perm.shape + (m,), dtype=dt.np)
        np.put_along_axis(p, perm[..., :, None], 1, axis=-1)
        pmat = wrap(np.swapaxes(p, -1, -2).copy())
    else:
        pmat = wrap(xp.zeros((0,), dtype=dt.np))
    return pmat, low, up


def _permutation(piv, m):
    """perm with (P^T A)[i] = A[perm[i]] from LAPACK's sequential row swaps."""
    batch, xp = piv.shape[:-1], array_module(piv)
    perm = np.broadcast_to(xp.arange(m), batch + (m,)).copy().reshape(-1, m)
    p = piv.reshape(-1, piv.shape[-1]) - 1
    rows = xp.arange(perm.shape[0])
    for j in range(p.shape[1]):
        a, b = perm[rows, j].copy(), perm[rows, p[:, j]].copy()
        perm[rows, j], perm[rows, p[:, j]] = b, a
    return perm.reshape(batch + (m,))


def lu(A, *, pivot=True, out=None):
    """(P, L, U) with A = P L U (no gradient)."""
    r = lu_factor_ex(A, pivot=pivot)
    return _outs(_LU(*_lu_unpack(r.LU, r.pivots)), out)     # singular matrices are fine here


def _lu_solve_arrays(lu_, piv, b):
    m = lu_.shape[-1]
    perm = _permutation(piv, m)
    pb = np.take_along_axis(np.broadcast_to(b, np.broadcast_shapes(b.shape[:-2], perm.shape[:-1])
                                            + b.shape[-2:]), perm[..., :, None], axis=-2)
    y = L._substitute(L._tri(lu_, False, True), pb, False)
    return L._substitute(L._tri(lu_, True, False), y, True)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """X with A X = B from A's LU factors (left=False: X A = B; adjoint: A^H)."""
    p, low, up = _lu_unpack(LU, pivots)
    a = p @ low @ up
    return _out(solve(a.mH if adjoint else a, B, left=left), out)


# --- pseudo-inverse, rank, condition --------------------------------------------------------------

def _tol_value(t):
    if t is None:
        return None
    if hasattr(t, "_data"):
        return t._data[..., None]
    return float(t)


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The Moore-Penrose pseudo-inverse; singular values below max(atol, rtol * s_max) are
    treated as zero (`rcond` is the legacy name of rtol)."""
    if A._dtype not in (D.float32, D.float64, D.complex64, D.complex128) or A.dim() < 2:
        raise RuntimeError("linalg.pinv(%s{%s}): expected a tensor with 2 or more dimensions of "
                           "float, double, cfloat or cdouble types"
                           % (_tname(A._dtype), list(A.shape)))
    if rcond is not None:
        rtol = rcond
    if hermitian:
        _check_matrix(A, "linalg.eigh")
    return _out(L.pinv(A, _tol_value(atol), _tol_value(rtol), hermitian), out)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The number of singular values above max(atol, rtol * s_max) (int64)."""
    _check_matrix(A, "torch.linalg.matrix_rank", square=False, int_kernel=_ONLY_FLOAT, low="ok")
    _check_lapack_float(A)
    if tol is not None:
        atol = tol
    a = A._data
    m, n = a.shape[-2:]
    if hermitian:
        s = np.abs(np.linalg.eigvalsh(a))
    else:
        s = np.linalg.svd(a, compute_uv=False)
    if s.shape[-1] == 0:
        return _out(wrap(A._xp.zeros(a.shape[:-2], dtype=np.int64)), out)
    real = np.finfo(a.dtype).dtype
    tol_ = L._tolerance(s.max(-1, keepdims=True), m, n, _tol_value(atol), _tol_value(rtol), real)
    return _out(wrap((s > tol_).sum(-1).astype(np.int64)), out)


def cond(A, p=None, *, out=None):
    """The condition number ||A|| ||A^-1|| in the norm `p` (default: the 2-norm)."""
    if p in (None, 2, -2):
        _check_matrix(A, "linalg.svd", square=False, low="linalg_svd_cpu")
        s = L.svdvals(A)
        hi, lo = s.narrow(-1, 0, 1), s.narrow(-1, s.shape[-1] - 1, 1)
        r = (lo / hi if p == -2 else hi / lo).squeeze(-1)
        return _out(r, out)
    _check_matrix(A, "linalg.cond(ord=%s)" % p, dtype=False)
    _check_float(A, "linalg.inv")
    inverse, info = inv_ex(A)
    r = matrix_norm(A, p) * matrix_norm(inverse, p)
    if info._data.any():
        r = r.masked_fill(wrap(info._data > 0), float("inf"))
    return _out(r, out)


# --- norms ----------------------------------------------------------------------------------------

def _norm_input(x, dtype, fname):
    if not (x._dtype.is_floating_point or x._dtype.is_complex):
        raise RuntimeError("%s: Expected a floating point or complex tensor as input. Got %s"
                           % (fname, _tname(x._dtype)))
    if dtype is not None:
        dt = D.to_dtype(dtype)
        if not (dt.is_floating_point or dt.is_complex):
            raise RuntimeError("%s: dtype should be floating point or complex, but got %s"
                               % (fname, _tname(dt)))
        if x._dtype.is_complex != dt.is_complex:
            raise RuntimeError("%s: dtype should be %s for %s inputs, but got %s"
                               % (fname, *(("complex", "complex") if x._dtype.is_complex
                                           else ("real", "real")), _tname(dt)))
        if D.promote_types(x._dtype, dt) is not dt:
            raise RuntimeError("%s: the dtype of the input (%s) should be convertible without "
                               "narrowing to the specified dtype (%s)"
                               % (fname, _tname(x._dtype), _tname(dt)))
        if x._dtype is not dt:
            x = x.to(dt)
    return x


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """(sum |x|^ord)^(1/ord) over `dim` (all dims by default); ord may be inf, -inf or 0."""
    if type(ord) not in (int, float) and (isinstance(ord, str) or not isinstance(
            ord, (numbers.Number, np.number))):
        raise TypeError("linalg_vector_norm(): argument 'ord' (position 2) must be Number, not %s"
                        % type(ord).__name__)
    if dtype is not None or not x._dtype.is_floating_point:
        x = _norm_input(x, dtype, "linalg.vector_norm")
    nd = x._data.ndim
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dim = None
    dims = norm_dims(dim, nd) if nd else ()
    return _out(L.vector_norm(x, float(ord), dims, keepdim), out)


_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norms over the two dims `dim`: 'fro', 'nuc', inf, -inf, 1, -1, 2, -2."""
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if ord not in _MATRIX_ORDS:
        raise RuntimeError("linalg.matrix_norm: Order %s not supported." % ord)
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dim) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got %s"
                           % " ".join(str(d) for d in dim))
    A = _norm_input(A, dtype, "linalg.matrix_norm")
    nd = A._data.ndim
    d0, d1 = norm_dim(dim[0], nd), norm_dim(dim[1], nd)
    if d0 == d1:
        raise RuntimeError("linalg.matrix_norm: dims must be different. Got (%d, %d)"
                           % (dim[0], dim[1]))
    if ord == "fro":
        return _out(L.vector_norm(A, 2.0, (d0, d1), keepdim), out)
    if ord in ("nuc", 2, -2):
        _check_float(A, "linalg.matrix_norm")
        moved = A.movedim((d0, d1), (-2, -1)) if (d0, d1) != (nd - 2, nd - 1) else A
        s = L.svdvals(moved)
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
        return _out(r, out)
    sum_dim, red_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
    s = L.vector_norm(A, 1.0, (sum_dim,), keepdim)
    if not keepdim and red_dim > sum_dim:
        red_dim -= 1
    r = s.amax(red_dim, keepdim=keepdim) if ord > 0 else s.amin(red_dim, keepdim=keepdim)
    return _out(r, out)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """A vector norm (dim an int or None with 1-D input) or a matrix norm (dim a 2-tuple or
    None with 2-D input); ord=None with dim=None is the 2-norm of all elements."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               "Got %s" % list(dims))
        if isinstance(ord, str) or len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype,
                               out=out)
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if A.dim() not in (1, 2):
        raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D"
                           " or 2D. Got %dD." % A.dim())
    if A.dim() == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)


def _legacy_norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm``: 'fro' (any number of dims), 'nuc', or a vector p-norm."""
    dims = [dim] if isinstance(dim, int) else (list(dim) if dim is not None else None)
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return vector_norm(input, 2, dims, keepdim, dtype=dtype, out=out)
        if dims is None:
            dims = list(range(input.dim()))
        return matrix_norm(input, p, dims, keepdim, dtype=dtype, out=out)
    return vector_norm(input, 2.0 if p is None else p, dims, keepdim, dtype=dtype, out=out)


# --- products and small helpers ------------------------------------------------------------------

def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices in the cheapest order; the first and last may be
    vectors."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError("multi_dot(): expected at least 2 tensors but got %d" % len(tensors))
    for i, t in enumerate(tensors):
        lo, hi = (1, 2) if i in (0, len(tensors) - 1) else (2, 2)
        if not lo <= t.dim() <= hi:
            raise RuntimeError("multi_dot(): %s tensor must be %s but got %dD"
                               % ("the first" if i == 0 else "the last" if i == len(tensors) - 1
                                  else "tensor %d" % i, "1D or 2D" if lo == 1 else "2D", t.dim()))
    for i in range(len(tensors) - 1):
        a, b = tensors[i], tensors[i + 1]
        if a.shape[-1] != b.shape[0]:
            raise RuntimeError("multi_dot(): tensors %d and %d with shapes %s and %s cannot be "
                               "multiplied" % (i, i + 1, list(a.shape), list(b.shape)))
    first_vec, last_vec = tensors[0].dim() == 1, tensors[-1].dim() == 1
    mats = list(tensors)
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    r = _chain(mats)
    if first_vec and last_vec:
        r = r.reshape(())
    elif first_vec:
        r = r.squeeze(0)
    elif last_vec:
        r = r.squeeze(-1)
    return _out(r, out)


def _chain(mats):
    """Matrix chain product with the optimal parenthesisation (dynamic programming)."""
    n = len(mats)
    if n <= 2:
        return mats[0] @ mats[1] if n == 2 else mats[0]
    dims = [m.shape[0] for m in mats] + [mats[-1].shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def build(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return build(i, k) @ build(k + 1, j)
    return build(0, n - 1)


def vecdot(x, y, *, dim=-1, out=None):
    """sum(conj(x) * y) along `dim` (with broadcasting)."""
    _check_float(x, "linalg.vecdot", low="ok")
    _check_same_dtype(x, y, "linalg.vecdot", "x", "y")
    return _out((x.conj() * y).sum(dim), out)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of the matrices (a view), ``A.diagonal(offset, dim1, dim2)``."""
    return A.diagonal(offset, dim1, dim2)


def vander(x, *, N=None):
    """The Vandermonde matrix with columns x**0, x**1, ..., x**(N-1)."""
    if x.dim() < 1:
        raise RuntimeError("N must be greater than 1.")
    n = x.shape[-1] if N is None else int(N)
    if n <= 1:
        if n < 1:
            raise RuntimeError("N must be greater than 1.")
        return x.unsqueeze(-1).pow(0)
    from .ops.shape import cat
    cols = [x.unsqueeze(-1).pow(0)] + [x.unsqueeze(-1)]
    for _ in range(n - 2):
        cols.append(cols[-1] * x.unsqueeze(-1))
    return cat(cols, -1)


def tensorinv(A, ind=2, *, out=None):
    """The tensor inverse: reshape to a square matrix over the first `ind` dims, invert, reshape
    back."""
    if ind <= 0:
        raise RuntimeError("Expected a strictly positive integer for 'ind', but got %d" % ind)
    out_shape = A.shape[ind:] + A.shape[:ind]
    rows = math.prod(A.shape[:ind])
    cols = math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           "prod(self.shape[:ind]), but got %d != %d" % (cols, rows))
    return _out(inv(A.reshape(rows, cols)).reshape(out_shape), out)


def tensorsolve(A, B, dims=None, *, out=None):
    """X with tensordot(A, X, X.dim()) = B."""
    if dims is not None:
        dims = [d % A.dim() for d in dims]
        rest = [d for d in range(A.dim()) if d not in dims]
        A = A.permute(rest + dims)
    x_shape = A.shape[B.dim():]
    n = math.prod(x_shape)
    return _out(solve(A.reshape(-1, n), B.reshape(-1)).reshape(x_shape), out)


def householder_product(A, tau, *, out=None):
    """The product of Householder reflectors H_i = I - tau_i v_i v_i^H (v_i: columns of A below
    the diagonal, with a unit diagonal)."""
    _check_float(A, "linalg.householder_product", "orgqr_cpu", "orgqr_cpu")
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    eye = A._xp.eye(m, n, dtype=A._dtype.np)
    q = wrap(np.broadcast_to(eye, A.shape[:-2] + (m, n)).copy())
    low = A.tril(-1) + wrap(eye)
    for i in reversed(range(k)):
        v = low.narrow(-1, i, 1)
        q = q - tau.narrow(-1, i, 1).unsqueeze(-1) * (v @ (v.mH @ q))
    return _out(q, out)


orgqr = householder_product
