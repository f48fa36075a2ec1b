"""The backend seam, checked without a GPU: ember runs on a strict stand-in for CuPy
(`_fake_cupy`), whose arrays refuse to meet NumPy arrays. Every case runs on 'cuda' and on
'cpu'; on 'cuda' every result and gradient must stay a device array, and the values must
equal the CPU run."""
import io
import pathlib
import re
import sys

import numpy as np
import pytest

import ember

from _fake_cupy import make_module, ndarray as FakeArray
from _op_rows import ROWS as OPS_TABLE



@pytest.fixture
def fake_gpu(monkeypatch):
    """`import cupy` finds the stand-in for the duration of a test."""
    fake = make_module()
    monkeypatch.setitem(sys.modules, "cupy", fake)
    assert ember.cuda.is_available()
    return fake


def _seeded(fn):
    def run(dev):
        ember.manual_seed(0)
        return fn(dev)
    return run


def _model_step(dev, make, x_shape, target):
    ember.manual_seed(0)
    model = make().to(dev)
    x = ember.randn(*x_shape, device=dev)
    out = model(x)
    out = out[0] if isinstance(out, tuple) else out
    loss = (out - target(out, dev)).pow(2).mean()
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    return [loss] + grads


def _opt_step(dev, opt):
    ember.manual_seed(0)
    w = ember.randn(4, 3, device=dev, requires_grad=True)
    o = getattr(ember.optim, opt)([w], lr=0.1)
    for _ in range(2):
        o.zero_grad()
        (w * w).sum().backward()
        ember.nn.utils.clip_grad_norm_([w], 1.0)
        o.step()
    return w.detach()


def _grad_of(fn, *shape):
    def run(dev):
        ember.manual_seed(0)
        x = ember.randn(*shape, device=dev, requires_grad=True)
        fn(x).sum().backward()
        return [fn(x.detach()), x.grad]
    return run


