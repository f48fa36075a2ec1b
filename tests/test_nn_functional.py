"""ember.nn.functional against torch.nn.functional: values, input gradients, gradcheck."""
import numpy as np
import pytest

import ember
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)


def _pair(arr, requires_grad=False):
    e = ember.tensor(arr, requires_grad=requires_grad)
    t = torch.tensor(arr, requires_grad=requires_grad)
    return e, t


def _close(e, t, rtol=1e-5, atol=1e-6):
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def randn(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def rand(*shape):
    return RNG.random(shape).astype(np.float32)


def labels(n, c, *rest):
    return RNG.integers(0, c, (n,) + rest).astype(np.int64)


# (id, function name, inputs that get gradients, other positional args, kwargs)
# inputs are numpy arrays; "other" may hold arrays (converted, no grad) or plain values
CASES = [
    ("relu", "relu", [randn(3, 4)], [], {}),
    ("relu6", "relu6", [randn(3, 4) * 4], [], {}),
    ("leaky_relu", "leaky_relu", [randn(3, 4)], [0.2], {}),
    ("elu", "elu", [randn(3, 4)], [], {"alpha": 0.7}),
    ("selu", "selu", [randn(3, 4)], [], {}),
    ("celu", "celu", [randn(3, 4)], [], {"alpha": 1.5}),
    ("gelu", "gelu", [randn(3, 4)], [], {}),
    ("gelu_tanh", "gelu", [randn(3, 4)], [], {"approximate": "tanh"}),
    ("silu", "silu", [randn(3, 4)], [], {}),
    ("mish", "mish", [randn(3, 4)], [], {}),
    ("logsigmoid", "logsigmoid", [randn(3, 4) * 5], [], {}),
    ("hardtanh", "hardtanh", [randn(3, 4) * 2], [-0.5, 1.5], {}),
    ("hardsigmoid", "hardsigmoid", [randn(3, 4) * 4], [], {}),
    ("hardswish", "hardswish", [randn(3, 4) * 4], [], {}),
    ("hardshrink", "hardshrink", [randn(3, 4)], [], {"lambd": 0.3}),
    ("softshrink", "softshrink", [randn(3, 4)], [0.3], {}),
    ("tanhshrink", "tanhshrink", [randn(3, 4)], [], {}),
    ("softplus", "softplus", [randn(3, 4) * 10], [], {"beta": 2, "threshold": 5}),
    ("softsign", "softsign", [randn(3, 4)], [], {}),
    ("threshold", "threshold", [randn(3, 4)], [0.1, -2.0], {}),
    ("glu", "glu", [randn(3, 4, 6)], [], {"dim": 1}),
    ("softmax", "softmax", [randn(3, 4, 5)], [], {"dim": 1}),
    ("softmax_last", "softmax", [randn(3, 5)], [], {"dim": -1}),
    ("log_softmax", "log_softmax", [randn(3, 4, 5)], [], {"dim": 2}),
    ("softmin", "softmin", [randn(3, 5)], [], {"dim": 0}),
    ("prelu", "prelu", [randn(2, 3, 4), rand(3)], [], {}),
    ("prelu_scalar", "prelu", [randn(2, 3), rand(1)], [], {}),
    ("linear", "linear", [randn(5, 3), randn(4, 3), randn(4)], [], {}),
    ("linear_3d", "linear", [randn(2, 5, 3), randn(4, 3)], [], {}),
    ("linear_1d", "linear", [randn(3), randn(4, 3), randn(4)], [], {}),
    ("bilinear", "bilinear", [randn(5, 3), randn(5, 2), randn(4, 3, 2), randn(4)], [], {}),
    ("normalize", "normalize", [randn(4, 5)], [], {}),
    ("normalize_p1", "normalize", [randn(4, 5)], [], {"p": 1, "dim": 0}),
    ("cosine_similarity", "cosine_similarity", [randn(4, 5), randn(4, 5)], [], {}),
    ("pairwise_distance", "pairwise_distance", [randn(4, 5), randn(4, 5)], [], {}),
    ("pairwise_distance_p3", "pairwise_distance", [randn(4, 5), randn(4, 5)], [], {"p": 3.0}),
    ("pdist", "pdist", [randn(5, 3)], [], {}),
    ("layer_norm", lambda F, x, w, b: F.layer_norm(x, (4, 5), w, b),
     [randn(3, 4, 5), randn(4, 5), randn(4, 5)], [], {}),
    ("layer_norm_noaffine", "layer_norm", [randn(3, 4, 5)], [(5,)], {}),
    ("group_norm", lambda F, x, w, b: F.group_norm(x, 3, w, b),
     [randn(3, 6, 5), randn(6), randn(6)], [], {}),
    ("batch_norm_train", "batch_norm", [randn(6, 3, 4)], [None, None, None, None, True], {}),
    ("instance_norm", "instance_norm", [randn(2, 3, 6)], [], {}),
    ("local_response_norm", "local_response_norm", [randn(2, 5, 4, 3)], [3], {}),
    ("local_response_norm_3d", "local_response_norm", [randn(2, 5, 4)], [2], {}),
    ("mse", "mse_loss", [randn(3, 4), randn(3, 4)], [], {}),
    ("mse_sum", "mse_loss", [randn(3, 4), randn(3, 4)], [], {"reduction": "sum"}),
    ("mse_none", "mse_loss", [randn(3, 4), randn(3, 4)], [], {"reduction": "none"}),
    ("l1", "l1_loss", [randn(3, 4), randn(3, 4)], [], {}),
    ("smooth_l1", "smooth_l1_loss", [randn(3, 4), randn(3, 4)], [], {"beta": 0.5}),
    ("huber", "huber_loss", [randn(3, 4) * 2, randn(3, 4)], [], {"delta": 0.7}),
    ("huber_none", "huber_loss", [randn(3, 4) * 2, randn(3, 4)], [], {"reduction": "none"}),
    ("cross_entropy", "cross_entropy", [randn(5, 4)], [labels(5, 4)], {}),
    ("cross_entropy_kdim", "cross_entropy", [randn(2, 4, 3, 2)], [labels(2, 4, 3, 2)], {}),
    ("cross_entropy_weight", "cross_entropy", [randn(5, 4)], [labels(5, 4)],
     {"weight": rand(4) + 0.1, "ignore_index": 1}),
    ("cross_entropy_smooth", "cross_entropy", [randn(5, 4)], [labels(5, 4)],
     {"label_smoothing": 0.2}),
    ("cross_entropy_smooth_w", "cross_entropy", [randn(5, 4)], [labels(5, 4)],
     {"label_smoothing": 0.2, "weight": rand(4) + 0.1, "reduction": "sum"}),
    ("cross_entropy_probs", "cross_entropy", [randn(5, 4), rand(5, 4)], [], {}),
    ("cross_entropy_probs_smooth", "cross_entropy", [randn(5, 4), rand(5, 4)], [],
     {"label_smoothing": 0.1, "reduction": "none"}),
    ("cross_entropy_1d", "cross_entropy", [randn(4)], [np.array(2)], {}),
    ("nll", "nll_loss", [randn(5, 4)], [labels(5, 4)], {"reduction": "sum"}),
    ("nll_none_3d", "nll_loss", [randn(2, 4, 3)], [labels(2, 4, 3)], {"reduction": "none"}),
    ("bce", "binary_cross_entropy", [rand(3, 4) * 0.9 + 0.05, rand(3, 4)], [], {}),
    ("bce_weight", "binary_cross_entropy", [rand(3, 4) * 0.9 + 0.05], [rand(3, 4), rand(4)], {}),
    ("bce_logits", "binary_cross_entropy_with_logits", [randn(3, 4), rand(3, 4)], [], {}),
    ("bce_logits_pos", "binary_cross_entropy_with_logits", [randn(3, 4), rand(3, 4)], [],
     {"pos_weight": rand(4) + 0.5, "weight": rand(3, 4), "reduction": "sum"}),
    ("kl_div", "kl_div", [randn(3, 4), rand(3, 4)], [], {"reduction": "batchmean"}),
    ("kl_div_log", "kl_div", [randn(3, 4), randn(3, 4)], [], {"reduction": "sum",
                                                               "log_target": True}),
    ("poisson_nll", "poisson_nll_loss", [randn(3, 4), rand(3, 4) * 3], [], {}),
    ("poisson_nll_full", "poisson_nll_loss", [rand(3, 4) + 0.1, rand(3, 4) * 3], [],
     {"log_input": False, "full": True}),
    ("gaussian_nll", "gaussian_nll_loss", [randn(3, 4), randn(3, 4), rand(3, 4) + 0.1], [], {}),
    ("margin_ranking", "margin_ranking_loss", [randn(5), randn(5)],
     [np.sign(randn(5))], {"margin": 0.3}),
    ("hinge_embedding", "hinge_embedding_loss", [randn(5, 3)], [np.sign(randn(5, 3))], {}),
    ("cosine_embedding", "cosine_embedding_loss", [randn(5, 3), randn(5, 3)],
     [np.sign(randn(5))], {"margin": 0.2}),
    ("triplet", "triplet_margin_loss", [randn(5, 3), randn(5, 3), randn(5, 3)], [],
     {"swap": True}),
    ("soft_margin", "soft_margin_loss", [randn(5, 3)], [np.sign(randn(5, 3))], {}),
    ("multilabel_soft_margin", "multilabel_soft_margin_loss", [randn(5, 3)],
     [(rand(5, 3) > 0.5).astype(np.float32)], {}),
    ("multilabel_margin", "multilabel_margin_loss", [randn(3, 4)],
     [np.array([[3, 0, -1, 1], [1, 2, 3, -1], [-1, 0, 0, 0]])], {}),
    ("multi_margin", "multi_margin_loss", [randn(5, 4)], [labels(5, 4)], {}),
    ("multi_margin_p2", "multi_margin_loss", [randn(5, 4)], [labels(5, 4)],
     {"p": 2, "margin": 0.5, "weight": rand(4)}),
]


def _fn(name, lib):
    if callable(name):
        return lambda *a, **k: name(lib, *a, **k)
    return getattr(lib, name)


def _convert(v, lib):
    if isinstance(v, np.ndarray):
        return ember.tensor(v) if lib == "e" else torch.tensor(v)
    return v


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(case):
    _, name, grads, others, kwargs = case
    eg, tg = zip(*[_pair(a, True) for a in grads])
    eo = [_convert(v, "e") for v in others]
    to = [_convert(v, "t") for v in others]
    ek = {k: _convert(v, "e") for k, v in kwargs.items()}
    tk = {k: _convert(v, "t") for k, v in kwargs.items()}
    e_out = _fn(name, EF)(*eg, *eo, **ek)
    t_out = _fn(name, TF)(*tg, *to, **tk)
    _close(e_out, t_out, rtol=2e-5, atol=2e-6)
    assert e_out.grad_fn.name() == t_out.grad_fn.name()
    seed = randn(*t_out.shape) if t_out.dim() else np.array(1.5, dtype=np.float32)
    e_out.backward(ember.tensor(seed))
    t_out.backward(torch.tensor(seed))
    for e, t in zip(eg, tg):
        if t.grad is None:
            assert e.grad is None
        else:
            _close(e.grad, t.grad, rtol=1e-4, atol=1e-5)


GRADCHECK = [c for c in CASES if c[0] not in ("hardshrink", "softshrink", "threshold")]


@pytest.mark.parametrize("case", GRADCHECK, ids=[c[0] for c in GRADCHECK])
def test_gradcheck(case):
    _, name, grads, others, kwargs = case
    inputs = [ember.tensor(a.astype(np.float64), requires_grad=True) for a in grads]

    def conv(v):
        if isinstance(v, np.ndarray):
            return ember.tensor(v.astype(np.float64) if v.dtype == np.float32 else v)
        return v
    eo = [conv(v) for v in others]
    ek = {k: conv(v) for k, v in kwargs.items()}
    assert ember.autograd.gradcheck(lambda *xs: _fn(name, EF)(*xs, *eo, **ek), inputs)


@pytest.mark.parametrize("name,args", [
    ("softmax", dict(dim=1)), ("log_softmax", dict(dim=0)), ("gelu", {}), ("silu", {}),
    ("elu", {}), ("softplus", {}),
])
def test_double_backward(name, args):
    x = ember.tensor(randn(3, 4).astype(np.float64), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda t: getattr(EF, name)(t, **args), [x])


def test_double_backward_losses_and_norms():
    x = ember.tensor(randn(4, 3).astype(np.float64), requires_grad=True)
    w = ember.tensor(randn(3).astype(np.float64), requires_grad=True)
    y = ember.tensor(labels(4, 3))
    assert ember.autograd.gradgradcheck(lambda a: EF.cross_entropy(a, y), [x])
    assert ember.autograd.gradgradcheck(lambda a, b: EF.layer_norm(a, (3,), b), [x, w])
    assert ember.autograd.gradgradcheck(
        lambda a: EF.batch_norm(a, None, None, training=True), [x])


def test_linear_double_backward_matches_torch():
    xs, ws, bs = randn(4, 3), randn(2, 3), randn(2)
    results = []
    for lib, F in ((ember, EF), (torch, TF)):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in (xs, ws, bs))
        y = F.linear(x, w, b).tanh().sum()
        gx, gw = lib.autograd.grad(y, (x, w), create_graph=True)
        ((gx ** 2).sum() + (gw ** 3).sum()).backward()
        results.append((x.grad, w.grad, b.grad))
    for e, t in zip(*results):
        _close(e, t, rtol=1e-4, atol=1e-5)


