"""RNN, LSTM, GRU, their cells and nn.utils.rnn against PyTorch: seeded initialisation,
parameter names, reprs, outputs, final states and every gradient, padded and packed."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as enn
from ember.nn.utils import rnn as eu

torch = pytest.importorskip("torch")
tu = torch.nn.utils.rnn


def _copy(em, tm):
    tp = dict(tm.named_parameters())
    assert [n for n, _ in em.named_parameters()] == list(tp)
    with ember.no_grad():
        for n, p in em.named_parameters():
            p.copy_(ember.tensor(tp[n].detach().numpy()))


def _flat(out):
    """(output, h) or (output, (h, c)) or a tensor -> list of tensors."""
    if not isinstance(out, tuple):
        return [out]
    first, rest = out
    return [first] + (list(rest) if isinstance(rest, tuple) else [rest])


def _run_pair(name, args, kwargs, x_shape, states=None, dtype=np.float64, seed=0):
    """Builds the layer in both libraries (same weights), runs it, backpropagates a random
    projection of every output; returns the pairs to compare."""
    tol = 1e-9 if dtype == np.float64 else 2e-5
    rng = np.random.default_rng(seed)
    tm = getattr(torch.nn, name)(*args, **kwargs)
    em = getattr(enn, name)(*args, **kwargs)
    if dtype == np.float64:
        tm, em = tm.double(), em.double()
    _copy(em, tm)
    x = rng.standard_normal(x_shape).astype(dtype)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    targs, eargs, ths, ehs = [tx], [ex], [], []
    if states is not None:
        hs = [rng.standard_normal(s).astype(dtype) for s in states]
        ths = [torch.tensor(h, requires_grad=True) for h in hs]
        ehs = [ember.tensor(h, requires_grad=True) for h in hs]
        targs.append(ths[0] if len(hs) == 1 else tuple(ths))
        eargs.append(ehs[0] if len(hs) == 1 else tuple(ehs))
    touts, eouts = _flat(tm(*targs)), _flat(em(*eargs))
    assert len(touts) == len(eouts)
    lt = le = 0
    for a, b in zip(touts, eouts):
        assert tuple(b.shape) == tuple(a.shape)
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=tol, atol=tol)
        w = rng.standard_normal(tuple(a.shape)).astype(dtype)
        lt = lt + (a * torch.tensor(w)).sum()
        le = le + (b * ember.tensor(w)).sum()
    lt.backward()
    le.backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)
    for a, b in zip(ths, ehs):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=tol, atol=tol)
    tp = dict(tm.named_parameters())
    for n, p in em.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=n)
    assert repr(em) == repr(tm)
    return touts, eouts


CASES = [
    ("LSTM", (4, 3), {}, (5, 2, 4), None),
    ("LSTM", (4, 3, 2), dict(bidirectional=True, batch_first=True), (2, 5, 4),
     [(4, 2, 3), (4, 2, 3)]),
    ("LSTM", (4, 5, 2), dict(proj_size=2, bias=False), (5, 2, 4), [(2, 2, 2), (2, 2, 5)]),
    ("LSTM", (4, 5), dict(proj_size=2, bidirectional=True), (5, 4), [(2, 2), (2, 5)]),
    ("GRU", (4, 3, 2), dict(bidirectional=True), (5, 2, 4), [(4, 2, 3)]),
    ("GRU", (4, 3), dict(batch_first=True), (2, 5, 4), None),
    ("GRU", (4, 3), {}, (6, 4), [(1, 3)]),
    ("RNN", (4, 3, 2), dict(nonlinearity="relu", bidirectional=True), (5, 2, 4), [(4, 2, 3)]),
    ("RNN", (4, 3), dict(bias=False), (5, 4), [(1, 3)]),
    ("RNN", (4, 3, 3), dict(batch_first=True), (2, 3, 4), None),
    ("LSTMCell", (4, 3), {}, (2, 4), [(2, 3), (2, 3)]),
    ("LSTMCell", (4, 3), dict(bias=False), (4,), None),
    ("GRUCell", (4, 3), {}, (2, 4), [(2, 3)]),
    ("GRUCell", (4, 3), {}, (4,), [(3,)]),
    ("RNNCell", (4, 3), dict(nonlinearity="relu"), (2, 4), [(2, 3)]),
    ("RNNCell", (4, 3), {}, (2, 4), None),
]


@pytest.mark.parametrize("name,args,kwargs,x_shape,states", CASES, ids=lambda v: str(v)[:30])
def test_recurrent_double(name, args, kwargs, x_shape, states):
    touts, eouts = _run_pair(name, args, kwargs, x_shape, states)
    assert eouts[0].grad_fn.name() == touts[0].grad_fn.name()


@pytest.mark.parametrize("name,args,kwargs,x_shape,states", CASES[::4], ids=lambda v: str(v)[:30])
def test_recurrent_float32(name, args, kwargs, x_shape, states):
    _run_pair(name, args, kwargs, x_shape, states, dtype=np.float32, seed=1)


def test_lstm_double_backward():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 2, 4))
    res = []
    for lib, nn in ((torch, torch.nn), (ember, enn)):
        lib.manual_seed(5)
        m = nn.LSTM(4, 3).double()
        xt = lib.tensor(x, requires_grad=True)
        out, _ = m(xt)
        (g,) = lib.autograd.grad(out.sum(), xt, create_graph=True)
        (g * g).sum().backward()
        res.append([xt.grad.numpy()] + [p.grad.numpy() for p in m.parameters()])
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("make", [
    lambda nn: nn.LSTM(4, 3, 1), lambda nn: nn.LSTMCell(4, 3),
    lambda nn: nn.GRU(3, 5, 2, bidirectional=True), lambda nn: nn.LSTM(4, 5, proj_size=2),
    lambda nn: nn.RNN(2, 3, nonlinearity="relu"), lambda nn: nn.GRUCell(3, 2, bias=False),
])
def test_seeded_init(make):
    """manual_seed(1000) then a layer: PyTorch's exact values, names and shapes."""
    torch.manual_seed(1000)
    ember.manual_seed(1000)
    tm, em = make(torch.nn), make(enn)
    tp = list(tm.named_parameters())
    ep = list(em.named_parameters())
    assert [n for n, _ in ep] == [n for n, _ in tp]
    for (_, a), (_, b) in zip(tp, ep):
        assert type(b).__name__ == "Parameter"
        np.testing.assert_array_equal(b.detach().numpy(), a.detach().numpy())
    assert list(em.state_dict()) == list(tm.state_dict())
    assert repr(em) == repr(tm)


