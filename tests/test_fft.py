"""ember.fft against torch.fft: values, dtypes, shapes, errors and gradients for every transform."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.fft as EF  # noqa: E402
from ember.autograd import gradcheck, gradgradcheck  # noqa: E402

REAL_ONLY = {"rfft", "ihfft", "rfft2", "rfftn", "ihfftn", "ihfft2"}

CASES = [
    ("fft", {}), ("fft", dict(n=8, dim=1, norm="ortho")), ("fft", dict(n=4, norm="forward")),
    ("ifft", {}), ("ifft", dict(n=7, dim=0, norm="ortho")), ("ifft", dict(norm="forward")),
    ("rfft", {}), ("rfft", dict(n=9, dim=1, norm="forward")), ("rfft", dict(n=4, norm="ortho")),
    ("irfft", {}), ("irfft", dict(n=7, norm="ortho")), ("irfft", dict(n=8, dim=1)),
    ("irfft", dict(n=2, norm="forward")),
    ("hfft", {}), ("hfft", dict(n=5, norm="ortho")), ("hfft", dict(n=10, norm="forward")),
    ("ihfft", {}), ("ihfft", dict(n=7, norm="forward")),
    ("fft2", {}), ("fft2", dict(norm="ortho")), ("ifft2", dict(s=(4, 7))), ("rfft2", {}),
    ("irfft2", {}), ("irfft2", dict(s=(5, 9), norm="ortho")),
    ("fftn", {}), ("fftn", dict(s=(4, 7))), ("fftn", dict(dim=(0, 2), norm="ortho")),
    ("ifftn", dict(s=(2, 3, 4))), ("ifftn", dict(dim=1)),
    ("rfftn", {}), ("rfftn", dict(dim=(1, 0))), ("rfftn", dict(s=(3, 8), norm="forward")),
    ("irfftn", {}), ("irfftn", dict(s=(3, 4), dim=(2, 0))),
    ("hfftn", {}), ("hfftn", dict(s=(2, 6))), ("ihfftn", {}), ("hfft2", {}), ("ihfft2", {}),
]


def _inputs(name, real_dtype):
    r = np.random.default_rng(0)
    xr = r.normal(size=(3, 6, 5)).astype(real_dtype)
    out = [xr, np.ascontiguousarray(xr.transpose(2, 1, 0)).transpose(2, 1, 0)]
    if name not in REAL_ONLY:
        cdt = np.complex64 if real_dtype == np.float32 else np.complex128
        out.append((xr + 1j * r.normal(size=xr.shape)).astype(cdt))
    return out


def _np(t):
    return t.detach().resolve_conj().numpy() if isinstance(t, torch.Tensor) else t.detach().numpy()


@pytest.mark.parametrize("case", CASES, ids=["%s%s" % (c[0], c[1]) for c in CASES])
@pytest.mark.parametrize("real_dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_transform(case, real_dtype):
    name, kw = case
    tol = 1e-10 if real_dtype == np.float64 else 1e-4
    for a in _inputs(name, real_dtype):
        ea = ember.tensor(a, requires_grad=True)
        ta = torch.tensor(a, requires_grad=True)
        if a.strides != np.ascontiguousarray(a).strides:     # keep the non-contiguous layout
            ea = ember.tensor(np.ascontiguousarray(a.transpose(2, 1, 0))).permute(2, 1, 0)
            ea.requires_grad_()
        re, rt = getattr(EF, name)(ea, **kw), getattr(torch.fft, name)(ta, **kw)
        assert str(re.dtype) == str(rt.dtype) and tuple(re.shape) == tuple(rt.shape)
        np.testing.assert_allclose(_np(re), _np(rt), rtol=tol, atol=tol)
        r = np.random.default_rng(1)
        w = r.normal(size=tuple(rt.shape))
        if rt.is_complex():
            w = w + 1j * r.normal(size=w.shape)
        we, wt = ember.tensor(w).to(re.dtype), torch.tensor(w).to(rt.dtype)
        le = (re * we).real.sum() if rt.is_complex() else (re * we).sum()
        lt = (rt * wt).real.sum() if rt.is_complex() else (rt * wt).sum()
        (ge,) = ember.autograd.grad(le, [ea])
        (gt,) = torch.autograd.grad(lt, [ta])
        np.testing.assert_allclose(_np(ge), _np(gt), rtol=tol, atol=tol * 10)


def test_grad_fn_names():
    x = ember.randn(4, 6, requires_grad=True)
    assert EF.fft(x).grad_fn.name() == "FftR2CBackward0"
    assert EF.rfft(x).grad_fn.name() == "FftR2CBackward0"
    assert EF.ifft(x).grad_fn.name() == "ConjBackward0"
    assert EF.irfft(EF.rfft(x)).grad_fn.name() == "FftC2RBackward0"
    assert EF.fft(EF.fft(x)).grad_fn.name() == "FftC2CBackward0"


@pytest.mark.parametrize("fn", [
    lambda t: EF.rfft(t).real, lambda t: EF.irfft(EF.rfft(t) * 1.5, n=5),
    lambda t: EF.fft(t, n=6, norm="ortho").imag, lambda t: EF.hfft(t),
    lambda t: EF.ihfft(t).imag, lambda t: EF.fftn(t.reshape(2, 3), s=(3, 4)).real,
    lambda t: EF.irfft2(EF.rfft2(t.reshape(2, 3)), s=(2, 3)),
])
def test_gradcheck(fn):
    x = ember.tensor(np.random.default_rng(2).normal(size=(6,)), requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_integer_and_bool_inputs():
    for a in [np.arange(6), np.array([True, False, True])]:
        re, rt = EF.fft(ember.tensor(a)), torch.fft.fft(torch.tensor(a))
        assert str(re.dtype) == str(rt.dtype)
        np.testing.assert_allclose(_np(re), _np(rt), rtol=1e-6)
        re, rt = EF.rfft(ember.tensor(a)), torch.fft.rfft(torch.tensor(a))
        assert str(re.dtype) == str(rt.dtype)


def test_frequencies_and_shifts():
    for n, d in [(5, 1.0), (4, 0.1), (1, 2.0), (8, 0.5)]:
        for fe, ft in [(EF.fftfreq, torch.fft.fftfreq), (EF.rfftfreq, torch.fft.rfftfreq)]:
            re, rt = fe(n, d), ft(n, d)
            assert str(re.dtype) == str(rt.dtype)
            np.testing.assert_allclose(_np(re), _np(rt), rtol=1e-6)
            re, rt = fe(n, d, dtype=ember.float64), ft(n, d, dtype=torch.float64)
            assert str(re.dtype) == str(rt.dtype)
            np.testing.assert_allclose(_np(re), _np(rt), rtol=1e-15)
    a = np.arange(30).reshape(5, 6)
    for dim in [None, 0, 1, (0, 1), -1]:
        for fe, ft in [(EF.fftshift, torch.fft.fftshift), (EF.ifftshift, torch.fft.ifftshift)]:
            np.testing.assert_array_equal(_np(fe(ember.tensor(a), dim)),
                                          _np(ft(torch.tensor(a), dim)))


ERRORS = [
    lambda m, x: m.fft.fft(x, norm="foo"),
    lambda m, x: m.fft.fft(x, n=0),
    lambda m, x: m.fft.rfft(x.to(m.complex64)),
    lambda m, x: m.fft.fft(x, dim=2),
    lambda m, x: m.fft.fftn(x, s=(3,), dim=(0, 1)),
    lambda m, x: m.fft.fftn(x, dim=(0, 0)),
    lambda m, x: m.fft.fft(x.half()),
    lambda m, x: m.fft.fft(x[0, 0]),
    lambda m, x: m.fft.irfft(x[:, :1].to(m.complex64)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    a = np.ones((4, 6), np.float32)
    with pytest.raises(Exception) as et:
        ERRORS[i](torch, torch.tensor(a))
    with pytest.raises(Exception) as ee:
        ERRORS[i](ember, ember.tensor(a))
    assert type(ee.value) is type(et.value)
    assert str(ee.value) == str(et.value)
