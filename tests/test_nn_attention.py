"""scaled_dot_product_attention, MultiheadAttention and the Transformer layers against
PyTorch: seeded initialisation, masks, outputs, attention weights and gradients."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _tensors(arrays):
    return ([torch.tensor(a, requires_grad=True) for a in arrays],
            [ember.tensor(a, requires_grad=True) for a in arrays])


@pytest.mark.parametrize("kwargs,mask", [
    ({}, None), (dict(is_causal=True), None), (dict(scale=0.3), None),
    ({}, "bool"), ({}, "float"), ({}, "rowmasked"),
])
def test_sdpa(kwargs, mask):
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal(s) for s in ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 2))]
    tt, et = _tensors(arrs)
    tk, ek = dict(kwargs), dict(kwargs)
    if mask == "float":
        m = rng.standard_normal((4, 6))
        tk["attn_mask"], ek["attn_mask"] = torch.tensor(m), ember.tensor(m)
    elif mask:
        m = rng.random((2, 1, 4, 6)) > 0.3
        if mask == "rowmasked":
            m[0, 0, 1] = False            # a query that sees nothing: zeros, as in PyTorch
        tk["attn_mask"], ek["attn_mask"] = torch.tensor(m), ember.tensor(m)
    to = TF.scaled_dot_product_attention(*tt, **tk)
    eo = EF.scaled_dot_product_attention(*et, **ek)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    g = rng.standard_normal(tuple(to.shape))
    to.backward(torch.tensor(g))
    eo.backward(ember.tensor(g))
    for a, b in zip(tt, et):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_sdpa_float32_gradcheck_and_errors():
    rng = np.random.default_rng(1)
    arrs = [rng.standard_normal(s).astype(np.float32) for s in ((3, 4, 8), (3, 5, 8), (3, 5, 8))]
    to = TF.scaled_dot_product_attention(*[torch.tensor(a, requires_grad=True) for a in arrs])
    eo = EF.scaled_dot_product_attention(*[ember.tensor(a, requires_grad=True) for a in arrs])
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert eo.grad_fn.name() == to.grad_fn.name()
    small = [ember.tensor(rng.standard_normal(s), requires_grad=True)
             for s in ((1, 2, 3), (1, 4, 3), (1, 4, 2))]
    assert ember.autograd.gradcheck(
        lambda q, k, v: EF.scaled_dot_product_attention(q, k, v, is_causal=True), small)
    # second derivatives against torch's (ember's gradgradcheck cannot be used here: its
    # one-hot grad_outputs are lost for non-contiguous outputs such as the key gradient)
    g = rng.standard_normal((1, 2, 2))
    res = []
    for lib, F in ((torch, TF), (ember, EF)):
        ts = [lib.tensor(t.detach().numpy(), requires_grad=True) for t in small]
        gs = lib.autograd.grad(F.scaled_dot_product_attention(*ts), ts, lib.tensor(g),
                               create_graph=True)
        sum((x * x).sum() for x in gs).backward()
        res.append([t.grad.numpy() for t in ts])
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
    q = torch.zeros(1, 2, 3)
    with pytest.raises(RuntimeError) as te:
        TF.scaled_dot_product_attention(q, q, q, attn_mask=torch.ones(2, 2, dtype=torch.bool),
                                        is_causal=True)
    e = ember.zeros(1, 2, 3)
    with pytest.raises(RuntimeError) as ee:
        EF.scaled_dot_product_attention(e, e, e, attn_mask=ember.ones(2, 2, dtype=ember.bool),
                                        is_causal=True)
    assert str(ee.value) == str(te.value)


MHA = [
    ({}, {}),
    (dict(batch_first=True), dict(need_weights=False)),
    (dict(kdim=3, vdim=5, add_bias_kv=True, add_zero_attn=True),
     dict(average_attn_weights=False)),
    (dict(bias=False), dict(attn_mask="bool")),
    ({}, dict(attn_mask="float3d", need_weights=False)),
    (dict(batch_first=True), dict(attn_mask="causal", is_causal=True, need_weights=False)),
]


@pytest.mark.parametrize("kwargs,fkw", MHA, ids=lambda v: str(v)[:40])
def test_multihead_attention(kwargs, fkw):
    rng = np.random.default_rng(2)
    torch.manual_seed(0)
    ember.manual_seed(0)
    tm = torch.nn.MultiheadAttention(4, 2, **kwargs).double()
    em = enn.MultiheadAttention(4, 2, **kwargs).double()
    assert repr(em) == repr(tm)
    tp = dict(tm.named_parameters())
    assert [n for n, _ in em.named_parameters()] == list(tp)
    for n, p in em.named_parameters():          # seeded init equals PyTorch's
        np.testing.assert_allclose(p.detach().numpy(), tp[n].detach().numpy(), rtol=1e-7)
    L, S, B = 3, 5, 2
    bf = kwargs.get("batch_first", False)
    shape = (lambda n, d: (B, n, d)) if bf else (lambda n, d: (n, B, d))
    if fkw.get("is_causal"):
        S = L
    arrs = [rng.standard_normal(shape(L, 4)), rng.standard_normal(shape(S, kwargs.get("kdim", 4))),
            rng.standard_normal(shape(S, kwargs.get("vdim", 4)))]
    if fkw.get("is_causal"):
        arrs[2] = arrs[1]
    tt, et = _tensors(arrs)
    tk, ek = dict(fkw), dict(fkw)
    m = fkw.get("attn_mask")
    if m == "bool":
        mm = rng.random((L, S)) > 0.5
        mm[:, 0] = False
        tk["attn_mask"], ek["attn_mask"] = torch.tensor(mm), ember.tensor(mm)
    elif m == "float3d":
        mm = rng.standard_normal((B * 2, L, S))
        tk["attn_mask"], ek["attn_mask"] = torch.tensor(mm), ember.tensor(mm)
    elif m == "causal":
        tk["attn_mask"] = torch.nn.Transformer.generate_square_subsequent_mask(L).double()
        ek["attn_mask"] = enn.Transformer.generate_square_subsequent_mask(L).double()
    if not fkw.get("is_causal"):
        kpm = np.zeros((B, S), bool)
        kpm[1, -2:] = True
        tk["key_padding_mask"], ek["key_padding_mask"] = torch.tensor(kpm), ember.tensor(kpm)
    to, tw = tm(*tt, **tk)
    eo, ew = em(*et, **ek)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-9, atol=1e-12)
    if tw is None:
        assert ew is None
    else:
        np.testing.assert_allclose(ew.detach().numpy(), tw.detach().numpy(), rtol=1e-9,
                                   atol=1e-12)
    to.sum().backward()
    eo.sum().backward()
    for a, b in zip(tt, et):
        if a.grad is not None:
            np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-8, atol=1e-10)
    for n, p in em.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=n)


def test_multihead_attention_unbatched_and_errors():
    torch.manual_seed(1)
    ember.manual_seed(1)
    tm, em = torch.nn.MultiheadAttention(6, 3), enn.MultiheadAttention(6, 3)
    x = np.random.default_rng(3).standard_normal((4, 6)).astype(np.float32)
    to, tw = tm(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    eo, ew = em(ember.tensor(x), ember.tensor(x), ember.tensor(x))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ew.detach().numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-6)
    for args in [(5, 2), (0, 1)]:
        with pytest.raises(Exception) as te:
            torch.nn.MultiheadAttention(*args)
        with pytest.raises(Exception) as ee:
            enn.MultiheadAttention(*args)
        assert type(ee.value) is type(te.value) and str(ee.value) == str(te.value)
    with pytest.raises(AssertionError):
        em(ember.zeros(2, 3, 6), ember.zeros(2, 6), ember.zeros(2, 6))
    with pytest.raises(AssertionError):
        em(ember.zeros(2, 3, 6), ember.zeros(2, 3, 6), ember.zeros(2, 3, 6),
           key_padding_mask=ember.zeros(3, 2, dtype=ember.int64))


def _transformer_pair(cls, args, kwargs):
    torch.manual_seed(0)
    ember.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = cls(torch.nn)(*args, **kwargs).double()
        em = cls(enn)(*args, **kwargs).double()
    tp = dict(tm.named_parameters())
    assert [n for n, _ in em.named_parameters()] == list(tp)
    for n, p in em.named_parameters():
        np.testing.assert_allclose(p.detach().numpy(), tp[n].detach().numpy(), rtol=1e-7,
                                   err_msg=n)
    assert repr(em) == repr(tm)
    return tm, em, tp


@pytest.mark.parametrize("batch_first,norm_first,activation", [
    (False, False, "relu"), (True, True, "gelu"),
])
def test_transformer(batch_first, norm_first, activation):
    rng = np.random.default_rng(4)
    tm, em, tp = _transformer_pair(
        lambda nn: nn.Transformer, (8, 2, 2, 2, 16),
        dict(dropout=0.0, batch_first=batch_first, norm_first=norm_first,
             activation=activation))
    src = rng.standard_normal((2, 5, 8) if batch_first else (5, 2, 8))
    tgt = rng.standard_normal((2, 4, 8) if batch_first else (4, 2, 8))
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(4).double()
    emask = enn.Transformer.generate_square_subsequent_mask(4).double()
    np.testing.assert_array_equal(emask.numpy(), tmask.numpy())
    kpm = np.zeros((2, 5), bool)
    kpm[0, -1] = True
    tt, et = _tensors([src, tgt])
    to = tm(*tt, tgt_mask=tmask, src_key_padding_mask=torch.tensor(kpm),
            memory_key_padding_mask=torch.tensor(kpm))
    eo = em(*et, tgt_mask=emask, src_key_padding_mask=ember.tensor(kpm),
            memory_key_padding_mask=ember.tensor(kpm))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-8, atol=1e-10)
    to.sum().backward()
    eo.sum().backward()
    for a, b in zip(tt, et):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-7, atol=1e-9)
    for n, p in em.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), rtol=1e-7, atol=1e-9,
                                   err_msg=n)


def test_encoder_inference_zeroes_padding():
    """In eval mode without grad, PyTorch's nested-tensor path returns padded positions as
    zeros (before the final norm); ember matches it."""
    rng = np.random.default_rng(5)

    def make(nn):
        layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
        return nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8))
    tm, em, _ = _transformer_pair(lambda nn: (lambda: make(nn)), (), {})
    tm.eval()
    em.eval()
    src = rng.standard_normal((2, 5, 8))
    kpm = np.zeros((2, 5), bool)
    kpm[0, -2:] = True
    with torch.no_grad():
        to = tm(torch.tensor(src), src_key_padding_mask=torch.tensor(kpm))
    with ember.no_grad():
        eo = em(ember.tensor(src), src_key_padding_mask=ember.tensor(kpm))
    np.testing.assert_allclose(eo.numpy(), to.numpy(), rtol=1e-7, atol=1e-9)


def test_encoder_decoder_layers_and_warnings():
    rng = np.random.default_rng(6)
    tm, em, _ = _transformer_pair(lambda nn: nn.TransformerDecoderLayer, (8, 2, 16),
                                  dict(dropout=0.0))
    tgt, mem = rng.standard_normal((3, 2, 8)), rng.standard_normal((4, 2, 8))
    to = tm(torch.tensor(tgt), torch.tensor(mem), tgt_is_causal=False)
    eo = em(ember.tensor(tgt), ember.tensor(mem), tgt_is_causal=False)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-8, atol=1e-10)
    layer = enn.TransformerEncoderLayer(8, 2)
    with pytest.warns(UserWarning, match="enable_nested_tensor is True"):
        enn.TransformerEncoder(layer, 2)
    with pytest.raises(RuntimeError):
        enn.TransformerEncoderLayer(8, 2, activation="tanh")
