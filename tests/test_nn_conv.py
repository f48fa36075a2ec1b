"""Convolution, fold/unfold and padding (functional and layers) against PyTorch."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _pair(shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    arrs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    return ([torch.tensor(a, requires_grad=True) for a in arrs],
            [ember.tensor(a, requires_grad=True) for a in arrs], rng)


def compare(name, shapes, kwargs, dtype=np.float64, seed=0, efn=None, tfn=None):
    """Forward values and every input gradient of F.<name> against torch."""
    tol = 1e-10 if dtype == np.float64 else 2e-5
    tt, et, rng = _pair(shapes, dtype, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to = (tfn or getattr(TF, name))(*tt, **kwargs)
    eo = (efn or getattr(EF, name))(*et, **kwargs)
    assert tuple(eo.shape) == tuple(to.shape)
    assert eo.dtype.name == str(to.dtype).split(".")[1]
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=tol, atol=tol)
    go = rng.standard_normal(tuple(to.shape)).astype(dtype)
    to.backward(torch.tensor(go))
    eo.backward(ember.tensor(go))
    for a, b in zip(tt, et):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=tol, atol=tol)
    return eo, to


CONV = [
    ("conv1d", [(2, 4, 9), (6, 4, 3), (6,)], dict(stride=2, padding=1)),
    ("conv1d", [(4, 9), (6, 4, 3)], dict(padding="same", dilation=2)),
    ("conv1d", [(2, 4, 9), (6, 2, 2)], dict(groups=2, padding="valid")),
    ("conv2d", [(2, 3, 7, 6), (4, 3, 3, 2), (4,)], {}),
    ("conv2d", [(2, 4, 7, 6), (6, 2, 3, 2), (6,)],
     dict(stride=2, padding=(1, 2), dilation=(2, 1), groups=2)),
    ("conv2d", [(2, 4, 7, 6), (4, 1, 3, 3)], dict(groups=4, padding="same")),
    ("conv2d", [(3, 7, 6), (4, 3, 2, 2)], dict(padding="same")),
    ("conv2d", [(1, 2, 5, 5), (3, 2, 5, 5), (3,)], dict(padding=2, stride=3)),
    ("conv3d", [(2, 4, 5, 6, 5), (6, 4, 3, 2, 2), (6,)], dict(stride=(1, 2, 1), padding=1)),
    ("conv_transpose1d", [(2, 4, 5), (4, 3, 3), (3,)], dict(stride=2, output_padding=1)),
    ("conv_transpose2d", [(2, 4, 5, 6), (4, 3, 3, 2), (3,)],
     dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose2d", [(2, 4, 5, 6), (4, 3, 3, 2), (6,)],
     dict(stride=(2, 3), padding=(1, 0), output_padding=(0, 2), groups=2, dilation=(1, 2))),
    ("conv_transpose2d", [(4, 5, 6), (4, 3, 3, 3)], dict(stride=1, padding=1)),
    ("conv_transpose3d", [(1, 2, 3, 4, 3), (2, 2, 2, 2, 2), (2,)], dict(stride=2, padding=1)),
    ("unfold", [(2, 3, 7, 6)], dict(kernel_size=(2, 3), dilation=(1, 2), padding=1,
                                    stride=(2, 1))),
    ("unfold", [(3, 5, 5)], dict(kernel_size=2)),
    ("fold", [(2, 12, 12)], dict(output_size=(5, 6), kernel_size=(2, 2), stride=2, padding=1)),
    ("fold", [(12, 9)], dict(output_size=4, kernel_size=2, dilation=1)),
]


@pytest.mark.parametrize("name,shapes,kwargs", CONV, ids=lambda v: str(v)[:40])
def test_conv_double(name, shapes, kwargs):
    eo, to = compare(name, shapes, kwargs)
    assert eo.grad_fn.name() == to.grad_fn.name()


@pytest.mark.parametrize("name,shapes,kwargs", CONV[:14:3], ids=lambda v: str(v)[:40])
def test_conv_float32(name, shapes, kwargs):
    compare(name, shapes, kwargs, dtype=np.float32, seed=1)


def test_conv_integer_input():
    x = np.arange(2 * 3 * 5 * 5).reshape(2, 3, 5, 5) % 7
    w = np.arange(4 * 3 * 3 * 3).reshape(4, 3, 3, 3) % 5 - 2
    e = EF.conv2d(ember.tensor(x), ember.tensor(w), stride=2)
    t = TF.conv2d(torch.tensor(x), torch.tensor(w), stride=2)
    assert e.dtype == ember.int64
    np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize("fn,shapes,kwargs", [
    ("conv2d", [(2, 3, 5, 5), (2, 2, 3, 3)], {}),                    # channel mismatch
    ("conv2d", [(1, 3, 2, 2), (2, 3, 3, 3)], {}),                    # kernel too big
    ("conv2d", [(3, 5), (2, 3, 3, 3)], {}),                          # wrong rank
    ("conv2d", [(1, 3, 5, 5), (2, 3, 3, 3)], dict(stride=0)),
    ("conv2d", [(1, 3, 5, 5), (2, 3, 3, 3)], dict(padding=-1)),
    ("conv2d", [(1, 3, 5, 5), (2, 3, 3, 3)], dict(padding="same", stride=2)),
    ("conv2d", [(1, 3, 5, 5), (2, 3, 3, 3)], dict(padding="foo")),
    ("conv2d", [(1, 4, 5, 5), (3, 2, 3, 3)], dict(groups=2)),
    ("conv1d", [(1, 3, 5, 5), (2, 3, 3)], {}),
    ("conv_transpose2d", [(1, 3, 5, 5), (2, 3, 3, 3)], {}),
    ("conv_transpose2d", [(1, 3, 5, 5), (3, 3, 3, 3)], dict(stride=2, output_padding=2)),
    ("fold", [(2, 12, 10)], dict(output_size=(5, 6), kernel_size=2)),
    ("unfold", [(1, 2, 3, 4, 4)], dict(kernel_size=2)),
], ids=lambda v: str(v)[:40])
def test_conv_errors(fn, shapes, kwargs):
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal(s) for s in shapes]
    with pytest.raises(Exception) as te:
        getattr(TF, fn)(*[torch.tensor(a) for a in arrs], **kwargs)
    with pytest.raises(Exception) as ee:
        getattr(EF, fn)(*[ember.tensor(a) for a in arrs], **kwargs)
    assert type(ee.value) is type(te.value)
    assert str(ee.value) == str(te.value)


def test_conv_dtype_mismatch():
    x, w = torch.randn(1, 3, 5, 5), torch.randn(2, 3, 3, 3)
    for args in [(x.double(), w, None), (x, w.double(), None), (x, w, torch.randn(2).double()),
                 (x.double(), w, torch.randn(2))]:
        with pytest.raises(RuntimeError) as te:
            TF.conv2d(*args)
        eargs = [None if a is None else ember.tensor(a.numpy()) for a in args]
        with pytest.raises(RuntimeError) as ee:
            EF.conv2d(*eargs)
        assert str(ee.value) == str(te.value)


def test_conv_gradcheck():
    rng = np.random.default_rng(3)
    x = ember.tensor(rng.standard_normal((1, 2, 5, 4)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((4, 1, 3, 2)), requires_grad=True)
    b = ember.tensor(rng.standard_normal(4), requires_grad=True)
    assert ember.autograd.gradcheck(
        lambda x, w, b: EF.conv2d(x, w, b, stride=2, padding=1, groups=2), (x, w, b))
    wt = ember.tensor(rng.standard_normal((2, 3, 2, 2)), requires_grad=True)
    assert ember.autograd.gradcheck(
        lambda x, w: EF.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1), (x, wt))


def test_conv_double_backward():
    """Second derivatives go through the conv ops again: compare with torch."""
    rng = np.random.default_rng(4)
    xs, ws = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    out = []
    for lib, F in ((torch, TF), (ember, EF)):
        x = lib.tensor(xs, requires_grad=True)
        w = lib.tensor(ws, requires_grad=True)
        y = F.conv2d(x, w, stride=2, padding=1)
        (gx,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        (gx * gx).sum().backward()
        out.append((x.grad.numpy(), w.grad.numpy()))
    for a, b in zip(*out):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-10)


LAYERS = [
    ("Conv1d", (4, 6, 3), dict(stride=2, padding=1, bias=False)),
    ("Conv2d", (3, 6, 5), {}),
    ("Conv2d", (4, 6, (3, 2)), dict(padding="same", groups=2, padding_mode="reflect")),
    ("Conv2d", (4, 6, 3), dict(padding=(1, 2), padding_mode="circular", dilation=2)),
    ("Conv2d", (4, 6, 3), dict(padding=1, padding_mode="replicate", stride=2)),
    ("Conv3d", (2, 3, 2), dict(padding=1)),
    ("ConvTranspose1d", (4, 2, 3), dict(stride=2)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2, bias=False)),
]
INPUTS = {"Conv1d": (2, 4, 9), "Conv2d": (2, 4, 8, 9), "Conv3d": (2, 2, 4, 5, 4),
          "ConvTranspose1d": (2, 4, 5), "ConvTranspose2d": (2, 4, 4, 5),
          "ConvTranspose3d": (1, 2, 3, 3, 2)}


@pytest.mark.parametrize("name,args,kwargs", LAYERS, ids=lambda v: str(v)[:40])
def test_conv_layers(name, args, kwargs):
    """Seeded init equals PyTorch's; repr, forward and parameter gradients agree."""
    if name == "Conv2d" and args[0] == 3:
        args = (4,) + args[1:]
    torch.manual_seed(7)
    ember.manual_seed(7)
    tm = getattr(torch.nn, name)(*args, **kwargs)
    em = getattr(enn, name)(*args, **kwargs)
    assert repr(em) == repr(tm)
    tp, ep = dict(tm.named_parameters()), dict(em.named_parameters())
    assert list(tp) == list(ep)
    for k in tp:
        np.testing.assert_array_equal(ep[k].detach().numpy(), tp[k].detach().numpy())
    x = np.random.default_rng(2).standard_normal(INPUTS[name]).astype(np.float32)
    to, eo = tm(torch.tensor(x)), em(ember.tensor(x))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
    to.square().sum().backward()
    eo.square().sum().backward()
    for k in tp:
        np.testing.assert_allclose(ep[k].grad.numpy(), tp[k].grad.numpy(), rtol=1e-4, atol=1e-4)


