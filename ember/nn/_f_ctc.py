"""Connectionist temporal classification loss (``F.ctc_loss``).

The forward variable alpha and backward variable beta run over the label sequence with
blanks inserted (length 2L + 1) in log space, vectorised over the batch and one Python step
per time frame. The gradient is PyTorch's: with lcab the log-sum of alpha * beta over the
positions holding class c, ``grad = exp(lp) - exp(lcab + nll - lp)`` (the gradient with
respect to log-probabilities that came from a log_softmax).
"""
import numpy as np

from .._device import on_host
from .._tensor import Tensor
from ._fused import Fused, apply

__all__ = ["ctc_loss"]

_NEG = -np.inf


def _lse(*arrays):
    m = np.maximum.reduce(arrays)
    safe = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        return safe + np.log(sum(np.exp(a - safe) for a in arrays))


class CtcLossBackward0(Fused):
    """Per-sample negative log likelihood of the targets under CTC."""

    def __init__(self, targets, input_lengths, target_lengths, blank, zero_infinity):
        self.targets, self.il, self.tl = targets, input_lengths, target_lengths
        self.blank, self.zero_inf = blank, zero_infinity

    def _extended(self, n):
        lmax = max(int(self.tl.max()) if self.tl.size else 0, 0)
        ext = np.full((n, 2 * lmax + 1), self.blank, dtype=np.int64)
        for i in range(n):
            ext[i, 1:2 * self.tl[i]:2] = self.targets[i][:self.tl[i]]
        return ext

    def forward(self, lp):
        return on_host(self._forward)(lp)       # the recursion runs on the host

    def _forward(self, lp):
        t_max, n, _ = lp.shape
        lp64 = lp.astype(np.float64)
        ext = self._extended(n)
        s_len = ext.shape[1]
        rows = np.arange(n)[:, None]
        # skip transitions s-2 -> s allowed where the label differs from the one two back
        skip = np.zeros(ext.shape, dtype=bool)
        skip[:, 2:] = (ext[:, 2:] != self.blank) & (ext[:, 2:] != ext[:, :-2])
        valid = np.arange(s_len)[None, :] < (2 * self.tl[:, None] + 1)
        alpha = np.full((t_max, n, s_len), _NEG)
        emit0 = lp64[0][rows, ext]
        alpha[0, :, 0] = emit0[:, 0]
        if s_len > 1:
            alpha[0, :, 1] = np.where(self.tl > 0, emit0[:, 1], _NEG)
        alpha[0][~valid] = _NEG
        for t in range(1, t_max):
            prev = alpha[t - 1]
            a1 = np.concatenate([np.full((n, 1), _NEG), prev[:, :-1]], 1)
            a2 = np.concatenate([np.full((n, 2), _NEG), prev[:, :-2]], 1)
            a2 = np.where(skip, a2, _NEG)
            cur = _lse(prev, a1, a2) + lp64[t][rows, ext]
            cur[~valid] = _NEG
            active = (t < self.il)[:, None]
            alpha[t] = np.where(active, cur, _NEG)
        last = self.il - 1
        end = 2 * self.tl
        a_last = alpha[last, np.arange(n)]
        ll = _lse(a_last[np.arange(n), end],
                  np.where(self.tl > 0, a_last[np.arange(n), np.maximum(end - 1, 0)], _NEG))
        nll = -ll
        self.ext, self.skip, self.valid, self.alpha, self.nll = ext, skip, valid, alpha, nll
        self.lp64 = lp64
        out = nll.copy()
        if self.zero_inf:
            out[np.isinf(out)] = 0
        return out.astype(lp.dtype)

    def grad_arrays(self, g):
        return on_host(self._grad_arrays)(g)

    def _grad_arrays(self, g):
        lp64, ext, alpha, nll = self.lp64, self.ext, self.alpha, self.nll
        t_max, n, c = lp64.shape
        s_len = ext.shape[1]
        rows = np.arange(n)[:, None]
        beta = np.full((t_max, n, s_len), _NEG)
        skip_next = np.zeros(ext.shape, dtype=bool)
        skip_next[:, :-2] = self.skip[:, 2:]
        for i in range(n):
            t_last, end = self.il[i] - 1, 2 * self.tl[i]
            if t_last < 0:
                continue
            beta[t_last, i, end] = lp64[t_last, i, self.blank]
            if self.tl[i] > 0:
                beta[t_last, i, end - 1] = lp64[t_last, i, ext[i, end - 1]]
        for t in range(t_max - 2, -1, -1):
            nxt = beta[t + 1]
            b1 = np.concatenate([nxt[:, 1:], np.full((n, 1), _NEG)], 1)
            b2 = np.concatenate([nxt[:, 2:], np.full((n, 2), _NEG)], 1)
            b2 = np.where(skip_next, b2, _NEG)
            cur = _lse(nxt, b1, b2) + lp64[t][rows, ext]
            cur[~self.valid] = _NEG
            inside = (t < self.il - 1)[:, None]
            beta[t] = np.where(inside, cur, beta[t])
        ab = alpha + beta
        lcab = np.full((t_max, n, c), _NEG)
        for s in range(s_len):
            idx = ext[:, s]
            cur = lcab[:, np.arange(n), idx]
            lcab[:, np.arange(n), idx] = _lse(cur, ab[:, :, s])
        with np.errstate(over="ignore", invalid="ignore"):
            grad = np.exp(lp64) - np.exp(lcab + nll[None, :, None] - lp64)
        grad[np.arange(t_max)[:, None] >= self.il[None, :]] = 0
        if self.zero_inf:
            grad[:, np.isinf(nll)] = 0
        grad = grad * g[None, :, None]
        return (grad.astype(g.dtype),)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """CTC loss of (T, N, C) (or (T, C)) log-probabilities against target label sequences
    (padded (N, S) or concatenated), averaged per target length for 'mean'."""
    from .. import _creation
    unbatched = log_probs.dim() == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    n = lp.shape[1]

    def lengths(x):             # lengths and targets drive the recursion, on the host
        if isinstance(x, Tensor):
            return x.cpu()._data.astype(np.int64).reshape(-1)
        return np.asarray(x, dtype=np.int64).reshape(-1)
    il, tl = lengths(input_lengths), lengths(target_lengths)
    tg = targets.cpu()._data.astype(np.int64)
    if unbatched:
        tg = tg.reshape(1, -1)
    if tg.ndim == 1:  # concatenated targets
        offsets = np.concatenate([[0], np.cumsum(tl)])
        per = [tg[offsets[i]:offsets[i + 1]] for i in range(n)]
    else:
        per = [tg[i] for i in range(n)]
    if (il > lp.shape[0]).any():
        raise RuntimeError("Expected input_lengths to have value at most %d, but got value %d"
                           % (lp.shape[0], int(il.max())))
    raw = apply(CtcLossBackward0(per, il, tl, blank, zero_infinity), lp)
    if unbatched:
        raw = raw.reshape(())
    if reduction == "none":
        return raw
    if reduction == "sum":
        return raw.sum()
    if reduction == "mean":
        tl_t = _creation.tensor(np.maximum(tl, 1).astype(log_probs._dtype.np).reshape(raw.shape),
                                device=raw.device)
        return (raw / tl_t).mean()
    raise ValueError("%s is not a valid value for reduction" % reduction)