F = ember.nn.functional
CASES = {
    "zeros": lambda d: ember.zeros(2, 3, device=d),
    "full": lambda d: ember.full((3,), 2.5, device=d),
    "arange": lambda d: ember.arange(5, device=d),
    "linspace": lambda d: ember.linspace(0, 1, 5, device=d),
    "eye": lambda d: ember.eye(3, device=d),
    "tensor": lambda d: ember.tensor([[1.0, 2.0], [3.0, 4.0]], device=d),
    "to": lambda d: ember.arange(4.0).to(d),
    "randn": _seeded(lambda d: ember.randn(5, device=d)),
    "rand_like": _seeded(lambda d: ember.rand_like(ember.ones(3, device=d))),
    "arith": _seeded(lambda d: (ember.randn(3, 4, device=d) * 2 + 1) / 3 - ember.ones(4, device=d)),
    "unary": _seeded(lambda d: ember.randn(6, device=d).exp().sin().abs().sqrt()),
    "compare": _seeded(lambda d: ember.randn(6, device=d) > 0),
    "sum_mean": _seeded(lambda d: [ember.randn(2, 3, device=d).sum(), ember.randn(2, 3, device=d).mean(1)]),
    "std_var": _seeded(lambda d: [ember.randn(4, 3, device=d).std(0), ember.randn(4, 3, device=d).var()]),
    "max_argmax": _seeded(lambda d: list(ember.randn(3, 4, device=d).max(1)) + [ember.randn(5, device=d).argmax()]),
    "cumsum_logsumexp": _seeded(lambda d: [ember.randn(5, device=d).cumsum(0), ember.randn(2, 3, device=d).logsumexp(1)]),
    "norm_median": _seeded(lambda d: [ember.randn(5, device=d).norm(), ember.randn(5, device=d).median()]),
    "sort": _seeded(lambda d: list(ember.sort(ember.randn(5, device=d)))),
    # PyTorch's tie order is replayed by NumPy-only kernels, run on the host through on_host
    "host_kernels": _seeded(lambda d: list(ember.randn(6, device=d).topk(2))
                            + list(ember.unique(ember.tensor([3, 1, 3], device=d),
                                                return_inverse=True, return_counts=True))
                            + [ember.randn(4, device=d).erf(), ember.rand(4, device=d).lgamma(),
                               ember.rand(4, device=d).digamma()]),
    "grad_host_kernels": _grad_of(lambda x: x.topk(2, 1).values + x[:, :2].erf()
                                  + x[:, 2:].abs().lgamma(), 3, 4),
    "getitem": lambda d: [ember.arange(12.0, device=d).view(3, 4)[1:, ::2], ember.arange(6.0, device=d)[None, ..., 2]],
    "advanced_index": lambda d: ember.arange(12.0, device=d).view(3, 4)[ember.tensor([0, 2], device=d), 1:],
    "mask": lambda d: ember.arange(6.0, device=d)[ember.arange(6.0, device=d) > 2],
    "setitem": lambda d: _set(ember.zeros(3, 4, device=d)),
    "gather_scatter": lambda d: [ember.arange(6.0, device=d).view(2, 3).gather(1, ember.tensor([[0], [2]], device=d)),
                                 ember.zeros(3, device=d).scatter_add(0, ember.tensor([0, 0, 2], device=d), ember.ones(3, device=d)),
                                 ember.zeros(3, device=d).index_add(0, ember.tensor([1, 1], device=d), ember.ones(2, device=d))],
    "where_nonzero": lambda d: [ember.where(ember.arange(4.0, device=d) > 1, 1.0, -1.0), ember.nonzero(ember.arange(4, device=d) % 2)],
    "masked_fill": lambda d: ember.arange(4.0, device=d).masked_fill(ember.arange(4, device=d) > 1, 0.0),
    "views": lambda d: [ember.arange(24.0, device=d).view(2, 3, 4).permute(2, 0, 1).reshape(4, 6),
                        ember.arange(6.0, device=d).expand(2, 6), ember.arange(12.0, device=d).view(3, 4).t().contiguous(),
                        ember.arange(12.0, device=d).view(3, 4).diagonal(), ember.arange(8.0, device=d).unfold(0, 3, 2)],
    "cat_stack": lambda d: [ember.cat([ember.ones(2, device=d), ember.zeros(3, device=d)]),
                            ember.stack([ember.ones(2, device=d), ember.zeros(2, device=d)], 1)],
    "matmul": _seeded(lambda d: [ember.randn(2, 3, device=d) @ ember.randn(3, 4, device=d),
                                 ember.bmm(ember.randn(2, 2, 3, device=d), ember.randn(2, 3, 2, device=d)),
                                 ember.einsum("ij,jk->ik", ember.randn(2, 3, device=d), ember.randn(3, 2, device=d))]),
    "linalg": lambda d: [ember.linalg.inv(ember.eye(3, device=d) * 2), ember.linalg.det(ember.eye(3, device=d) * 2)],
    "grad_arith": _grad_of(lambda x: (x * x + 2 * x).exp() / 3, 4),
    "grad_reduce": _grad_of(lambda x: x.max(1).values + x.mean(1) + x.std(1), 3, 4),
    "grad_views": _grad_of(lambda x: x.t()[1:].reshape(-1)[::2], 3, 4),
    "grad_index": _grad_of(lambda x: x[[0, 2, 2]] * 2, 3, 4),
    "softmax": _grad_of(lambda x: F.log_softmax(x, 1) + x.softmax(0), 3, 4),
    "cross_entropy": lambda d: _ce(d),
    "linear": lambda d: _model_step(d, lambda: ember.nn.Linear(3, 2), (4, 3), lambda o, d: ember.zeros_like(o)),
    "conv_pool": lambda d: _model_step(d, lambda: ember.nn.Sequential(
        ember.nn.Conv2d(1, 2, 3, padding=1), ember.nn.MaxPool2d(2), ember.nn.ReLU()),
        (2, 1, 6, 6), lambda o, d: ember.zeros_like(o)),
    "batchnorm_layernorm": lambda d: _model_step(d, lambda: ember.nn.Sequential(
        ember.nn.BatchNorm1d(3), ember.nn.LayerNorm(3)), (4, 3), lambda o, d: ember.zeros_like(o)),
    "lstm": lambda d: _model_step(d, lambda: ember.nn.LSTM(3, 4), (2, 1, 3), lambda o, d: ember.zeros_like(o)),
    "embedding": lambda d: _embedding(d),
    "dropout_eval": lambda d: ember.nn.Dropout(0.5).eval()(ember.ones(4, device=d)),
    "pointwise": _seeded(lambda d: [ember.randn(5, device=d).clamp(-0.5, 0.5), 2 ** ember.randn(5, device=d),
                                    ember.lerp(ember.randn(5, device=d), ember.randn(5, device=d), 0.3),
                                    ember.randn(5, device=d) // 0.3, ember.randn(5, device=d).round(decimals=2)]),
    "scans": _seeded(lambda d: [ember.randn(5, device=d).cumprod(0), ember.randn(5, device=d).logcumsumexp(0),
                                ember.diff(ember.randn(5, device=d)), ember.bincount(ember.tensor([1, 2, 2], device=d))]),
    "index_more": _seeded(lambda d: [ember.randn(4, 3, device=d).index_select(0, ember.tensor([0, 2], device=d)),
                                     ember.zeros(5, device=d).index_put((ember.tensor([0, 0], device=d),), ember.ones(2, device=d), accumulate=True),
                                     ember.searchsorted(ember.arange(5.0, device=d), ember.tensor([1.5], device=d)),
                                     ember.randn(3, 3, device=d).tril()]),
    "products": _seeded(lambda d: [ember.cdist(ember.randn(3, 2, device=d), ember.randn(4, 2, device=d)),
                                   ember.kron(ember.randn(2, 2, device=d), ember.randn(2, 2, device=d)),
                                   ember.linalg.solve(ember.eye(3, device=d) * 2, ember.randn(3, device=d)),
                                   ember.linalg.cholesky(ember.eye(3, device=d) * 2)]),
    "spatial": _seeded(lambda d: [F.avg_pool2d(ember.randn(1, 1, 4, 4, device=d), 2),
                                  F.adaptive_avg_pool2d(ember.randn(1, 1, 5, 5, device=d), 2),
                                  F.interpolate(ember.randn(1, 1, 3, 3, device=d), scale_factor=2),
                                  F.pad(ember.randn(1, 1, 3, 3, device=d), (1, 1, 1, 1))]),
    "convT_gru_attention": lambda d: _model_step(d, lambda: ember.nn.ConvTranspose2d(1, 2, 3), (1, 1, 4, 4), lambda o, d: ember.zeros_like(o))
    + _model_step(d, lambda: ember.nn.GRU(3, 2), (2, 1, 3), lambda o, d: ember.zeros_like(o)),
    "more_factories": _seeded(lambda d: [ember.ones(2, 2, device=d), ember.empty(3, device=d).zero_(),
                                         ember.rand(3, device=d), ember.zeros_like(ember.ones(2, device=d)),
                                         ember.ones_like(ember.ones(2, device=d)), ember.full_like(ember.ones(2, device=d), 7),
                                         ember.empty_like(ember.ones(2, device=d)).fill_(1), ember.randn_like(ember.ones(2, device=d)),
                                         ember.randint(0, 5, (4,), device=d), ember.randperm(5, device=d),
                                         ember.arange(1.0, 2.0, 0.25, device=d), ember.linspace(0, 10, 4, dtype=ember.int64, device=d),
                                         ember.logspace(0, 2, 3, device=d), ember.hann_window(5, device=d),
                                         ember.kaiser_window(5, device=d), ember.blackman_window(5, device=d),
                                         ember.fft.fftfreq(5, device=d), ember.fft.rfftfreq(5, device=d)]),
    "random_samplers": _seeded(lambda d: [ember.bernoulli(ember.rand(5, device=d)), ember.rand(5, device=d).bernoulli_(0.3),
                                          ember.empty(5, device=d).bernoulli_(ember.rand(5, device=d)),
                                          ember.multinomial(ember.rand(2, 4, device=d), 2),
                                          ember.normal(ember.zeros(3, device=d), ember.ones(3, device=d)),
                                          ember.poisson(ember.rand(4, device=d) * 3),
                                          ember.binomial(ember.full((3,), 5.0, device=d), ember.rand(3, device=d)),
                                          ember.empty(4, device=d).uniform_(), ember.empty(4, device=d).exponential_(),
                                          ember.range(0, 2, 0.5, device=d)]),
    "more_tensor_methods": _seeded(lambda d: [ember.zeros(2, device=d).resize_(5)[:2], ember.ones(2, device=d).set_(),
                                      ember.tensor(0.0, device=d).nonzero(),
                                      ember.isin(ember.arange(4, device=d), 2), ember.isin(2, ember.arange(4, device=d)),
                                      ember.histogramdd(ember.rand(6, 2, device=d), bins=[2, 2], density=True).hist,
                                      F.gelu(ember.linspace(-1, 1, 5, device=d)),
                                      ember.ones(2, device=d).new([1.0, 2.0]),
                                      F.avg_pool1d(ember.arange(8, device=d).view(1, 1, 8), 3)]),
    "cuda_cpu_round_trip": lambda d: ember.arange(3.0).cuda().cpu().to(d) if d == "cuda" else ember.arange(3.0),
    "zero_dim_selections": lambda d: list(ember.tensor(2.0, device=d).sort()) + [ember.tensor(2.0, device=d).argsort()]
    + list(ember.tensor(2.0, device=d).max(0)) + list(ember.tensor(2.0, device=d).cummax(0))
    + list(ember.tensor(2.0, device=d).kthvalue(1)) + list(ember.tensor(2.0, device=d).median(0)),
    "selections": _grad_of(lambda x: x.kthvalue(2, 1).values + x.median(1).values + x.nanmedian(1).values
                           + x.mode(1).values + x.cummax(1).values[:, -1] + x.cummin(1).values[:, 0]
                           + x.min(1).values + x.quantile(0.3, 1), 3, 5),
    "selection_indices": _seeded(lambda d: [ember.randn(3, 5, device=d).kthvalue(2, 1).indices,
                                            ember.randn(3, 5, device=d).median(1).indices,
                                            ember.tensor([[1, 2, 2], [3, 3, 1]], device=d).mode(1).indices,
                                            ember.randn(3, 5, device=d).cummax(1).indices]),
    "diag_fill_repeat": lambda d: [ember.diag_embed(ember.arange(6.0, device=d).view(2, 3)),
                                   ember.zeros(3, 3, device=d).fill_diagonal_(2.0),
                                   ember.arange(3, device=d).repeat_interleave(2),
                                   ember.arange(3, device=d).repeat_interleave(ember.tensor([1, 0, 2], device=d)),
                                   ember.combinations(ember.arange(4.0, device=d), 2)],
    "index_fill_scatter": lambda d: [ember.zeros(3, 2, device=d).index_fill(0, ember.tensor([0, 2], device=d), 5.0),
                                     ember.zeros(2, 3, device=d).masked_scatter(ember.tensor([[True, False, True], [False, True, True]], device=d),
                                                                                ember.arange(1.0, 7.0, device=d)),
                                     ember.zeros(3, device=d).scatter(0, ember.tensor([2, 0], device=d), 4.0),
                                     ember.ones(3, device=d).scatter_reduce(0, ember.tensor([0, 0, 2], device=d),
                                                                            ember.arange(3.0, device=d), "mean", include_self=False),
                                     ember.ones(3, device=d).scatter_reduce(0, ember.tensor([0, 0, 2], device=d),
                                                                            ember.arange(3.0, device=d), "amax"),
                                     # CuPy has no multiply.at: products scatter on the host
                                     ember.full((3,), 2.0, device=d).scatter_reduce(0, ember.tensor([0, 0, 2], device=d),
                                                                                   ember.arange(1.0, 4.0, device=d), "prod"),
                                     ember.full((3,), 2.0, device=d).scatter(0, ember.tensor([1, 1], device=d),
                                                                            ember.arange(2.0, 4.0, device=d), reduce="multiply")],
    "grad_gather_scatter": _grad_of(lambda x: x.gather(1, ember.tensor([[0, 2], [1, 1], [3, 0]], device=x.device))
                                    .sum(1) + x.scatter(1, ember.tensor([[0], [1], [2]], device=x.device), 0.0).sum(1)
                                    + x.index_select(1, ember.tensor([3, 3], device=x.device)).sum(1), 3, 4),
    "grad_strided_views": _grad_of(lambda x: x.unfold(1, 2, 1).sum(-1)[:, :2] + x.as_strided((3, 2), (4, 1)), 3, 4),
    "search_hist_renorm": _seeded(lambda d: [ember.searchsorted(ember.arange(6.0, device=d).view(2, 3),
                                                                ember.randn(2, 4, device=d)),
                                             ember.bucketize(ember.randn(5, device=d), ember.tensor([-1.0, 0.0, 1.0], device=d)),
                                             ember.histc(ember.randn(20, device=d), 4, -2, 2),
                                             *ember.histogram(ember.randn(20, device=d), 4, range=(-2.0, 2.0)),
                                             *ember.histogram(ember.randn(20, device=d), 3),
                                             ember.randn(3, 4, device=d).renorm(2, 0, 1.0),
                                             ember.randn(3, 4, device=d).renorm(float("inf"), 0, 1.0),
                                             ember.polar(ember.rand(3, device=d), ember.randn(3, device=d)).real]),
    "special_more": _seeded(lambda d: [ember.special.multigammaln(ember.rand(3, device=d) + 2, 2),
                                       ember.special.xlog1py(ember.tensor([0.0, 1.0, 2.0], device=d), ember.rand(3, device=d)),
                                       ember.polygamma(1, ember.rand(3, device=d) + 0.5)]),
    "bfloat16": _seeded(lambda d: [(ember.randn(4, device=d).bfloat16() * 3).float(),
                                   ember.randn(4, device=d).to(ember.bfloat16).exp().float()]),
    "linalg_more": _seeded(lambda d: [ember.linalg.matrix_power(ember.randn(3, 3, device=d), 0),
                                      ember.linalg.matrix_power(ember.randn(3, 3, device=d), -1),
                                      ember.linalg.qr(ember.randn(3, 3, device=d), mode="r")[1],
                                      ember.linalg.pinv(ember.randn(3, 2, device=d)),
                                      ember.linalg.matrix_rank(ember.randn(3, 3, device=d)),
                                      ember.linalg.vector_norm(ember.randn(4, device=d), 0),
                                      *ember.linalg.lu(ember.randn(3, 3, device=d)),
                                      *ember.linalg.lu_factor(ember.randn(3, 3, device=d)),
                                      ember.linalg.householder_product(ember.randn(3, 2, device=d), ember.randn(2, device=d)),
                                      ember.linalg.cholesky_ex(ember.eye(2, device=d)).info]),
    "lstsq": _seeded(lambda d: list(ember.linalg.lstsq(ember.randn(4, 3, device=d), ember.randn(4, 2, device=d), driver="gelsd"))[:2]),
    "nonzero_tuple": lambda d: list(ember.nonzero(ember.tensor([[1, 0], [0, 3]], device=d), as_tuple=True))
    + [ember.nonzero(ember.tensor(3, device=d))],
    "losses_more": _seeded(lambda d: [F.multilabel_margin_loss(ember.randn(2, 4, device=d), ember.tensor([[1, 3, -1, 0], [0, -1, 0, 0]], device=d)),
                                      F.multi_margin_loss(ember.randn(3, 4, device=d), ember.tensor([0, 3, 1], device=d)),
                                      F.mse_loss(ember.randn(4, device=d), ember.randn(4, device=d)),
                                      F.embedding(ember.tensor([0, 2], device=d), ember.randn(3, 2, device=d), max_norm=1.0),
                                      F.embedding_bag(ember.tensor([0, 2, 1], device=d), ember.randn(3, 2, device=d),
                                                      ember.tensor([0, 1], device=d), mode="sum",
                                                      per_sample_weights=ember.rand(3, device=d))]),
    "pools_more": _seeded(lambda d: [F.avg_pool2d(ember.randn(1, 1, 5, 5, device=d), 2, padding=1, count_include_pad=False),
                                     F.avg_pool2d(ember.randn(1, 1, 4, 4, device=d), 2, divisor_override=3),
                                     F.adaptive_max_pool1d(ember.randn(1, 2, 7, device=d), 3),
                                     F.pad(ember.randn(1, 1, 3, 3, device=d), (1, 2, 2, 1), mode="circular"),
                                     F.interpolate(ember.randn(1, 1, 4, device=d), size=7, mode="linear"),
                                     F.interpolate(ember.randn(1, 1, 4, 4, device=d), size=(5, 6), mode="bicubic")]),
    "fractional_pool": _grad_of(lambda x: F.fractional_max_pool2d(x, 2, output_size=3), 1, 1, 6, 6),
    "unsorted_packing": _seeded(lambda d: list(ember.nn.utils.rnn.pad_packed_sequence(ember.nn.utils.rnn.pack_padded_sequence(
        ember.randn(4, 3, 2, device=d), ember.tensor([2, 4, 1]), enforce_sorted=False)))[:1]
        + [ember.nn.utils.rnn.invert_permutation(ember.tensor([2, 0, 1], device=d))]),
    "embedding_double_backward": lambda d: _embedding_gradgrad(d),
    "batchnorm2d_dropout": lambda d: _model_step(d, lambda: ember.nn.Sequential(
        ember.nn.Conv2d(2, 3, 1), ember.nn.BatchNorm2d(3), ember.nn.Dropout(0.5)), (2, 2, 3, 3), lambda o, d: ember.zeros_like(o)),
    "mse_module": lambda d: _model_step(d, lambda: ember.nn.Linear(3, 2), (4, 3),
                                        lambda o, d: ember.ones(4, 2, device=d)) + [ember.nn.MSELoss()(ember.ones(2, device=d), ember.zeros(2, device=d))],
}
for _name in ("SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
              "Rprop", "ASGD", "Adafactor"):
    CASES["optim_" + _name] = lambda d, _name=_name: _opt_step(d, _name)


@pytest.mark.parametrize("row", OPS_TABLE, ids=[r[0] for r in OPS_TABLE])
def test_elementwise_table_on_the_device(fake_gpu, row):
    """Every row of tests/test_ops_table.py: forward and gradients stay on the device."""
    name, domain, arity = row
    ember.manual_seed(0)
    args = [(ember.rand(3, 4, device="cuda") + (1.1 if domain == "gt1" else 0.1)).requires_grad_()
            for _ in range(arity)]
    out = getattr(ember, name)(*args)
    assert type(out._data) is FakeArray
    if out.dtype.is_floating_point:
        out.sum().backward()
        assert all(type(a.grad._data) is FakeArray for a in args)


def _r(*shape):
    return ember.randn(*shape, device="cuda", requires_grad=True)


def _t(values):
    return ember.tensor(values, device="cuda")


NN_CASES = {
    "activations": lambda: F.elu(_r(5)) + F.selu(_r(5)) + F.softplus(_r(5)) + F.mish(_r(5))
    + F.hardswish(_r(5)) + F.logsigmoid(_r(5)) + F.leaky_relu(_r(5)) + F.hardtanh(_r(5)),
    "glu_softmin_prelu": lambda: F.glu(_r(3, 8)) + F.softmin(_r(3, 4), 1)
    + ember.nn.PReLU().to("cuda")(_r(3, 4)),
    "losses": lambda: F.l1_loss(_r(5), _r(5)) + F.huber_loss(_r(5), _r(5))
    + F.kl_div(_r(3, 4).log_softmax(1), _r(3, 4).softmax(1), reduction="batchmean")
    + F.binary_cross_entropy(_r(4).sigmoid(), ember.rand(4, device="cuda"))
    + F.cross_entropy(_r(3, 4), _t([0, 1, 3]), label_smoothing=0.1)
    + F.cross_entropy(_r(3, 4), ember.rand(3, 4, device="cuda").softmax(1))
    + F.nll_loss(_r(3, 4), _t([0, -100, 3]))
    + F.margin_ranking_loss(_r(4), _r(4), _t([1.0, -1, 1, 1]))
    + F.cosine_embedding_loss(_r(3, 4), _r(3, 4), _t([1.0, -1, 1]))
    + F.triplet_margin_loss(_r(3, 4), _r(3, 4), _r(3, 4)),
    "similarity_norms": lambda: F.cosine_similarity(_r(3, 4), _r(3, 4)).sum()
    + F.pdist(_r(4, 3)).sum() + F.normalize(_r(3, 4)).sum() + F.layer_norm(_r(3, 4), (4,)).sum()
    + F.group_norm(_r(2, 4, 3), 2).sum() + F.instance_norm(_r(2, 3, 5)).sum()
    + F.local_response_norm(_r(1, 4, 3, 3), 2).sum(),
    "embedding_onehot_fold": lambda: F.embedding_bag(_t([1, 2, 4, 3]), _r(5, 3), _t([0, 2])).sum()
    + F.one_hot(_t([0, 2, 1])).sum() + F.unfold(_r(1, 2, 4, 4), 2).sum()
    + F.fold(_r(1, 8, 9), (4, 4), 2).sum(),
    "convs_pools": lambda: F.conv1d(_r(1, 2, 8), _r(3, 2, 3), stride=2, padding=1).sum()
    + F.conv3d(_r(1, 1, 4, 4, 4), _r(2, 1, 2, 2, 2)).sum() + F.max_pool1d(_r(1, 2, 8), 2).sum()
    + F.avg_pool3d(_r(1, 1, 4, 4, 4), 2).sum() + F.adaptive_max_pool2d(_r(1, 1, 5, 5), 2).sum()
    + F.interpolate(_r(1, 1, 3, 3), size=(5, 5), mode="bilinear", align_corners=False).sum()
    + F.pad(_r(1, 1, 4, 4), (1, 1, 1, 1), mode="reflect").sum()
    + F.pixel_shuffle(_r(1, 4, 2, 2), 2).sum() + F.lp_pool2d(_r(1, 1, 4, 4), 2, 2).sum(),
    "packed_lstm": lambda: ember.nn.utils.rnn.pad_packed_sequence(ember.nn.LSTM(3, 2).to("cuda")(
        ember.nn.utils.rnn.pack_padded_sequence(_r(4, 2, 3), [4, 2]))[0])[0],
    "ctc_grid_sample": lambda: F.ctc_loss(_r(6, 2, 5).log_softmax(2), _t([[1, 2], [3, 4]]),
                                          _t([6, 6]), _t([2, 2]))
    + F.grid_sample(_r(1, 1, 4, 4), ember.rand(1, 2, 2, 2, device="cuda") * 2 - 1,
                    align_corners=False).sum(),
    "attention": lambda: F.scaled_dot_product_attention(_r(1, 2, 3, 4), _r(1, 2, 3, 4),
                                                        _r(1, 2, 3, 4)).sum()
    + ember.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0).to("cuda")(_r(3, 1, 4)).sum(),
    "init": lambda: ember.nn.init.kaiming_uniform_(ember.empty(3, 4, device="cuda")).sum()
    + ember.nn.init.trunc_normal_(ember.empty(3, 4, device="cuda")).sum()
    + ember.nn.init.orthogonal_(ember.empty(3, 4, device="cuda")).sum(),
}


@pytest.mark.parametrize("name", list(NN_CASES))
def test_nn_functions_stay_on_the_device(fake_gpu, name):
    ember.manual_seed(0)
    out = NN_CASES[name]()
    assert type(out._data) is FakeArray
    if out.requires_grad:
        out.float().sum().backward()


def _set(t):
    t[0] = 1.0
    t[1:, ::2] = ember.arange(4.0, device=t.device).view(2, 2)
    t[t > 2] = -1.0
    return t


def _embedding(dev):
    ember.manual_seed(0)
    emb = ember.nn.Embedding(5, 2).to(dev)
    out = emb(ember.tensor([1, 3, 1], device=dev))
    out.sum().backward()
    return [out, emb.weight.grad]


def _embedding_gradgrad(dev):
    ember.manual_seed(0)
    w = ember.randn(3, 2, device=dev, requires_grad=True)
    out = F.embedding(ember.tensor([0, 2, 0], device=dev), w, padding_idx=0, scale_grad_by_freq=True)
    (g,) = ember.autograd.grad(out.pow(2).sum(), w, create_graph=True)
    g.pow(2).sum().backward()
    return [g, w.grad]


def _ce(dev):
    ember.manual_seed(0)
    x = ember.randn(4, 3, device=dev, requires_grad=True)
    loss = F.cross_entropy(x, ember.tensor([0, 1, 2, 0], device=dev))
    loss.backward()
    return [loss, x.grad]


def _flat(result):
    out = []
    for r in (result if isinstance(result, (list, tuple)) else [result]):
        out.extend(_flat(r) if isinstance(r, (list, tuple)) else [r])
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_runs_on_the_device_with_cpu_values(fake_gpu, name):
    on_cpu = _flat(CASES[name]("cpu"))
    on_gpu = _flat(CASES[name]("cuda"))
    assert len(on_cpu) == len(on_gpu)
    for c, g in zip(on_cpu, on_gpu):
        assert type(g._data) is FakeArray, "a host array on the device path"
        assert str(g.device) == "cuda:0" and str(c.device) == "cpu"
        assert g.dtype == c.dtype and g.shape == c.shape
        np.testing.assert_allclose(g.detach().cpu().numpy(), c.detach().numpy(), rtol=1e-6,
                                   atol=1e-7)


def test_device_errors_are_pytorchs(fake_gpu):
    g = ember.ones(2, device="cuda")
    with pytest.raises(TypeError) as e:
        g.numpy()
    assert str(e.value) == ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() "
                            "to copy the tensor to host memory first.")
    assert type(g.cpu().numpy()) is np.ndarray
    # PyTorch names the first non-CPU device first, whatever the operand order
    for a, b in ((g, ember.ones(2)), (ember.ones(2), g)):
        with pytest.raises(RuntimeError) as e:
            a + b
        assert str(e.value) == ("Expected all tensors to be on the same device, but found at "
                                "least two devices, cuda:0 and cpu!")
    assert repr(g) == "tensor([1., 1.], device='cuda:0')"