def test_conv_transpose_output_size():
    torch.manual_seed(0)
    ember.manual_seed(0)
    tm, em = torch.nn.ConvTranspose2d(2, 3, 3, stride=2), enn.ConvTranspose2d(2, 3, 3, stride=2)
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4)).astype(np.float32)
    for size in [(9, 9), (10, 10), [1, 3, 10, 9]]:
        to = tm(torch.tensor(x), output_size=size)
        eo = em(ember.tensor(x), output_size=size)
        assert tuple(eo.shape) == tuple(to.shape)
        np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    with pytest.raises(ValueError):
        em(ember.tensor(x), output_size=(12, 12))


def test_conv_layer_errors():
    for kwargs in [dict(groups=0), dict(groups=2), dict(padding="same", stride=2),
                   dict(padding="full"), dict(padding_mode="mirror")]:
        with pytest.raises(ValueError):
            torch.nn.Conv2d(3, 4, 3, **kwargs)
        with pytest.raises(ValueError):
            enn.Conv2d(3, 4, 3, **kwargs)
    with pytest.raises(ValueError):
        enn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")


def test_fold_unfold_layers():
    x = np.random.default_rng(5).standard_normal((2, 3, 6, 5))
    tu, eu = torch.nn.Unfold((2, 3), padding=1, stride=2), enn.Unfold((2, 3), padding=1, stride=2)
    assert repr(eu) == repr(tu)
    cols_t, cols_e = tu(torch.tensor(x)), eu(ember.tensor(x))
    np.testing.assert_allclose(cols_e.numpy(), cols_t.numpy())
    tf, ef = torch.nn.Fold((6, 5), (2, 3), padding=1, stride=2), enn.Fold((6, 5), (2, 3),
                                                                          padding=1, stride=2)
    assert repr(ef) == repr(tf)
    np.testing.assert_allclose(ef(cols_e).numpy(), tf(cols_t).numpy())


