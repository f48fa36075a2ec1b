"""The less common torch.nn / torch.optim pieces against PyTorch: lazy modules, adaptive
log-softmax, channel shuffle, fractional max pooling, conv/linear-BN fusion, the
memory-format helpers, linear_cross_entropy and Adafactor. Seeded default initialisation,
values, gradients, reprs, state_dict keys and exception types are compared."""
import copy
import warnings

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def E(t, requires_grad=False):
    """An ember tensor holding torch tensor `t`'s values."""
    return ember.tensor(t.detach().numpy().copy(), requires_grad=requires_grad)


def same(e, t, rtol=0, atol=0):
    """Ember tensor `e` equals torch tensor `t` in shape, dtype name and values."""
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def same_state(em, tm, rtol=0, atol=0):
    """Equal state_dict keys and values."""
    es, ts = em.state_dict(), tm.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        same(es[k], ts[k], rtol, atol)


# --- lazy modules ------------------------------------------------------------------------

LAZY = [
    ("LazyLinear", (4,), {}, (2, 3)),
    ("LazyLinear", (4,), dict(bias=False), (2, 5, 3)),
    ("LazyConv1d", (4, 3), dict(stride=2, padding=1), (2, 3, 9)),
    ("LazyConv1d", (4, 3), dict(bias=False), (3, 9)),
    ("LazyConv2d", (6, (3, 2)), dict(groups=3, padding_mode="reflect", padding=1), (2, 3, 7, 6)),
    ("LazyConv3d", (2, 2), {}, (1, 2, 4, 5, 4)),
    ("LazyConvTranspose1d", (4, 3), dict(stride=2, output_padding=1), (2, 3, 6)),
    ("LazyConvTranspose2d", (4, 3), dict(groups=2, dilation=2), (2, 4, 5, 5)),
    ("LazyConvTranspose3d", (2, 2), dict(bias=False), (2, 4, 3, 3)),
    ("LazyBatchNorm1d", (), {}, (4, 3, 5)),
    ("LazyBatchNorm2d", (), dict(momentum=None, bias=False), (4, 3, 5, 2)),
    ("LazyBatchNorm3d", (), dict(affine=False), (2, 3, 2, 3, 2)),
    ("LazyInstanceNorm1d", (), {}, (4, 3, 5)),
    ("LazyInstanceNorm1d", (), dict(affine=False, track_running_stats=False), (3, 5)),
    ("LazyInstanceNorm2d", (), dict(eps=1e-3), (2, 3, 4, 5)),
    ("LazyInstanceNorm3d", (), {}, (2, 3, 2, 3, 2)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", LAZY)
def test_lazy_module_matches_torch(name, args, kwargs, shape):
    tm = getattr(torch.nn, name)(*args, **kwargs)
    em = getattr(enn, name)(*args, **kwargs)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert repr(em.state_dict()) == repr(tm.state_dict())
    assert em.has_uninitialized_params() == tm.has_uninitialized_params()
    x = torch.randn(*shape, dtype=torch.float64)
    tm.double()
    em.double()
    torch.manual_seed(7)
    ember.manual_seed(7)
    tx, ex = x.clone().requires_grad_(), E(x, True)
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        to = tm(tx)
    with warnings.catch_warnings(record=True) as ew:
        warnings.simplefilter("always")
        eo = em(ex)
    assert [str(w.message) for w in ew] == [str(w.message) for w in tw]
    # the first call drew PyTorch's initial values and turned the module into its eager class
    assert type(em).__name__ == type(tm).__name__ == getattr(tm, "cls_to_become", type(tm)).__name__
    assert repr(em) == repr(tm)
    assert not hasattr(em, "_initialize_hook")
    same(eo, to, 1e-12, 1e-12)
    same_state(em, tm, 1e-12, 1e-12)
    g = torch.randn(to.shape, dtype=torch.float64)
    to.backward(g)
    eo.backward(E(g))
    same(ex.grad, tx.grad, 1e-10, 1e-10)
    for (n, tp), (_, ep) in zip(tm.named_parameters(), em.named_parameters()):
        same(ep.grad, tp.grad, 1e-10, 1e-10)


def test_lazy_seeded_init_equals_eager_torch_bits():
    torch.manual_seed(3)
    tm = torch.nn.Conv2d(3, 5, 3)
    ember.manual_seed(3)
    em = enn.LazyConv2d(5, 3)
    em(ember.zeros(1, 3, 4, 4))
    same_state(em, tm)


def test_lazy_load_state_dict_into_uninitialized():
    src = torch.nn.BatchNorm1d(3)
    src.running_mean.fill_(0.5)
    em = enn.LazyBatchNorm1d()
    em.load_state_dict({k: E(v) for k, v in src.state_dict().items()})
    assert not em.has_uninitialized_params()
    same(em.running_mean, src.running_mean)
    # still lazy in type until the first call, which leaves the loaded values alone
    em(ember.ones(2, 3))
    assert type(em) is enn.BatchNorm1d


def test_lazy_errors_and_copies():
    em, tm = enn.LazyConv1d(2, 3, groups=2), torch.nn.LazyConv1d(2, 3, groups=2)
    for x in [(1, 3, 5), (3,)]:
        with pytest.raises(Exception) as te:
            tm(torch.randn(*x))
        with pytest.raises(te.type):
            em(ember.randn(*x))
    with pytest.raises(ValueError):
        enn.LazyConvTranspose2d(4, 3, padding_mode="reflect")
    lin = enn.LazyConv2d(3, 2)
    cp = copy.deepcopy(lin)
    assert repr(cp.weight) == "<UninitializedParameter>"
    cp(ember.ones(1, 2, 3, 3))
    assert tuple(cp.weight.shape) == (3, 2, 2, 2)
    assert repr(lin.weight) == "<UninitializedParameter>"
    with pytest.raises(RuntimeError):
        enn.LazyBatchNorm1d()._replicate_for_data_parallel()
    assert enn.parameter.is_lazy(enn.LazyBatchNorm1d().running_mean)


# --- channel shuffle ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 3), ((1, 4, 2, 3), 2), ((2, 6, 2, 1, 2), 6),
                                          ((0, 4, 3), 2), ((2, 5, 3), 1)])