def test_seed_lstm_example():
    """The seed's example: nn.LSTM(4, 3, 1) with given initial states."""
    outs = []
    for lib, nn in ((torch, torch.nn), (ember, enn)):
        lib.manual_seed(1000)
        x = lib.randn(2, 3, 4)
        lstm = nn.LSTM(4, 3, 1)
        h0, c0 = lib.randn(1, 3, 3), lib.randn(1, 3, 3)
        out, (hn, cn) = lstm(x, (h0, c0))
        cell = nn.LSTMCell(4, 3)
        hx, cx = lib.randn(3, 3), lib.randn(3, 3)
        steps = []
        for xi in x:
            hx, cx = cell(xi, (hx, cx))
            steps.append(hx)
        outs.append([t.detach().numpy() for t in (out, hn, cn, lib.stack(steps))])
    for a, b in zip(*outs):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_all_weights_and_flat_weights():
    m = enn.LSTM(3, 4, 2, bidirectional=True)
    t = torch.nn.LSTM(3, 4, 2, bidirectional=True)
    assert [[tuple(w.shape) for w in ws] for ws in m.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in t.all_weights]
    assert m._flat_weights_names == t._flat_weights_names
    new = ember.nn.Parameter(ember.zeros(16, 3))
    m.weight_ih_l0 = new
    assert m._flat_weights[0] is new
    m.flatten_parameters()


@pytest.mark.parametrize("name,kwargs", [
    ("LSTM", dict(num_layers=2, bidirectional=True)), ("GRU", dict(bidirectional=True)),
    ("RNN", {}), ("LSTM", dict(proj_size=2, bidirectional=True)),
])
def test_packed_sequences_through_layers(name, kwargs):
    rng = np.random.default_rng(3)
    lengths = [3, 5, 2, 5]
    x = rng.standard_normal((5, 4, 3))
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    tp = tu.pack_padded_sequence(tx, lengths, enforce_sorted=False)
    ep = eu.pack_padded_sequence(ex, lengths, enforce_sorted=False)
    np.testing.assert_allclose(ep.data.detach().numpy(), tp.data.detach().numpy())
    for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        assert getattr(ep, field).tolist() == getattr(tp, field).tolist()
        assert getattr(ep, field).dtype == ember.int64
    tm = getattr(torch.nn, name)(3, 4, **kwargs).double()
    em = getattr(enn, name)(3, 4, **kwargs).double()
    _copy(em, tm)
    to, th = tm(tp)
    eo, eh = em(ep)
    assert isinstance(eo, eu.PackedSequence)
    np.testing.assert_allclose(eo.data.detach().numpy(), to.data.detach().numpy(), rtol=1e-10)
    th = th if isinstance(th, tuple) else (th,)
    eh = eh if isinstance(eh, tuple) else (eh,)
    for a, b in zip(th, eh):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-10)
    tpad, tl = tu.pad_packed_sequence(to, batch_first=True, total_length=6)
    epad, el = eu.pad_packed_sequence(eo, batch_first=True, total_length=6)
    np.testing.assert_allclose(epad.detach().numpy(), tpad.detach().numpy(), rtol=1e-10)
    assert el.tolist() == tl.tolist() and el.dtype == ember.int64
    (tpad.sum() + sum(h.sum() for h in th)).backward()
    (epad.sum() + sum(h.sum() for h in eh)).backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    tparams = dict(tm.named_parameters())
    for n, p in em.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[n].grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=n)


