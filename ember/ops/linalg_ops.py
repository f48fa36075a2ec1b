"""Linear algebra ops: one Op class per factorization or solver (forward on NumPy's LAPACK
bindings, backward written with ember ops so it is differentiable again), the small
functions that run them, and the legacy ``torch.*`` / Tensor spellings (inverse, det, svd,
qr, cholesky, ...) collected in `METHODS` and `FUNCTIONS`.

The public ``torch.linalg`` namespace (argument checks, named results) is `ember/linalg.py`.
Gradient formulas are the standard ones (see e.g. M. Giles, "An extended collection of
matrix derivative results", 2008); multi-output ops read their own outputs back with
`_outputs` so that second derivatives flow through them.
"""
import collections
import math
import warnings

import numpy as np

from .._device import array_module
from ._linalg_kernels import LinAlgError  # noqa: F401  (re-exported)
from ._linalg_kernels import (_LinAlgError, _batch_prefix, _cholesky_info, _first_failure,
                              _substitute, _tolerance, _tri, expm, lu_packed, raise_not_pd,
                              raise_singular_inv)
from ._op import Op, as_0d, run, wrap


def return_type(name, fields):
    """A ``torch.return_types.<name>`` named tuple printing as PyTorch's."""
    cls = collections.namedtuple(name, fields)
    cls.__module__ = "torch.return_types"

    def __repr__(self):
        body = ",\n".join("%s=%r" % (f, v) for f, v in zip(self._fields, self))
        return "torch.return_types.%s(\n%s)" % (name, body)
    cls.__repr__ = __repr__
    return cls


# --- helpers ------------------------------------------------------------------------------------

def _outputs(op):
    """The outputs of a recorded multi-output op, as tensors whose grad_fn is `op`."""
    from .._tensor import Tensor
    outs = []
    for i, (shape, dt, data) in enumerate(op._out_meta):
        t = Tensor._make(data, dt)
        t._rg, t.grad_fn, t._output_nr = True, op, i
        outs.append(t)
    return outs


def _unused(g):
    """True for a missing gradient (the engine passes zeros for outputs that were not used)."""
    return g is None or not g._data.any()


def _eye(n, ref):
    from .._device import array_module
    return wrap(array_module(ref._data).eye(n, dtype=ref._dtype.np))


def _exclusive_prod(s):
    """prod_{j != i} s_j along the last dim, without dividing (zeros allowed)."""
    from .shape import cat
    n = s.shape[-1]
    ones = s.new_ones(s.shape[:-1] + (1,))
    left = cat([ones, s.narrow(-1, 0, n - 1).cumprod(-1)], -1) if n > 1 else ones
    right = cat([s.flip(-1).narrow(-1, 0, n - 1).cumprod(-1).flip(-1), ones], -1) \
        if n > 1 else ones
    return left * right


# --- inverse, determinants -------------------------------------------------------------------------

class LinalgInvExBackward0(Op):
    saves_output = True

    def __init__(self, fname="linalg.inv"):
        self.fname = fname

    def forward(self, a):
        try:
            return np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise_singular_inv(a, self.fname)

    def backward(self, g):
        ih = self.saved_output.mH
        return -(ih @ g @ ih)


def inv(a):
    return run(LinalgInvExBackward0(), a)


class LinalgDetBackward0(Op):
    saved_inputs = (0,)
    saves_output = True

    def forward(self, a):
        return as_0d(np.linalg.det(a))

    def backward(self, g):
        (a,) = self.saved_tensors
        det = self.saved_output
        if bool((det == 0).any()):
            return _det_backward_singular(g, a)
        return (g * det.conj()).unsqueeze(-1).unsqueeze(-1) * inv(a).mH


def _det_backward_singular(g, a):
    """g * adj(A)^H through the SVD: adj(A)^H = conj(det U det Vh) U diag(prod_{j!=i} s_j) Vh."""
    u, s, vh = svd(a, False)
    c = det(u) * det(vh)
    adj_h = (u * _exclusive_prod(s).unsqueeze(-2).to(u.dtype)) @ vh
    return (g * c.conj()).unsqueeze(-1).unsqueeze(-1) * adj_h


def det(a):
    return run(LinalgDetBackward0(), a)