def test_channel_shuffle(shape, groups):
    x = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    ex = E(x, True)
    tm, em = torch.nn.ChannelShuffle(groups), enn.ChannelShuffle(groups)
    assert repr(em) == repr(tm)
    to, eo = tm(x), em(ex)
    same(eo, to)
    g = torch.randn(to.shape, dtype=torch.float64)
    to.backward(g)
    eo.backward(E(g))
    same(ex.grad, x.grad)
    same(EF.native_channel_shuffle(ex, groups), torch.native_channel_shuffle(x, groups))
    if x.numel():
        assert ember.autograd.gradcheck(lambda t: EF.channel_shuffle(t, groups), (ex,))
        assert ember.autograd.gradgradcheck(lambda t: EF.channel_shuffle(t, groups), (ex,))


def test_channel_shuffle_errors():
    for shape, groups in [((2, 4), 2), ((2, 4, 3), 3), ((2, 4, 3), 0), ((2, 4, 3), -1)]:
        for tf, ef in [(TF.channel_shuffle, EF.channel_shuffle),
                       (TF.native_channel_shuffle, EF.native_channel_shuffle)]:
            with pytest.raises(RuntimeError) as te:
                tf(torch.randn(*shape), groups)
            with pytest.raises(RuntimeError) as ee:
                ef(ember.randn(*shape), groups)
            assert str(ee.value) == str(te.value)
    x = ember.randn(2, 4, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="native_channel_shuffle is not implemented"):
        EF.native_channel_shuffle(x, 2).sum().backward()


# --- adaptive log-softmax ------------------------------------------------------------------

def _asm_pair(*args, **kwargs):
    torch.manual_seed(5)
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(*args, **kwargs)
    ember.manual_seed(5)
    em = enn.AdaptiveLogSoftmaxWithLoss(*args, **kwargs)
    return tm, em


@pytest.mark.filterwarnings("ignore:Initializing zero-element")
@pytest.mark.parametrize("kwargs", [dict(), dict(div_value=2.0, head_bias=True)])
def test_adaptive_log_softmax(kwargs):
    tm, em = _asm_pair(16, 20, [4, 9, 15], **kwargs)
    assert repr(em) == repr(tm)
    same_state(em, tm)     # seeded default init is PyTorch's, bit for bit
    tm.double()
    em.double()
    x = torch.randn(12, 16, dtype=torch.float64, requires_grad=True)
    target = torch.tensor([0, 3, 4, 8, 9, 19, 15, 1, 10, 5, 18, 2])
    ex = E(x, True)
    to, eo = tm(x, target), em(ex, E(target))
    same(eo.output, to.output, 1e-12, 1e-12)
    same(eo.loss, to.loss, 1e-12, 1e-12)
    (to.loss + to.output.sum()).backward()
    (eo.loss + eo.output.sum()).backward()
    same(ex.grad, x.grad, 1e-12, 1e-12)
    for (n, tp), (en, ep) in zip(tm.named_parameters(), em.named_parameters()):
        assert n == en
        same(ep.grad, tp.grad, 1e-12, 1e-12)
    with torch.no_grad(), ember.no_grad():
        same(em.log_prob(ex), tm.log_prob(x), 1e-12, 1e-12)
        same(em.predict(ex), tm.predict(x))
        # rows whose best head logit is a cluster: all, and some
        tm.head.weight[tm.shortlist_size:, 0] += 50.0
        em.head.weight.copy_(E(tm.head.weight))
        pos = x[:, 0] > 0
        assert 0 < int(pos.sum()) < len(x)
        same(em.predict(ex), tm.predict(x))
        same(em.predict(ex[E(pos)]), tm.predict(x[pos]))
    # unbatched input and a single row
    same(em(ex[0], E(target[0])).output, tm(x[0], target[0]).output, 1e-12, 1e-12)
    same(em(ex[:1], E(target[:1])).loss, tm(x[:1], target[:1]).loss, 1e-12, 1e-12)