def test_pad_and_pack_helpers():
    rng = np.random.default_rng(4)
    seqs = [rng.standard_normal((n, 2)) for n in (4, 2, 3)]
    for kw in ({}, dict(batch_first=True), dict(padding_value=-1.0, padding_side="left")):
        np.testing.assert_allclose(eu.pad_sequence([ember.tensor(s) for s in seqs], **kw).numpy(),
                                   tu.pad_sequence([torch.tensor(s) for s in seqs], **kw).numpy())
    for enforce in (False,):
        tps = tu.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=enforce)
        eps = eu.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted=enforce)
        np.testing.assert_allclose(eps.data.numpy(), tps.data.numpy())
        assert repr(eps) == repr(tps)
        for a, b in zip(eu.unpack_sequence(eps), tu.unpack_sequence(tps)):
            np.testing.assert_allclose(a.numpy(), b.numpy())
    sorted_seqs = sorted(seqs, key=len, reverse=True)
    tps = tu.pack_sequence([torch.tensor(s) for s in sorted_seqs])
    eps = eu.pack_sequence([ember.tensor(s) for s in sorted_seqs])
    assert eps.sorted_indices is None and eps.unsorted_indices is None
    assert eps.batch_sizes.tolist() == tps.batch_sizes.tolist()
    assert eu.invert_permutation(ember.tensor([2, 0, 1])).tolist() == \
        tu.invert_permutation(torch.tensor([2, 0, 1])).tolist()
    with pytest.raises(RuntimeError) as te:
        tu.pack_sequence([torch.tensor(s) for s in seqs])
    with pytest.raises(RuntimeError) as ee:
        eu.pack_sequence([ember.tensor(s) for s in seqs])
    assert str(ee.value) == str(te.value)
    with pytest.raises(RuntimeError):
        eu.pack_padded_sequence(ember.zeros(3, 2, 1), [2, 0])
    with pytest.raises(ValueError):
        eu.pad_packed_sequence(eps, total_length=2)


@pytest.mark.parametrize("make,call", [
    (lambda nn: nn.LSTM(4, 3), lambda lib, m: m(lib.zeros(2, 3, 5))),
    (lambda nn: nn.LSTM(4, 3), lambda lib, m: m(lib.zeros(2, 3, 4, 1))),
    (lambda nn: nn.GRU(4, 3), lambda lib, m: m(lib.zeros(2, 3, 4), lib.zeros(1, 2, 3))),
    (lambda nn: nn.GRU(4, 3), lambda lib, m: m(lib.zeros(2, 3, 4), lib.zeros(2, 3))),
    (lambda nn: nn.LSTM(4, 3), lambda lib, m: m(lib.zeros(2, 4), (lib.zeros(1, 1, 3),
                                                                  lib.zeros(1, 1, 3)))),
    (lambda nn: nn.RNN(4, 3), lambda lib, m: m(lib.zeros(2, 3, 4).double())),
    (lambda nn: nn.LSTMCell(4, 3), lambda lib, m: m(lib.zeros(2, 3, 4))),
    (lambda nn: nn.GRUCell(4, 3), lambda lib, m: m(lib.zeros(2, 5))),
    (lambda nn: nn.RNN(4, 3, nonlinearity="sigmoid"), None),
    (lambda nn: nn.LSTM(4, 3, proj_size=3), None),
    (lambda nn: nn.GRU(4, 3, proj_size=1), None),
    (lambda nn: nn.LSTM(4, 3, dropout=1.5), None),
    (lambda nn: nn.LSTM(4, 0), None),
    (lambda nn: nn.LSTM(4, 3, bias=1), None),
])
def test_recurrent_errors(make, call):
    def attempt(lib, nn):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = make(nn)
            call(lib, m)
    if call is None:
        call = (lambda lib, m: None)
    with pytest.raises(Exception) as te:
        attempt(torch, torch.nn)
    with pytest.raises(Exception) as ee:
        attempt(ember, enn)
    assert type(ee.value) is type(te.value)
    assert str(ee.value) == str(te.value)


def test_dropout_between_layers_and_eval():
    m = enn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = ember.randn(5, 2, 3)
    m.eval()
    a, _ = m(x)
    b, _ = m(x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    m.train()
    c, _ = m(x)
    assert not np.allclose(c.detach().numpy(), a.detach().numpy())
    with pytest.warns(UserWarning):
        enn.GRU(3, 4, dropout=0.3)