class LinalgSlogdetBackward0(Op):
    saved_inputs = (0,)
    n_outputs = 2

    def forward(self, a):
        sign, logabs = np.linalg.slogdet(a)
        return as_0d(sign), as_0d(logabs)

    def backward(self, gsign, glog):
        (a,) = self.saved_tensors
        w = glog
        if a.is_complex():
            from .pointwise import complex as make_complex
            sign = _outputs(self)[0].detach()
            w = make_complex(glog, (sign.conj() * gsign).imag)
        return w.unsqueeze(-1).unsqueeze(-1) * inv(a).mH


def slogdet(a):
    return run(LinalgSlogdetBackward0(), a)


# --- linear solves -------------------------------------------------------------------------------

class LinalgSolveExBackward0(Op):
    saved_inputs = (0,)
    saves_output = True

    def __init__(self, vector):
        self.vector = vector

    def forward(self, a, b):
        try:
            x = np.linalg.solve(a, b[..., None] if self.vector else b)
        except np.linalg.LinAlgError:
            _, _, info = lu_packed(a)
            i, _ = _first_failure(info)
            raise _LinAlgError("torch.linalg.solve: %sThe solver failed because the input matrix "
                               "is singular." % _batch_prefix(a, i)) from None
        return x[..., 0] if self.vector else x

    def backward(self, g):
        (a,) = self.saved_tensors
        x = self.saved_output
        gb = solve(a.mH, g, self.vector)
        if self.vector:
            ga = -(gb.unsqueeze(-1) * x.conj().unsqueeze(-2))
        else:
            ga = -(gb @ x.mH)
        return ga, gb


def solve(a, b, vector=False):
    return run(LinalgSolveExBackward0(vector), a, b)


class LinalgSolveTriangularBackward0(Op):
    saved_inputs = (0,)
    saves_output = True

    def __init__(self, upper, left, unitriangular):
        self.upper, self.left, self.unit = upper, left, unitriangular

    def forward(self, a, b):
        if not self.left:        # X A = B  <=>  A^T X^T = B^T
            return self._solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2),
                               not self.upper).swapaxes(-1, -2)
        return self._solve(a, b, self.upper)

    def _solve(self, a, b, upper):
        t = _tri(a, upper, self.unit)
        try:
            return np.linalg.solve(t, b)
        except np.linalg.LinAlgError:
            return _substitute(t, b, upper)

    def backward(self, g):
        (a,) = self.saved_tensors
        x = self.saved_output
        gb = solve_triangular(a.mH, g, not self.upper, self.left, self.unit)
        ga = -(gb @ x.mH) if self.left else -(x.mH @ gb)
        k = 1 if self.unit else 0
        ga = ga.triu(k) if self.upper else ga.tril(-k)
        return ga, gb


def solve_triangular(a, b, upper, left=True, unitriangular=False):
    return run(LinalgSolveTriangularBackward0(upper, left, unitriangular), a, b)


# --- factorizations ------------------------------------------------------------------------------

class LinalgCholeskyExBackward0(Op):
    saves_output = True

    def __init__(self, upper, fname="linalg.cholesky", check=True):
        self.upper, self.fname, self.check = upper, fname, check

    def forward(self, a):
        self.info = array_module(a).zeros(a.shape[:-2], dtype=np.int32)
        try:
            low = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            if self.check:
                raise_not_pd(a, self.fname)
            self.info, low = _cholesky_info(a)
        return np.swapaxes(low, -1, -2).conj() if self.upper else low

    def backward(self, g):
        low = self.saved_output
        if self.upper:
            low, g = low.mH, g.mH
        # gA = L^-H phi(L^H gL) L^-1, made Hermitian; phi keeps the lower triangle, half diagonal
        p = low.mH @ g
        p = p.tril() - 0.5 * p.diagonal(0, -2, -1).diag_embed()
        x = solve_triangular(low.mH, p, upper=True)
        ga = solve_triangular(low, x, upper=False, left=False)
        return 0.5 * (ga + ga.mH)


def cholesky(a, upper=False, fname="linalg.cholesky"):
    return run(LinalgCholeskyExBackward0(upper, fname), a)