def test_cpu_scalars_join_device_tensors(fake_gpu):
    """0-d CPU tensors are accepted next to device tensors (PyTorch's elementwise kernels
    take them as scalars); the gradient of a CPU one stays on the CPU."""
    s = ember.tensor(2.0, requires_grad=True)
    g = ember.ones(3, device="cuda", requires_grad=True)
    out = (g * s + ember.tensor(1.0)) / s
    assert type(out._data) is FakeArray
    out.sum().backward()
    assert type(g.grad._data) is FakeArray and type(s.grad._data) is np.ndarray
    assert s.grad.item() == pytest.approx(-0.75) and g.grad.tolist() == [1.0, 1.0, 1.0]


def test_torch_cuda_functions(fake_gpu):
    c = ember.cuda
    assert c.device_count() == 1 and c.current_device() == 0 and c.is_initialized()
    assert c.get_device_name(0) == "Fake GPU"
    c.set_device(0)
    with c.device(0):
        c.synchronize()
    c.empty_cache()
    assert c.memory_allocated() == 0
    assert ember.get_default_device() == ember.device("cpu")


def test_default_device_builds_there(fake_gpu):
    with ember.device("cuda"):
        t = ember.zeros(2)
        layer = ember.nn.Linear(2, 2)
    assert str(t.device) == "cuda:0" and type(t._data) is FakeArray
    assert str(layer.weight.device) == "cuda:0"
    assert ember.zeros(2).device.type == "cpu"