def test_grad_fn_names():
    x, t = _pair(randn(3, 4), True)
    y = labels(3, 4)
    pairs = [
        (EF.relu(x), TF.relu(t)), (EF.softmax(x, 1), TF.softmax(t, 1)),
        (EF.cross_entropy(x, ember.tensor(y)), TF.cross_entropy(t, torch.tensor(y))),
        (EF.mse_loss(x, x.detach()), TF.mse_loss(t, t.detach())),
        (EF.layer_norm(x, (4,)), TF.layer_norm(t, (4,))),
        (EF.linear(x, x), TF.linear(t, t)),
        (EF.gelu(x), TF.gelu(t)), (EF.dropout(x, 0.5), TF.dropout(t, 0.5)),
        (EF.binary_cross_entropy_with_logits(x, x.detach()),
         TF.binary_cross_entropy_with_logits(t, t.detach())),
    ]
    for e, tt in pairs:
        assert e.grad_fn.name() == tt.grad_fn.name()


def test_batch_norm_running_stats_and_eval():
    x = randn(8, 3, 5)
    rm_e, rm_t = _pair(np.zeros(3, np.float32))
    rv_e, rv_t = _pair(np.ones(3, np.float32))
    e = EF.batch_norm(ember.tensor(x), rm_e, rv_e, training=True, momentum=0.3)
    t = TF.batch_norm(torch.tensor(x), rm_t, rv_t, training=True, momentum=0.3)
    _close(e, t)
    _close(rm_e, rm_t)
    _close(rv_e, rv_t)
    w, b = randn(3), randn(3)
    ex, tx = _pair(x, True)
    e = EF.batch_norm(ex, rm_e, rv_e, ember.tensor(w), ember.tensor(b), training=False)
    t = TF.batch_norm(tx, rm_t, rv_t, torch.tensor(w), torch.tensor(b), training=False)
    _close(e, t)
    e.sum().backward()
    t.sum().backward()
    _close(ex.grad, tx.grad)


