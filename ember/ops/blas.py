"""Matrix products: matmul and its named forms (mm, bmm, mv, dot, outer, addmm, ...)."""
import numpy as np

from .._device import array_module
from ._op import Op, promote, run


def _name(a, b):
    if a.ndim == 2 and b.ndim == 2:
        return "MmBackward0"
    if a.ndim == 1 and b.ndim == 1:
        return "DotBackward0"
    if a.ndim == 2 and b.ndim == 1:
        return "MvBackward0"
    return "UnsafeViewBackward0"


class MatmulBackward(Op):
    saved_inputs = (0, 1)

    def forward(self, a, b):
        self.node = _name(a, b)
        if a.ndim == 2 and b.ndim == 2 and a.shape[0] == 1 and b.shape[1] == 1:
            return _row_times_column(a, b)
        return np.matmul(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        if a.dim() == 1 and b.dim() == 1:
            return g * b, g * a
        if a.dim() == 1:       # (k) @ (..., k, n)
            ga = (g.unsqueeze(-2) @ b.mT).squeeze(-2)
            gb = a.unsqueeze(-1) * g.unsqueeze(-2)
            return ga, gb
        if b.dim() == 1:       # (..., m, k) @ (k)
            ga = g.unsqueeze(-1) * b
            gb = (a.mT @ g.unsqueeze(-1)).squeeze(-1)
            return ga, gb
        if b.dim() == 2 and a.dim() > 2:   # (..., m, k) @ (k, n): fold the batch into m
            k, n = b.shape
            return g @ b.mT.conj(), a.reshape(-1, k).mT.conj() @ g.reshape(-1, n)
        return g @ b.mT.conj(), a.mT.conj() @ g

    def name(self):
        return self.node


def _row_times_column(a, b):
    """(1, k) @ (k, 1). PyTorch's CPU kernels add the k products in order when `b` is laid out
    by rows (not a transposed view); NumPy's BLAS adds them in SIMD lanes, which differs in
    the last bits. A running sum gives PyTorch's bits (the seeds' linear regression prints
    them after 500 steps)."""
    k = a.shape[1]
    if k < 3 or a.dtype.kind != "f" or a.itemsize < 4 or b.strides[1] != b.itemsize:
        return np.matmul(a, b)
    products = a[0] * b[:, 0]
    return array_module(products).cumsum(products)[-1:].reshape(1, 1)


def matmul(a, b, *, out=None):
    if a._data.ndim == 0 or b._data.ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are %dD and "
                           "%dD" % (a._data.ndim, b._data.ndim))
    if a._dtype.name == "bool":
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    if a._dtype is not b._dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: %s != %s"
                           % (_ctype(a._dtype), _ctype(b._dtype)))
    ka = a._data.shape[-1]
    kb = b._data.shape[-2] if b._data.ndim > 1 else b._data.shape[0]
    if ka != kb:
        if a._data.ndim == 1 and b._data.ndim == 1:
            raise RuntimeError("inconsistent tensor size, expected tensor [%d] and src [%d] to have "
                               "the same number of elements, but got %d and %d elements "
                               "respectively" % (ka, kb, ka, kb))
        if a._data.ndim == 2 and b._data.ndim == 1:
            raise RuntimeError("size mismatch, got input (%d), mat (%dx%d), vec (%d)"
                               % (a._data.shape[0], a._data.shape[0], ka, kb))
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (%s and %s)"
                           % ("x".join(map(str, _as2d(a._data.shape))),
                              "x".join(map(str, _as2d(b._data.shape, True)))))
    r = run(MatmulBackward(), a, b)
    if out is not None:
        from ._out import write_out
        return write_out(out, r)
    return r


def _as2d(shape, right=False):
    if len(shape) == 1:
        return (shape[0], 1) if right else (1, shape[0])
    return (int(np.prod(shape[:-1])), shape[-1])


def _ctype(dt):
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "float16": "c10::Half", "bfloat16": "c10::BFloat16", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}[dt.name]


def mm(a, b, *, out=None):
    if a.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if b.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(a, b, out=out)


def bmm(a, b, *, out=None):
    if a.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError("batch1 and batch2 must have same number of batches, got %d and %d"
                           % (a.shape[0], b.shape[0]))
    r = matmul(a, b, out=out)
    if r.grad_fn is not None:
        r.grad_fn.node = "BmmBackward0"
    return r


def mv(a, v):
    if a.dim() != 2 or v.dim() != 1:
        raise RuntimeError("vector + matrix @ vector expected, got %d, %d, %d"
                           % (1, a.dim(), v.dim()))
    return matmul(a, v)