def test_save_and_load_device_tensors(fake_gpu):
    """Storages are saved tagged 'cuda:0', as PyTorch tags them, and come back on the device
    (or on the CPU with map_location)."""
    import copy
    import zipfile
    state = ember.nn.Linear(3, 2).cuda().state_dict()
    buf = io.BytesIO()
    ember.save(state, buf)
    pickled = zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("archive/data.pkl")
    assert b"cuda:0" in pickled
    for where, kind in ((None, FakeArray), ("cpu", np.ndarray)):
        buf.seek(0)
        back = ember.load(buf, map_location=where)
        for k, v in back.items():
            assert type(v._data) is kind
            np.testing.assert_array_equal(v.cpu().numpy(), state[k].cpu().numpy())
    assert type(copy.deepcopy(state["weight"])._data) is FakeArray


def test_gradcheck_on_the_device(fake_gpu):
    x = ember.randn(3, dtype=ember.float64, device="cuda", requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: (t * t).sin(), (x,))
    assert ember.autograd.gradgradcheck(lambda t: (t * t).sin(), (x,))


# --- the seam does not erode ----------------------------------------------------------------------

# NumPy creation calls that rightly make host arrays: file under ember/ -> (how many, why).
# None allows any number (modules that are host-only by design). Everything else builds
# arrays with the data's module: `x._xp`, `array_module(a)` or `module_for(device)`.
HOST_CREATION = {
    "_generator.py": (None, "the CPU generator: PyTorch's CPU stream, copied to devices"),
    "random.py": (2, "the generator's state"),
    "ops/_special.py": (None, "NumPy-only special-function kernels, run through on_host"),
    "ops/unary.py": (1, "trigamma, a NumPy-only kernel behind on_host"),
    "ops/sorting.py": (9, "topk/kthvalue replay PyTorch's tie order on the host (on_host)"),
    "ops/sort_stats.py": (10, "median/mode along a dim: the same replay (on_host)"),
    "ops/sort_unique.py": (11, "unique's kernel runs on the host (on_host)"),
    "nn/_f_ctc.py": (None, "the CTC recursion runs on the host (on_host); lengths are host"),
    "ops/_op.py": (7, "NumPy scalar results made 0-d arrays; host operands, Python numbers"),
    "ops/index.py": (2, "index keys given as lists: parsed on the host, then uploaded"),
    "ops/index_diag.py": (1, "fill_diagonal_'s value cast to the dtype, as a Python number"),
    "_creation.py": (4, "tensor() of Python data and NumPy arrays: built on the host, placed"),
    "_storage.py": (2, "typed storages from Python lists and sizes (CPU, as in PyTorch)"),
    "_tensor_str.py": (1, "printing formats a host copy"),
    "ops/windows.py": (4, "window factories: PyTorch's recipe on the host, then placed"),
    "nn/_spatial_pad.py": (2, "per-axis index tables, uploaded where they index the data"),
    "nn/_spatial_pool.py": (7, "pooling divisors and index/averaging tables, uploaded at use"),
    "nn/_spatial_sample.py": (6, "interpolation indices and weight matrices, uploaded at use"),
    "nn/_f_loss2.py": (2, "multilabel_margin_loss's pair table from host targets, uploaded"),
    "nn/utils/rnn.py": (2, "lengths and batch sizes are CPU bookkeeping, as in PyTorch"),
    "autograd/gradcheck.py": (4, "Jacobians are assembled and compared on the host"),
    "optim/optimizer.py": (1, "step counters live on the CPU, as PyTorch keeps them"),
    "optim/_common.py": (1, "step counters (loaded state)"),
    "optim/adam.py": (1, "step counters (loaded state)"),
    "optim/adagrad.py": (1, "step counters (loaded state)"),
    "optim/asgd.py": (1, "step counters (loaded state)"),
}