def test_dropout_streams_match_torch():
    x = randn(4, 6, 3)
    for fn, kw in [("dropout", {"p": 0.3}), ("dropout2d", {"p": 0.5}),
                   ("alpha_dropout", {"p": 0.2, "training": True}),
                   ("dropout1d", {"p": 0.4})]:
        ember.manual_seed(3)
        torch.manual_seed(3)
        e = getattr(EF, fn)(ember.tensor(x), **kw)
        t = getattr(TF, fn)(torch.tensor(x), **kw)
        _close(e, t)
    assert EF.dropout(ember.tensor(x), 0.5, training=False)._data is not None


def test_rrelu_training_stream():
    x = randn(5, 7)
    ember.manual_seed(11)
    torch.manual_seed(11)
    _close(EF.rrelu(ember.tensor(x), training=True), TF.rrelu(torch.tensor(x), training=True))
    _close(EF.rrelu(ember.tensor(x)), TF.rrelu(torch.tensor(x)))


def test_embedding_and_one_hot():
    w = randn(6, 3)
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    ew, tw = _pair(w, True)
    e = EF.embedding(ember.tensor(idx), ew, padding_idx=2, scale_grad_by_freq=True)
    t = TF.embedding(torch.tensor(idx), tw, padding_idx=2, scale_grad_by_freq=True)
    _close(e, t)
    e.sum().backward()
    t.sum().backward()
    _close(ew.grad, tw.grad)
    ew, tw = _pair(w * 3)
    _close(EF.embedding(ember.tensor(idx), ew, max_norm=1.0),
           TF.embedding(torch.tensor(idx), tw, max_norm=1.0))
    _close(ew, tw)
    labels_ = np.array([[0, 3], [1, 2]])
    _close(EF.one_hot(ember.tensor(labels_)), TF.one_hot(torch.tensor(labels_)))
    _close(EF.one_hot(ember.tensor(labels_), 6), TF.one_hot(torch.tensor(labels_), 6))


