"""``torch.fft``: discrete Fourier transforms over one or more dims, on NumPy's pocketfft.

Three ops do all the work, as in PyTorch: complex-to-complex (`FftC2CBackward0`),
real-to-complex (`FftR2CBackward0`, optionally one-sided) and complex-to-real
(`FftC2RBackward0`). Their backwards are transforms too: the adjoint of a transform is
the transform in the other direction with the other normalization ('backward' <->
'forward'; 'ortho' is its own adjoint). ``n``/``s`` pad with zeros or trim first.
Float32 input gives complex64 (NumPy 2 keeps single precision), float64 complex128.
"""
import numpy as np

from . import _dtype as D
from .ops._op import Op, norm_dim, run

_SWAP = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in _SWAP:
        raise RuntimeError('Invalid normalization mode: "%s"' % norm)
    return norm


class FftC2CBackward0(Op):
    def __init__(self, dims, norm, forward):
        self.dims, self.norm, self.forward_ = dims, norm, forward

    def forward(self, a):
        f = np.fft.fftn if self.forward_ else np.fft.ifftn
        return f(a, axes=self.dims, norm=self.norm) if self.dims else a.copy()

    def backward(self, g):
        return _c2c(g, self.dims, _SWAP[self.norm], not self.forward_)


class FftR2CBackward0(Op):
    def __init__(self, dims, norm, onesided):
        self.dims, self.norm, self.onesided = dims, norm, onesided

    def forward(self, a):
        self.n_last = a.shape[self.dims[-1]]
        if self.onesided:
            return np.fft.rfftn(a, axes=self.dims, norm=self.norm)
        return np.fft.fftn(a, axes=self.dims, norm=self.norm)

    def backward(self, g):
        if self.onesided:       # the dropped half of the spectrum has zero gradient
            g = _resize(g, self.dims[-1], self.n_last)
        return _c2c(g, self.dims, _SWAP[self.norm], False).real


class FftC2RBackward0(Op):
    def __init__(self, dims, norm, last_size):
        self.dims, self.norm, self.last_size = dims, norm, last_size

    def forward(self, a):
        s = [a.shape[d] for d in self.dims[:-1]] + [self.last_size]
        return np.fft.irfftn(a, s=s, axes=self.dims, norm=self.norm)

    def backward(self, g):
        gi = run(FftR2CBackward0(self.dims, _SWAP[self.norm], True), g)
        d = self.dims[-1]
        half = gi.shape[d]
        doubled = self.last_size - half     # entries that stand for two conjugate bins
        if doubled > 0:
            from .ops.shape import cat
            parts = [gi.narrow(d, 0, 1), gi.narrow(d, 1, doubled) * 2]
            if 1 + doubled < half:
                parts.append(gi.narrow(d, 1 + doubled, half - 1 - doubled))
            gi = cat(parts, d)
        return gi


def _c2c(x, dims, norm, forward):
    return run(FftC2CBackward0(dims, norm, forward), x)


# --- argument handling ----------------------------------------------------------------------------

def _resize(x, dim, n):
    """Zero-pads or trims `x` at the end of `dim` to length n (differentiable)."""
    have = x.shape[dim]
    if n == have:
        return x
    if n < have:
        return x.narrow(dim, 0, n)
    from .ops.shape import cat
    shape = list(x.shape)
    shape[dim] = n - have
    return cat([x, x.new_zeros(shape)], dim)


def _float_input(x):
    """Real inputs as floating tensors: integers and bools become the default dtype."""
    dt = x._dtype
    if dt is D.float16 or dt is D.bfloat16:
        raise RuntimeError("Unsupported dtype %s" % dt._legacy[:-6])
    if not (dt.is_floating_point or dt.is_complex):
        return x.to(D.get_default_dtype())
    return x


def _complex_input(x):
    x = _float_input(x)
    return x if x._dtype.is_complex else x.to(x._dtype.to_complex())


def _dims_1d(x, n, dim):
    if x._data.ndim == 0:
        raise IndexError("Dimension specified as %d but tensor has no dimensions" % dim)
    d = norm_dim(dim, x._data.ndim)
    if n is not None and n < 1:
        raise RuntimeError("Invalid number of data points (%d) specified" % n)
    return d


def _dims_nd(x, s, dim):
    """The transform dims and output sizes from (s, dim) as PyTorch resolves them."""
    nd = x._data.ndim
    if dim is not None:
        dims = [dim] if isinstance(dim, int) else list(dim)
        dims = [norm_dim(d, nd) for d in dims]
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > nd:
            raise RuntimeError("Got shape with %d values but input tensor only has %d "
                               "dimensions." % (len(s), nd))
        dims = list(range(nd - len(s), nd))
    else:
        dims = list(range(nd))
    sizes = [x.shape[d] for d in dims] if s is None else \
        [x.shape[d] if n == -1 else int(n) for d, n in zip(dims, s)]
    for n in sizes:
        if n < 1:
            raise RuntimeError("Invalid number of data points (%d) specified" % n)
    return dims, sizes


def _out(r, out):
    if out is None:
        return r
    from .ops._out import write_out
    return write_out(out, r)


# --- complex-to-complex ---------------------------------------------------------------------------

def _fftn(x, dims, sizes, norm, forward):
    x = _float_input(x)
    for d, n in zip(dims, sizes):
        x = _resize(x, d, n)
    if x._dtype.is_complex:
        return _c2c(x, tuple(dims), norm, forward)
    if forward:
        return run(FftR2CBackward0(tuple(dims), norm, False), x)
    # ifft of a real signal is the conjugate of its forward transform, other normalization
    return run(FftR2CBackward0(tuple(dims), _SWAP[norm], False), x).conj()