def dot(a, b):
    if a.dim() != 1 or b.dim() != 1:
        raise RuntimeError("1D tensors expected, but got %dD and %dD tensors" % (a.dim(), b.dim()))
    if a._dtype is not b._dtype:
        raise RuntimeError("dot : expected both vectors to have same dtype, but found %s and %s"
                           % (a._dtype._legacy[:-6], b._dtype._legacy[:-6]))
    return matmul(a, b)


def vdot(a, b):
    return dot(a.conj(), b)


inner_dot = dot


def outer(a, b):
    a, b = promote(a, b)
    return a.reshape(-1, 1) * b.reshape(1, -1)


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    return _scaled(input, mm(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    return _scaled(input, mv(mat, vec), beta, alpha)


def addbmm(input, b1, b2, *, beta=1, alpha=1):
    return _scaled(input, bmm(b1, b2).sum(0), beta, alpha)


def baddbmm(input, b1, b2, *, beta=1, alpha=1):
    return _scaled(input, bmm(b1, b2), beta, alpha)


def addr(input, v1, v2, *, beta=1, alpha=1):
    return _scaled(input, outer(v1, v2), beta, alpha)


def _scaled(input, prod, beta, alpha):
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:  # PyTorch ignores `input` entirely (even its nan/inf)
        return prod.expand(np.broadcast_shapes(input.shape, prod.shape)).clone()
    return (input * beta if beta != 1 else input) + prod


def inner(a, b):
    if a.dim() == 0 or b.dim() == 0:
        return a * b
    return matmul(a, b.mT if b.dim() > 1 else b) if b.dim() <= 2 else \
        tensordot(a, b, dims=([-1], [-1]))


def tensordot(a, b, dims=2):
    if isinstance(dims, int):
        da = list(range(a.dim() - dims, a.dim()))
        db = list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    da = [d % a.dim() for d in da]
    db = [d % b.dim() for d in db]
    fa = [d for d in range(a.dim()) if d not in da]
    fb = [d for d in range(b.dim()) if d not in db]
    k = int(np.prod([a.shape[d] for d in da]))
    am = a.permute(fa + da).reshape(-1, k)
    bm = b.permute(db + fb).reshape(k, -1)
    return (am @ bm).reshape([a.shape[d] for d in fa] + [b.shape[d] for d in fb])


def einsum(equation, *operands):
    """Einstein summation, differentiable: built from permute, multiply-broadcast and sum."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs = eq
        letters = [c for c in lhs.replace(",", "").replace(".", "")]
        rhs = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if len(operands) > len(terms) else
                           "einsum(): fewer operands were provided than specified in the equation")
    # expand ellipses into fresh letters
    free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in eq]
    ell_n = max((op.dim() - len(t.replace("...", "")) for t, op in zip(terms, operands)
                 if "..." in t), default=0)
    ell = "".join(free[:ell_n])
    terms = [t.replace("...", ell[ell_n - (op.dim() - len(t.replace("...", ""))):])
             for t, op in zip(terms, operands)]
    rhs = rhs.replace("...", ell)
    all_letters = []
    for t in terms:
        for c in t:
            if c not in all_letters:
                all_letters.append(c)
    order = list(rhs) + [c for c in all_letters if c not in rhs]
    sizes = {}
    aligned = []
    for t, op in zip(terms, operands):
        if len(t) != op.dim():
            raise RuntimeError("einsum(): the number of subscripts in the equation (%d) does not "
                               "match the number of dimensions (%d) for operand 0 and no ellipsis "
                               "was given" % (len(t), op.dim()))
        x = op
        # repeated letters within one term take the diagonal
        while len(set(t)) != len(t):
            for c in t:
                if t.count(c) > 1:
                    i = t.index(c)
                    j = t.index(c, i + 1)
                    x = x.diagonal(0, i, j)
                    t = t[:i] + t[i + 1:j] + t[j + 1:] + c
                    break
        for c, n in zip(t, x.shape):
            if sizes.get(c, 1) != 1 and n != 1 and sizes[c] != n:
                raise RuntimeError("einsum(): operands do not broadcast with remapped shapes "
                                   "(original->remapped)")
            sizes[c] = max(sizes.get(c, 1), n)
        perm = [t.index(c) for c in order if c in t]
        x = x.permute(perm) if perm else x
        shape = [x.shape[[c for c in order if c in t].index(c)] if c in t else 1 for c in order]
        aligned.append(x.reshape(shape))
    result = aligned[0]
    for x in aligned[1:]:
        result = result * x
    extra = tuple(range(len(rhs), len(order)))
    if extra:
        result = result.sum(extra)
    return result