class LinalgQrBackward0(Op):
    n_outputs = 2

    def __init__(self, mode):
        self.mode = mode

    def forward(self, a):
        if self.mode == "r":
            r = np.linalg.qr(a, mode="r")
            return array_module(a).zeros((0,), dtype=a.dtype), r
        q, r = np.linalg.qr(a, mode=self.mode)
        return q, r

    def backward(self, gq, gr):
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you are "
                               "going to differentiate through linalg.qr.")
        q, r = _outputs(self)
        m, n = q.shape[-2], r.shape[-1]
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        if m >= n:
            return _qr_backward_tall(gq, gr, q, r)
        # wide: A = [X | Y] = Q [U | V]; X = Q U is square, Y = Q V
        u, v = r.narrow(-1, 0, m), r.narrow(-1, m, n - m)
        gu, gv = gr.narrow(-1, 0, m), gr.narrow(-1, m, n - m)
        y = q @ v
        gx = _qr_backward_tall(gq + y @ gv.mH, gu, q, u)
        from .shape import cat
        return cat([gx, q @ gv], -1)


def _copyltu(m):
    """The Hermitian matrix whose lower triangle is that of `m`."""
    low = m.tril(-1)
    d = m.diagonal(0, -2, -1)
    d = d.real.to(m.dtype) if m.is_complex() else d
    return low + low.mH + d.diag_embed()


def _qr_backward_tall(gq, gr, q, r):
    """A = QR with Q m x n, R n x n (m >= n): gA = (gQ + Q copyltu(M)) R^-H,
    M = R gR^H - gQ^H Q."""
    mmat = r @ gr.mH - gq.mH @ q
    b = gq + q @ _copyltu(mmat)
    return solve_triangular(r.mH, b, upper=False, left=False)


def qr(a, mode="reduced"):
    return run(LinalgQrBackward0(mode), a)


class LinalgEighBackward0(Op):
    n_outputs = 2

    def __init__(self, uplo):
        self.uplo = uplo

    def forward(self, a):
        w, v = np.linalg.eigh(a, UPLO=self.uplo)
        return w, v

    def backward(self, gw, gv):
        w, v = _outputs(self)
        if _unused(gv):             # eigenvalues only: finite even for repeated eigenvalues
            return (v * gw.to(v.dtype).unsqueeze(-2)) @ v.mH
        e = w.unsqueeze(-2) - w.unsqueeze(-1)          # e_ij = w_j - w_i
        n = w.shape[-1]
        eye = _eye(n, w).bool()
        f = 1 / e.masked_fill(eye, float("inf"))
        inner = (v.mH @ gv) * f.to(v.dtype) + gw.to(v.dtype).diag_embed()
        ga = v @ inner @ v.mH
        return 0.5 * (ga + ga.mH)


def eigh(a, uplo="L"):
    return run(LinalgEighBackward0(uplo), a)


class LinalgEigBackward0(Op):
    n_outputs = 2

    def forward(self, a):
        w, v = np.linalg.eig(a)
        ct = np.complex64 if a.dtype in (np.float32, np.complex64) else np.complex128
        return w.astype(ct, copy=False), v.astype(ct, copy=False)

    def backward(self, gw, gv):
        w, v = _outputs(self)
        vh = v.mH
        if _unused(gv):
            return solve(vh, gw.diag_embed() @ vh)
        # gA = V^-H (diag(gw)^* ... ) V^H for unit-norm eigenvectors
        vhgv = vh @ gv
        norm_term = (vh @ v) * (vhgv.diagonal(0, -2, -1).real.to(v.dtype)).unsqueeze(-2)
        e = w.unsqueeze(-2) - w.unsqueeze(-1)
        n = w.shape[-1]
        eye = _eye(n, w.real).bool()
        e = e.conj().masked_fill(eye, 1)
        inner = ((vhgv - norm_term) / e).masked_fill(eye, 0) + gw.diag_embed()
        ga = solve(vh, inner @ vh)
        return ga


def eig(a):
    return run(LinalgEigBackward0(), a)


class LinalgSvdBackward0(Op):
    n_outputs = 3

    def __init__(self, full_matrices):
        self.full = full_matrices

    def forward(self, a):
        u, s, vh = np.linalg.svd(a, full_matrices=self.full)
        return u, s, vh

    def backward(self, gu, gs, gvh):
        u, s, vh = _outputs(self)
        k = s.shape[-1]
        if self.full:
            u, vh = u.narrow(-1, 0, k), vh.narrow(-2, 0, k)
            gu, gvh = gu.narrow(-1, 0, k), gvh.narrow(-2, 0, k)
        return svd_backward(gu, gs, gvh, u, s, vh)


