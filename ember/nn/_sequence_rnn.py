"""The recurrent computations behind ``nn.RNN/LSTM/GRU`` and their cells.

A layer runs over time as PyTorch's CPU kernels do: the input projection of every step is
one matmul (``x @ W_ih^T + b``) split into steps by a single multi-output op (its gradient is
one concatenation), then each step adds ``h @ W_hh^T`` and applies a fused cell op. The
LSTM and GRU cells are `Fused` ops: NumPy forward and backward, with an ember-op composite
for double backward.

Padded input (T, B, F) and packed input (the rows of every step, stacked) share one loop:
a packed step only updates the first ``batch_sizes[t]`` rows of the state.
"""
import numpy as np

from .. import _creation
from ..ops._op import Op, run
from ..ops.shape import cat, stack
from ._fused import Fused, apply
from ._sequence_layers import GRULayerFused, LSTMLayerFused, RNNLayerFused

__all__ = []


class SplitRowsBackward(Op):
    """Splits dim 0 into pieces of `sizes` rows, or (`squeeze`) into its len(sizes) slices;
    backward: one cat / stack."""

    def __init__(self, sizes, squeeze):
        self.sizes, self.squeeze = sizes, squeeze
        self.n_outputs = len(sizes)

    def forward(self, a):
        if self.squeeze:
            return tuple(a[i] for i in range(len(self.sizes)))
        out, start = [], 0
        for s in self.sizes:
            out.append(a[start:start + s])
            start += s
        return tuple(out)

    def backward(self, *grads):
        if self.squeeze:
            return stack(list(grads), 0)
        return cat(list(grads), 0)

    def name(self):
        return "UnbindBackward0" if self.squeeze else "SplitWithSizesBackward0"


def split_rows(t, sizes, squeeze=False):
    if len(sizes) == 1:
        return (t[0],) if squeeze else (t,)
    return run(SplitRowsBackward(list(sizes), squeeze), t)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


class LSTMCellFused(Fused):
    """(gates (B, 4H), c (B, H)) -> (h, c) with gates in PyTorch's order i, f, g, o."""
    n_outputs = 2

    def forward(self, gates, cx):
        i, f, g, o = np.split(gates, 4, axis=1)
        with np.errstate(over="ignore"):
            i, f, o = _sigmoid(i), _sigmoid(f), _sigmoid(o)
        g = np.tanh(g)
        cy = f * cx + i * g
        tc = np.tanh(cy)
        self.act = (i, f, g, o, tc, cx)
        return o * tc, cy

    def grad_arrays(self, ghy, gcy):
        i, f, g, o, tc, cx = self.act
        gc = gcy + ghy * o * (1 - tc * tc)
        dgates = np.concatenate([gc * g * i * (1 - i), gc * cx * f * (1 - f),
                                 gc * i * (1 - g * g), ghy * tc * o * (1 - o)], axis=1)
        return dgates, gc * f

    def composite(self, gates, cx):
        i, f, g, o = gates.chunk(4, 1)
        cy = f.sigmoid() * cx + i.sigmoid() * g.tanh()
        return o.sigmoid() * cy.tanh(), cy

    def name(self):
        return "LstmCellBackward"


class GRUCellFused(Fused):
    """(gi (B, 3H), gh (B, 3H), h (B, H)) -> h' with gates r, z, n (PyTorch's order)."""

    def forward(self, gi, gh, hx):
        ir, iz, inn = np.split(gi, 3, axis=1)
        hr, hz, hn = np.split(gh, 3, axis=1)
        with np.errstate(over="ignore"):
            r = _sigmoid(ir + hr)
            z = _sigmoid(iz + hz)
        n = np.tanh(inn + r * hn)
        self.act = (r, z, n, hn, hx)
        return (1 - z) * n + z * hx

    def grad_arrays(self, gy):
        r, z, n, hn, hx = self.act
        gn = gy * (1 - z) * (1 - n * n)
        gz = gy * (hx - n) * z * (1 - z)
        gr = gn * hn * r * (1 - r)
        gi = np.concatenate([gr, gz, gn], axis=1)
        gh = np.concatenate([gr, gz, gn * r], axis=1)
        return gi, gh, gy * z

    def composite(self, gi, gh, hx):
        ir, iz, inn = gi.chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r = (ir + hr).sigmoid()
        z = (iz + hz).sigmoid()
        n = (inn + r * hn).tanh()
        return (1 - z) * n + z * hx

    def name(self):
        return "GruCellBackward"


# --- single steps (the cells) -------------------------------------------------------------------

def _linear(x, w, b):
    y = x.matmul(w.t())
    return y if b is None else y + b


def rnn_cell(x, hx, w_ih, w_hh, b_ih, b_hh, nonlinearity):
    pre = _linear(x, w_ih, b_ih) + _linear(hx, w_hh, b_hh)
    return _activation(pre, nonlinearity)


def _activation(pre, nonlinearity):
    if nonlinearity == "tanh":
        return pre.tanh()
    from . import functional as F
    return F.relu(pre)


def lstm_cell(x, hx, cx, w_ih, w_hh, b_ih, b_hh):
    """One LSTM step as plain ember ops (so the results' grad_fn are PyTorch's)."""
    gates = _linear(x, w_ih, b_ih) + _linear(hx, w_hh, b_hh)
    return LSTMCellFused.composite(None, gates, cx)


def gru_cell(x, hx, w_ih, w_hh, b_ih, b_hh):
    """One GRU step as plain ember ops."""
    return GRUCellFused.composite(None, _linear(x, w_ih, b_ih), _linear(hx, w_hh, b_hh), hx)