# --- padding -----------------------------------------------------------------------------------

PADS = [
    ((2, 3, 5, 6), (1, 2, 2, 1), "constant", dict(value=2.5)),
    ((2, 3, 5, 6), (1, 2, 2, 1, -1, 3), "constant", {}),
    ((3, 5), (-2, -1), "constant", {}),
    ((2, 3, 5), (3, -1), "reflect", {}),
    ((2, 3, 5, 6), (1, 2, 2, 1), "reflect", {}),
    ((2, 3, 5, 6, 4), (1, 2, 2, 1, 1, 1), "reflect", {}),
    ((2, 3, 5), (3, 4), "replicate", {}),
    ((2, 3, 5, 6), (1, 2, -2, 3), "replicate", {}),
    ((2, 3, 5, 6, 4), (1, 2, 2, 1, 1, 1), "replicate", {}),
    ((2, 3, 5), (3, -1), "circular", {}),
    ((3, 5, 6), (1, 2, 5, 1), "circular", {}),
    ((2, 3, 5, 6, 4), (1, 2, 2, 1, 1, 1), "circular", {}),
]


@pytest.mark.parametrize("shape,pad,mode,kw", PADS, ids=lambda v: str(v)[:30])
def test_pad(shape, pad, mode, kw):
    eo, to = compare("pad", [shape], dict(pad=pad, mode=mode, **kw))
    assert eo.grad_fn.name() == to.grad_fn.name().replace("torch::autograd::", "")