def test_embedding_bag():
    w = randn(10, 3)
    inp = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    off = np.array([0, 4])
    for mode in ("sum", "mean", "max"):
        ew, tw = _pair(w, True)
        e = EF.embedding_bag(ember.tensor(inp), ew, ember.tensor(off), mode=mode)
        t = TF.embedding_bag(torch.tensor(inp), tw, torch.tensor(off), mode=mode)
        _close(e, t)
        e.sum().backward()
        t.sum().backward()
        _close(ew.grad, tw.grad)


ERRORS = [
    ("linear", lambda F, L: F.linear(L.randn(2, 3), L.randn(5, 4))),
    ("softmax_long", lambda F, L: F.softmax(L.tensor([1, 2]), 0)),
    ("glu_odd", lambda F, L: F.glu(L.randn(2, 3), 1)),
    ("nll_batch", lambda F, L: F.nll_loss(L.randn(3, 4), L.tensor([0, 1]))),
    ("nll_bounds", lambda F, L: F.nll_loss(L.randn(3, 4), L.tensor([0, 1, 7]))),
    ("nll_float_target", lambda F, L: F.nll_loss(L.randn(3, 4), L.tensor([0., 1., 2.]))),
    ("bce_range", lambda F, L: F.binary_cross_entropy(L.ones(3) * 2, L.ones(3))),
    ("bce_size", lambda F, L: F.binary_cross_entropy(L.rand(3), L.rand(4))),
    ("reduction", lambda F, L: F.mse_loss(L.randn(3), L.randn(3), reduction="foo")),
    ("layer_norm_shape", lambda F, L: F.layer_norm(L.randn(2, 3), (4,))),
    ("group_norm_groups", lambda F, L: F.group_norm(L.randn(2, 6, 4), 4)),
    ("bn_one_value", lambda F, L: F.batch_norm(L.randn(1, 3), None, None, training=True)),
    ("embedding_range", lambda F, L: F.embedding(L.tensor([7]), L.randn(5, 3))),
    ("one_hot_negative", lambda F, L: F.one_hot(L.tensor([1, -1]))),
    ("dropout_p", lambda F, L: F.dropout(L.randn(3), 1.5)),
    ("gelu_approx", lambda F, L: F.gelu(L.randn(3), approximate="foo")),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match(name, fn):
    with pytest.raises(Exception) as te:
        fn(TF, torch)
    with pytest.raises(Exception) as ee:
        fn(EF, ember)
    assert type(ee.value).__name__ == type(te.value).__name__
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_loss(reduction, concatenated):
    rng = np.random.default_rng(1)
    t_len, n, c = 12, 3, 5
    logits = rng.standard_normal((t_len, n, c)).astype(np.float32)
    il, tl = np.array([12, 10, 7]), np.array([4, 2, 3])
    targets = rng.integers(1, c, (n, 4))
    targets[0, :2] = 2  # a repeated label needs a blank between the two
    if concatenated:
        targets = np.concatenate([targets[i, :tl[i]] for i in range(n)])
    res = []
    for lib, F in ((torch, TF), (ember, EF)):
        x = lib.tensor(logits, requires_grad=True)
        loss = F.ctc_loss(F.log_softmax(x, 2), lib.tensor(targets), lib.tensor(il),
                          lib.tensor(tl), reduction=reduction)
        loss.sum().backward()
        res.append((loss, x.grad))
    _close(res[1][0], res[0][0], rtol=1e-5)
    _close(res[1][1], res[0][1], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_stream(hard):
    logits = randn(4, 6)
    ember.manual_seed(9)
    torch.manual_seed(9)
    el, tl = _pair(logits, True)
    e = EF.gumbel_softmax(el, tau=0.5, hard=hard)
    t = TF.gumbel_softmax(tl, tau=0.5, hard=hard)
    _close(e, t)
    w = randn(4, 6)
    (e * ember.tensor(w)).sum().backward()
    (t * torch.tensor(w)).sum().backward()
    _close(el.grad, tl.grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("fn", ["batch_norm", "instance_norm"])
def test_running_statistics_equal_pytorchs_bits(seed, fn):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((4, 3, 7)) * rng.uniform(0.1, 10) + rng.uniform(-3, 3))
    x = x.astype(np.float32)
    mean0 = rng.standard_normal(3).astype(np.float32)
    var0 = rng.uniform(0.5, 2, 3).astype(np.float32)
    stats = []
    for lib, F in ((ember, EF), (torch, TF)):
        rm, rv = lib.tensor(mean0.copy()), lib.tensor(var0.copy())
        if fn == "batch_norm":
            F.batch_norm(lib.tensor(x), rm, rv, training=True, momentum=0.1)
        else:
            F.instance_norm(lib.tensor(x), rm, rv, use_input_stats=True)
        stats.append((rm.numpy(), rv.numpy()))
    np.testing.assert_array_equal(stats[0][0], stats[1][0])
    np.testing.assert_array_equal(stats[0][1], stats[1][1])


SIGNS = ember.tensor(np.sign(randn(4, 5)).astype(np.float64))


@pytest.mark.parametrize("fn", [
    lambda x: EF.multi_margin_loss(x, ember.tensor(np.array([0, 1, 2, 3])), p=2),
    lambda x: EF.soft_margin_loss(x, SIGNS),
    lambda x: EF.pdist(x), lambda x: EF.instance_norm(x.reshape(2, 2, 5)),
])
def test_double_backward_of_single_node_composites(fn):
    x = ember.tensor(randn(4, 5).astype(np.float64), requires_grad=True)
    assert ember.autograd.gradgradcheck(fn, [x])