def svd_backward(gu, gs, gvh, u, s, vh):
    """The gradient of A = U diag(S) Vh (reduced) for distinct non-zero singular values."""
    m, n = u.shape[-2], vh.shape[-1]
    sc = s.to(u.dtype)
    if _unused(gu) and _unused(gvh):     # singular values only: finite for repeated ones
        return (u * gs.to(u.dtype).unsqueeze(-2)) @ vh
    skew_u = u.mH @ gu
    skew_u = skew_u - skew_u.mH
    skew_v = vh @ gvh.mH
    skew_v = skew_v - skew_v.mH
    s2 = s * s
    e = s2.unsqueeze(-2) - s2.unsqueeze(-1)            # e_ij = s_j^2 - s_i^2
    eye = _eye(s.shape[-1], s).bool()
    e = e.masked_fill(eye, 1).to(u.dtype)
    ga = (skew_u * sc.unsqueeze(-2) + sc.unsqueeze(-1) * skew_v) / e
    ga = ga.masked_fill(eye, 0) + gs.to(u.dtype).diag_embed()
    if u.is_complex():
        ga = ga + (skew_u.diagonal(0, -2, -1) / (2 * sc)).diag_embed()
    if m > n:
        gu_sinv = gu / sc.unsqueeze(-2)
        ga = u @ ga + gu_sinv - u @ (u.mH @ gu_sinv)
        return ga @ vh
    if n > m:
        gvh_sinv = gvh / sc.unsqueeze(-1)
        ga = ga @ vh + gvh_sinv - (gvh_sinv @ vh.mH) @ vh
        return u @ ga
    return u @ ga @ vh


def svd(a, full_matrices=True):
    return run(LinalgSvdBackward0(full_matrices), a)


def svdvals(a):
    from ..autograd import grad_mode
    if a.requires_grad and grad_mode.state.enabled:
        return svd(a, False)[1]
    return wrap(np.linalg.svd(a._data, compute_uv=False))


# --- pseudo-inverse, least squares ----------------------------------------------------------------

class LinalgPinvBackward0(Op):
    saved_inputs = (0,)
    saves_output = True

    def __init__(self, atol, rtol, hermitian):
        self.atol, self.rtol, self.hermitian = atol, rtol, hermitian

    def forward(self, a):
        m, n = a.shape[-2:]
        real = np.finfo(a.dtype).dtype
        if a.size == 0:
            return array_module(a).zeros(a.shape[:-2] + (n, m), dtype=a.dtype)
        if self.hermitian:
            w, v = np.linalg.eigh(a)
            tol = _tolerance(np.abs(w).max(-1, keepdims=True), m, n, self.atol, self.rtol, real)
            inv_w = np.where(np.abs(w) > tol, 1 / np.where(w == 0, 1, w), 0).astype(real)
            return (v * inv_w[..., None, :]) @ np.swapaxes(v, -1, -2).conj()
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        tol = _tolerance(s[..., :1], m, n, self.atol, self.rtol, real)
        inv_s = np.where(s > tol, 1 / np.where(s == 0, 1, s), 0).astype(real)
        return (np.swapaxes(vh, -1, -2).conj() * inv_s[..., None, :]) @ \
            np.swapaxes(u, -1, -2).conj()

    def backward(self, g):
        (a,) = self.saved_tensors
        return pinv_backward(g, a, self.saved_output)


def pinv_backward(g, a, p):
    """The gradient of P = pinv(A) (constant rank):
    -P^H G P^H + (I - A P) G^H P P^H + P^H P G^H (I - P A)."""
    ph = p.mH
    ga = -(ph @ g @ ph)
    gh = g.mH
    left = (gh - a @ (p @ gh)) @ (p @ ph)         # (I - A P) G^H P P^H
    right = (ph @ p) @ (gh - (gh @ p) @ a)        # P^H P G^H (I - P A)
    return ga + left + right


def pinv(a, atol=None, rtol=None, hermitian=False):
    return run(LinalgPinvBackward0(atol, rtol, hermitian), a)