def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """The one-dimensional discrete Fourier transform along `dim`."""
    d = _dims_1d(input, n, dim)
    return _out(_fftn(input, [d], [input.shape[d] if n is None else n], _norm(norm), True), out)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """The one-dimensional inverse discrete Fourier transform along `dim`."""
    d = _dims_1d(input, n, dim)
    return _out(_fftn(input, [d], [input.shape[d] if n is None else n], _norm(norm), False), out)


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """The N-dimensional discrete Fourier transform over `dim` (all dims by default)."""
    dims, sizes = _dims_nd(input, s, dim)
    return _out(_fftn(input, dims, sizes, _norm(norm), True), out)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    """The N-dimensional inverse discrete Fourier transform."""
    dims, sizes = _dims_nd(input, s, dim)
    return _out(_fftn(input, dims, sizes, _norm(norm), False), out)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The 2-dimensional discrete Fourier transform."""
    return fftn(input, s, dim, norm, out=out)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The 2-dimensional inverse discrete Fourier transform."""
    return ifftn(input, s, dim, norm, out=out)


# --- real-to-complex and complex-to-real ----------------------------------------------------------

def _rfftn(x, dims, sizes, norm):
    if x._dtype.is_complex:
        raise RuntimeError("rfft expects a real input tensor, but got %s" % x._dtype._legacy[:-6])
    x = _float_input(x)
    for d, n in zip(dims, sizes):
        x = _resize(x, d, n)
    return run(FftR2CBackward0(tuple(dims), norm, True), x)


def _irfftn(x, dims, sizes, last, norm):
    """`sizes` for all but the last dim; `last` the real output length of the last dim."""
    x = _complex_input(x)
    for d, n in zip(dims[:-1], sizes):
        x = _resize(x, d, n)
    x = _resize(x, dims[-1], last // 2 + 1)
    return run(FftC2RBackward0(tuple(dims), norm, last), x)


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The FFT of a real signal: the n // 2 + 1 non-negative frequencies."""
    d = _dims_1d(input, n, dim)
    return _out(_rfftn(input, [d], [input.shape[d] if n is None else n], _norm(norm)), out)


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of rfft: a real signal of length n (default 2 * (m - 1))."""
    d = _dims_1d(input, n, dim)
    last = 2 * (input.shape[d] - 1) if n is None else n
    if last < 1:
        raise RuntimeError("Invalid number of data points (%d) specified" % last)
    return _out(_irfftn(input, [d], [], last, _norm(norm)), out)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The N-dimensional FFT of a real signal (the last dim halved)."""
    dims, sizes = _dims_nd(input, s, dim)
    return _out(_rfftn(input, dims, sizes, _norm(norm)), out)


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The inverse of rfftn."""
    dims, sizes = _dims_nd(input, s, dim)
    last = 2 * (input.shape[dims[-1]] - 1) if s is None else sizes[-1]
    if last < 1:
        raise RuntimeError("Invalid number of data points (%d) specified" % last)
    return _out(_irfftn(input, dims, sizes[:-1], last, _norm(norm)), out)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The 2-dimensional FFT of a real signal."""
    return rfftn(input, s, dim, norm, out=out)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The inverse of rfft2."""
    return irfftn(input, s, dim, norm, out=out)


# --- Hermitian input / output ---------------------------------------------------------------------

def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The FFT of a Hermitian-symmetric signal given by its first half: a real result."""
    return _out(irfft(_complex_input(input).conj(), n, dim, _SWAP[_norm(norm)]), out)


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of hfft: the first half of the (Hermitian) inverse FFT of a real signal."""
    return _out(rfft(input, n, dim, _SWAP[_norm(norm)]).conj(), out)


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The N-dimensional FFT of a Hermitian-symmetric signal (real result)."""
    return _out(irfftn(_complex_input(input).conj(), s, dim, _SWAP[_norm(norm)]), out)


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The inverse of hfftn."""
    return _out(rfftn(input, s, dim, _SWAP[_norm(norm)]).conj(), out)


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return hfftn(input, s, dim, norm, out=out)


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return ihfftn(input, s, dim, norm, out=out)


# --- frequencies and shifts -----------------------------------------------------------------------

def _factory(values, dtype, requires_grad):
    from ._creation import _finish, _make
    dt = D.get_default_dtype() if dtype is None else D.to_dtype(dtype)
    return _finish(_make(values.astype(dt.np), dt), requires_grad)


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of fft: [0, 1, ..., -2, -1] / (d * n)."""
    from ._creation import _xp
    xp = _xp(device)
    k = xp.concatenate([xp.arange(0, (n - 1) // 2 + 1), xp.arange(-(n // 2), 0)])
    return _out(_factory(k / (d * n), dtype, requires_grad), out)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of rfft: [0, 1, ..., n // 2] / (d * n)."""
    from ._creation import _xp
    return _out(_factory(_xp(device).arange(0, n // 2 + 1) / (d * n), dtype, requires_grad), out)


def _shift(x, dim, sign):
    if dim is None:
        dims = tuple(range(x.dim()))
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        return x.clone()
    shifts = tuple(sign * (x.shape[d] // 2) for d in dims)
    return x.roll(shifts, dims)


def fftshift(input, dim=None):
    """Moves the zero frequency to the centre (a roll by n // 2)."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """The inverse of fftshift."""
    return _shift(input, dim, -1)