_CREATION = re.compile(r"(?<![\w.])np\.(zeros|ones|empty|full|array|asarray|arange|eye"
                       r"|ascontiguousarray)\(")


def _creation_calls():
    """{file under ember/: [(line number, line)]} of NumPy creation calls in ember's modules,
    its ops, nn, optim and autograd."""
    root = pathlib.Path(ember.__file__).parent
    files = list(root.glob("*.py"))
    for sub in ("ops", "nn", "optim", "autograd"):
        files += (root / sub).rglob("*.py")
    found = {}
    for path in files:
        for no, line in enumerate(path.read_text().splitlines(), 1):
            if not line.lstrip().startswith("#"):
                for _ in _CREATION.finditer(line):
                    found.setdefault(path.relative_to(root).as_posix(), []).append((no, line))
    return found


def test_no_host_arrays_on_the_device_path():
    """New np.zeros/np.asarray/... calls in ember's ops must go through the array module of
    their data (or join HOST_CREATION with a reason)."""
    found = _creation_calls()
    problems = []
    for name, calls in sorted(found.items()):
        allowed = HOST_CREATION.get(name, (0, ""))[0]
        if allowed is not None and len(calls) != allowed:
            problems.append("ember/%s: %d NumPy creation calls, %d allowed:\n%s" % (
                name, len(calls), allowed, "\n".join("  %d: %s" % c for c in calls)))
    stale = sorted(set(HOST_CREATION) - set(found))
    assert not problems and not stale, "\n".join(problems) + (
        "\nallowed but gone (drop them from HOST_CREATION): %s" % stale if stale else "")
