"""nn.Module, Parameter and the containers against PyTorch: registration, iteration,
state_dict, hooks, moving/casting, printing and error messages."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as enn

torch = pytest.importorskip("torch")
tnn = torch.nn


def both(build):
    """build(lib, nn) run for ember and torch."""
    return build(ember, enn), build(torch, tnn)


def _raises_same(fn):
    with pytest.raises(Exception) as te:
        fn(torch, tnn)
    with pytest.raises(Exception) as ee:
        fn(ember, enn)
    assert type(ee.value) is type(te.value) or type(ee.value).__name__ == type(te.value).__name__
    assert str(ee.value).replace("ember", "torch") == str(te.value)


def net(lib, nn):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3, 4)
            self.act = nn.ReLU()
            self.block = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Tanh())
            self.scale = nn.Parameter(lib.ones(1))
            self.register_buffer("steps", lib.zeros(1))
            self.register_buffer("cache", lib.zeros(2), persistent=False)

        def forward(self, x):
            return self.block(self.act(self.fc1(x))) * self.scale
    return Net()


def test_module_init_registries():
    e, t = both(lambda lib, nn: nn.Module())
    for name in ("_parameters", "_buffers", "_modules", "_backward_hooks", "_forward_hooks",
                 "_forward_pre_hooks", "_state_dict_hooks", "_load_state_dict_pre_hooks",
                 "_non_persistent_buffers_set", "_forward_hooks_with_kwargs",
                 "_backward_pre_hooks", "_is_full_backward_hook", "training"):
        assert type(getattr(e, name)).__name__ == type(getattr(t, name)).__name__
    assert sorted(e.__dict__) == sorted(t.__dict__)


def test_registration_and_names():
    e, t = both(net)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert list(e.state_dict()) == list(t.state_dict())
    assert [n for n, _ in e.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in t.named_parameters(prefix="m", recurse=False)]
    assert isinstance(e.scale, enn.Parameter) and e.scale is e._parameters["scale"]
    assert e.get_submodule("block.1") is e.block[1]
    assert e.get_parameter("block.0.bias") is e.block[0].bias
    assert e.get_buffer("steps") is e.steps


def test_shared_parameters_and_duplicates():
    def build(lib, nn):
        lin = nn.Linear(2, 2)
        return nn.Sequential(lin, nn.ReLU(), lin)
    e, t = both(build)
    assert len(list(e.parameters())) == len(list(t.parameters())) == 2
    assert [n for n, _ in e.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in t.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in e.named_modules(remove_duplicate=False)] == \
        [n for n, _ in t.named_modules(remove_duplicate=False)]


def test_setattr_reassign_and_delattr():
    def build(lib, nn):
        m = nn.Module()
        m.a = nn.Parameter(lib.zeros(2))
        m.a = None           # stays registered as a None parameter
        m.b = nn.Linear(1, 1)
        m.b = None
        m.register_buffer("c", lib.ones(1))
        m.c = lib.zeros(3)   # a tensor assigned to a buffer name replaces the buffer
        m.plain = [1, 2]
        del m.plain
        return m
    e, t = both(build)
    assert list(e._parameters) == list(t._parameters) == ["a"]
    assert e._modules == {"b": None}
    assert tuple(e.c.shape) == (3,)
    del e.c
    assert "c" not in e._buffers


ERROR_CASES = [
    lambda L, nn: nn.Module().missing,
    lambda L, nn: setattr(nn.Module(), "p", None) or nn.Linear(2, 2).__setattr__("weight",
                                                                                 L.zeros(2)),
    lambda L, nn: nn.Linear(2, 2).__setattr__("bias", 3),
    lambda L, nn: nn.Module().register_buffer("a.b", L.zeros(1)),
    lambda L, nn: nn.Module().register_buffer("", L.zeros(1)),
    lambda L, nn: nn.Module().register_buffer("x", 3),
    lambda L, nn: nn.Module().register_parameter("w", L.zeros(2)),
    lambda L, nn: nn.Module().add_module("x", 3),
    lambda L, nn: nn.Module().add_module("a.b", nn.ReLU()),
    lambda L, nn: nn.Linear(2, 2).register_buffer("weight", L.zeros(2)),
    lambda L, nn: nn.Sequential(nn.ReLU()).get_submodule("0.x"),
    lambda L, nn: nn.Sequential(nn.Linear(1, 1)).get_parameter("0.nope"),
    lambda L, nn: nn.Sequential(nn.ReLU())[3],
    lambda L, nn: nn.ModuleList([nn.ReLU()])[-2],
    lambda L, nn: nn.Module()(L.zeros(1)),
    lambda L, nn: nn.Module().train("yes"),
    lambda L, nn: nn.Linear(2, 2).to(L.int64),
    lambda L, nn: nn.Linear(2, 2).load_state_dict({"weight": L.zeros(3, 3),
                                                   "bias": L.zeros(2)}),
    lambda L, nn: nn.Linear(2, 2).load_state_dict({"weight": L.zeros(2, 2), "extra": L.ones(1)}),
    lambda L, nn: nn.Linear(2, 2).load_state_dict([1]),
    lambda L, nn: nn.ParameterList([L.zeros(1)])(),
    lambda L, nn: nn.ParameterDict()[1],
    lambda L, nn: nn.Sequential() * 0,
]


@pytest.mark.parametrize("i", range(len(ERROR_CASES)))
def test_errors_match_torch(i):
    _raises_same(ERROR_CASES[i])


def test_state_dict_roundtrip_and_load_result():
    e, t = both(net)
    sd = t.state_dict()
    assert type(e.state_dict()).__name__ == "OrderedDict"
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in sd.items()})
    for (k, v), (k2, v2) in zip(e.state_dict().items(), sd.items()):
        assert k == k2
        np.testing.assert_allclose(v.numpy(), v2.numpy())
    assert not e.state_dict()["fc1.weight"].requires_grad
    assert e.state_dict(keep_vars=True)["fc1.weight"] is e.fc1.weight
    assert list(e.state_dict(prefix="p.")) == list(t.state_dict(prefix="p."))
    r_e = e.load_state_dict({"fc1.weight": ember.zeros(4, 3), "junk": ember.ones(1)}, strict=False)
    r_t = t.load_state_dict({"fc1.weight": torch.zeros(4, 3), "junk": torch.ones(1)}, strict=False)
    assert r_e.missing_keys == r_t.missing_keys
    assert r_e.unexpected_keys == r_t.unexpected_keys
    assert repr(r_e) == repr(r_t)
    ok_e = e.load_state_dict(e.state_dict())
    assert repr(ok_e) == repr(t.load_state_dict(t.state_dict())) == "<All keys matched successfully>"


def test_train_eval_requires_grad_zero_grad():
    e, t = both(net)
    e.eval()
    assert not e.training and not e.block[1].training
    e.train()
    assert e.block[1].training
    e.requires_grad_(False)
    assert not any(p.requires_grad for p in e.parameters())
    e.requires_grad_(True)
    e(ember.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in e.parameters())
    e.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in e.parameters())
    e.zero_grad()
    assert all(p.grad is None for p in e.parameters())


def test_to_double_keeps_identity_and_apply():
    e = net(ember, enn)
    w = e.fc1.weight
    e.fc1.weight.grad = ember.zeros(4, 3)
    assert e.double() is e
    assert e.fc1.weight is w and w.dtype == ember.float64
    assert w.grad.dtype == ember.float64
    assert e.steps.dtype == ember.float64
    e.to(ember.float32)
    assert w.dtype == ember.float32
    e.bn = enn.BatchNorm1d(2)
    e.half()
    assert e.bn.num_batches_tracked.dtype == ember.int64  # integers are not cast
    e.float().cpu()
    seen = []
    e.apply(lambda m: seen.append(type(m).__name__))
    t = net(torch, tnn)
    t.bn = tnn.BatchNorm1d(2)
    seen_t = []
    t.apply(lambda m: seen_t.append(type(m).__name__))
    assert seen == seen_t


def test_forward_hooks_and_removal():
    calls = []

    def build(lib, nn):
        m = nn.Linear(3, 2)
        lib.manual_seed(0)
        return m
    e, t = both(build)
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.ones((2, 3), np.float32)
    outs = []
    for lib, m in ((ember, e), (torch, t)):
        h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        h2 = m.register_forward_hook(lambda mod, args, out: out + 1)
        h3 = m.register_forward_hook(lambda mod, args, kwargs, out: calls.append(kwargs),
                                     with_kwargs=True)
        h4 = m.register_forward_pre_hook(lambda mod, args, kwargs: (args, kwargs),
                                         with_kwargs=True, prepend=True)
        outs.append(m(lib.tensor(x)).detach().numpy())
        for h in (h1, h2, h3, h4):
            h.remove()
        outs.append(m(lib.tensor(x)).detach().numpy())
    np.testing.assert_allclose(outs[0], outs[2], rtol=1e-6)
    np.testing.assert_allclose(outs[1], outs[3], rtol=1e-6)
    assert calls == [{}, {}]
    assert not e._forward_hooks and not e._forward_hooks_with_kwargs


def test_full_backward_hooks_match_torch():
    records = {"e": [], "t": []}
    xs = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    for key, lib, nn in (("e", ember, enn), ("t", torch, tnn)):
        lib.manual_seed(0)
        m = nn.Sequential(nn.Linear(3, 2), nn.Tanh())

        def hook(mod, gin, gout, key=key):
            records[key].append((gin[0].numpy().copy(), gout[0].numpy().copy()))
            return (gin[0] * 3,)

        def pre(mod, gout, key=key):
            records[key].append(("pre", gout[0].numpy().copy()))
        m[1].register_full_backward_hook(hook)
        m[1].register_full_backward_pre_hook(pre)
        x = lib.tensor(xs, requires_grad=True)
        m(x).sum().backward()
        records[key].append(x.grad.numpy().copy())
    e, t = records["e"], records["t"]
    assert len(e) == len(t) == 3
    np.testing.assert_allclose(e[0][1], t[0][1], rtol=1e-5)
    for a, b in zip(e[1], t[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e[2], t[2], rtol=1e-5, atol=1e-6)


def test_backward_hook_mixing_error():
    _raises_same(lambda L, nn: (lambda m: (m.register_full_backward_hook(lambda *a: None),
                                           m.register_backward_hook(lambda *a: None)))(
        nn.Linear(1, 1)))


REPR_BUILDERS = [
    lambda L, nn: nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Dropout(0.2),
                                nn.Sequential(nn.Conv2d(1, 2, 3) if hasattr(nn, "Conv2d") and
                                              False else nn.Identity(), nn.Softmax(dim=1))),
    lambda L, nn: nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()]),
    lambda L, nn: nn.ModuleDict({"a": nn.Tanh(), "b": nn.LeakyReLU(0.2)}),
    lambda L, nn: nn.ParameterList([nn.Parameter(L.zeros(2, 3)), L.ones(1)]),
    lambda L, nn: nn.ParameterDict({"x": nn.Parameter(L.zeros(2)), "y": L.ones(1, 2)}),
    lambda L, nn: net(L, nn),
    lambda L, nn: nn.Sequential(OrderedDict([("fc", nn.Linear(1, 2, bias=False)),
                                             ("bn", nn.BatchNorm1d(2, affine=False)),
                                             ("emb", nn.Embedding(5, 2, padding_idx=0)),
                                             ("ln", nn.LayerNorm([2, 3])),
                                             ("gn", nn.GroupNorm(2, 4)),
                                             ("in", nn.InstanceNorm1d(3)),
                                             ("bag", nn.EmbeddingBag(4, 2, mode="sum")),
                                             ("ce", nn.CrossEntropyLoss()),
                                             ("flat", nn.Flatten()),
                                             ("unflat", nn.Unflatten(1, (2, 2))),
                                             ("gelu", nn.GELU("tanh")),
                                             ("elu", nn.ELU(inplace=True)),
                                             ("thr", nn.Threshold(0.1, 2.0)),
                                             ("sp", nn.Softplus(2)),
                                             ("hs", nn.Hardshrink()),
                                             ("prelu", nn.PReLU(3)),
                                             ("rrelu", nn.RReLU()),
                                             ("glu", nn.GLU()),
                                             ("cos", nn.CosineSimilarity()),
                                             ("lrn", nn.LocalResponseNorm(3)),
                                             ("trip", nn.TripletMarginWithDistanceLoss()),
                                             ("bil", nn.Bilinear(2, 3, 4)),
                                             ("d2", nn.Dropout2d()),
                                             ("ad", nn.AlphaDropout(0.1)),
                                             ("r6", nn.ReLU6())])),
]


@pytest.mark.parametrize("i", range(len(REPR_BUILDERS)))
def test_repr_matches_torch(i):
    e, t = both(REPR_BUILDERS[i])
    assert repr(e) == repr(t)


def test_parameter_repr_and_identity():
    data = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    e = enn.Parameter(ember.tensor(data))
    t = tnn.Parameter(torch.tensor(data))
    assert repr(e) == repr(t)
    assert repr(enn.Parameter(ember.tensor(data), requires_grad=False)) == \
        repr(tnn.Parameter(torch.tensor(data), requires_grad=False))
    base = ember.zeros(3)
    p = enn.Parameter(base)
    p.data.add_(1)
    assert float(base.sum()) == 3
    assert isinstance(p * 2, ember.Tensor) and not isinstance(p * 2, enn.Parameter)
    with ember.no_grad():
        assert enn.Parameter(ember.zeros(1)).requires_grad
    q = copy.deepcopy(p)
    assert isinstance(q, enn.Parameter) and q is not p and float(q.sum()) == 3
    assert isinstance(enn.Buffer(ember.zeros(2)), enn.Buffer)
    m = enn.Module()
    m.buf = enn.Buffer(ember.zeros(2), persistent=False)
    assert "buf" in m._buffers and "buf" in m._non_persistent_buffers_set


def test_containers_behave_like_torch():
    def build(lib, nn):
        s = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3))
        s.append(nn.Tanh())
        s.insert(1, nn.Sigmoid())
        s.extend([nn.Identity()])
        del s[0]
        s2 = s[1:3]
        ml = nn.ModuleList([nn.ReLU()])
        ml += [nn.Tanh(), nn.Sigmoid()]
        ml.insert(0, nn.Identity())
        ml.pop(1)
        md = nn.ModuleDict([("a", nn.ReLU())])
        md.update({"b": nn.Tanh()})
        md.pop("a")
        pl = nn.ParameterList([lib.zeros(1)])
        pl.append(lib.ones(2))
        pd = nn.ParameterDict({"z": lib.zeros(1), "a": lib.ones(1)})
        return (len(s), [type(m).__name__ for m in s], [type(m).__name__ for m in s2],
                [type(m).__name__ for m in ml], list(md.keys()), len(pl),
                [type(p).__name__ for p in pl], list(pd.keys()), "a" in pd,
                [type(m).__name__ for m in (s + s2)], len(s * 2))
    e, t = both(build)
    assert e == t


def test_sequential_forward_and_deepcopy_and_pickle():
    ember.manual_seed(0)
    s = enn.Sequential(enn.Linear(3, 4), enn.ReLU(), enn.Linear(4, 1))
    x = ember.randn(2, 3)
    out = s(x)
    c = copy.deepcopy(s)
    assert c[0].weight is not s[0].weight
    np.testing.assert_allclose(c(x).detach().numpy(), out.detach().numpy())
    p = pickle.loads(pickle.dumps(s))
    np.testing.assert_allclose(p(x).detach().numpy(), out.detach().numpy())


def test_data_parallel_calls_module():
    ember.manual_seed(0)
    model = enn.Sequential(enn.Linear(3, 4), enn.ReLU())
    dp = enn.DataParallel(model)
    x = ember.randn(5, 3)
    assert ember.equal(dp(x), model(x))
    assert dp.module is model
    assert repr(dp) == repr(tnn.DataParallel(tnn.Sequential(tnn.Linear(3, 4), tnn.ReLU())))
    assert ember.equal(enn.parallel.data_parallel(model, x), model(x))


# --- nn.utils -----------------------------------------------------------------------------------

def _grads_pair():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (4,), (2, 2)]]
    grads = [rng.standard_normal(a.shape).astype(np.float32) * 3 for a in arrays]
    out = []
    for lib, nn in ((ember, enn), (torch, tnn)):
        ps = [nn.Parameter(lib.tensor(a)) for a in arrays]
        for p, g in zip(ps, grads):
            p.grad = lib.tensor(g)
        out.append(ps)
    return out


@pytest.mark.parametrize("norm_type", [2.0, 1, float("inf"), 3.5])
def test_clip_grad_norm(norm_type):
    e, t = _grads_pair()
    ne = enn.utils.clip_grad_norm_(e, 1.5, norm_type=norm_type)
    nt = tnn.utils.clip_grad_norm_(t, 1.5, norm_type=norm_type)
    np.testing.assert_allclose(ne.numpy(), nt.numpy(), rtol=1e-5)
    for a, b in zip(e, t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_value_and_vectors():
    e, t = _grads_pair()
    enn.utils.clip_grad_value_(e, 0.5)
    tnn.utils.clip_grad_value_(t, 0.5)
    for a, b in zip(e, t):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    ve = enn.utils.parameters_to_vector(e)
    vt = tnn.utils.parameters_to_vector(t)
    np.testing.assert_array_equal(ve.detach().numpy(), vt.detach().numpy())
    enn.utils.vector_to_parameters(ve * 2, e)
    tnn.utils.vector_to_parameters(vt * 2, t)
    for a, b in zip(e, t):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def _linear_pair(seed=0):
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    return enn.Linear(4, 3), tnn.Linear(4, 3)


def _forward_backward(e, t):
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    oe, ot = e(ember.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-6)
    oe.pow(2).sum().backward()
    ot.pow(2).sum().backward()
    for (n1, a), (n2, b) in zip(e.named_parameters(), t.named_parameters()):
        assert n1 == n2
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_weight_norm_classic_and_parametrized():
    import warnings
    e, t = _linear_pair()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enn.utils.weight_norm(e)
        tnn.utils.weight_norm(t)
    assert list(e.state_dict()) == list(t.state_dict())
    _forward_backward(e, t)
    enn.utils.remove_weight_norm(e)
    tnn.utils.remove_weight_norm(t)
    assert list(e.state_dict()) == list(t.state_dict())
    e, t = _linear_pair(1)
    enn.utils.parametrizations.weight_norm(e, dim=1)
    tnn.utils.parametrizations.weight_norm(t, dim=1)
    assert type(e).__name__ == type(t).__name__ == "ParametrizedLinear"
    assert list(e.state_dict()) == list(t.state_dict())
    assert repr(e) == repr(t)
    _forward_backward(e, t)
    enn.utils.parametrize.remove_parametrizations(e, "weight")
    tnn.utils.parametrize.remove_parametrizations(t, "weight")
    assert type(e) is enn.Linear
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-6)


def test_spectral_norm_classic_and_parametrized():
    for apply in ("classic", "param"):
        e, t = _linear_pair(2)
        torch.manual_seed(5)
        ember.manual_seed(5)
        if apply == "classic":
            enn.utils.spectral_norm(e)
            tnn.utils.spectral_norm(t)
        else:
            enn.utils.parametrizations.spectral_norm(e)
            tnn.utils.parametrizations.spectral_norm(t)
        assert list(e.state_dict()) == list(t.state_dict())
        for (k, a), (_, b) in zip(e.state_dict().items(), t.state_dict().items()):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
        _forward_backward(e, t)


def test_parametrize_custom():
    class Symmetric(enn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(0, 1)

    class TSymmetric(tnn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(0, 1)
    torch.manual_seed(0)
    t = tnn.Linear(4, 4)
    e = enn.Linear(4, 4)
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    enn.utils.parametrize.register_parametrization(e, "weight", Symmetric())
    tnn.utils.parametrize.register_parametrization(t, "weight", TSymmetric())
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy())
    assert enn.utils.parametrize.is_parametrized(e, "weight")
    assert enn.utils.parametrize.type_before_parametrizations(e) is enn.Linear
    with enn.utils.parametrize.cached():
        assert e.weight is e.weight
    _forward_backward(e, t)
    with pytest.raises(ValueError):
        enn.utils.parametrize.register_parametrization(e, "nope", Symmetric())


def test_functional_call_and_skip_init():
    torch.manual_seed(0)
    t = tnn.Sequential(tnn.Linear(3, 2), tnn.Tanh(), tnn.Linear(2, 2))
    e = enn.Sequential(enn.Linear(3, 2), enn.Tanh(), enn.Linear(2, 2))
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.arange(6, dtype=np.float32).reshape(2, 3) / 5
    w = np.full((2, 3), 0.25, np.float32)
    te = torch.func.functional_call(t, {"0.weight": torch.tensor(w)}, (torch.tensor(x),))
    ee = enn.utils.stateless.functional_call(e, {"0.weight": ember.tensor(w)}, (ember.tensor(x),))
    np.testing.assert_allclose(ee.detach().numpy(), te.detach().numpy(), rtol=1e-6)
    assert float((e[0].weight - ember.tensor(w)).abs().sum()) > 0  # restored afterwards
    ember.manual_seed(4)
    torch.manual_seed(4)
    enn.utils.skip_init(enn.Linear, 10, 10)
    tnn.utils.skip_init(tnn.Linear, 10, 10)
    np.testing.assert_array_equal(ember.rand(4).numpy(), torch.rand(4).numpy())


def test_full_backward_hook_multiple_inputs_and_outputs():
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal((2, 2, 3)).astype(np.float32)
    seen = []
    for lib, nn in ((torch, tnn), (ember, enn)):
        class M(nn.Module):
            def forward(self, a, b, k=2.0):
                return a * b * k, a + b
        m = M()
        rec = []
        m.register_full_backward_hook(
            lambda mod, gi, go, rec=rec: rec.append(
                [None if g is None else round(g.sum().item(), 4) for g in gi + go]))
        m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2, go[1]))
        a, b = lib.tensor(a_np, requires_grad=True), lib.tensor(b_np)
        o1, o2 = m(a, b)
        (o1.sum() + o2.sum()).backward()
        seen.append((o1.grad_fn.name(), rec, round(a.grad.sum().item(), 4)))
    assert seen[0] == seen[1]
