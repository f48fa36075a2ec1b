"""Pooling, unpooling and resampling (interpolate, pixel shuffle, grid_sample, affine_grid)
against PyTorch: values, indices, gradients, errors and the layers' reprs."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def compare(name, arrays, args=(), kwargs=None, dtype=np.float64, seed=0):
    """Values, returned indices and input gradients of F.<name> against torch."""
    kwargs = kwargs or {}
    tol = 1e-10 if dtype == np.float64 else 2e-5
    rng = np.random.default_rng(seed)
    arrs = [rng.standard_normal(a).astype(dtype) if isinstance(a, tuple) else a.astype(dtype)
            for a in arrays]
    tt = [torch.tensor(a, requires_grad=True) for a in arrs]
    et = [ember.tensor(a, requires_grad=True) for a in arrs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to = getattr(TF, name)(*tt, *args, **kwargs)
        eo = getattr(EF, name)(*et, *args, **kwargs)
    if isinstance(to, tuple):
        assert eo[1].dtype == ember.int64
        np.testing.assert_array_equal(eo[1].numpy(), to[1].numpy())
        to, eo = to[0], eo[0]
    assert tuple(eo.shape) == tuple(to.shape)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=tol, atol=tol)
    go = rng.standard_normal(tuple(to.shape)).astype(dtype)
    to.backward(torch.tensor(go))
    eo.backward(ember.tensor(go))
    for a, b in zip(tt, et):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=tol, atol=tol)
    return eo, to


POOL = [
    ("max_pool1d", (2, 3, 9), (3, 2, 1), dict(ceil_mode=True, return_indices=True)),
    ("max_pool1d", (3, 9), (2,), dict(dilation=2)),
    ("max_pool2d", (2, 3, 7, 6), (3, 2, 1), {}),
    ("max_pool2d", (2, 3, 7, 6), (3, 2, 1), dict(ceil_mode=True, return_indices=True)),
    ("max_pool2d", (2, 3, 9, 8), ((3, 2), (2, 1), (1, 1)),
     dict(dilation=(2, 1), ceil_mode=True, return_indices=True)),
    ("max_pool2d", (3, 7, 6), (2,), dict(return_indices=True)),
    ("max_pool3d", (2, 3, 5, 6, 5), (2,), dict(return_indices=True, stride=(1, 2, 2))),
    ("avg_pool1d", (2, 3, 7), (3, 2, 1), dict(ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d", (2, 3, 7, 6), (3, 2, 1), {}),
    ("avg_pool2d", (2, 3, 7, 6), (3, 2, 1), dict(ceil_mode=True)),
    ("avg_pool2d", (2, 3, 7, 6), (3, 2, 1), dict(ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d", (3, 7, 6), ((3, 2), 2, (1, 0)), dict(divisor_override=5)),
    ("avg_pool3d", (2, 3, 7, 6, 5), (3, 2, 1), dict(ceil_mode=True, count_include_pad=False)),
    ("adaptive_avg_pool1d", (2, 3, 7), (5,), {}),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), ((3, 4),), {}),
    ("adaptive_avg_pool2d", (3, 7, 6), ((None, 4),), {}),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), (1,), {}),
    ("adaptive_avg_pool3d", (2, 3, 7, 6, 5), ((2, 3, 4),), {}),
    ("adaptive_max_pool1d", (2, 3, 7), (5,), dict(return_indices=True)),
    ("adaptive_max_pool2d", (2, 3, 7, 6), ((3, 4),), dict(return_indices=True)),
    ("adaptive_max_pool2d", (3, 5, 9), (4,), {}),
    ("adaptive_max_pool3d", (2, 3, 7, 6, 5), ((2, 3, 4),), dict(return_indices=True)),
    ("lp_pool1d", (2, 3, 8), (2, 3, 2), {}),
    ("lp_pool2d", (2, 3, 7, 6), (3, 2), dict(ceil_mode=True)),
]


@pytest.mark.parametrize("name,shape,args,kwargs", POOL, ids=lambda v: str(v)[:40])
def test_pool(name, shape, args, kwargs):
    eo, to = compare(name, [shape], args, kwargs)
    if to.grad_fn is not None:
        assert eo.grad_fn.name() == to.grad_fn.name()


@pytest.mark.parametrize("name,shape,args,kwargs", POOL[2:22:4], ids=lambda v: str(v)[:40])
def test_pool_float32(name, shape, args, kwargs):
    compare(name, [shape], args, kwargs, dtype=np.float32, seed=3)


def test_max_pool_ties_and_integers():
    x = np.array([[[[1, 3, 3, 0], [3, 1, 0, 3], [2, 2, 2, 2], [5, 5, 1, 5]]]])
    for dt in (np.float32, np.int64):
        to, ti = TF.max_pool2d(torch.tensor(x.astype(dt)), 2, 1, return_indices=True)
        eo, ei = EF.max_pool2d(ember.tensor(x.astype(dt)), 2, 1, return_indices=True)
        np.testing.assert_array_equal(eo.numpy(), to.numpy())
        np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    xl = np.arange(2 * 6 * 6).reshape(1, 2, 6, 6) * 7 % 11
    np.testing.assert_array_equal(EF.avg_pool2d(ember.tensor(xl), 3, 2, 1).numpy(),
                                  TF.avg_pool2d(torch.tensor(xl), 3, 2, 1).numpy())


def test_max_unpool():
    rng = np.random.default_rng(1)
    for nd, shape in ((1, (2, 3, 8)), (2, (2, 3, 6, 8)), (3, (1, 2, 4, 4, 6))):
        x = rng.standard_normal(shape)
        to, ti = getattr(TF, "max_pool%dd" % nd)(torch.tensor(x), 2, return_indices=True)
        eo, ei = getattr(EF, "max_pool%dd" % nd)(ember.tensor(x), 2, return_indices=True)
        tv = torch.tensor(to.numpy(), requires_grad=True)
        ev = ember.tensor(eo.numpy(), requires_grad=True)
        size = [s + 1 for s in shape[2:]]
        tu = getattr(TF, "max_unpool%dd" % nd)(tv, ti, 2, output_size=size)
        eu = getattr(EF, "max_unpool%dd" % nd)(ev, ei, 2, output_size=size)
        np.testing.assert_array_equal(eu.detach().numpy(), tu.detach().numpy())
        g = rng.standard_normal(tuple(tu.shape))
        tu.backward(torch.tensor(g))
        eu.backward(ember.tensor(g))
        np.testing.assert_array_equal(ev.grad.numpy(), tv.grad.numpy())
    tm, em = torch.nn.MaxUnpool2d(2), enn.MaxUnpool2d(2)
    assert repr(em) == repr(tm)
    x = rng.standard_normal((3, 4, 6))
    np.testing.assert_array_equal(
        em(*EF.max_pool2d(ember.tensor(x), 2, return_indices=True)).numpy(),
        tm(*TF.max_pool2d(torch.tensor(x), 2, return_indices=True)).numpy())


@pytest.mark.parametrize("call", [
    lambda F, x: F.max_pool2d(x, 3, padding=2),
    lambda F, x: F.max_pool2d(x, 0, 1),
    lambda F, x: F.max_pool2d(x, 3, stride=0),
    lambda F, x: F.max_pool2d(x, 9),
    lambda F, x: F.max_pool2d(x[0, 0, 0], 2),
    lambda F, x: F.max_pool1d(x, 3),
    lambda F, x: F.max_pool2d(x, (2, 2, 2)),
    lambda F, x: F.avg_pool2d(x, 3, 1, -1),
    lambda F, x: F.avg_pool2d(x, 9),
    lambda F, x: F.avg_pool1d(x, 3),
    lambda F, x: F.avg_pool2d(x.int(), 2),
    lambda F, x: F.adaptive_avg_pool2d(x, (2, 2, 2)),
    lambda F, x: F.adaptive_avg_pool2d(x[0, 0, 0], 2),
    lambda F, x: F.adaptive_max_pool2d(x[0, 0, 0], 2),
    lambda F, x: F.adaptive_avg_pool2d(x, -1),
])
def test_pool_errors(call):
    x = np.random.default_rng(0).standard_normal((1, 2, 8, 8)).astype(np.float32)
    with pytest.raises(Exception) as te:
        call(TF, torch.tensor(x))
    with pytest.raises(Exception) as ee:
        call(EF, ember.tensor(x))
    assert type(ee.value) is type(te.value)
    assert str(ee.value) == str(te.value)


def test_pool_gradcheck():
    x = ember.tensor(np.random.default_rng(2).standard_normal((1, 2, 5, 5)), requires_grad=True)
    for fn in (lambda x: EF.max_pool2d(x, 3, 2, 1, ceil_mode=True),
               lambda x: EF.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
               lambda x: EF.adaptive_avg_pool2d(x, (3, 2)),
               lambda x: EF.adaptive_max_pool2d(x, 3)):
        assert ember.autograd.gradcheck(fn, (x,))
        g = ember.tensor(np.random.default_rng(3).standard_normal(tuple(fn(x).shape)),
                         requires_grad=True)
        assert ember.autograd.gradgradcheck(fn, (x,), (g,))


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("MaxPool1d", (3,), dict(stride=2, padding=1, return_indices=True), (2, 3, 9)),
    ("MaxPool2d", (3, 2, 1), dict(dilation=1, ceil_mode=True), (2, 3, 7, 6)),
    ("MaxPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("AvgPool1d", (3,), dict(stride=2, count_include_pad=False), (2, 3, 9)),
    ("AvgPool2d", (3, 2, 1), dict(divisor_override=4), (2, 3, 7, 6)),
    ("AvgPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((2, None),), {}, (2, 3, 7, 6)),
    ("AdaptiveAvgPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("AdaptiveMaxPool1d", (3,), dict(return_indices=True), (2, 3, 9)),
    ("AdaptiveMaxPool2d", ((2, 3),), {}, (2, 3, 7, 6)),
    ("AdaptiveMaxPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("LPPool1d", (2, 3), {}, (2, 3, 9)),
    ("LPPool2d", (1.5, 2), dict(stride=1), (2, 3, 7, 6)),
], ids=lambda v: str(v)[:20])
def test_pool_layers(name, args, kwargs, shape):
    tm, em = getattr(torch.nn, name)(*args, **kwargs), getattr(enn, name)(*args, **kwargs)
    assert repr(em) == repr(tm)
    x = np.abs(np.random.default_rng(4).standard_normal(shape)) + 0.1
    to, eo = tm(torch.tensor(x)), em(ember.tensor(x))
    if isinstance(to, tuple):
        np.testing.assert_array_equal(eo[1].numpy(), to[1].numpy())
        to, eo = to[0], eo[0]
    np.testing.assert_allclose(eo.numpy(), to.numpy(), rtol=1e-10)


# --- resampling -----------------------------------------------------------------------------------

INTERP = []
for _mode in ("nearest", "nearest-exact", "bilinear", "bicubic", "area"):
    for _kw in (dict(scale_factor=2), dict(size=(5, 3)), dict(scale_factor=(1.7, 0.6)),
                dict(scale_factor=(1.7, 0.6), recompute_scale_factor=True)):
        for _ac in ((None,) if _mode in ("nearest", "nearest-exact", "area") else (False, True)):
            INTERP.append((_mode, (2, 3, 4, 6), dict(_kw, align_corners=_ac)))
INTERP += [
    ("linear", (2, 3, 5), dict(scale_factor=2.3)),
    ("linear", (2, 3, 5), dict(size=9, align_corners=True)),
    ("nearest", (2, 3, 5), dict(size=3)),
    ("trilinear", (1, 2, 5, 4, 3), dict(scale_factor=2.3)),
    ("nearest", (1, 2, 5, 4, 3), dict(size=(2, 7, 3))),
    ("area", (1, 2, 5, 4, 3), dict(size=(2, 7, 3))),
]


@pytest.mark.parametrize("mode,shape,kwargs", INTERP, ids=lambda v: str(v)[:40])
def test_interpolate(mode, shape, kwargs):
    eo, to = compare("interpolate", [shape], kwargs=dict(kwargs, mode=mode))
    assert eo.grad_fn.name() == to.grad_fn.name()


@pytest.mark.parametrize("mode,shape,kwargs", INTERP[::3], ids=lambda v: str(v)[:40])
def test_interpolate_float32(mode, shape, kwargs):
    compare("interpolate", [shape], kwargs=dict(kwargs, mode=mode), dtype=np.float32, seed=5)


@pytest.mark.parametrize("kwargs", [
    dict(scale_factor=2, mode="foo"), dict(size=(3,)), dict(size=3, align_corners=True),
    dict(mode="bilinear", scale_factor=2, x3d=True), dict(), dict(size=3, scale_factor=2),
])
def test_interpolate_errors(kwargs):
    kwargs = dict(kwargs)
    shape = (2, 3, 4) if kwargs.pop("x3d", False) else (1, 2, 3, 4)
    with pytest.raises(Exception) as te:
        TF.interpolate(torch.zeros(shape), **kwargs)
    with pytest.raises(Exception) as ee:
        EF.interpolate(ember.zeros(shape), **kwargs)
    assert type(ee.value) is type(te.value)
    assert str(ee.value) == str(te.value)


def test_upsample_layers():
    x = np.random.default_rng(6).standard_normal((1, 2, 3, 4))
    for args, kwargs in [((), dict(scale_factor=2)), ((), dict(size=(5, 7), mode="bilinear")),
                         ((), dict(scale_factor=(2, 3), mode="bicubic", align_corners=True))]:
        tm, em = torch.nn.Upsample(*args, **kwargs), enn.Upsample(*args, **kwargs)
        assert repr(em) == repr(tm)
        np.testing.assert_allclose(em(ember.tensor(x)).numpy(), tm(torch.tensor(x)).numpy(),
                                   rtol=1e-10)
    for name in ("UpsamplingNearest2d", "UpsamplingBilinear2d"):
        tm, em = getattr(torch.nn, name)(scale_factor=2), getattr(enn, name)(scale_factor=2)
        assert repr(em) == repr(tm)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.testing.assert_allclose(em(ember.tensor(x)).numpy(), tm(torch.tensor(x)).numpy(),
                                       rtol=1e-10)


def test_pixel_shuffle():
    compare("pixel_shuffle", [(2, 8, 3, 4)], (2,))
    compare("pixel_unshuffle", [(2, 2, 6, 4)], (2,))
    compare("pixel_shuffle", [(3, 2, 9, 2, 2)], (3,))
    for name, arg in (("PixelShuffle", 2), ("PixelUnshuffle", 2)):
        assert repr(getattr(enn, name)(arg)) == repr(getattr(torch.nn, name)(arg))
    for fn, shape, r in (("pixel_shuffle", (1, 4, 3, 4), 3), ("pixel_unshuffle", (1, 4, 3, 4), 3),
                         ("pixel_shuffle", (4, 3), 2)):
        with pytest.raises(RuntimeError) as te:
            getattr(TF, fn)(torch.zeros(shape), r)
        with pytest.raises(RuntimeError) as ee:
            getattr(EF, fn)(ember.zeros(shape), r)
        assert str(ee.value) == str(te.value)


GRID = [(m, p, a) for m in ("bilinear", "nearest", "bicubic")
        for p in ("zeros", "border", "reflection") for a in (False, True)]


@pytest.mark.parametrize("mode,padding_mode,align_corners", GRID)
def test_grid_sample(mode, padding_mode, align_corners):
    grid = np.random.default_rng(7).random((2, 5, 4, 2)) * 2.6 - 1.3
    compare("grid_sample", [(2, 3, 4, 6), grid],
            kwargs=dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners))


def test_grid_sample_3d_and_affine_grid():
    grid = np.random.default_rng(8).random((2, 3, 5, 4, 3)) * 2.6 - 1.3
    for mode in ("bilinear", "nearest"):
        compare("grid_sample", [(2, 3, 4, 6, 5), grid],
                kwargs=dict(mode=mode, padding_mode="border", align_corners=False))
    compare("affine_grid", [(2, 2, 3)], ((2, 3, 4, 5),), dict(align_corners=False))
    compare("affine_grid", [(2, 3, 4)], ((2, 3, 4, 5, 3),), dict(align_corners=True))
    compare("affine_grid", [(1, 2, 3)], ((1, 1, 1, 4),), dict(align_corners=False))
    with pytest.warns(UserWarning):
        EF.grid_sample(ember.zeros(1, 1, 2, 2), ember.zeros(1, 1, 1, 2))


@pytest.mark.parametrize("fn,shapes", [
    (lambda x: EF.interpolate(x, scale_factor=1.5, mode="bilinear"), [(1, 1, 3, 4)]),
    (lambda x: EF.interpolate(x, size=(4, 5), mode="bicubic", align_corners=True),
     [(1, 1, 3, 3)]),
    (lambda x: EF.interpolate(x, scale_factor=2, mode="nearest"), [(1, 2, 2, 3)]),
    (lambda x: EF.interpolate(x, size=5, mode="linear"), [(1, 2, 3)]),
    (lambda x: EF.interpolate(x, size=(2, 2), mode="area"), [(1, 1, 3, 5)]),
    (lambda x: EF.pixel_shuffle(x, 2), [(1, 4, 2, 3)]),
    (lambda x: EF.pixel_unshuffle(x, 2), [(1, 1, 4, 2)]),
    (lambda x: EF.lp_pool2d(x.abs() + 0.5, 2, 2), [(1, 2, 4, 4)]),
    (lambda x, g: EF.grid_sample(x, g, align_corners=False), [(1, 2, 3, 4), (1, 2, 3, 2)]),
    (lambda x, g: EF.grid_sample(x, g, mode="bicubic", padding_mode="border",
                                 align_corners=True), [(1, 1, 3, 4), (1, 2, 2, 2)]),
    (lambda t: EF.affine_grid(t, (1, 1, 3, 4), align_corners=False), [(1, 2, 3)]),
], ids=range(11))
def test_resampling_gradcheck(fn, shapes):
    rng = np.random.default_rng(9)
    args = [ember.tensor(rng.standard_normal(s) * (0.6 if i else 1), requires_grad=True)
            for i, s in enumerate(shapes)]
    assert ember.autograd.gradcheck(fn, args)


def test_max_unpool_gradcheck():
    x = np.random.default_rng(10).standard_normal((1, 2, 4, 4))
    _, idx = EF.max_pool2d(ember.tensor(x), 2, return_indices=True)
    v = ember.tensor(np.random.default_rng(11).standard_normal((1, 2, 2, 2)), requires_grad=True)
    assert ember.autograd.gradcheck(lambda v: EF.max_unpool2d(v, idx, 2), (v,))
