"""ember.special (and the special-function kernels behind torch.erf, lgamma, ...) against
torch.special over wide ranges and edge values: ~1e-15 relative in float64 where both
libraries are accurate, ~1e-6 in float32; gradients by gradcheck / gradgradcheck.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.special as ES  # noqa: E402
from ember.autograd import gradcheck, gradgradcheck  # noqa: E402
from ember.ops import _special as K  # noqa: E402

EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 0.46875, -0.46875, 4.0, -4.0, 26.5, 27.3,
         30.0, -30.0, 1e-300, -1e-300, 5e-324, 1e-8, 700.0, -700.0, 1e300, -1e300,
         np.inf, -np.inf, np.nan]


def _xs(seed=0):
    r = np.random.default_rng(seed)
    return np.concatenate([r.normal(0, 1, 300), r.normal(0, 10, 300), r.uniform(-30, 30, 300),
                           10 ** r.uniform(-300, 300, 100), -(10 ** r.uniform(-300, 300, 100)),
                           EDGES])


def _ps(seed=1):
    r = np.random.default_rng(seed)
    return np.concatenate([r.uniform(0, 1, 300), 10 ** r.uniform(-300, 0, 100),
                           1 - 10 ** r.uniform(-16, 0, 100),
                           [0.0, 1.0, 0.5, 1e-300, -0.1, 1.1, np.nan]])


def _compare(fe, ft, x, rtol64, atol64=0.0, rtol32=2e-6, atol32=1e-37):
    for dt, rtol, atol in [(np.float64, rtol64, atol64), (np.float32, rtol32, atol32)]:
        xa = x.astype(dt)
        with np.errstate(all="ignore"):
            re = fe(ember.tensor(xa))
            rt = ft(torch.tensor(xa))
        assert str(re.dtype) == str(rt.dtype)
        a, b = re.numpy(), rt.numpy()
        bad = ~np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        assert not bad.any(), (dt.__name__, xa[bad][:5], a[bad][:5], b[bad][:5])


# name, ember, torch, inputs, float64 rtol, float64 atol[, float32 rtol, float32 atol]
# (float32 tolerances grow where the function amplifies the input's rounding: PyTorch
# computes in float32, ember in float64 rounded once)
UNARY = [
    ("erf", ES.erf, torch.special.erf, _xs, 1e-15, 0),
    ("erfc", ES.erfc, torch.special.erfc, _xs, 2e-15, 0),
    ("erfcx", ES.erfcx, torch.special.erfcx, _xs, 2e-15, 0, 1e-4),
    ("erfinv", ES.erfinv, torch.special.erfinv, lambda: _ps() * 2 - 1, 2e-15, 0),
    ("ndtri", ES.ndtri, torch.special.ndtri, _ps, 2e-15, 0),
    ("ndtr", ES.ndtr, torch.special.ndtr, _xs, 1e-15, 1e-16, 2e-6, 1e-7),
    ("log_ndtr", ES.log_ndtr, torch.special.log_ndtr, _xs, 1e-12, 0, 1e-4),
    ("gammaln", ES.gammaln, torch.special.gammaln, lambda: _xs()[_xs() > 0], 2e-15, 0),
    ("gammaln_neg", ES.gammaln, torch.special.gammaln, lambda: _xs()[_xs() <= 0], 1e-13, 1e-12,
     2e-6, 1e-5),
    ("digamma", ES.digamma, torch.special.digamma, lambda: _xs()[np.abs(_xs()) < 1e15], 2e-15,
     1e-13, 2e-6, 1e-6),
    ("psi", ES.psi, torch.special.psi, lambda: np.abs(_xs()), 2e-15, 1e-13, 2e-6, 1e-6),
    ("i0", ES.i0, torch.special.i0, _xs, 3e-15, 0),
    ("i0e", ES.i0e, torch.special.i0e, _xs, 3e-15, 0),
    ("i1", ES.i1, torch.special.i1, _xs, 3e-15, 1e-323),
    ("i1e", ES.i1e, torch.special.i1e, _xs, 3e-15, 1e-323),
    ("entr", ES.entr, torch.special.entr, _xs, 1e-15, 0),
    ("expit", ES.expit, torch.special.expit, _xs, 1e-15, 0),
    ("logit", ES.logit, torch.special.logit, _ps, 1e-15, 0),
    ("sinc", ES.sinc, torch.special.sinc, _xs, 1e-14, 1e-15),
    ("exp2", ES.exp2, torch.special.exp2, _xs, 1e-15, 0),
    ("expm1", ES.expm1, torch.special.expm1, _xs, 1e-15, 0),
    ("log1p", ES.log1p, torch.special.log1p, _ps, 1e-15, 0),
    ("spherical_bessel_j0", ES.spherical_bessel_j0, torch.special.spherical_bessel_j0,
     lambda: _xs()[np.abs(_xs()) < 1e10], 1e-14, 1e-16),
    ("modified_bessel_i0", ES.modified_bessel_i0, torch.special.modified_bessel_i0,
     lambda: _xs()[np.abs(_xs()) < 700], 3e-15, 0),
    ("modified_bessel_i1", ES.modified_bessel_i1, torch.special.modified_bessel_i1,
     lambda: _xs()[np.abs(_xs()) < 700], 3e-15, 1e-323),
]


@pytest.mark.parametrize("case", UNARY, ids=[c[0] for c in UNARY])
def test_unary(case):
    _, fe, ft, xs, rtol, atol = case[:6]
    _compare(fe, ft, xs(), rtol, atol, *case[6:])


def test_torch_level_functions_use_the_kernels():
    x = _xs()
    for name in ["erf", "erfc", "erfinv", "lgamma", "digamma"]:
        xs = np.tanh(x) if name == "erfinv" else x
        _compare(getattr(ember, name), getattr(torch, name), xs, 2e-15, 1e-12, 2e-6, 1e-5)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6])
def test_polygamma(n):
    x = _xs()
    x = x[(np.abs(x) < 50) & (x != np.round(x)) | (x > 0)]
    # PyTorch's trigamma is itself only good to ~1e-9; higher orders share our zeta
    rtol = 1e-8 if n == 1 else 2e-14
    pos = x[(x > 0) & (x < 1e15)]       # PyTorch underflows to 0 beyond
    _compare(lambda t: ES.polygamma(n, t), lambda t: torch.special.polygamma(n, t), pos, rtol,
             1e-300, 1e-5, 1e-6)


def test_polygamma_far_out_and_limits():
    x = np.array([1e20, 1e100, 4.6e123])
    for n in (1, 2, 3):
        expected = (-1) ** (n + 1) * np.prod(np.arange(1, n)) / x ** n
        np.testing.assert_allclose(ES.polygamma(n, ember.tensor(x)).numpy(), expected, rtol=1e-14)
    lim = np.array([np.inf, -np.inf, np.nan])
    for n in (1, 2, 4):
        np.testing.assert_array_equal(ES.polygamma(n, ember.tensor(lim)).numpy(),
                                      torch.special.polygamma(n, torch.tensor(lim)).numpy())


def test_two_argument_functions():
    x = _xs()
    y = np.abs(x[::-1])
    for fe, ft in [(ES.xlogy, torch.special.xlogy), (ES.xlog1py, torch.special.xlog1py)]:
        for dt in (np.float64, np.float32):
            with np.errstate(all="ignore"):
                re = fe(ember.tensor(x.astype(dt)), ember.tensor(y.astype(dt)))
                rt = ft(torch.tensor(x.astype(dt)), torch.tensor(y.astype(dt)))
            assert str(re.dtype) == str(rt.dtype)
            np.testing.assert_allclose(re.numpy(), rt.numpy(), rtol=2e-6 if dt == np.float32
                                       else 1e-15)
        z = np.array([0.0, 0.0, 1.0, 2.0])
        w = np.array([np.nan, -1.0, np.nan, 0.5])
        np.testing.assert_array_equal(fe(ember.tensor(z), ember.tensor(w)).numpy(),
                                      ft(torch.tensor(z), torch.tensor(w)).numpy())
        re, rt = fe(2, ember.tensor([0.3, 0.7])), ft(2, torch.tensor([0.3, 0.7]))
        np.testing.assert_allclose(re.numpy(), rt.numpy(), rtol=1e-6)
    s = np.abs(x[np.abs(x) < 1e5]) + 1
    q = np.abs(x[::-1][np.abs(x[::-1]) < 1e5])[: s.size] + 1e-3
    re = ES.zeta(ember.tensor(s), ember.tensor(q))
    rt = torch.special.zeta(torch.tensor(s), torch.tensor(q))
    np.testing.assert_allclose(re.numpy(), rt.numpy(), rtol=1e-14, atol=1e-300)
    edge_s = np.array([1.0, 0.5, 2.0, 2.0, 3.0, 2.5, 2.0, 2.0, np.inf, np.inf, np.nan])
    edge_q = np.array([1.0, 1.0, 0.0, -1.0, -1.5, -1.5, np.inf, -np.inf, 1.0, 2.0, 1.0])
    np.testing.assert_allclose(ES.zeta(ember.tensor(edge_s), ember.tensor(edge_q)).numpy(),
                               torch.special.zeta(torch.tensor(edge_s), torch.tensor(edge_q))
                               .numpy(), rtol=1e-14)


def test_multigammaln():
    x = np.abs(_xs()[:300]) + 3
    for p in (1, 2, 5):
        re = ES.multigammaln(ember.tensor(x), p)
        rt = torch.special.multigammaln(torch.tensor(x), p)
        np.testing.assert_allclose(re.numpy(), rt.numpy(), rtol=1e-14)
    with pytest.raises(RuntimeError):
        ES.multigammaln(ember.tensor([0.2]), 2)


def test_integer_inputs_compute_in_default_float():
    ints = np.array([1, 2, 3])
    for name in ["erfcx", "i0", "i1e", "entr", "digamma", "ndtr", "log_ndtr", "expit"]:
        re, rt = getattr(ES, name)(ember.tensor(ints)), getattr(torch.special, name)(
            torch.tensor(ints))
        assert str(re.dtype) == str(rt.dtype)
        np.testing.assert_allclose(re.numpy(), rt.numpy(), rtol=1e-6)
    assert str(ES.polygamma(2, ember.tensor(ints)).dtype) == "torch.float32"
    assert str(ES.zeta(ember.tensor(ints) + 1, ember.tensor(ints)).dtype) == "torch.float32"


def test_softmax_family():
    x = np.random.default_rng(3).normal(size=(3, 4)).astype(np.float32)
    for fe, ft in [(ES.softmax, torch.special.softmax), (ES.log_softmax,
                                                         torch.special.log_softmax)]:
        np.testing.assert_allclose(fe(ember.tensor(x), 1).numpy(),
                                   ft(torch.tensor(x), 1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(ES.logsumexp(ember.tensor(x), 0).numpy(),
                               torch.special.logsumexp(torch.tensor(x), 0).numpy(), rtol=1e-6)
    np.testing.assert_allclose(ES.round(ember.tensor(x), decimals=1).numpy(),
                               torch.special.round(torch.tensor(x), decimals=1).numpy())


GRADS = [
    ("erfcx", ES.erfcx, 1), ("ndtri", lambda t: ES.ndtri(t / 3), 1), ("log_ndtr", ES.log_ndtr, 1),
    ("ndtr", ES.ndtr, 1), ("i0", ES.i0, 1), ("i0e", ES.i0e, 1), ("i1", ES.i1, 1),
    ("i1e", ES.i1e, 1), ("entr", ES.entr, 1), ("digamma", ES.digamma, 1),
    ("polygamma", lambda t: ES.polygamma(2, t), 1), ("gammaln", ES.gammaln, 1),
    ("multigammaln", lambda t: ES.multigammaln(t + 2, 3), 1), ("xlogy", ES.xlogy, 2),
    ("xlog1py", ES.xlog1py, 2), ("zeta_q", lambda q: ES.zeta(ember.tensor([2.5, 3.0, 2.0, 4.5], dtype=ember.float64), q), 1),
]


@pytest.mark.parametrize("case", GRADS, ids=[c[0] for c in GRADS])
def test_gradients(case):
    name, fn, nargs = case
    r = np.random.default_rng(4)
    args = tuple(ember.tensor(r.uniform(0.5, 2, 4), requires_grad=True) for _ in range(nargs))
    assert gradcheck(fn, args)
    if name != "zeta_q":
        assert gradgradcheck(fn, args)
    ta = tuple(torch.tensor(a.detach().numpy(), requires_grad=True) for a in args)
    tfn = {"ndtri": lambda t: torch.special.ndtri(t / 3),
           "polygamma": lambda t: torch.special.polygamma(2, t),
           "multigammaln": lambda t: torch.special.multigammaln(t + 2, 3),
           "zeta_q": lambda q: torch.special.zeta(
               torch.tensor([2.5, 3.0, 2.0, 4.5], dtype=torch.float64), q)}.get(
        name, getattr(torch.special, name, None))
    ge = ember.autograd.grad(fn(*args).sum(), args)
    gt = torch.autograd.grad(tfn(*ta).sum(), ta)
    for a, b in zip(ge, gt):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8)
    node = fn(*args).grad_fn.name()
    assert node == type(tfn(*ta).grad_fn).__name__ or name in ("ndtr", "ndtri", "zeta_q")


def test_zeta_gradient_of_x_is_not_implemented():
    x = ember.tensor([2.5, 3.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="zeta"):
        ES.zeta(x, ember.tensor([1.0, 2.0])).sum().backward()


def test_kernels_keep_shape_and_dtype():
    for f in [K.erf, K.erfc, K.erfcx, K.erfinv, K.lgamma, K.digamma, K.ndtri, K.ndtr, K.log_ndtr,
              K.i0, K.i0e, K.i1, K.i1e]:
        for v in [np.float64(0.3), np.array(-0.7), np.array(0.25, np.float32),
                  np.zeros((0, 2), np.float32), np.arange(6).reshape(2, 3),
                  np.array([0.1, 0.2], np.float16)]:
            out = f(v)
            assert out.shape == np.shape(v)
            assert out.dtype == (v.dtype if v.dtype.kind == "f" else np.float64)


def test_incomplete_gamma():
    r = np.random.default_rng(5)
    a = np.concatenate([r.uniform(0, 5, 300), 10 ** r.uniform(-3, 1.5, 300)])
    x = np.concatenate([r.uniform(0, 10, 300), 10 ** r.uniform(-3, 1.5, 300)])
    # PyTorch itself is only good to ~1e-9 for a of a few tens
    for fe, ft in [(ES.gammainc, torch.special.gammainc), (ES.gammaincc, torch.special.gammaincc)]:
        for dt, rtol in [(np.float64, 1e-8), (np.float32, 1e-4)]:
            re = fe(ember.tensor(a.astype(dt)), ember.tensor(x.astype(dt)))
            rt = ft(torch.tensor(a.astype(dt)), torch.tensor(x.astype(dt)))
            assert str(re.dtype) == str(rt.dtype)
            np.testing.assert_allclose(re.numpy(), rt.numpy(), rtol=rtol, atol=1e-30)
        ea = np.array([0., 0., 1., -1., 1., 2., np.inf, np.inf, 1., np.nan, 2., 3.])
        ex = np.array([1., 0., 0., 1., -1., np.inf, 1., np.inf, np.nan, 1., 0., 4.])
        np.testing.assert_array_equal(fe(ember.tensor(ea), ember.tensor(ex)).numpy().round(14),
                                      ft(torch.tensor(ea), torch.tensor(ex)).numpy().round(14))
    # an exact value: P(1, x) = 1 - exp(-x), also where PyTorch underflows
    xs = np.array([1e-300, 1e-10, 0.5, 3.0, 40.0])
    np.testing.assert_allclose(ES.gammainc(ember.tensor(np.ones(5)), ember.tensor(xs)).numpy(),
                               -np.expm1(-xs), rtol=1e-12)
    at = ember.tensor([0.7, 2.0, 5.5], dtype=ember.float64)
    xt = ember.tensor([0.3, 2.5, 4.0], dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda v: ES.gammainc(at, v), (xt,))
    assert gradgradcheck(lambda v: ES.gammaincc(at, v), (xt,))
    assert ES.gammaincc(at, xt).grad_fn.name() == "IgammacBackward0"
    with pytest.raises(NotImplementedError, match="igamma: input"):
        ES.gammainc(at.clone().requires_grad_(), xt.detach()).sum().backward()


POLYS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
         "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
         "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
         "laguerre_polynomial_l", "legendre_polynomial_p"]


@pytest.mark.parametrize("name", POLYS)
def test_orthogonal_polynomials(name):
    x = np.array([-1.0, -0.5, 0.0, 0.3, 0.8, 1.0, 2.0, -3.0])
    for n in [0, 1, 2, 3, 5, 12, -1]:
        re = getattr(ES, name)(ember.tensor(x), n)
        rt = getattr(torch.special, name)(torch.tensor(x), n)
        assert str(re.dtype) == str(rt.dtype)
        np.testing.assert_allclose(re.numpy(), rt.numpy(), rtol=1e-6, atol=1e-6)
    ns = np.array([0, 1, 2, 3, 4, 5, 6, 7], dtype=np.float64)
    re = getattr(ES, name)(ember.tensor(x, dtype=ember.float64), ember.tensor(ns))
    rt = getattr(torch.special, name)(torch.tensor(x, dtype=torch.float64), torch.tensor(ns))
    np.testing.assert_allclose(re.numpy(), rt.numpy(), rtol=1e-12, atol=1e-12)