# --- one layer in one direction over a whole sequence -------------------------------------------

def _run_direction(mode, steps_in, batch_sizes, state, weights, reverse, nonlinearity):
    """Runs one direction of one layer.

    steps_in: per-step input projections (already including the input bias where it can be
    folded); batch_sizes: rows active at every step; state: (h0,) or (h0, c0) for the full
    batch. Returns (per-step outputs, final state with every row's last value).
    """
    w_hh, b_hh, w_hr = weights["w_hh"], weights["b_hh"], weights["w_hr"]
    w_hh_t = w_hh.t()
    w_hr_t = w_hr.t() if w_hr is not None else None
    order = range(len(steps_in) - 1, -1, -1) if reverse else range(len(steps_in))
    full = state
    cur = batch_sizes[order[0]] if len(steps_in) else 0
    state = tuple(s[:cur] if s.shape[0] != cur else s for s in full)
    done = []            # rows finished early (packed, forward direction): (start, state)
    outs = [None] * len(steps_in)
    for t in order:
        bs = batch_sizes[t]
        if bs < cur:     # forward direction: rows bs..cur ended at the previous step
            done.append(tuple(s[bs:cur] for s in state))
            state = tuple(s[:bs] for s in state)
        elif bs > cur:   # reverse direction: rows cur..bs start here from the initial state
            state = tuple(cat([s, f[cur:bs]], 0) for s, f in zip(state, full))
        cur = bs
        h = state[0]
        if mode == "LSTM":
            gates = steps_in[t] + h.matmul(w_hh_t)
            if b_hh is not None:
                gates = gates + b_hh
            hy, cy = apply(LSTMCellFused(), gates, state[1])
            if w_hr_t is not None:
                hy = hy.matmul(w_hr_t)
            state = (hy, cy)
        elif mode == "GRU":
            gh = h.matmul(w_hh_t)
            if b_hh is not None:
                gh = gh + b_hh
            state = (apply(GRUCellFused(), steps_in[t], gh, h),)
        else:
            pre = steps_in[t] + h.matmul(w_hh_t)
            if b_hh is not None:
                pre = pre + b_hh
            state = (_activation(pre, nonlinearity),)
        outs[t] = state[0]
    if done:
        state = tuple(cat([s] + [d[k] for d in reversed(done)], 0) for k, s in enumerate(state))
    return outs, state


def _run_layer(mode, gx, state, p, reverse, nonlinearity, alone):
    """One direction of one layer over a padded sequence, as one fused op."""
    if mode == "LSTM":
        # PyTorch's CPU LSTM names its float32 layer output after oneDNN (not with projection
        # nor when two directions are concatenated)
        node = "MkldnnRnnLayerBackward0" if (alone and p["w_hr"] is None
                                             and gx.dtype.name == "float32") else "StackBackward0"
        args = (gx,) + tuple(state) + (p["w_hh"],) + ((p["w_hr"],) if p["w_hr"] is not None
                                                       else ())
        return apply(LSTMLayerFused(reverse, node), *args)
    if mode == "GRU":
        args = (gx, state[0], p["w_hh"]) + ((p["b_hh"],) if p["b_hh"] is not None else ())
        return apply(GRULayerFused(reverse), *args)
    return apply(RNNLayerFused(reverse, nonlinearity), gx, state[0], p["w_hh"])


def run_rnn(mode, x, batch_sizes, hx, params, num_layers, dropout, training, bidirectional,
            nonlinearity="tanh"):
    """The multi-layer recurrent network.

    x: (T, B, F) padded input (batch_sizes None) or packed rows (N, F) with batch_sizes.
    hx: h0 (L*D, B, H) or (h0, c0) for LSTM. params: one dict per layer and direction, in
    PyTorch's order (l0, l0_reverse, l1, ...), with w_ih, w_hh, b_ih, b_hh, w_hr (or None).
    Returns (output like x with D*H features, h_n or (h_n, c_n)).
    """
    from . import functional as F
    packed = batch_sizes is not None
    if packed:
        sizes = list(batch_sizes)
    else:
        sizes = [x.shape[1]] * x.shape[0]
    hs = hx if isinstance(hx, tuple) else (hx,)
    num_dir = 2 if bidirectional else 1
    finals = [[] for _ in hs]
    layer_in = x
    for layer in range(num_layers):
        dir_outs = []
        for d in range(num_dir):
            p = params[layer * num_dir + d]
            proj = F.linear(layer_in, p["w_ih"], p["b_ih"])     # every step in one matmul
            if mode != "GRU" and p["b_hh"] is not None:
                proj = proj + p["b_hh"]
                p = dict(p, b_hh=None)
            state = tuple(h[layer * num_dir + d] for h in hs)
            if packed:
                steps = split_rows(proj, sizes, squeeze=False)
                outs, state = _run_direction(mode, steps, sizes, state, p, d == 1,
                                             nonlinearity)
                out = cat(outs, 0)
            else:
                out, *state = _run_layer(mode, proj, state, p, d == 1, nonlinearity,
                                         num_dir == 1)
            dir_outs.append(out)
            for k, s in enumerate(state):
                finals[k].append(s)
        layer_out = dir_outs[0] if num_dir == 1 else cat(dir_outs, -1)
        if dropout and training and layer < num_layers - 1:
            layer_out = F.dropout(layer_out, dropout, True)
        layer_in = layer_out
    hn = tuple(stack(f, 0) for f in finals)
    return layer_in, (hn if isinstance(hx, tuple) else hn[0])


def zeros_state(n, batch, size, like):
    return _creation.zeros((n, batch, size), dtype=like.dtype, device=like.device)
