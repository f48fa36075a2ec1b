"""Whole-sequence recurrent layers as single `Fused` ops (the padded-input fast path).

One op runs one direction of one layer over all time steps: the time loop is NumPy, and so
is back-propagation through time, which ends with one matmul for the recurrent weight
gradient (sum over steps of dgates^T h_{t-1}) instead of one per step. Under
``create_graph=True`` the ops differentiate their composite -- the step-by-step ember-op
version in `_sequence_rnn` -- so higher-order gradients stay exact.

Inputs are the per-step input projections ``gx`` (T, B, G) (computed outside with one
matmul, biases folded in where PyTorch's formula allows), the initial state and the
recurrent weights.
"""
import numpy as np

from .._device import array_module
from ._fused import Fused


def _sigmoid(a):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-a))


def _steps(n, reverse):
    return range(n - 1, -1, -1) if reverse else range(n)


def _composite(mode, gx, state, weights, reverse, nonlinearity="tanh"):
    from ._sequence_rnn import _run_direction, split_rows
    from ..ops.shape import stack
    n = gx.shape[0]
    steps = split_rows(gx, [gx.shape[1]] * n, squeeze=True)
    outs, final = _run_direction(mode, steps, [gx.shape[1]] * n, state, weights, reverse,
                                 nonlinearity)
    return (stack(outs, 0),) + tuple(final)


class LSTMLayerFused(Fused):
    """(gx (T,B,4H), h0 (B,P), c0 (B,H), w_hh (4H,P)[, w_hr (P,H)]) -> (out, h_n, c_n)."""
    n_outputs = 3

    def __init__(self, reverse, node):
        self.reverse, self.node = reverse, node

    def forward(self, gx, h0, c0, w_hh, w_hr=None):
        xp = array_module(gx)
        n, b, g4 = gx.shape
        hid = g4 // 4
        acts = xp.empty((n, b, g4), dtype=gx.dtype)      # i, f, g, o after activation
        cs = xp.empty((n, b, hid), dtype=gx.dtype)       # cell state after each step
        tcs = xp.empty((n, b, hid), dtype=gx.dtype)      # tanh of it
        out = xp.empty((n, b, h0.shape[1]), dtype=gx.dtype)
        hrs = xp.empty((n, b, hid), dtype=gx.dtype) if w_hr is not None else None
        h, c = h0, c0
        w_t = w_hh.T
        for t in _steps(n, self.reverse):
            a = gx[t] + h @ w_t
            a[:, :2 * hid] = _sigmoid(a[:, :2 * hid])
            a[:, 2 * hid:3 * hid] = np.tanh(a[:, 2 * hid:3 * hid])
            a[:, 3 * hid:] = _sigmoid(a[:, 3 * hid:])
            acts[t] = a
            c = a[:, hid:2 * hid] * c + a[:, :hid] * a[:, 2 * hid:3 * hid]
            cs[t] = c
            tcs[t] = tc = np.tanh(c)
            h = a[:, 3 * hid:] * tc
            if w_hr is not None:
                hrs[t] = h
                h = h @ w_hr.T
            out[t] = h
        self.cache = (acts, cs, tcs, hrs, out)
        return out, h.copy(), c.copy()

    def grad_arrays(self, gout, ghn, gcn):
        gx, h0, c0, w_hh = [t._data for t in self.saved_tensors[:4]]
        w_hr = self.saved_tensors[4]._data if len(self.saved_tensors) > 4 else None
        acts, cs, tcs, hrs, out = self.cache
        n, b, g4 = gx.shape
        hid = g4 // 4
        order = list(_steps(n, self.reverse))
        dgates = np.empty_like(acts)
        dhs = np.empty_like(out) if w_hr is not None else None
        dh, dc = ghn.copy(), gcn.copy()
        for k, t in enumerate(reversed(order)):
            prev = order[len(order) - 2 - k] if k < len(order) - 1 else None
            c_prev = cs[prev] if prev is not None else c0
            dh = dh + gout[t]
            if w_hr is not None:
                dhs[t] = dh
                dh = dh @ w_hr
            a = acts[t]
            i, f, g, o = a[:, :hid], a[:, hid:2 * hid], a[:, 2 * hid:3 * hid], a[:, 3 * hid:]
            tc = tcs[t]
            dc = dc + dh * o * (1 - tc * tc)
            d = dgates[t]
            d[:, :hid] = dc * g * i * (1 - i)
            d[:, hid:2 * hid] = dc * c_prev * f * (1 - f)
            d[:, 2 * hid:3 * hid] = dc * i * (1 - g * g)
            d[:, 3 * hid:] = dh * tc * o * (1 - o)
            dc = dc * f
            dh = d @ w_hh
        h_prev = np.empty_like(out)                      # the h each step started from
        for k, t in enumerate(order):
            h_prev[t] = out[order[k - 1]] if k else h0
        gw_hh = dgates.reshape(-1, g4).T @ h_prev.reshape(-1, h0.shape[1])
        grads = [dgates, dh, dc, gw_hh]
        if w_hr is not None:
            grads.append(dhs.reshape(-1, dhs.shape[-1]).T @ hrs.reshape(-1, hid))
        return tuple(grads)

    def composite(self, gx, h0, c0, w_hh, w_hr=None):
        weights = {"w_hh": w_hh, "b_hh": None, "w_hr": w_hr}
        return _composite("LSTM", gx, (h0, c0), weights, self.reverse)

    def name(self):
        return self.node