def test_adaptive_log_softmax_errors():
    for cutoffs in [[], [5, 3], [0, 3], [3, 20], [3, 3], [2.5]]:
        with pytest.raises(ValueError):
            torch.nn.AdaptiveLogSoftmaxWithLoss(8, 20, cutoffs)
        with pytest.raises(ValueError):
            enn.AdaptiveLogSoftmaxWithLoss(8, 20, cutoffs)
    tm, em = _asm_pair(8, 10, [3])
    cases = [((4, 8), [1, 2, 3]), ((4, 8), [[1]] * 4), ((8,), [1, 2, 3, 4, 5, 6, 7, 8]),
             ((4, 8), [0, 1, 2, 10]), ((4, 8), [0, 1, -1, 2]), ((4,), 3)]
    for shape, target in cases:
        x = torch.randn(*shape)
        with pytest.raises(RuntimeError) as te:
            tm(x, torch.tensor(target))
        with pytest.raises(RuntimeError) as ee:
            em(E(x), ember.tensor(target))
        assert str(ee.value) == str(te.value)


# --- linear cross entropy ------------------------------------------------------------------

LCE = [
    ((6, 5), (4, 5), (6,), dict()),
    ((6, 5), (4, 5), (6,), dict(reduction="sum", ignore_index=2, label_smoothing=0.1)),
    ((6, 5), (4, 5), (6,), dict(reduction="none", weight=(4,))),
    ((5,), (4, 5), (), dict(label_smoothing=0.2, bias=True)),
    ((6, 5), (4, 3, 5), (6, 3), dict(bias=True, weight=(4,))),
    ((6, 5), (4, 5), "probs", dict(label_smoothing=0.3)),
    ((6, 5), (4, 2, 5), "probs", dict(reduction="none", bias=True)),
    ((6, 5), (4, 5), (6,), dict(options=True, weight=(4,))),
    ((6, 5), (4, 5), (6,), dict(options=True, reduction="none", bias=True)),
]


@pytest.mark.parametrize("xs,ws,ts,kw", LCE)
def test_linear_cross_entropy(xs, ws, ts, kw):
    kw = dict(kw)
    rng = torch.Generator().manual_seed(1)
    x = torch.randn(*xs, dtype=torch.float64, generator=rng, requires_grad=True)
    w = torch.randn(*ws, dtype=torch.float64, generator=rng, requires_grad=True)
    bias = torch.randn(ws[:-1], dtype=torch.float64, generator=rng, requires_grad=True) \
        if kw.pop("bias", False) else None
    if ts == "probs":
        target = torch.randn((xs[0],) + ws[:-1], dtype=torch.float64, generator=rng).softmax(1)
    else:
        target = torch.randint(0, ws[0], ts, generator=rng)
    tkw, ekw = dict(kw), dict(kw)
    if "weight" in kw:
        cw = torch.rand(kw["weight"], dtype=torch.float64, generator=rng)
        tkw["weight"], ekw["weight"] = cw, E(cw)
    if kw.get("options"):
        tkw["options"], ekw["options"] = torch.nn.LinearCrossEntropyOptions(), \
            enn.LinearCrossEntropyOptions()
    ex, ew = E(x, True), E(w, True)
    eb = None if bias is None else E(bias, True)
    to = TF.linear_cross_entropy(x, w, target, linear_bias=bias, **tkw)
    eo = EF.linear_cross_entropy(ex, ew, E(target), linear_bias=eb, **ekw)
    same(eo, to, 1e-12, 1e-12)
    g = torch.rand(to.shape, dtype=torch.float64)
    to.backward(g)
    eo.backward(E(g))
    for e, t in [(ex, x), (ew, w), (eb, bias)]:
        if t is not None:
            same(e.grad, t.grad, 1e-12, 1e-12)
    fn = lambda a, b: EF.linear_cross_entropy(a, b, E(target), **ekw)  # noqa: E731
    assert ember.autograd.gradcheck(fn, (ex.detach().requires_grad_(),
                                         ew.detach().requires_grad_()))


def test_linear_cross_entropy_errors_and_warning():
    cases = [((2, 3, 4), (5, 4), (2,), {}), ((3, 4), (4,), (3,), {}), ((3, 4), (5, 3), (3,), {}),
             ((3, 4), (5, 4), (3,), dict(linear_bias=(4,))), ((4,), (5, 2, 4), (2,), {}),
             ((3, 4), (5, 4), "probs", dict(ignore_index=1))]
    for xs, ws, ts, kw in cases:
        x, w = torch.randn(*xs), torch.randn(*ws)
        t = torch.rand(3, 5) if ts == "probs" else torch.randint(0, 5, ts)
        tkw = {k: torch.randn(v) if k == "linear_bias" else v for k, v in kw.items()}
        ekw = {k: E(v) if k == "linear_bias" else v for k, v in tkw.items()}
        with pytest.raises(RuntimeError) as te:
            TF.linear_cross_entropy(x, w, t, **tkw)
        with pytest.raises(RuntimeError) as ee:
            EF.linear_cross_entropy(E(x), E(w), E(t), **ekw)
        assert str(ee.value) == str(te.value)
    x, w, t = torch.randn(3, 4), torch.randn(5, 2, 4), torch.randint(0, 5, (3, 2))
    with pytest.warns(UserWarning) as tw:
        TF.linear_cross_entropy(x, w, t, options=torch.nn.LinearCrossEntropyOptions())
    with pytest.warns(UserWarning) as ew:
        EF.linear_cross_entropy(E(x), E(w), E(t), options=enn.LinearCrossEntropyOptions())
    assert str(ew[0].message) == str(tw[0].message)