class LinalgLstsqBackward0(Op):
    """The solution of min ||A X - B||; its gradient is that of X = pinv(A) B."""
    saved_inputs = (0, 1)

    def __init__(self, rcond, vector):
        self.rcond, self.vector = rcond, vector

    def forward(self, a, b):
        bm = b[..., None] if self.vector else b
        batch = np.broadcast_shapes(a.shape[:-2], bm.shape[:-2])
        a = np.broadcast_to(a, batch + a.shape[-2:]).reshape((-1,) + a.shape[-2:])
        bm = np.broadcast_to(bm, batch + bm.shape[-2:]).reshape((-1,) + bm.shape[-2:])
        m, n = a.shape[-2:]
        k = bm.shape[-1]
        xp = array_module(a)
        x = xp.zeros((a.shape[0], n, k), dtype=np.result_type(a, bm))
        self.ranks = xp.zeros(a.shape[0], dtype=np.int64)
        self.svals = xp.zeros((a.shape[0], min(m, n)), dtype=np.finfo(a.dtype).dtype)
        self.resid = xp.zeros((a.shape[0], k), dtype=self.svals.dtype)
        for i in range(a.shape[0]):
            if m == 0 or n == 0:
                continue
            xi, res, rank, sv = np.linalg.lstsq(a[i], bm[i], rcond=self.rcond)
            x[i], self.ranks[i], self.svals[i] = xi, rank, sv
            if res.size:
                self.resid[i] = res
        self.batch = batch
        x = x.reshape(batch + (n, k))
        return x[..., 0] if self.vector else x

    def backward(self, g):
        a, b = self.saved_tensors
        p = pinv(a, rtol=self.rcond)
        if self.vector:
            g, b = g.unsqueeze(-1), b.unsqueeze(-1)
        gb = p.mH @ g
        ga = pinv_backward(g @ b.mH, a, p)
        return ga, (gb[..., 0] if self.vector else gb)


# --- matrix exponential -------------------------------------------------------------------------

class LinalgMatrixExpBackward0(Op):
    saved_inputs = (0,)

    def forward(self, a):
        return expm(a)

    def backward(self, g):
        # exp([[A^H, G], [0, A^H]]) holds the gradient in its upper-right block
        (a,) = self.saved_tensors
        from .shape import cat
        n = a.shape[-1]
        ah = a.mH
        g = g.to(a.dtype)
        big = cat([cat([ah, g], -1), cat([a.new_zeros(a.shape), ah], -1)], -2)
        return matrix_exp_op(big)[..., :n, n:]


def matrix_exp_op(a):
    return run(LinalgMatrixExpBackward0(), a)


# --- norms ----------------------------------------------------------------------------------------

def _keep(t, shape, dims, keepdim):
    if keepdim or not dims:
        return t
    s = list(shape)
    for d in dims:
        s[d] = 1
    return t.reshape(s)