@pytest.mark.parametrize("shape,pad,mode,kw", [
    ((1, 3, 4), (4, 4), "reflect", {}),
    ((1, 3, 4), (5, 2), "circular", {}),
    ((1, 2, 3, 4), (1, 2), "reflect", {}),
    ((4,), (1, 2), "replicate", {}),
    ((1, 3, 4), (1, 2, 3), "constant", {}),
    ((1, 3, 4), (1, 2), "foo", {}),
    ((1, 3, 4), (1, 2), "reflect", dict(value=2)),
    ((1, 3), (1, 1, 1, 1, 1, 1), "constant", {}),
], ids=lambda v: str(v)[:30])
def test_pad_errors(shape, pad, mode, kw):
    with pytest.raises(Exception) as te:
        TF.pad(torch.zeros(shape), pad, mode=mode, **kw)
    with pytest.raises(Exception) as ee:
        EF.pad(ember.zeros(shape), pad, mode=mode, **kw)
    assert type(ee.value) is type(te.value)
    assert str(ee.value) == str(te.value)


def test_pad_gradcheck_and_integer():
    x = ember.tensor(np.random.default_rng(6).standard_normal((1, 2, 3, 4)), requires_grad=True)
    for mode in ("constant", "reflect", "replicate", "circular"):
        assert ember.autograd.gradcheck(lambda x: EF.pad(x, (1, 2, 2, 1), mode=mode), (x,))
    xi = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(EF.pad(ember.tensor(xi), (1, 1), value=2.7).numpy(),
                                  TF.pad(torch.tensor(xi), (1, 1), value=2.7).numpy())


@pytest.mark.parametrize("name,args,shape", [
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad2d", ((1, 2, 0, 3),), (2, 3, 4)),
    ("ZeroPad3d", (1,), (1, 2, 3, 4)), ("ConstantPad1d", ((1, 2), 3.5), (2, 4)),
    ("ConstantPad2d", (1, -1.0), (2, 3, 4)), ("ConstantPad3d", (1, 0.5), (2, 2, 3, 4)),
    ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad2d", ((1, 2, 0, 2),), (2, 3, 4)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 4)), ("ReplicationPad1d", (3,), (2, 3, 4)),
    ("ReplicationPad2d", (2,), (1, 2, 3, 4)), ("ReplicationPad3d", (1,), (1, 2, 2, 3, 4)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad2d", (1,), (2, 3, 4)),
    ("CircularPad3d", (1,), (1, 2, 3, 4)),
], ids=lambda v: str(v)[:20])
def test_pad_layers(name, args, shape):
    tm, em = getattr(torch.nn, name)(*args), getattr(enn, name)(*args)
    assert repr(em) == repr(tm)
    x = np.random.default_rng(8).standard_normal(shape)
    np.testing.assert_allclose(em(ember.tensor(x)).numpy(), tm(torch.tensor(x)).numpy())


def test_fold_unfold_gradcheck():
    rng = np.random.default_rng(12)
    x = ember.tensor(rng.standard_normal((1, 2, 4, 3)), requires_grad=True)
    assert ember.autograd.gradcheck(
        lambda x: EF.unfold(x, (2, 2), padding=1, stride=(2, 1), dilation=(1, 2)), (x,))
    c = ember.tensor(rng.standard_normal((1, 8, 6)), requires_grad=True)
    assert ember.autograd.gradcheck(lambda c: EF.fold(c, (3, 4), 2, stride=1, padding=0), (c,))
    w = ember.tensor(rng.standard_normal((2, 1, 2, 2, 2)), requires_grad=True)
    x3 = ember.tensor(rng.standard_normal((1, 2, 3, 3, 3)), requires_grad=True)
    assert ember.autograd.gradcheck(lambda x, w: EF.conv3d(x, w, stride=2, groups=2,
                                                           padding=1), (x3, w))