def test_linear_cross_entropy_options():
    for kw in [dict(acc_policy="x"), dict(chunking_method="foo"),
               dict(chunking_method="aspect_ratio:0"), dict(batch_chunk_size=0)]:
        with pytest.raises(ValueError) as te:
            torch.nn.LinearCrossEntropyOptions(**kw)
        with pytest.raises(ValueError) as ee:
            enn.LinearCrossEntropyOptions(**kw)
        assert str(ee.value) == str(te.value)
    with pytest.raises(ValueError):
        enn.LinearCrossEntropyOptions(acc_dtype=ember.int32)
    assert repr(enn.LinearCrossEntropyOptions()) == repr(torch.nn.LinearCrossEntropyOptions())
    with pytest.raises(AttributeError):
        enn.LinearCrossEntropyOptions().acc_policy = "compact"
    # contradictory chunk settings are refused when the call resolves them
    x, w, t = torch.randn(100, 4), torch.randn(50, 4), torch.randint(0, 50, (100,))
    to = torch.nn.LinearCrossEntropyOptions(batch_chunk_size=3, chunking_method="aspect_ratio")
    eo = enn.LinearCrossEntropyOptions(batch_chunk_size=3, chunking_method="aspect_ratio")
    with pytest.raises(ValueError) as te:
        TF.linear_cross_entropy(x, w, t, options=to)
    with pytest.raises(ValueError) as ee:
        EF.linear_cross_entropy(E(x), E(w), E(t), options=eo)
    assert str(ee.value) == str(te.value)
    for kw in [dict(), dict(batch_chunk_size=7), dict(chunking_method="aspect_ratio:4"),
               dict(acc_policy="balanced", chunking_method=None)]:
        for dt in ["float32", "bfloat16"]:
            a = torch.nn.LinearCrossEntropyOptions(**kw)._adjust(
                100, 4, 50, getattr(torch, dt), torch.device("cpu"))
            b = enn.LinearCrossEntropyOptions(**kw)._adjust(
                100, 4, 50, getattr(ember, dt), ember.device("cpu"))
            assert repr(b) == repr(a)


@pytest.mark.parametrize("kwargs", [dict(), dict(out_features=(3,), bias=True, reduction="sum",
                                                 label_smoothing=0.1, ignore_index=1)])
def test_linear_cross_entropy_loss_module(kwargs):
    torch.manual_seed(2)
    tm = torch.nn.LinearCrossEntropyLoss(5, 4, **kwargs)
    ember.manual_seed(2)
    em = enn.LinearCrossEntropyLoss(5, 4, **kwargs)
    assert repr(em) == repr(tm)
    same_state(em, tm)
    x = torch.randn(6, 5, requires_grad=True)
    t = torch.randint(0, 4, (6,) + tuple(kwargs.get("out_features", ())))
    ex = E(x, True)
    to, eo = tm(x, t), em(ex, E(t))
    same(eo, to, 1e-5, 1e-6)
    to.backward()
    eo.backward()
    same(ex.grad, x.grad, 1e-5, 1e-6)
    same(em.linear.weight.grad, tm.linear.weight.grad, 1e-5, 1e-6)
    w = torch.rand(4)
    tw = torch.nn.LinearCrossEntropyLoss(5, 4, weight=w)
    ew = enn.LinearCrossEntropyLoss(5, 4, weight=E(w))
    assert list(ew.state_dict()) == list(tw.state_dict())
    for bad in [dict(weight=torch.rand(3)), dict(label_smoothing=1.5)]:
        ebad = {k: E(v) if k == "weight" else v for k, v in bad.items()}
        with pytest.raises(RuntimeError) as te:
            torch.nn.LinearCrossEntropyLoss(5, 4, **bad)
        with pytest.raises(RuntimeError) as ee:
            enn.LinearCrossEntropyLoss(5, 4, **ebad)
        assert str(ee.value) == str(te.value)


# --- fractional max pooling ----------------------------------------------------------------

