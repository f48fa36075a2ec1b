"""Attention: ``F.scaled_dot_product_attention`` and ``F.multi_head_attention_forward``.

Scaled dot-product attention is one `Fused` op (NumPy forward and backward; an ember-op
composite for double backward). As in PyTorch's CPU kernel, a query row whose keys are all
masked out attends to nothing and returns zeros. ``multi_head_attention_forward`` follows
PyTorch's Python implementation step by step, so masks, biases and shapes behave the same.
"""
import math
import warnings

import numpy as np

from ._fused import Fused, apply

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _np_softmax_rows(s):
    """Softmax over the last dim; rows that are entirely -inf give zeros."""
    m = s.max(-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(s - m)
    z = e.sum(-1, keepdims=True)
    return e / np.where(z == 0, 1, z)


class ScaledDotProductFlashAttentionForCpuBackward0(Fused):
    """softmax(q k^T * scale + bias) v for q (..., L, E), k (..., S, E), v (..., S, Ev)."""

    def __init__(self, scale):
        self.scale = scale

    def forward(self, q, k, v, bias=None):
        # PyTorch's CPU flash kernel takes 4-D inputs with one head size; else its math path
        self.flash = q.ndim == k.ndim == v.ndim == 4 and q.shape[-1] == v.shape[-1]
        s = np.matmul(q, np.swapaxes(k, -1, -2)) * q.dtype.type(self.scale)
        if bias is not None:
            s = s + bias
        p = _np_softmax_rows(s).astype(q.dtype, copy=False)
        self.p = p
        return np.matmul(p, v)

    def grad_arrays(self, g):
        q, k, v = [t._data for t in self.saved_tensors[:3]]
        p = self.p
        scale = q.dtype.type(self.scale)
        gv = np.matmul(np.swapaxes(p, -1, -2), g)
        gp = np.matmul(g, np.swapaxes(v, -1, -2))
        gs = p * (gp - (gp * p).sum(-1, keepdims=True))
        gq = np.matmul(gs, k) * scale
        gk = np.matmul(np.swapaxes(gs, -1, -2), q) * scale
        if len(self.saved_tensors) > 3:
            return gq, gk, gv, gs
        return gq, gk, gv

    def name(self):
        return type(self).__name__ if self.flash else "UnsafeViewBackward0"

    def composite(self, q, k, v, bias=None):
        s = q.matmul(k.transpose(-2, -1)) * self.scale
        if bias is not None:
            s = s + bias
        return _safe_softmax(s).matmul(v)


def _safe_softmax(s):
    """Softmax over the last dim with ember ops; fully masked rows give zeros."""
    import ember
    m = s.detach().amax(-1, keepdim=True)
    m = ember.where(m.isfinite(), m, ember.zeros_like(m))
    e = (s - m).exp()
    z = e.sum(-1, keepdim=True)
    return e / ember.where(z == 0, ember.ones_like(z), z)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(Q K^T / sqrt(E) + mask) V over the last two dims (PyTorch's semantics: a bool
    mask marks the positions that take part, a float mask is added to the scores)."""
    import ember
    q, k, v = query, key, value
    if q.dtype != k.dtype or q.dtype != v.dtype:
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got "
                           "query.dtype: %s key.dtype: %s and value.dtype: %s instead."
                           % (q.dtype, k.dtype, v.dtype))
    if q.dim() < 2 or k.dim() < 2 or v.dim() < 2:
        raise RuntimeError("The query, key, and value tensors must have at least 2 dimensions")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    if enable_gqa and q.dim() >= 3:
        k = k.repeat_interleave(q.size(-3) // k.size(-3), -3)
        v = v.repeat_interleave(q.size(-3) // v.size(-3), -3)
    length, src = q.size(-2), k.size(-2)
    sc = 1 / math.sqrt(q.size(-1)) if scale is None else scale
    bias = None
    if is_causal:
        keep = ember.ones((length, src), dtype=ember.bool).tril(0)
        bias = ember.zeros((length, src), dtype=q.dtype).masked_fill(keep.logical_not(),
                                                                      float("-inf"))
    elif attn_mask is not None:
        if attn_mask.dtype == ember.bool:
            bias = ember.zeros(attn_mask.shape, dtype=q.dtype).masked_fill(
                attn_mask.logical_not(), float("-inf"))
        else:
            bias = attn_mask.to(q.dtype)
    if dropout_p > 0.0:
        from . import functional as F
        s = q.matmul(k.transpose(-2, -1)) * sc
        if bias is not None:
            s = s + bias
        return F.dropout(_safe_softmax(s), dropout_p, True).matmul(v)
    op = ScaledDotProductFlashAttentionForCpuBackward0(sc)
    return apply(op, q, k, v) if bias is None else apply(op, q, k, v, bias)


# --- multi-head attention ------------------------------------------------------------------------

def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D "
                                 "but found %d-D and %d-D tensors respectively"
                                 % (key.dim(), value.dim()))
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 "`None` or 2-D but found %d-D tensor instead"
                                 % key_padding_mask.dim())
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 "2-D or 3-D but found %d-D tensor instead" % attn_mask.dim())
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be "
                                 "2-D but found %d-D and %d-D tensors respectively"
                                 % (key.dim(), value.dim()))
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be "
                                 "`None` or 1-D but found %d-D tensor instead"
                                 % key_padding_mask.dim())
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     "`None`, 2-D or 3-D but found %d-D tensor instead"
                                     % attn_mask.dim())
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError("Expected `attn_mask` shape to be %s but got %s"
                                         % (expected, attn_mask.shape))
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received %d-D "
                         "query tensor" % query.dim())


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask as a float one (-inf where True); float masks pass through."""
    import ember
    if mask is None:
        return None
    is_float = mask.is_floating_point()
    if mask.dtype != ember.bool and not is_float:
        raise AssertionError("only bool and floating types of %s are supported" % mask_name)
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn("Support for mismatched %s and %s is deprecated. Use same type for both "
                      "instead." % (mask_name, other_name), stacklevel=2)
    if not is_float:
        mask = ember.zeros_like(mask, dtype=target_type).masked_fill(mask, float("-inf"))
    return mask


def _none_or_dtype(input):
    import ember
    if input is None:
        return None
    if isinstance(input, ember.Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _in_projection_packed(q, k, v, w, b=None):
    from . import functional as F
    e = q.size(-1)
    if k is v:
        if q is k:
            proj = F.linear(q, w, b)
            proj = proj.unflatten(-1, (3, e)).unsqueeze(0).transpose(0, -2).squeeze(-2) \
                .contiguous()
            return proj[0], proj[1], proj[2]
        w_q, w_kv = w.split([e, e * 2])
        b_q, b_kv = (None, None) if b is None else b.split([e, e * 2])
        q_proj = F.linear(q, w_q, b_q)
        kv = F.linear(k, w_kv, b_kv)
        kv = kv.unflatten(-1, (2, e)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
        return q_proj, kv[0], kv[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return F.linear(q, w_q, b_q), F.linear(k, w_k, b_k), F.linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    from . import functional as F
    eq, ek, ev = q.size(-1), k.size(-1), v.size(-1)
    for name, w, shape in (("query", w_q, (eq, eq)), ("key", w_k, (eq, ek)),
                           ("value", w_v, (eq, ev))):
        if tuple(w.shape) != shape:
            raise AssertionError("expecting %s weights shape of %s, but got %s"
                                 % (name, shape, w.shape))
    for name, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (eq,):
            raise AssertionError("expecting %s bias shape of %s, but got %s"
                                 % (name, (eq,), b.shape))
    return F.linear(q, w_q, b_q), F.linear(k, w_k, b_k), F.linear(v, w_v, b_v)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention on (L, N, E) inputs (or unbatched (L, E)): PyTorch's algorithm."""
    import ember
    from . import functional as F
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError("was expecting embedding dimension of %d, but got %d"
                             % (embed_dim_to_check, embed_dim))
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError("embed_dim %d not divisible by num_heads %d" % (embed_dim, num_heads))
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError("key's sequence and batch dims %s do not match value's %s"
                                 % (key.shape[:2], value.shape[:2]))
    elif key.shape != value.shape:
        raise AssertionError("key shape %s does not match value shape %s"
                             % (key.shape, value.shape))
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError("use_separate_proj_weight is True but %s_proj_weight is None"
                                     % name)
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight,
                                 b_q, b_k, b_v)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError("The shape of the 2D attn_mask is %s, but should be %s."
                                   % (attn_mask.shape, (tgt_len, src_len)))
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError("The shape of the 3D attn_mask is %s, but should be %s."
                                   % (attn_mask.shape, (bsz * num_heads, tgt_len, src_len)))
        else:
            raise RuntimeError("attn_mask's dimension %d is not supported" % attn_mask.dim())
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = ember.cat([k, bias_k.repeat(1, bsz, 1)])
        v = ember.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = F.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = F.pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _static(k, static_k, bsz * num_heads, head_dim, "k")
    v = _static(v, static_v, bsz * num_heads, head_dim, "v")
    if add_zero_attn:
        zeros = (bsz * num_heads, 1, head_dim)
        k = ember.cat([k, ember.zeros(zeros, dtype=k.dtype)], dim=1)
        v = ember.cat([v, ember.zeros(zeros, dtype=v.dtype)], dim=1)
        if attn_mask is not None:
            attn_mask = F.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = F.pad(key_padding_mask, (0, 1))
    src_len = k.size(1)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError("Expected key_padded_mask.shape[0] to be %d, but got %d"
                                 % (bsz, key_padding_mask.shape[0]))
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError("Expected key_padded_mask.shape[1] to be %d, but got %d"
                                 % (src_len, key_padding_mask.shape[1]))
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len).expand(
            -1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights:
        e = q.shape[-1]
        q_scaled = q * math.sqrt(1.0 / float(e))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None:
            weights = ember.baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            weights = ember.bmm(q_scaled, k.transpose(-2, -1))
        weights = F.softmax(weights, dim=-1)
        if dropout_p > 0.0:
            weights = F.dropout(weights, p=dropout_p)
        out = ember.bmm(weights, v)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = F.linear(out, out_proj_weight, out_proj_bias)
        out = out.view(tgt_len, bsz, out.size(1))
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = F.linear(out, out_proj_weight, out_proj_bias)
    out = out.view(tgt_len, bsz, out.size(1))
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _static(t, static, n, head_dim, name):
    if static is None:
        return t.view(t.shape[0], n, head_dim).transpose(0, 1)
    if static.size(0) != n:
        raise AssertionError("expecting static_%s.size(0) of %d, but got %d"
                             % (name, n, static.size(0)))
    if static.size(2) != head_dim:
        raise AssertionError("expecting static_%s.size(2) of %d, but got %d"
                             % (name, head_dim, static.size(2)))
    return static