class GRULayerFused(Fused):
    """(gx (T,B,3H) incl. b_ih, h0 (B,H), w_hh (3H,H)[, b_hh (3H)]) -> (out, h_n)."""
    n_outputs = 2

    def __init__(self, reverse):
        self.reverse = reverse

    def forward(self, gx, h0, w_hh, b_hh=None):
        xp = array_module(gx)
        n, b, g3 = gx.shape
        hid = g3 // 3
        rz = xp.empty((n, b, 2 * hid), dtype=gx.dtype)
        ns = xp.empty((n, b, hid), dtype=gx.dtype)
        hns = xp.empty((n, b, hid), dtype=gx.dtype)      # W_hn h + b_hn, before the r gate
        out = xp.empty((n, b, hid), dtype=gx.dtype)
        h = h0
        w_t = w_hh.T
        for t in _steps(n, self.reverse):
            gh = h @ w_t
            if b_hh is not None:
                gh += b_hh
            a = _sigmoid(gx[t, :, :2 * hid] + gh[:, :2 * hid])
            rz[t] = a
            hns[t] = gh[:, 2 * hid:]
            nt = np.tanh(gx[t, :, 2 * hid:] + a[:, :hid] * gh[:, 2 * hid:])
            ns[t] = nt
            z = a[:, hid:]
            h = (1 - z) * nt + z * h
            out[t] = h
        self.cache = (rz, ns, hns, out)
        return out, h.copy()

    def grad_arrays(self, gout, ghn):
        gx, h0, w_hh = [t._data for t in self.saved_tensors[:3]]
        has_bias = len(self.saved_tensors) > 3
        rz, ns, hns, out = self.cache
        n, b, g3 = gx.shape
        hid = g3 // 3
        order = list(_steps(n, self.reverse))
        dgx = np.empty_like(gx)
        dgh = np.empty_like(gx)
        h_prev = np.empty_like(out)
        for k, t in enumerate(order):
            h_prev[t] = out[order[k - 1]] if k else h0
        dh = ghn.copy()
        for t in reversed(order):
            dh = dh + gout[t]
            r, z, nt = rz[t, :, :hid], rz[t, :, hid:], ns[t]
            dn = dh * (1 - z) * (1 - nt * nt)
            dz = dh * (h_prev[t] - nt) * z * (1 - z)
            dr = dn * hns[t] * r * (1 - r)
            dgx[t, :, :hid], dgx[t, :, hid:2 * hid], dgx[t, :, 2 * hid:] = dr, dz, dn
            dgh[t, :, :hid], dgh[t, :, hid:2 * hid], dgh[t, :, 2 * hid:] = dr, dz, dn * r
            dh = dh * z + dgh[t] @ w_hh
        flat = dgh.reshape(-1, g3)
        grads = (dgx, dh, flat.T @ h_prev.reshape(-1, hid))
        return grads + (flat.sum(0),) if has_bias else grads

    def composite(self, gx, h0, w_hh, b_hh=None):
        return _composite("GRU", gx, (h0,), {"w_hh": w_hh, "b_hh": b_hh, "w_hr": None},
                          self.reverse)

    def name(self):
        return "StackBackward0"


class RNNLayerFused(Fused):
    """(gx (T,B,H) incl. both biases, h0 (B,H), w_hh (H,H)) -> (out, h_n); tanh or relu."""
    n_outputs = 2

    def __init__(self, reverse, nonlinearity):
        self.reverse, self.nonlinearity = reverse, nonlinearity

    def forward(self, gx, h0, w_hh):
        out = array_module(gx).empty(gx.shape, dtype=gx.dtype)
        h = h0
        w_t = w_hh.T
        for t in _steps(gx.shape[0], self.reverse):
            pre = gx[t] + h @ w_t
            h = np.tanh(pre) if self.nonlinearity == "tanh" else np.maximum(pre, 0)
            out[t] = h
        self.out = out
        return out, h.copy()

    def grad_arrays(self, gout, ghn):
        gx, h0, w_hh = [t._data for t in self.saved_tensors]
        out = self.out
        order = list(_steps(gx.shape[0], self.reverse))
        dpre = np.empty_like(gx)
        h_prev = np.empty_like(out)
        for k, t in enumerate(order):
            h_prev[t] = out[order[k - 1]] if k else h0
        dh = ghn.copy()
        for t in reversed(order):
            dh = dh + gout[t]
            h = out[t]
            dpre[t] = dh * (1 - h * h) if self.nonlinearity == "tanh" else dh * (h > 0)
            dh = dpre[t] @ w_hh
        hid = gx.shape[-1]
        return dpre, dh, dpre.reshape(-1, hid).T @ h_prev.reshape(-1, hid)

    def composite(self, gx, h0, w_hh):
        return _composite("RNN", gx, (h0,), {"w_hh": w_hh, "b_hh": None, "w_hr": None},
                          self.reverse, self.nonlinearity)

    def name(self):
        return "StackBackward0"