FRAC = [
    (2, (2, 3, 9, 8), 2, dict(output_size=(4, 5))),
    (2, (3, 9, 8), (3, 2), dict(output_size=5)),
    (2, (2, 3, 10, 7), 2, dict(output_ratio=(0.5, 0.7))),
    (3, (2, 3, 7, 8, 9), 2, dict(output_size=(3, 4, 5))),
    (3, (3, 7, 8, 9), (1, 2, 3), dict(output_ratio=0.5)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("nd,shape,kernel,kw", FRAC)
def test_fractional_max_pool_seeded_matches_torch(nd, shape, kernel, kw, dtype):
    """Without samples both draw them with rand from the seeded generator: same windows."""
    x = torch.randn(*shape).to(getattr(torch, dtype))
    ex = E(x.float()).to(getattr(ember, dtype))
    name = "fractional_max_pool%dd" % nd
    torch.manual_seed(11)
    ember.manual_seed(11)
    to, ti = getattr(TF, name)(x, kernel, return_indices=True, **kw)
    eo, ei = getattr(EF, name)(ex, kernel, return_indices=True, **kw)
    same(ei, ti)
    same(eo.float(), to.float())
    assert str(eo.dtype) == str(to.dtype)
    # the generator advanced alike
    same(ember.rand(3), torch.rand(3))


@pytest.mark.parametrize("nd,shape,kernel,kw", FRAC)
def test_fractional_max_pool_module_and_gradients(nd, shape, kernel, kw):
    cls = "FractionalMaxPool%dd" % nd
    batch = shape[0] if len(shape) == nd + 2 else 1
    samples = torch.rand(batch + 1, shape[-nd - 1], nd, dtype=torch.float64)
    tm = getattr(torch.nn, cls)(kernel, return_indices=True, _random_samples=samples, **kw)
    em = getattr(enn, cls)(kernel, return_indices=True, _random_samples=E(samples), **kw)
    assert repr(em) == repr(tm)
    same_state(em, tm)
    # ties and NaNs: the first largest value, or the last NaN, as PyTorch's loop
    x = torch.randint(0, 3, shape).double()
    x.view(-1)[::7] = float("nan")
    x.requires_grad_()
    ex = E(x, True)
    (to, ti), (eo, ei) = tm(x), em(ex)
    same(ei, ti)
    same(eo, to)
    assert eo.grad_fn.name() == to.grad_fn.name()
    g = torch.randn(to.shape, dtype=torch.float64)
    to.backward(g)
    eo.backward(E(g))
    same(ex.grad, x.grad)
    # without samples, a module draws new windows each call
    tm2 = getattr(torch.nn, cls)(kernel, **kw)
    em2 = getattr(enn, cls)(kernel, **kw)
    torch.manual_seed(4)
    ember.manual_seed(4)
    for _ in range(2):
        same(em2(ex), tm2(x))


@pytest.mark.parametrize("shape,kernel,out", [((1, 2, 5, 4), 2, (3, 3)), ((2, 5, 5), (2, 3), 2),
                                              ((1, 1, 4, 4, 5), 2, (2, 2, 3))])
def test_fractional_max_pool_gradcheck(shape, kernel, out):
    """Values and their second derivative (distinct values: no ties)."""
    nd = len(out) if isinstance(out, tuple) else 2
    samples = ember.rand(1, shape[-nd - 1], nd, dtype=ember.float64)
    y = (ember.randperm(int(np.prod(shape))).double().reshape(shape) / 7).requires_grad_()
    fn = lambda t: getattr(EF, "fractional_max_pool%dd" % nd)(  # noqa: E731
        t, kernel, out, _random_samples=samples)
    assert ember.autograd.gradcheck(fn, (y,))
    assert ember.autograd.gradgradcheck(fn, (y,))


def test_fractional_max_pool_errors():
    F2 = (TF.fractional_max_pool2d, EF.fractional_max_pool2d)
    F3 = (TF.fractional_max_pool3d, EF.fractional_max_pool3d)
    x4, x5 = torch.randn(2, 3, 8, 7), torch.randn(2, 3, 5, 6, 8)
    cases = [
        (F2, x4, (3,), {}), (F2, x4, (3,), dict(output_size=(7, 2))),
        (F2, x4, (3,), dict(output_size=(6, 6))), (F2, x4, ((3, 2, 1),), dict(output_size=4)),
        (F2, x4, (3,), dict(output_size=(4, 4, 4))),
        (F2, x4, (3,), dict(output_ratio=(0.5, 0.5, 0.5))),
        (F2, x4, (3,), dict(output_ratio=(0.5,))), (F2, x4, (3,), dict(output_ratio=0.5)),
        (F2, torch.randn(8, 7), (3,), dict(output_size=4)),
        (F2, torch.randn(2, 0, 8, 7), (3,), dict(output_size=4)),
        (F2, torch.randn(1, 2, 3, 8, 7), (3,), dict(output_size=4)),
        (F2, x4, (3,), dict(output_size=-1)), (F2, x4, (3.0,), dict(output_size=4)),
        (F2, x4.int(), (3,), dict(output_size=4)),
        (F2, x4.int(), (3,), dict(output_size=4, _random_samples=torch.rand(2, 3, 2).int())),
        (F3, x5, (2,), dict(output_size=(4, 6, 3))), (F3, x5, (2,), dict(output_size=(3, 6, 3))),
        (F3, x5, (2,), dict(output_size=(3, 3, 8))), (F3, x5, ((2, 2),), dict(output_size=3)),
        (F3, x5, (2,), dict(output_ratio=(0.5, 0.5))),
        (F3, torch.randn(2, 3, 0, 6, 7), (2,), dict(output_size=3)),
    ]
    for name, shape in [("double", None), ("small", (1, 3, 2)), ("channels", (2, 2, 2)),
                        ("dims", (2, 3, 3)), ("rank", (2, 3))]:
        s = torch.rand(*(shape or (2, 3, 2)), dtype=torch.float64 if shape is None else None)
        cases.append((F2, x4, (3,), dict(output_size=4, _random_samples=s)))
    for (tf, ef), x, args, kw in cases:
        ekw = {k: E(v) if isinstance(v, torch.Tensor) else v for k, v in kw.items()}
        torch.manual_seed(0)
        ember.manual_seed(0)
        with pytest.raises(Exception) as te:
            tf(x, *args, **kw)
        with pytest.raises(te.type) as ee:
            ef(E(x), *args, **ekw)
        if te.type is RuntimeError:
            assert str(ee.value) == str(te.value)
    for cls, args, kw in [("FractionalMaxPool2d", (2,), {}),
                          ("FractionalMaxPool2d", (2,), dict(output_size=3, output_ratio=0.5)),
                          ("FractionalMaxPool2d", (2,), dict(output_ratio=1.5)),
                          ("FractionalMaxPool3d", (0,), dict(output_ratio=0.5)),
                          ("FractionalMaxPool3d", (2,), dict(output_ratio=(0.5, 0.5, 1)))]:
        with pytest.raises(ValueError) as te:
            getattr(torch.nn, cls)(*args, **kw)
        with pytest.raises(ValueError) as ee:
            getattr(enn, cls)(*args, **kw)
        assert str(ee.value) == str(te.value)


def test_fractional_max_pool_empty_and_degenerate():
    for shape, k, o in [((1, 2, 50, 2), (3, 1), (0, 2)), ((0, 2, 50, 3), (3, 1), (4, 2)),
                        ((2, 3, 9, 8), 0, (4, 4)), ((2, 3, 9, 8), (2, 0), (4, 4))]:
        x = torch.randn(*shape)
        s = torch.rand(max(shape[0], 1), shape[1], 2)
        t = TF.fractional_max_pool2d(x, k, output_size=o, return_indices=True,
                                     _random_samples=s)
        e = EF.fractional_max_pool2d(E(x), k, output_size=o, return_indices=True,
                                     _random_samples=E(s))
        same(e[0], t[0])
        same(e[1], t[1])


# --- conv / linear + batch norm fusion, memory formats -------------------------------------

def _trained_bn(cls, n):
    """A torch batch norm with non-trivial statistics and affine parameters, in eval mode."""
    bn = cls(n)
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
    return bn.eval()


def _to_ember(tmod, emod):
    emod.load_state_dict({k: E(v) for k, v in tmod.state_dict().items()})
    return emod.eval()


@pytest.mark.parametrize("conv,args,bn,transpose,bias", [
    ("Conv2d", (3, 4, 3), "BatchNorm2d", False, True),
    ("Conv1d", (3, 4, 2), "BatchNorm1d", False, False),
    ("ConvTranspose2d", (3, 4, 2), "BatchNorm2d", True, True),
    ("Conv3d", (2, 3, 2), "BatchNorm3d", False, True),
])
def test_fuse_conv_bn_eval(conv, args, bn, transpose, bias):
    tc = getattr(torch.nn, conv)(*args, bias=bias).eval()
    tb = _trained_bn(getattr(torch.nn, bn), args[1])
    ec = _to_ember(tc, getattr(enn, conv)(*args, bias=bias))
    eb = _to_ember(tb, getattr(enn, bn)(args[1]))
    tf = torch.nn.utils.fuse_conv_bn_eval(tc, tb, transpose)
    ef = enn.utils.fuse_conv_bn_eval(ec, eb, transpose)
    assert ef is not ec and (ec.bias is None) == (not bias) and ef.bias is not None
    assert isinstance(ef.weight, enn.Parameter) and ef.weight.requires_grad
    same_state(ef, tf, 1e-6, 1e-6)
    x = torch.randn((2, args[0]) + (5,) * (len(tc.weight.shape) - 2))
    same(ef(E(x)), tf(x), 1e-5, 1e-5)
    same(ef(E(x)), eb(ec(E(x))), 1e-5, 1e-5)


def test_fuse_weights_and_linear():
    tl = torch.nn.Linear(5, 3).eval()
    tb = _trained_bn(torch.nn.BatchNorm1d, 3)
    el, eb = _to_ember(tl, enn.Linear(5, 3)), _to_ember(tb, enn.BatchNorm1d(3))
    same_state(enn.utils.fuse_linear_bn_eval(el, eb),
               torch.nn.utils.fuse_linear_bn_eval(tl, tb), 1e-6, 1e-6)
    # a one-feature batch norm broadcasts over every output
    tb1 = _trained_bn(torch.nn.BatchNorm1d, 1)
    eb1 = _to_ember(tb1, enn.BatchNorm1d(1))
    same_state(enn.utils.fuse_linear_bn_eval(el, eb1),
               torch.nn.utils.fuse_linear_bn_eval(tl, tb1), 1e-6, 1e-6)
    with pytest.raises(AssertionError):
        enn.utils.fuse_linear_bn_eval(el, _to_ember(tb, enn.BatchNorm1d(3)).train())
    with pytest.raises(AssertionError):
        enn.utils.fuse_linear_bn_eval(el, enn.BatchNorm1d(4).eval())
    with pytest.raises(AssertionError):
        enn.utils.fuse_conv_bn_eval(enn.Conv1d(2, 3, 1).eval(),
                                    enn.BatchNorm1d(3, track_running_stats=False).eval())
    # the weights forms, without conv bias / bn affine terms, in float64
    w, rm, rv = torch.randn(4, 2, 3, dtype=torch.float64), torch.randn(4).double(), \
        torch.rand(4).double() + 0.5
    tw, tb_ = torch.nn.utils.fuse_conv_bn_weights(w, None, rm, rv, 1e-3, None, None)
    ew, eb_ = enn.utils.fuse_conv_bn_weights(E(w), None, E(rm), E(rv), 1e-3, None, None)
    same(ew, tw, 1e-15, 1e-15)
    same(eb_, tb_, 1e-15, 1e-15)
    assert type(ew) is enn.Parameter and not ew.requires_grad
    lw, lb = torch.nn.utils.fuse_linear_bn_weights(w[:, :, 0], None, rm, rv, 1e-5, rv, rm)
    ew, eb_ = enn.utils.fuse_linear_bn_weights(E(w[:, :, 0]), None, E(rm), E(rv), 1e-5, E(rv),
                                               E(rm))
    same(ew, lw, 1e-15, 1e-15)
    same(eb_, lb, 1e-15, 1e-15)
    assert enn.utils.fusion.__all__ == torch.nn.utils.fusion.__all__


def test_convert_weight_memory_format_returns_module():
    m = enn.Sequential(enn.Conv2d(2, 3, 1), enn.Sequential(enn.ConvTranspose3d(3, 2, 1)))
    before = [p.detach().clone() for p in m.parameters()]
    for fn in (enn.utils.convert_conv2d_weight_memory_format,
               enn.utils.convert_conv3d_weight_memory_format):
        assert fn(m, ember.channels_last) is m
    for p, q in zip(m.parameters(), before):
        np.testing.assert_array_equal(p.detach().numpy(), q.numpy())
    assert enn.utils.memory_format.__all__ == torch.nn.utils.memory_format.__all__


# --- Adafactor ------------------------------------------------------------------------------

ADAFACTOR = [dict(), dict(lr=0.1, weight_decay=0.1, maximize=True),
             dict(eps=(1e-3, 1e-2), d=2.0, beta2_decay=-0.5), dict(foreach=True),
             dict(lr=torch.tensor(0.02))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", ADAFACTOR)
def test_adafactor_trajectory_matches_torch(kw, dtype):
    """20 steps over matrices, a batch of matrices, vectors and a scalar: the parameters
    follow PyTorch's to float rounding (norms are summed in another order), and the state
    dicts have PyTorch's layout."""
    dt = getattr(torch, dtype)
    gen = torch.Generator().manual_seed(0)
    shapes = [(5, 4), (3,), (2, 3, 4), (), (6, 1)]
    tps = [torch.randn(s, dtype=dt, generator=gen, requires_grad=True) for s in shapes]
    eps_ = [E(t, True) for t in tps]
    ekw = {k: E(v) if isinstance(v, torch.Tensor) else v for k, v in kw.items()}
    to = torch.optim.Adafactor(tps, **kw)
    eo = ember.optim.Adafactor(eps_, **ekw)
    if not isinstance(kw.get("lr"), torch.Tensor):   # (Optimizer.__repr__ prints tensors)
        assert repr(eo) == repr(to)
    rtol, atol = (1e-6, 1e-7) if dtype == "float32" else (1e-12, 1e-14)
    for _ in range(20):
        for t, e in zip(tps, eps_):
            g = torch.randn(t.shape, dtype=dt, generator=gen)
            t.grad, e.grad = g, E(g)
        to.step()
        eo.step()
        for t, e in zip(tps, eps_):
            same(e, t, rtol, atol)
    ts, es = to.state_dict(), eo.state_dict()
    assert ts["param_groups"][0].keys() == es["param_groups"][0].keys()
    for i in ts["state"]:
        assert list(es["state"][i]) == list(ts["state"][i])
        for k in ts["state"][i]:
            same(es["state"][i][k], ts["state"][i][k], rtol * 10, atol)


def test_adafactor_state_dict_from_torch_and_errors():
    t = torch.randn(4, 3, requires_grad=True)
    to = torch.optim.Adafactor([t], lr=0.05)
    t.grad = torch.randn(4, 3)
    to.step()
    e = E(t, True)
    eo = ember.optim.Adafactor([e], lr=0.05)
    eo.load_state_dict({"state": {0: {k: E(v) for k, v in to.state_dict()["state"][0].items()}},
                        "param_groups": to.state_dict()["param_groups"]})
    g = torch.randn(4, 3)
    t.grad, e.grad = g, E(g)
    to.step()
    eo.step()
    same(e, t, 1e-6, 1e-7)
    for kw in [dict(lr=-1.0), dict(beta2_decay=0.5), dict(eps=(-1.0, 1e-3)),
               dict(eps=(None, -1.0)), dict(d=0.5), dict(weight_decay=-0.1),
               dict(lr=torch.tensor([0.1, 0.2]))]:
        ekw = {k: E(v) if isinstance(v, torch.Tensor) else v for k, v in kw.items()}
        with pytest.raises(ValueError) as te:
            torch.optim.Adafactor([t], **kw)
        with pytest.raises(ValueError) as ee:
            ember.optim.Adafactor([e], **ekw)
        assert str(ee.value) == str(te.value)
    c = ember.zeros(3, dtype=ember.complex64, requires_grad=True)
    c.grad = ember.ones_like(c)
    with pytest.raises(RuntimeError, match="complex"):
        ember.optim.Adafactor([c]).step()


# --- Muon ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kw,dtype", [
    (dict(), "float32"), (dict(), "float64"),
    (dict(lr=0.02, nesterov=False, weight_decay=0.01, adjust_lr_fn="match_rms_adamw"), "float32"),
    (dict(ns_steps=3, momentum=0.5, adjust_lr_fn="original"), "float32")])
def test_muon_trajectory_matches_torch(kw, dtype):
    """The Newton-Schulz iteration runs in bfloat16 in both (each product rounded once), so
    20 steps agree to bfloat16 rounding of the update (float32 sums may round a product the
    other way), scaled by the learning rate."""
    dt = getattr(torch, dtype)
    gen = torch.Generator().manual_seed(0)
    tps = [torch.randn(s, dtype=dt, generator=gen, requires_grad=True)
           for s in [(5, 4), (3, 7), (6, 6)]]
    eps_ = [E(t, True) for t in tps]
    to, eo = torch.optim.Muon(tps, **kw), ember.optim.Muon(eps_, **kw)
    assert repr(eo) == repr(to)
    atol = 2 ** -7 * kw.get("lr", 1e-3)
    for _ in range(20):
        for t, e in zip(tps, eps_):
            g = torch.randn(t.shape, dtype=dt, generator=gen)
            t.grad, e.grad = g, E(g)
        to.step()
        eo.step()
        for t, e in zip(tps, eps_):
            same(e, t, 1e-6, atol)
    for i, t in enumerate(tps):
        same(eo.state_dict()["state"][i]["momentum_buffer"],
             to.state_dict()["state"][i]["momentum_buffer"], 1e-5, 1e-5)


def test_muon_newton_schulz_and_errors():
    from ember.optim.muon import _zeropower_via_newtonschulz as ns_e
    from torch.optim._muon import _zeropower_via_newtonschulz as ns_t
    gen = torch.Generator().manual_seed(3)
    for shape in [(4, 3), (8, 16), (32, 32), (64, 20)]:
        g = torch.randn(*shape, generator=gen)
        t = ns_t(g, (3.4445, -4.7750, 2.0315), 5, 1e-7).float().numpy()
        e = ns_e(g.numpy(), (3.4445, -4.7750, 2.0315), 5, 1e-7)
        assert (e != t).mean() < 0.01      # exact but for rare roundings of float32 sums
        np.testing.assert_allclose(e, t, atol=2 ** -7)
    p = ember.randn(3, 3, requires_grad=True)
    for kw in [dict(lr=-1.0), dict(momentum=-0.1), dict(weight_decay=-1.0),
               dict(adjust_lr_fn="other")]:
        with pytest.raises(ValueError) as te:
            torch.optim.Muon([torch.randn(3, 3, requires_grad=True)], **kw)
        with pytest.raises(ValueError) as ee:
            ember.optim.Muon([p], **kw)
        assert str(ee.value) == str(te.value)
    with pytest.raises(ValueError, match="only supports 2D"):
        ember.optim.Muon([ember.randn(3, requires_grad=True)])


# --- the API surface -------------------------------------------------------------------------

def _params(fn):
    import inspect
    return [(p.name, p.default, p.kind) for p in inspect.signature(fn).parameters.values()]


NEW_CLASSES = ["AdaptiveLogSoftmaxWithLoss", "ChannelShuffle", "FractionalMaxPool2d",
               "FractionalMaxPool3d", "LazyConv1d", "LazyConv2d", "LazyConv3d",
               "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
               "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
               "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear", "LinearCrossEntropyLoss",
               "LinearCrossEntropyOptions"]


@pytest.mark.parametrize("name", NEW_CLASSES)
def test_constructor_signatures(name):
    assert _params(getattr(enn, name)) == _params(getattr(torch.nn, name))


def test_function_and_optimizer_signatures():
    for name in ["fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices",
                 "linear_cross_entropy"]:
        assert _params(getattr(EF, name)) == _params(getattr(TF, name))
    for name in ["Adafactor", "Muon"]:
        assert _params(getattr(ember.optim, name)) == _params(getattr(torch.optim, name))
    import inspect
    assert [n for n in dir(torch.nn) if not n.startswith("_")
            and inspect.isclass(getattr(torch.nn, n)) and not hasattr(enn, n)] == []
    assert [n for n in dir(torch.nn.utils) if not n.startswith("_")
            and not hasattr(enn.utils, n)] == []
    assert [n for n in dir(torch.optim) if not n.startswith("_")
            and inspect.isclass(getattr(torch.optim, n)) and not hasattr(ember.optim, n)] == []


def test_uninitialized_parameter_refuses_shape_queries_like_torch():
    for lib in (torch, ember):
        for make in (lib.nn.parameter.UninitializedParameter, lib.nn.parameter.UninitializedBuffer):
            u = make()
            with pytest.raises(RuntimeError, match="shape of an uninitialized"):
                u.shape
            for query in (u.numel, u.dim):
                with pytest.raises(ValueError, match="Attempted to use an uninitialized"):
                    query()
            assert tuple(u.size()) == (0,) and u.ndim == 1
