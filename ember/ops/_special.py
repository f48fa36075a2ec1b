"""Special functions NumPy lacks (erf, erfc, erfinv, lgamma, digamma), on arrays.

They use Python's `math` functions elementwise where that is exact enough and fast enough
for ember's sizes; erfinv uses Newton steps on erf.
"""
import math

import numpy as np

_erf = np.frompyfunc(math.erf, 1, 1)
_erfc = np.frompyfunc(math.erfc, 1, 1)
_lgamma = np.frompyfunc(lambda v: math.lgamma(v) if v > 0 or v != math.floor(v) else math.inf,
                        1, 1)


def _apply(f, a):
    return f(a).astype(a.dtype if a.dtype.kind == "f" else np.float64)


def erf(a):
    return _apply(_erf, a)


def erfc(a):
    return _apply(_erfc, a)


def lgamma(a):
    return _apply(_lgamma, a)


def digamma(a):
    """psi(x) by recurrence up to x >= 6, then the asymptotic series."""
    x = np.asarray(a, dtype=np.float64).copy()
    out = np.zeros_like(x)
    neg = x < 0.5
    # reflection: psi(1 - x) - psi(x) = pi cot(pi x)
    refl = np.where(neg, math.pi / np.tan(math.pi * np.where(neg, x, 0.5)), 0.0)
    x = np.where(neg, 1 - x, x)
    while True:
        small = x < 6
        if not small.any():
            break
        out -= np.where(small, 1 / x, 0)
        x = np.where(small, x + 1, x)
    inv = 1 / x
    inv2 = inv * inv
    out += np.log(x) - 0.5 * inv - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (
        1 / 240 - inv2 / 132))))
    out = np.where(neg, out - refl, out)
    out = np.where(np.asarray(a) == np.floor(a), np.where(np.asarray(a) <= 0, np.nan, out), out)
    return out.astype(a.dtype if a.dtype.kind == "f" else np.float64)


def erfinv(a):
    y = np.asarray(a, dtype=np.float64)
    # initial guess (Giles' single-precision approximation), then Newton on erf
    w = -np.log(np.clip((1 - y) * (1 + y), 1e-300, None))
    x = np.where(w < 5, _giles_small(w - 2.5), _giles_large(np.sqrt(w) - 3)) * y
    for _ in range(3):
        err = erf(x) - y
        x = x - err / (2 / math.sqrt(math.pi) * np.exp(-x * x))
    x = np.where(y == 1, np.inf, np.where(y == -1, -np.inf, x))
    x = np.where(np.abs(y) > 1, np.nan, x)
    return x.astype(a.dtype if a.dtype.kind == "f" else np.float64)


def _giles_small(w):
    p = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        p = c + p * w
    return p


def _giles_large(w):
    p = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        p = c + p * w
    return p
