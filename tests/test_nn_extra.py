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


# --- lazy modules ----------------------------------------------------------------------------------

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
