"""Window functions for signal processing: hann, hamming, blackman, bartlett, kaiser.

Each follows PyTorch's recipe step by step in the requested dtype (so float32 windows round
as PyTorch's do); ``periodic=True`` computes a window one longer and drops its last point.
"""
import math

import numpy as np

from .. import _dtype as D


def _prepare(name, window_length, dtype, layout):
    """The dtype, after PyTorch's checks; None when the window is trivially empty or [1]."""
    dt = D.get_default_dtype() if dtype is None else D.to_dtype(dtype)
    if layout not in (None, "torch.strided"):
        raise RuntimeError("%s is not implemented for sparse types, got: %s" % (name, layout))
    if not dt.is_floating_point:
        raise RuntimeError("%s expects floating point dtypes, got: %s" % (name, dt))
    if window_length < 0:
        raise RuntimeError("%s requires non-negative window length, got window_length=%d"
                           % (name, window_length))
    return dt


def _finish(values, dt, device, requires_grad, periodic):
    from .._creation import _make, _xp
    if periodic:
        values = values[:-1]
    t = _make(_xp(device).asarray(values), dt)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _trivial(window_length, dt, device, requires_grad):
    from .._creation import empty, ones
    if window_length == 0:
        return empty(0, dtype=dt, device=device, requires_grad=requires_grad)
    return ones(1, dtype=dt, device=device, requires_grad=requires_grad)


def _compute_np(dt):
    """NumPy dtype the recipe runs in (bfloat16 tensors hold float32 arrays)."""
    return np.dtype(np.float32) if dt is D.bfloat16 else dt.np


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, pin_memory=False, requires_grad=False):
    """alpha - beta * cos(2 pi n / (N - 1))."""
    dt = _prepare("hamming_window", window_length, dtype, layout)
    if window_length <= 1:
        return _trivial(window_length, dt, device, requires_grad)
    n = window_length + 1 if periodic else window_length
    npdt = _compute_np(dt)
    w = np.arange(n, dtype=npdt) * npdt.type(2 * math.pi / (n - 1))
    w = np.cos(w) * npdt.type(-beta) + npdt.type(alpha)
    return _finish(w.astype(npdt, copy=False), dt, device, requires_grad, periodic)


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                pin_memory=False, requires_grad=False):
    """0.5 - 0.5 cos(2 pi n / (N - 1)): the Hamming recipe with alpha = beta = 0.5."""
    _prepare("hann_window", window_length, dtype, layout)
    return hamming_window(window_length, periodic, 0.5, 0.5, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    pin_memory=False, requires_grad=False):
    """0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))."""
    dt = _prepare("blackman_window", window_length, dtype, layout)
    if window_length <= 1:
        return _trivial(window_length, dt, device, requires_grad)
    n = window_length + 1 if periodic else window_length
    npdt = _compute_np(dt)
    x = np.arange(n, dtype=npdt) * npdt.type(math.pi / (n - 1))
    w = np.cos(x * npdt.type(4)) * npdt.type(0.08) - np.cos(x * npdt.type(2)) * npdt.type(0.5)
    w = w + npdt.type(0.42)
    return _finish(w.astype(npdt, copy=False), dt, device, requires_grad, periodic)


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    pin_memory=False, requires_grad=False):
    """The triangle 1 - |2n / (N - 1) - 1|."""
    dt = _prepare("bartlett_window", window_length, dtype, layout)
    if window_length <= 1:
        return _trivial(window_length, dt, device, requires_grad)
    n = window_length + 1 if periodic else window_length
    npdt = _compute_np(dt)
    w = np.arange(n, dtype=npdt) * npdt.type(2.0 / (n - 1))
    half = ((n - 1) >> 1) + 1
    w[half:] = w[half:] * npdt.type(-1) + npdt.type(2)
    return _finish(w, dt, device, requires_grad, periodic)


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None,
                  device=None, pin_memory=False, requires_grad=False):
    """I0(beta * sqrt(1 - ((n - a) / a)^2)) / I0(beta), a = (N - 1) / 2."""
    from ._special import i0
    dt = _prepare("kaiser_window", window_length, dtype, layout)
    if window_length <= 1:
        return _trivial(window_length, dt, device, requires_grad)
    n = window_length + 1 if periodic else window_length
    npdt = _compute_np(dt)
    alpha = npdt.type((n - 1) / 2.0)
    b = npdt.type(beta)
    r = (np.arange(n, dtype=npdt) - alpha) / alpha
    arg = b * np.sqrt(np.abs(npdt.type(1) - r * r))
    w = i0(np.atleast_1d(arg)) / i0(np.atleast_1d(b))
    return _finish(w.astype(npdt, copy=False), dt, device, requires_grad, periodic)