class LinalgVectorNormBackward0(Op):
    saved_inputs = (0,)
    saves_output = True

    def __init__(self, ord, dims, keepdim):
        self.ord, self.dims, self.keepdim = ord, dims, keepdim

    def forward(self, x):
        p, ax, kd = self.ord, self.dims, self.keepdim
        if p == 2 and x.dtype.kind == "f" and len(ax) == x.ndim and x.size:
            flat = x.reshape(-1)            # the common full 2-norm: one BLAS dot
            r = np.sqrt(np.dot(flat, flat))
            return as_0d(r).astype(x.dtype, copy=False).reshape((1,) * x.ndim if kd else ())
        a = np.abs(x)
        if a.size == 0 and p in (math.inf, -math.inf):
            raise RuntimeError("linalg.vector_norm cannot compute the %s norm on an empty tensor "
                               "because the operation does not have an identity"
                               % ("inf" if p > 0 else "-inf"))
        with np.errstate(all="ignore"):
            if p == 2:
                r = np.sqrt(np.sum(a * a, axis=ax, keepdims=kd))
            elif p == 1:
                r = np.sum(a, axis=ax, keepdims=kd)
            elif p == math.inf:
                r = np.max(a, axis=ax, keepdims=kd)
            elif p == -math.inf:
                r = np.min(a, axis=ax, keepdims=kd)
            elif p == 0:
                r = np.sum(a != 0, axis=ax, keepdims=kd).astype(a.dtype)
            else:
                r = np.power(np.sum(np.power(a, p), axis=ax, keepdims=kd), 1.0 / p)
        return as_0d(r).astype(a.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        norm = _keep(self.saved_output, x.shape, self.dims, self.keepdim)
        g = _keep(g, x.shape, self.dims, self.keepdim)
        p = self.ord
        if p == 0:
            return None
        if p == 1:
            return g * x.sgn()
        if p in (math.inf, -math.inf):
            mask = wrap(np.abs(x._data) == norm._data).to(g.dtype)
            count = mask.sum(self.dims, keepdim=True)
            return (g / count * mask) * x.sgn()
        zero = norm == 0
        if p == 2:
            return x * (g / norm.masked_fill(zero, 1)).masked_fill(zero, 0)
        ax = _abs(x)
        scaled = x * ax.pow(p - 2)
        scaled = scaled.masked_fill(x == 0, 0)
        return scaled * (g / norm.masked_fill(zero, 1).pow(p - 1)).masked_fill(zero, 0)


def _abs(x):
    """|x| as a real tensor (complex inputs too)."""
    if x.is_complex():
        return (x.real * x.real + x.imag * x.imag).sqrt()
    return x.abs()


def vector_norm(x, ord, dims, keepdim):
    return run(LinalgVectorNormBackward0(ord, dims, keepdim), x)


# --- the legacy torch.* / Tensor functions --------------------------------------------------------

_SLOGDET = return_type("slogdet", ["sign", "logabsdet"])
_QR = return_type("qr", ["Q", "R"])
_SVD = return_type("svd", ["U", "S", "V"])
_TRISOLVE = return_type("triangular_solve", ["solution", "cloned_coefficient"])
_LU_UNPACK = return_type("lu_unpack", ["P", "L", "U"])


def _linalg():
    from .. import linalg
    return linalg


def inverse(input, *, out=None):
    """``torch.inverse``: ``torch.linalg.inv``."""
    return _linalg().inv(input, out=out)


def tensor_det(input):
    """``torch.det``: ``torch.linalg.det``."""
    return _linalg().det(input)


def logdet(input):
    """``torch.logdet``: log(det(A)); nan for a negative determinant (real inputs)."""
    _linalg()._check_matrix(input, "logdet")
    sign, logabs = _linalg().slogdet(input)
    if input.is_complex():
        return logabs.to(input.dtype) + sign.log()
    return logabs.where(sign != -1, float("nan"))


def tensor_slogdet(input):
    """``torch.slogdet``: (sign, logabsdet) of ``torch.linalg.slogdet``."""
    return _SLOGDET(*_linalg().slogdet(input))


def pinverse(input, rcond=1e-15):
    """``torch.pinverse``: the pseudo-inverse with singular values below rcond * max cut."""
    return _linalg().pinv(input, rtol=rcond)


def matrix_power(input, n):
    return _linalg().matrix_power(input, n)


def matrix_exp(input):
    return _linalg().matrix_exp(input)


def cholesky_legacy(input, upper=False, *, out=None):
    """``torch.cholesky`` (deprecated): the lower (or upper) Cholesky factor."""
    warnings.warn(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a "
        "future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = "
        "torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be replaced "
        "with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce equivalent results "
        "for all valid (symmetric positive definite) inputs.", UserWarning, stacklevel=2)
    _linalg()._check_matrix(input, "cholesky", int_kernel="cholesky_cpu", low="cholesky_cpu")
    return _linalg()._out(run(CholeskyBackward0(upper, "cholesky"), input), out)


class CholeskyBackward0(LinalgCholeskyExBackward0):
    """The node of the legacy ``torch.cholesky``."""


def cholesky_solve(input, input2, upper=False, *, out=None):
    """``torch.cholesky_solve(B, L)``: solves A X = B given the Cholesky factor of A."""
    low = input2.mH if upper else input2
    y = solve_triangular(low, input, upper=False)
    return _linalg()._out(solve_triangular(low.mH, y, upper=True), out)


def cholesky_inverse(input, upper=False, *, out=None):
    """``torch.cholesky_inverse(L)``: inv(L L^H) (or inv(U^H U) with upper=True)."""
    _linalg()._check_float(input, "cholesky_inverse", "cholesky_inverse_out_cpu",
                           "cholesky_inverse_out_cpu")
    n = input.shape[-1]
    eye = _eye(n, input).expand(input.shape)
    return _linalg()._out(cholesky_solve(eye, input, upper), out)


def qr_legacy(input, some=True, *, out=None):
    """``torch.qr`` (deprecated): reduced (some=True) or complete QR."""
    warnings.warn(
        "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future "
        "PyTorch release.\nThe boolean parameter 'some' has been replaced with a string parameter "
        "'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, "
        "'reduced' if some else 'complete')", UserWarning, stacklevel=2)
    q, r = _linalg().qr(input, "reduced" if some else "complete")
    return _QR(q, r)


def svd_legacy(input, some=True, compute_uv=True, *, out=None):
    """``torch.svd``: U, S, V (not Vh); with compute_uv=False U and V are zero-filled."""
    lin = _linalg()
    if not compute_uv:
        m, n = input.shape[-2:]
        s = lin.svdvals(input)
        u = input.new_zeros(input.shape[:-2] + (m, m))
        v = input.new_zeros(input.shape[:-2] + (n, n))
        return _SVD(u, s, v)
    u, s, vh = lin.svd(input, full_matrices=not some)
    return _SVD(u, s, vh.mH)


def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """``torch.triangular_solve(b, A)`` (deprecated): solves A X = b (or A^T X = b)."""
    warnings.warn(
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular and will "
        "be removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments "
        "reversed and does not return a copy of one of the inputs.\nX = torch.triangular_solve(B,"
        " A).solution\nshould be replaced with\nX = torch.linalg.solve_triangular(A, B).",
        UserWarning, stacklevel=2)
    a = A.mT if transpose else A
    x = run(TriangularSolveBackward0(upper != transpose, True, unitriangular), a, input)
    return _TRISOLVE(x, A.clone())


class TriangularSolveBackward0(LinalgSolveTriangularBackward0):
    """The node of the legacy ``torch.triangular_solve``."""


def lu(A, pivot=True, get_infos=False, out=None):
    """``torch.lu`` / ``Tensor.lu``: (LU, pivots[, infos]) of the partial-pivoting LU."""
    warnings.warn(
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex "
        "and will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, "
        "compute_pivots)\nshould be replaced with\nLU, pivots = torch.linalg.lu_factor(A, "
        "compute_pivots)\nand\nLU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\n"
        "should be replaced with\nLU, pivots, info = torch.linalg.lu_factor_ex(A, "
        "compute_pivots)", UserWarning, stacklevel=2)
    lin = _linalg()
    lu_, piv, info = lin.lu_factor_ex(A, pivot=pivot)
    return (lu_, piv, info) if get_infos else (lu_, piv)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """P, L, U from the packed LU factors and pivots."""
    return _LU_UNPACK(*_linalg()._lu_unpack(LU_data, LU_pivots, unpack_data, unpack_pivots))


def lu_solve(b, LU_data, LU_pivots, *, out=None):
    """``torch.lu_solve(b, LU, pivots)``: solves A X = b from A's LU factors."""
    warnings.warn(
        "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a "
        "future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\n"
        "X = torch.lu_solve(B, LU, pivots)\nshould be replaced with\nX = "
        "torch.linalg.lu_solve(LU, pivots, B)", UserWarning, stacklevel=2)
    return _linalg().lu_solve(LU_data, LU_pivots, b, out=out)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm`` / ``Tensor.norm``: the legacy norm (Frobenius / vector p-norms)."""
    return _linalg()._legacy_norm(input, p, dim, keepdim, out, dtype)


def tensor_norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    """``Tensor.norm``: as ``torch.norm`` (dtype is its fourth argument here)."""
    return _linalg()._legacy_norm(self, p, dim, keepdim, None, dtype)


def chain_matmul(*matrices, out=None):
    """``torch.chain_matmul`` (deprecated): ``torch.linalg.multi_dot``."""
    return _linalg().multi_dot(list(matrices), out=out)


def nuclear_norm(input, dim=None, keepdim=False, *, out=None):
    """``torch.nuclear_norm``: the sum of the singular values (over the last two dims or
    `dim`)."""
    return _linalg().matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, out=out)


def orgqr(input, tau):
    """``torch.orgqr``: ``torch.linalg.householder_product``."""
    return _linalg().householder_product(input, tau)


METHODS = {
    "inverse": inverse, "det": tensor_det, "logdet": logdet, "slogdet": tensor_slogdet,
    "pinverse": pinverse, "matrix_power": matrix_power, "matrix_exp": matrix_exp,
    "cholesky": cholesky_legacy, "cholesky_solve": cholesky_solve,
    "cholesky_inverse": cholesky_inverse, "qr": qr_legacy, "svd": svd_legacy, "lu": lu,
    "lu_solve": lu_solve, "triangular_solve": triangular_solve, "norm": tensor_norm,
    "orgqr": orgqr,
}
INPLACE = []       # no in-place linear algebra methods
FUNCTIONS = dict(METHODS, norm=norm, lu_unpack=lu_unpack, chain_matmul=chain_matmul,
                 nuclear_norm=nuclear_norm)
INPLACE = []
