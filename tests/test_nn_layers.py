"""nn layers against torch.nn: PyTorch's default initialisation after the same seed, and
outputs, input gradients and parameter gradients with the same parameters, in train and
eval mode."""
import numpy as np
import pytest

import ember
import ember.nn as enn

torch = pytest.importorskip("torch")
tnn = torch.nn

RNG = np.random.default_rng(0)


def randn(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _close(e, t, rtol=1e-5, atol=1e-6):
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


# (id, constructor(nn), input arrays, extra forward args builder(lib) or None)
LAYERS = [
    ("linear", lambda nn: nn.Linear(5, 3), [randn(4, 5)]),
    ("linear_nobias", lambda nn: nn.Linear(5, 3, bias=False), [randn(2, 4, 5)]),
    ("bilinear", lambda nn: nn.Bilinear(3, 2, 4), [randn(5, 3), randn(5, 2)]),
    ("identity", lambda nn: nn.Identity(3, foo=1), [randn(2, 3)]),
    ("flatten", lambda nn: nn.Flatten(), [randn(2, 3, 4)]),
    ("unflatten", lambda nn: nn.Unflatten(1, (2, 3)), [randn(4, 6)]),
    ("batchnorm1d", lambda nn: nn.BatchNorm1d(3), [randn(6, 3)]),
    ("batchnorm1d_3d", lambda nn: nn.BatchNorm1d(3, momentum=None), [randn(6, 3, 4)]),
    ("batchnorm2d", lambda nn: nn.BatchNorm2d(3), [randn(2, 3, 4, 4)]),
    ("batchnorm3d_noaffine", lambda nn: nn.BatchNorm3d(2, affine=False), [randn(2, 2, 3, 2, 2)]),
    ("batchnorm_notrack", lambda nn: nn.BatchNorm1d(3, track_running_stats=False),
     [randn(5, 3)]),
    ("layernorm", lambda nn: nn.LayerNorm([3, 4]), [randn(2, 3, 4)]),
    ("layernorm_nobias", lambda nn: nn.LayerNorm(4, bias=False), [randn(2, 3, 4)]),
    ("groupnorm", lambda nn: nn.GroupNorm(2, 4), [randn(3, 4, 5)]),
    ("instancenorm1d", lambda nn: nn.InstanceNorm1d(3, affine=True), [randn(2, 3, 6)]),
    ("instancenorm2d_track", lambda nn: nn.InstanceNorm2d(3, track_running_stats=True),
     [randn(2, 3, 4, 4)]),
    ("instancenorm1d_unbatched", lambda nn: nn.InstanceNorm1d(3), [randn(3, 6)]),
    ("lrn", lambda nn: nn.LocalResponseNorm(3), [randn(2, 5, 3, 3)]),
    ("rmsnorm", lambda nn: nn.RMSNorm(4), [randn(2, 3, 4)]),
    ("prelu", lambda nn: nn.PReLU(3), [randn(4, 3, 2)]),
    ("relu", lambda nn: nn.ReLU(), [randn(3, 4)]),
    ("relu6", lambda nn: nn.ReLU6(), [randn(3, 4) * 5]),
    ("leakyrelu", lambda nn: nn.LeakyReLU(0.1), [randn(3, 4)]),
    ("elu", lambda nn: nn.ELU(0.5), [randn(3, 4)]),
    ("selu", lambda nn: nn.SELU(), [randn(3, 4)]),
    ("celu", lambda nn: nn.CELU(0.8), [randn(3, 4)]),
    ("gelu", lambda nn: nn.GELU(), [randn(3, 4)]),
    ("silu", lambda nn: nn.SiLU(), [randn(3, 4)]),
    ("mish", lambda nn: nn.Mish(), [randn(3, 4)]),
    ("sigmoid", lambda nn: nn.Sigmoid(), [randn(3, 4)]),
    ("logsigmoid", lambda nn: nn.LogSigmoid(), [randn(3, 4)]),
    ("tanh", lambda nn: nn.Tanh(), [randn(3, 4)]),
    ("hardtanh", lambda nn: nn.Hardtanh(-2, 2), [randn(3, 4) * 3]),
    ("hardsigmoid", lambda nn: nn.Hardsigmoid(), [randn(3, 4) * 4]),
    ("hardswish", lambda nn: nn.Hardswish(), [randn(3, 4) * 4]),
    ("hardshrink", lambda nn: nn.Hardshrink(), [randn(3, 4)]),
    ("softshrink", lambda nn: nn.Softshrink(0.2), [randn(3, 4)]),
    ("tanhshrink", lambda nn: nn.Tanhshrink(), [randn(3, 4)]),
    ("softplus", lambda nn: nn.Softplus(), [randn(3, 4)]),
    ("softsign", lambda nn: nn.Softsign(), [randn(3, 4)]),
    ("threshold", lambda nn: nn.Threshold(0.2, -1.0), [randn(3, 4)]),
    ("glu", lambda nn: nn.GLU(), [randn(3, 4)]),
    ("softmax", lambda nn: nn.Softmax(dim=1), [randn(3, 4)]),
    ("logsoftmax", lambda nn: nn.LogSoftmax(dim=0), [randn(3, 4)]),
    ("softmin", lambda nn: nn.Softmin(dim=1), [randn(3, 4)]),
    ("softmax2d", lambda nn: nn.Softmax2d(), [randn(2, 3, 2, 2)]),
    ("rrelu_eval", lambda nn: nn.RReLU(), [randn(3, 4)]),
    ("cosine", lambda nn: nn.CosineSimilarity(dim=1), [randn(3, 4), randn(3, 4)]),
    ("pairwise", lambda nn: nn.PairwiseDistance(p=1.0), [randn(3, 4), randn(3, 4)]),
    ("mse", lambda nn: nn.MSELoss(), [randn(3, 4), randn(3, 4)]),
    ("l1", lambda nn: nn.L1Loss(reduction="sum"), [randn(3, 4), randn(3, 4)]),
    ("smoothl1", lambda nn: nn.SmoothL1Loss(beta=0.5), [randn(3, 4), randn(3, 4)]),
    ("huber", lambda nn: nn.HuberLoss(delta=0.5), [randn(3, 4), randn(3, 4)]),
    ("bcelogits", lambda nn: nn.BCEWithLogitsLoss(), [randn(3, 4), RNG.random((3, 4))
                                                      .astype(np.float32)]),
    ("kldiv", lambda nn: nn.KLDivLoss(reduction="batchmean", log_target=True),
     [randn(3, 4), randn(3, 4)]),
    ("gaussiannll", lambda nn: nn.GaussianNLLLoss(), [randn(3, 4), randn(3, 4),
                                                      RNG.random((3, 4)).astype(np.float32)]),
    ("triplet", lambda nn: nn.TripletMarginLoss(margin=0.5), [randn(3, 4), randn(3, 4),
                                                              randn(3, 4)]),
    ("cosemb", lambda nn: nn.CosineEmbeddingLoss(), [randn(3, 4), randn(3, 4),
                                                     np.sign(randn(3))]),
    ("ranking", lambda nn: nn.MarginRankingLoss(0.1), [randn(5), randn(5), np.sign(randn(5))]),
]


def _copy_params(src_t, dst_e):
    for (name, p), (name2, q) in zip(src_t.state_dict().items(), dst_e.state_dict().items()):
        assert name == name2
        q.copy_(ember.tensor(p.numpy()))


@pytest.mark.parametrize("layer", LAYERS, ids=[x[0] for x in LAYERS])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_layer_matches_torch(layer, mode):
    _, build, arrays = layer
    torch.manual_seed(7)
    ember.manual_seed(7)
    t_mod = build(tnn)
    e_mod = build(enn)
    # default initialisation: identical values after the same seed
    for (n1, a), (n2, b) in zip(t_mod.state_dict().items(), e_mod.state_dict().items()):
        assert n1 == n2
        np.testing.assert_array_equal(b.numpy(), a.numpy())
    _copy_params(t_mod, e_mod)
    getattr(t_mod, mode)()
    getattr(e_mod, mode)()
    t_in = [torch.tensor(a, requires_grad=a.dtype == np.float32) for a in arrays]
    e_in = [ember.tensor(a, requires_grad=a.dtype == np.float32) for a in arrays]
    t_out = t_mod(*t_in)
    e_out = e_mod(*e_in)
    _close(e_out, t_out, rtol=2e-5, atol=2e-6)
    seed = randn(*t_out.shape) if t_out.dim() else np.array(1.0, np.float32)
    t_out.backward(torch.tensor(seed))
    e_out.backward(ember.tensor(seed))
    for e, t in zip(e_in, t_in):
        if t.grad is not None:
            _close(e.grad, t.grad, rtol=1e-4, atol=1e-5)
    for (n1, p), (n2, q) in zip(t_mod.named_parameters(), e_mod.named_parameters()):
        assert n1 == n2
        _close(q.grad, p.grad, rtol=1e-4, atol=1e-5)
    for (n1, b), (n2, c) in zip(t_mod.named_buffers(), e_mod.named_buffers()):
        _close(c, b)


def test_default_init_matches_torch_exactly():
    def build(nn):
        return nn.Sequential(nn.Linear(7, 5), nn.Bilinear(2, 3, 4), nn.Embedding(6, 3),
                             nn.EmbeddingBag(4, 2), nn.PReLU(2), nn.Linear(3, 9, bias=False))
    torch.manual_seed(1234)
    t = build(tnn)
    ember.manual_seed(1234)
    e = build(enn)
    for (n1, a), (n2, b) in zip(t.state_dict().items(), e.state_dict().items()):
        assert n1 == n2
        np.testing.assert_array_equal(b.numpy(), a.numpy())
    # the stream continues identically afterwards
    np.testing.assert_array_equal(ember.rand(5).numpy(), torch.rand(5).numpy())


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_dropout_layers(mode):
    x = randn(4, 3, 5)
    for name, kw in [("Dropout", {"p": 0.3}), ("Dropout1d", {}), ("Dropout2d", {"p": 0.4}),
                     ("AlphaDropout", {"p": 0.2}), ("FeatureAlphaDropout", {})]:
        torch.manual_seed(5)
        ember.manual_seed(5)
        t_mod = getattr(tnn, name)(**kw)
        e_mod = getattr(enn, name)(**kw)
        getattr(t_mod, mode)()
        getattr(e_mod, mode)()
        xt = torch.tensor(x, requires_grad=True)
        xe = ember.tensor(x, requires_grad=True)
        t_out, e_out = t_mod(xt), e_mod(xe)
        _close(e_out, t_out)
        t_out.sum().backward()
        e_out.sum().backward()
        _close(xe.grad, xt.grad)


def test_rrelu_train_stream():
    x = randn(6, 5)
    torch.manual_seed(2)
    ember.manual_seed(2)
    _close(enn.RReLU()(ember.tensor(x)), tnn.RReLU()(torch.tensor(x)))


def test_loss_modules_with_targets():
    logits = randn(6, 4)
    labels = RNG.integers(0, 4, 6)
    w = RNG.random(4).astype(np.float32) + 0.5
    cases = [
        (lambda nn, L: nn.CrossEntropyLoss(weight=L.tensor(w), label_smoothing=0.1)),
        (lambda nn, L: nn.CrossEntropyLoss(ignore_index=2, reduction="sum")),
        (lambda nn, L: nn.NLLLoss(weight=L.tensor(w))),
        (lambda nn, L: nn.MultiMarginLoss(p=2, weight=L.tensor(w))),
    ]
    for build in cases:
        xt = torch.tensor(logits, requires_grad=True)
        xe = ember.tensor(logits, requires_grad=True)
        t = build(tnn, torch)(xt.log_softmax(1) if isinstance(build(tnn, torch), tnn.NLLLoss)
                              else xt, torch.tensor(labels))
        e = build(enn, ember)(xe.log_softmax(1) if isinstance(build(enn, ember), enn.NLLLoss)
                              else xe, ember.tensor(labels))
        _close(e, t)
        t.backward()
        e.backward()
        _close(xe.grad, xt.grad, rtol=1e-4, atol=1e-6)
    probs = RNG.random((6, 4)).astype(np.float32)
    xt = torch.tensor(probs * 0.9 + 0.05, requires_grad=True)
    xe = ember.tensor(probs * 0.9 + 0.05, requires_grad=True)
    tgt = (RNG.random((6, 4)) > 0.5).astype(np.float32)
    t = tnn.BCELoss(weight=torch.tensor(w))(xt, torch.tensor(tgt))
    e = enn.BCELoss(weight=ember.tensor(w))(xe, ember.tensor(tgt))
    _close(e, t)
    t.backward()
    e.backward()
    _close(xe.grad, xt.grad)
    t = tnn.MultiLabelSoftMarginLoss()(torch.tensor(logits), torch.tensor(tgt))
    e = enn.MultiLabelSoftMarginLoss()(ember.tensor(logits), ember.tensor(tgt))
    _close(e, t)
    t = tnn.PoissonNLLLoss()(torch.tensor(logits), torch.tensor(probs))
    e = enn.PoissonNLLLoss()(ember.tensor(logits), ember.tensor(probs))
    _close(e, t)
    t = tnn.HingeEmbeddingLoss()(torch.tensor(logits), torch.tensor(np.sign(logits)))
    e = enn.HingeEmbeddingLoss()(ember.tensor(logits), ember.tensor(np.sign(logits)))
    _close(e, t)


def test_embedding_layers():
    torch.manual_seed(3)
    ember.manual_seed(3)
    t, e = tnn.Embedding(8, 3, padding_idx=-1), enn.Embedding(8, 3, padding_idx=-1)
    np.testing.assert_array_equal(e.weight.detach().numpy(), t.weight.detach().numpy())
    idx = np.array([[7, 1, 2], [0, 7, 7]])
    t_out, e_out = t(torch.tensor(idx)), e(ember.tensor(idx))
    _close(e_out, t_out)
    t_out.pow(2).sum().backward()
    e_out.pow(2).sum().backward()
    _close(e.weight.grad, t.weight.grad)
    pre = randn(4, 2)
    t = tnn.Embedding.from_pretrained(torch.tensor(pre))
    e = enn.Embedding.from_pretrained(ember.tensor(pre))
    assert e.weight.requires_grad is t.weight.requires_grad is False
    assert repr(e) == repr(t)
    e2 = enn.Embedding.from_pretrained(ember.tensor(pre), freeze=False, max_norm=0.5)
    t2 = tnn.Embedding.from_pretrained(torch.tensor(pre), freeze=False, max_norm=0.5)
    _close(e2(ember.tensor([1, 3])), t2(torch.tensor([1, 3])))
    _close(e2.weight, t2.weight)
    bag_t = tnn.EmbeddingBag.from_pretrained(torch.tensor(pre), mode="max")
    bag_e = enn.EmbeddingBag.from_pretrained(ember.tensor(pre), mode="max")
    _close(bag_e(ember.tensor([[0, 1], [2, 3]])), bag_t(torch.tensor([[0, 1], [2, 3]])))


def test_batchnorm_running_stats_over_steps():
    torch.manual_seed(0)
    t = tnn.BatchNorm2d(3, momentum=None)
    e = enn.BatchNorm2d(3, momentum=None)
    for _ in range(3):
        x = randn(2, 3, 4, 4)
        _close(e(ember.tensor(x)), t(torch.tensor(x)))
    for a, b in zip(e.buffers(), t.buffers()):
        _close(a, b)
    e.eval()
    t.eval()
    x = randn(2, 3, 4, 4)
    _close(e(ember.tensor(x)), t(torch.tensor(x)))


def test_mlp_training_steps_match_torch():
    """Three SGD steps of a small MLP with copied weights give torch's losses."""
    torch.manual_seed(0)
    t = tnn.Sequential(tnn.Linear(8, 16), tnn.ReLU(), tnn.LayerNorm(16), tnn.Linear(16, 4))
    e = enn.Sequential(enn.Linear(8, 16), enn.ReLU(), enn.LayerNorm(16), enn.Linear(16, 4))
    _copy_params(t, e)
    losses = []
    for model, lib, nn in ((t, torch, tnn), (e, ember, enn)):
        out = []
        for step in range(3):
            x = lib.tensor(np.sin(np.arange(40, dtype=np.float32) + step).reshape(5, 8))
            y = lib.tensor(np.arange(5) % 4)
            loss = nn.CrossEntropyLoss()(model(x), y)
            model.zero_grad()
            loss.backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
            out.append(loss.item())
        losses.append(out)
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-5)


def test_lenet_training_parity():
    """Seed 000's LeNet: same seed -> same initial weights; 20 SGD-momentum steps on the same
    batches give torch's losses to 1e-4 relative."""
    pytest.importorskip("ember.optim")

    def run(lib):
        nn, F = lib.nn, lib.nn.functional

        class LeNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 6, 5)
                self.conv2 = nn.Conv2d(6, 16, 5)
                self.fc1 = nn.Linear(16 * 5 * 5, 120)
                self.fc2 = nn.Linear(120, 84)
                self.fc3 = nn.Linear(84, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
                x = F.max_pool2d(F.relu(self.conv2(x)), 2)
                x = x.view(x.size()[0], -1)
                return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
        lib.manual_seed(0)
        net = LeNet()
        opt = lib.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        rng = np.random.default_rng(0)
        losses = []
        for _ in range(20):
            x = lib.tensor(rng.standard_normal((4, 1, 32, 32)).astype(np.float32))
            y = lib.tensor(rng.integers(0, 10, 4))
            opt.zero_grad()
            loss = nn.CrossEntropyLoss()(net(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses
    np.testing.assert_allclose(run(ember), run(torch), rtol=1e-4)
