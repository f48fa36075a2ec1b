"""Special functions NumPy lacks, vectorised on arrays (float64 inside, the input's float dtype out).

- erf, erfc, erfcx: W. J. Cody's rational Chebyshev approximations (Math. Comp. 1969) on the
  three ranges |x| <= 0.46875, <= 4 and > 4; exp(-x*x) is formed from an exactly squared
  part and a small remainder so that erfc keeps full relative accuracy in its tail.
- lgamma: a degree-18 minimax-style polynomial for lgamma(2 + t) / t on |t| <= 1/2 (fitted
  with mpmath), the recurrence Gamma(x + 1) = x Gamma(x) to reach it, Stirling's series with
  eight Bernoulli terms for x >= 10, and the reflection formula for x < 0.
- digamma: recurrence up to x >= 10, then the asymptotic series (PyTorch's algorithm).
- erfinv / erfcinv / ndtri: an initial guess (Giles' single-precision approximation) polished
  by a Halley step on erf near zero and Newton steps on log(erfc) in the tails.
- i0, i0e, i1, i1e: the power series for |x| < 20, the asymptotic expansion beyond.
- zeta (Hurwitz) by Euler-Maclaurin summation; polygamma from it; the regularized incomplete
  gamma functions by series / continued fraction; orthogonal polynomials by recurrence.

Small arrays go through scalar code (libm's erf/erfc, scalar lgamma/digamma): NumPy's
per-call overhead makes the array kernels slower below about a thousand elements. Large
arrays are processed in cache-sized blocks.
Every function maps an array to an array of the same floating dtype (float64 for others).
"""
import math

import numpy as np

_SQRT_PI = math.sqrt(math.pi)
_1_SQRT_PI = 1 / _SQRT_PI
_SQRT2 = math.sqrt(2.0)


def _f64(a):
    """`a` as a float64 array of at least one dimension (0-d inputs come back 0-d)."""
    return np.atleast_1d(np.asarray(a, dtype=np.float64))


_CHUNK = 32768     # elements per block: the temporaries of a block stay in the CPU cache
_SCALAR = 1500     # below this many elements libm's scalar functions are faster


def _lgamma_scalar(v):
    """lgamma of one float, by the same formulas as the array kernel (Python's math.lgamma
    loses relative accuracy near 1 and 2)."""
    if v != v:
        return v
    if v <= 0:
        if v == -math.inf or v == math.floor(v):
            return math.inf
        r = v - round(v)
        sin_pi = abs(math.sin(math.pi * r))
        return math.log(math.pi / sin_pi) - _lgamma_scalar(1 - v)
    if v == math.inf:
        return v
    if v >= 10:
        z = 1 / v
        series = 0.0
        for c in reversed(_STIRLING):
            series = series * z * z + c
        return (v - 0.5) * math.log(v) - v + _HALF_LOG_2PI + series * z
    n = min(max(math.floor(v - 1.5), -2), 8)
    t = v - (n + 2)
    r = 0.0
    for c in _LG2:
        r = r * t + c
    r *= t
    if n < 0:
        r -= math.log1p(t)
        if n < -1:
            r -= math.log(v)
    prod = 1.0
    for k in range(1, n + 1):
        prod *= v - k
    return r + math.log(prod)


def _digamma_scalar(v):
    """digamma of one float, by the same recurrence and series as the array kernel."""
    if v == 0:
        return math.copysign(math.inf, -v)
    if v < 0:
        if v == -math.inf or v == math.floor(v):
            return math.nan
        frac = v - math.trunc(v)
        return _digamma_scalar(1 - v) - math.pi / math.tan(math.pi * frac)
    if v != v or v == math.inf:
        return v
    acc = 0.0
    while v < 10:
        acc -= 1 / v
        v += 1
    z = 1 / (v * v)
    tail = 0.0
    for c in reversed(_PSI_SERIES):
        tail = tail * z + c
    return acc + math.log(v) - 0.5 / v - tail * z


_MATH = {"erf": np.frompyfunc(math.erf, 1, 1), "erfc": np.frompyfunc(math.erfc, 1, 1),
         "lgamma": np.frompyfunc(_lgamma_scalar, 1, 1),
         "digamma": np.frompyfunc(_digamma_scalar, 1, 1)}


def _by_math(name, a):
    """A small array through Python's (libm's) scalar function."""
    with np.errstate(all="ignore"):     # the scalar functions raise the FPU flags
        return _like(_MATH[name](_f64(a)).astype(np.float64), a)


def _by_chunks(kernel, a):
    """`kernel` applied block by block to a large array (2-3x faster than one pass each)."""
    a = np.asarray(a)
    flat = a.reshape(-1)
    first = kernel(flat[:_CHUNK])
    out = np.empty(flat.shape, dtype=first.dtype)
    out[:_CHUNK] = first
    for i in range(_CHUNK, flat.size, _CHUNK):
        out[i:i + _CHUNK] = kernel(flat[i:i + _CHUNK])
    return out.reshape(a.shape)


def _like(out, a):
    """`out` in `a`'s shape and floating dtype (float64 for integer and bool inputs)."""
    a = np.asarray(a)
    dt = a.dtype if a.dtype.kind == "f" else np.float64
    with np.errstate(over="ignore"):
        return out.astype(dt, copy=False).reshape(a.shape)


def _horner(coeffs, z):
    """sum(c * z**k), coefficients from the highest power down (in place on one buffer)."""
    r = z * coeffs[0]
    for c in coeffs[1:-1]:
        r += c
        r *= z
    r += coeffs[-1]
    return r


def _ratio(num, den, z):
    """num(z) / den(z) for coefficient tuples, highest power first; `den` is monic (its
    leading 1 omitted)."""
    n = _horner(num, z)
    d = z + den[0]
    for c in den[1:]:
        d *= z
        d += c
    n /= d
    return n


# --- erf, erfc, erfcx (Cody) ------------------------------------------------------------------

# coefficients from W. J. Cody's CALERF, reordered highest power first (denominators monic)
_ERF_NUM = (1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
            3.77485237685302021e02, 3.20937758913846947e03)
_ERF_DEN = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
            2.84423683343917062e03)
_MID_NUM = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
            6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
            1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03)
_MID_DEN = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
            1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
            3.43936767414372164e03, 1.23033935480374942e03)
_BIG_NUM = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
            1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_BIG_DEN = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
            6.05183413124413191e-2, 2.33520497626869185e-3)
_SMALL = 0.46875


def _erf_small(x):
    """erf(x) for |x| <= 0.46875."""
    r = _ratio(_ERF_NUM, _ERF_DEN, x * x)
    r *= x
    return r


def _erfcx_mid(y):
    """exp(y*y) * erfc(y) for 0.46875 < y <= 4."""
    return _ratio(_MID_NUM, _MID_DEN, y)


def _erfcx_big(y):
    """exp(y*y) * erfc(y) for y > 4 (and +inf)."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        z = 1 / (y * y)
        r = _ratio(_BIG_NUM, _BIG_DEN, z)
        r *= z
        np.subtract(_1_SQRT_PI, r, out=r)
        r /= y
    return r


def _erfcx_pos(y):
    """exp(y*y) * erfc(y) for y > 0.46875 (any mix of the two ranges; nan passes)."""
    lo, hi = np.nanmin(y, initial=np.inf), np.nanmax(y, initial=-np.inf)
    if hi <= 4:
        return _erfcx_mid(y)
    if lo > 4:
        return _erfcx_big(y)
    return np.where(y <= 4, _erfcx_mid(np.minimum(y, 4)), _erfcx_big(np.maximum(y, 4)))


def _exp_neg_square(y):
    """exp(-y*y) without the rounding error of forming y*y (y >= 0)."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        head = np.trunc(16 * y)
        head *= 1 / 16
        rest = (y - head) * (y + head)
        np.negative(rest, out=rest)
        np.exp(rest, out=rest)
        head *= head
        np.negative(head, out=head)
        np.exp(head, out=head)
        head *= rest
    head[y > 27.3] = 0.0
    return head


def _erfc_pos(y):
    """erfc(y) for y > 0.46875."""
    r = _erfcx_pos(y)
    r *= _exp_neg_square(y)
    return r


def erf(a):
    n = np.size(a)
    if n <= _SCALAR:
        return _by_math("erf", a)
    if n > _CHUNK:
        return _by_chunks(erf, a)
    x = _f64(a)
    y = np.abs(x)
    if not (np.nanmax(y, initial=0) > _SMALL):
        return _like(_erf_small(x), a)
    with np.errstate(invalid="ignore"):
        c = _erfc_pos(np.maximum(y, _SMALL))
        np.subtract(1, c, out=c)
        np.copysign(c, x, out=c)
    small = y <= _SMALL
    if small.any():
        c = np.where(small, _erf_small(np.minimum(y, _SMALL) * np.sign(x)), c)
    return _like(c, a)


def erfc(a):
    n = np.size(a)
    if n <= _SCALAR:
        return _by_math("erfc", a)
    if n > _CHUNK:
        return _by_chunks(erfc, a)
    x = _f64(a)
    y = np.abs(x)
    if not (np.nanmax(y, initial=0) > _SMALL):
        return _like(1 - _erf_small(x), a)
    c = _erfc_pos(np.maximum(y, _SMALL))
    neg = x < 0
    if neg.any():
        c = np.where(neg, 2 - c, c)
    small = y <= _SMALL
    if small.any():
        c = np.where(small, 1 - _erf_small(np.where(small, x, 0)), c)
    return _like(c, a)


def erfcx(a):
    """exp(x*x) * erfc(x), without overflow for large x."""
    if np.size(a) > _CHUNK:
        return _by_chunks(erfcx, a)
    x = _f64(a)
    y = np.abs(x)
    c = _erfcx_pos(np.maximum(y, _SMALL))
    with np.errstate(over="ignore", invalid="ignore"):
        neg = x < -_SMALL
        if neg.any():
            c = np.where(neg, 2 * np.exp(x * x) - c, c)
        small = y <= _SMALL
        if small.any():
            xs = np.where(small, x, 0)
            c = np.where(small, np.exp(xs * xs) * (1 - _erf_small(xs)), c)
    return _like(c, a)


def _log_erfc_pos(y):
    """log(erfc(y)) for y > 0.46875, without underflow."""
    return np.log(_erfcx_pos(y)) - y * y


# --- inverse error functions -----------------------------------------------------------------

def _giles(w):
    """Giles' single-precision erfinv(y) / y as a function of w = -log(1 - y*y)."""
    w = np.asarray(w)
    lo = w < 5
    t = np.where(lo, w - 2.5, np.sqrt(np.maximum(w, 5)) - 3)
    p_lo = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        p_lo = c + p_lo * t
    p_hi = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        p_hi = c + p_hi * t
    return np.where(lo, p_lo, p_hi)


def _erfinv_central(y):
    """erfinv(y) for |y| <= 0.5: Newton steps on erf."""
    x = _giles(-np.log1p(-y * y)) * y
    # one Halley step (erf'' = -2x erf') cubes the guess's ~1e-7 relative error
    u = (erf(x) - y) * (_SQRT_PI / 2) * np.exp(x * x)
    return x - u / (1 + x * u)


def _erfcinv_tail(q):
    """erfcinv(q) for 0 < q <= 0.5: Newton steps on log(erfc(x)) = log(q)."""
    with np.errstate(divide="ignore"):
        lq = np.log(q)
        w = -np.log(q * (2 - q))
    # Giles' guess where it is valid, else the leading terms of the asymptotic expansion
    far = np.maximum(-lq, 20)
    x = np.where(w < 20, _giles(np.minimum(w, 20)) * (1 - q),
                 np.sqrt(far - 0.5 * np.log(math.pi * far)))
    for _ in range(2 if np.nanmax(w, initial=0) < 20 else 4):
        r = _erfcx_pos(x)
        x = x + (np.log(r) - x * x - lq) * (_SQRT_PI / 2) * r
    return x


def _erfcinv(q):
    """erfcinv on float64 arrays (q in [0, 2])."""
    out = np.full_like(q, np.nan)
    lo = (q > 0) & (q <= 0.5)
    mid = (q > 0.5) & (q < 1.5)
    hi = (q >= 1.5) & (q < 2)
    if lo.any():
        out[lo] = _erfcinv_tail(q[lo])
    if mid.any():
        out[mid] = _erfinv_central(1 - q[mid])
    if hi.any():
        out[hi] = -_erfcinv_tail(2 - q[hi])
    out[q == 0] = np.inf
    out[q == 2] = -np.inf
    return out


def erfinv(a):
    if np.size(a) > _CHUNK:
        return _by_chunks(erfinv, a)
    y = _f64(a)
    r = np.abs(y)
    central = r <= 0.5
    if central.all():
        return _like(_erfinv_central(y), a)
    out = np.empty_like(y)
    out[central] = _erfinv_central(y[central])
    rest = ~central
    yr = y[rest]
    out[rest] = np.copysign(_erfcinv(1 - np.abs(yr)), yr)   # 1 - |y| is exact here
    return _like(out, a)


def erfcinv(a):
    if np.size(a) > _CHUNK:
        return _by_chunks(erfcinv, a)
    return _like(_erfcinv(_f64(a)), a)


def ndtri(a):
    """The inverse of the standard normal CDF."""
    if np.size(a) > _CHUNK:
        return _by_chunks(ndtri, a)
    p = _f64(a)
    return _like(-_SQRT2 * _erfcinv(2 * p), a)


def ndtr(a):
    """The standard normal CDF."""
    if np.size(a) > _CHUNK:
        return _by_chunks(ndtr, a)
    x = _f64(a) * (1 / _SQRT2)
    return _like((1 + erf(x)) * 0.5, a)   # PyTorch's formula (it underflows to 0 below -8)


def log_ndtr(a):
    """log of the standard normal CDF, accurate far into both tails."""
    if np.size(a) > _CHUNK:
        return _by_chunks(log_ndtr, a)
    x = _f64(a)
    t = x * (1 / _SQRT2)
    out = np.empty_like(x)
    left = x < -1
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if left.any():
            tl = -t[left]
            out[left] = np.log(_erfcx_pos(tl) / 2) - tl * tl
        right = ~left
        out[right] = np.log1p(-erfc(t[right]) / 2)
    return _like(out, a)


# --- lgamma, digamma ------------------------------------------------------------------------

# lgamma(2 + t) / t on [-1/2, 1/2], highest power first (max error 6e-19)
_LG2 = (-1.3219945666117874e-07, 2.78740805211359e-07, -4.3252393445604814e-07,
        9.200527894968101e-07, -2.0439048107029907e-06, 4.38470440459836e-06,
        -9.438715099211532e-06, 2.0505590755833454e-05, -4.49263133791557e-05,
        9.945767355819498e-05, -0.00022315475400520507, 0.0005096695154115458,
        -0.0011927539118428156, 0.002890510331034267, -0.0073855510286719986,
        0.02058080842778038, -0.0673523010531981, 0.32246703342411326, 0.42278433509846713)
# Stirling's series: B_2k / (2k (2k - 1)), for powers 1/x, 1/x^3, ...
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156,
             -3617 / 122400)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _lgamma_near2(t):
    """lgamma(2 + t) for |t| <= 1/2."""
    return t * _horner(_LG2, t)


def _lgamma_small(x):
    """lgamma(x) for 0 < x < 10 (nan passes): shift into 2 + [-1/2, 1/2) by n steps."""
    n = np.floor(x - 1.5)                     # -2 .. 8
    np.clip(n, -2, 8, out=n)
    t = x - (n + 2)                           # exact, in [-1/2, 1/2)
    out = _lgamma_near2(t)
    tmp = np.zeros_like(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        below = n < 0
        if below.any():                       # lgamma(1 + t) = lgamma(2 + t) - log1p(t)
            out -= np.log1p(t, out=tmp, where=below)
            below = n < -1
            if below.any():                   # lgamma(x) = lgamma(1 + x) - log(x)
                tmp[...] = 0
                out -= np.log(x, out=tmp, where=below)
        above = n > 0
        if above.any():                       # lgamma(x) = lgamma(x - n) + log((x-1)...(x-n))
            prod = np.ones_like(x)
            for k in range(1, int(np.nanmax(n)) + 1):
                np.multiply(prod, x - k, out=prod, where=n >= k)
            tmp[...] = 0
            out += np.log(prod, out=tmp, where=above)
    return out


def _lgamma_large(x):
    """lgamma(x) for x >= 10 by Stirling's series."""
    with np.errstate(over="ignore", invalid="ignore"):
        z = 1 / x
        series = _horner(_STIRLING[::-1], z * z)
        series *= z
        out = np.log(x)
        out *= x - 0.5
        out -= x
        out += _HALF_LOG_2PI
        out += series
    return out


def _lgamma_pos(x):
    """lgamma(x) for x > 0 (nan and inf pass through)."""
    hi = np.nanmax(x, initial=0)
    if hi < 10:
        return _lgamma_small(x)
    if np.nanmin(x, initial=np.inf) >= 10:
        out = _lgamma_large(x)
    else:
        large = x >= 10
        out = np.where(large, _lgamma_large(np.where(large, x, 10.0)),
                       _lgamma_small(np.where(large, 5.0, x)))
    if hi == np.inf:
        out[x == np.inf] = np.inf
    return out


def _sin_pi(x):
    """sin(pi * x) with the argument reduced exactly."""
    r = x - np.round(x)
    s = np.sin(math.pi * r)
    odd = np.remainder(np.round(x), 2) != 0
    return np.where(odd, -s, s)


def lgamma(a):
    n = np.size(a)
    if n <= 64:      # its scalar version is slower than libm's erf
        return _by_math("lgamma", a)
    if n > _CHUNK:
        return _by_chunks(lgamma, a)
    x = _f64(a)
    if not (np.nanmin(x, initial=1) <= 0):
        return _like(_lgamma_pos(x), a)
    out = _lgamma_pos(np.where(x <= 0, 1.0, x))
    neg = x <= 0
    out[neg] = np.inf                         # poles, and lgamma(-inf) = inf
    refl = neg & (x != np.floor(x))
    if refl.any():                            # reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x)
        xn = x[refl]
        with np.errstate(divide="ignore"):
            out[refl] = np.log(math.pi / np.abs(_sin_pi(xn))) - _lgamma_pos(1 - xn)
    return _like(out, a)


_PSI_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)


def _digamma_pos(x):
    """psi(x) for x > 0 (nan and inf pass through)."""
    acc = np.zeros_like(x)
    if np.nanmin(x, initial=np.inf) < 10:     # psi(x) = psi(x + 1) - 1/x, up to x >= 10
        x = x.copy()
        with np.errstate(divide="ignore", over="ignore"):
            for _ in range(10):
                small = x < 10
                acc -= np.where(small, 1 / x, 0.0)
                x += small
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        z = 1 / (x * x)
        tail = _horner(_PSI_SERIES[::-1], z)
        tail *= z
        acc += np.log(x)
        acc -= 0.5 / x
        acc -= tail
    return acc


def digamma(a):
    """psi(x); psi(+-0) = -+inf and nan at negative integers, as in PyTorch."""
    n = np.size(a)
    if n <= 16:      # its scalar loop is slower than libm's functions
        return _by_math("digamma", a)
    if n > _CHUNK:
        return _by_chunks(digamma, a)
    x = _f64(a)
    out = np.empty_like(x)
    pos = ~(x <= 0)
    out[pos] = _digamma_pos(x[pos])
    neg = x < 0
    if neg.any():
        xn = x[neg]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = xn - np.trunc(xn)
            r = _digamma_pos(1 - xn) - math.pi / np.tan(math.pi * frac)
        out[neg] = np.where(frac == 0, np.nan, r)
    zero = x == 0
    out[zero] = np.copysign(np.inf, -x[zero])
    return _like(out, a)


# --- zeta, polygamma ------------------------------------------------------------------------

# (2k)! / B_2k for k = 1..12: the Euler-Maclaurin correction terms
_EM = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1892437580.3183792, 74724249600.0,
       -2950130727918.1646, 116467828143500.67, -4597978722407472.0, 1.8152105401943546e+17,
       -7.1661652561756672e+18)


def zeta(s, q):
    """The Hurwitz zeta function sum_k (q + k) ** -s (PyTorch's torch.special.zeta)."""
    shape = np.broadcast_shapes(np.shape(s), np.shape(q))
    s, q = np.broadcast_arrays(_f64(s), _f64(q))
    s = s.astype(np.float64, copy=True)
    q = q.astype(np.float64, copy=True)
    out = np.full(s.shape, np.nan)
    with np.errstate(all="ignore"):
        ok = (s > 1) & ~np.isnan(q)
        pole = (q <= 0) & (q == np.floor(q))
        bad_neg = (q < 0) & (s != np.floor(s))
        run_ = ok & ~pole & ~bad_neg
        if run_.any():
            out[run_] = _zeta_em(s[run_], q[run_])
        out[(s == 1) & ~np.isnan(q)] = np.inf
        out[ok & pole] = np.inf
        out[q == np.inf] = np.nan                          # PyTorch's value
        big_s = (s == np.inf) & (q > 0) & (q < np.inf)    # as PyTorch: 1 at q = 1, nan above
        out[big_s] = np.where(q[big_s] == 1, 1.0, np.where(q[big_s] > 1, np.nan, np.inf))
    return out.reshape(shape)


def _zeta_em(s, q):
    # direct sum until q + n >= 9 (at least 9 terms), then the Euler-Maclaurin tail
    n = np.maximum(9, np.ceil(9 - q)).astype(np.int64)
    total = np.zeros_like(q)
    for k in range(int(n.max())):
        total += np.where(k < n, np.power(q + k, -s), 0.0)
    w = q + n
    b = np.power(w, -s)
    total += np.power(w, 1 - s) / (s - 1) + 0.5 * b
    fac = np.ones_like(s)
    pw = b
    j = 0.0
    for c in _EM:
        fac = fac * (s + j)
        pw = pw / w
        term = fac * pw / c
        total += term
        fac = fac * (s + j + 1)
        pw = pw / w
        j += 2
    return total


def polygamma(n, a):
    """The n-th derivative of digamma."""
    if n == 0:
        return digamma(a)
    x = _f64(a)
    sign = 1.0 if n % 2 else -1.0
    with np.errstate(over="ignore", invalid="ignore"):
        out = sign * math.factorial(n) * zeta(np.float64(n + 1), x)
    if n == 1:      # trigamma's limits as PyTorch gives them
        out[x == np.inf] = 0.0
        out[x == -np.inf] = np.nan
    return _like(out, a)


# --- modified Bessel functions of the first kind ----------------------------------------------

def _bessel_series(nu, terms):
    """Coefficients of I_nu(x) / (x/2)**nu as a polynomial in x*x/4, highest first."""
    return tuple(1 / (math.factorial(k) * math.factorial(k + nu)) for k in range(terms))[::-1]


def _bessel_asym(nu, terms):
    """Coefficients c_k of I_nu(x) ~ e^x / sqrt(2 pi x) * sum c_k x**-k, highest first."""
    mu = 4 * nu * nu
    out, c = [], 1.0
    for k in range(terms):
        out.append(c)
        c *= -(mu - (2 * k + 1) ** 2) / ((k + 1) * 8)
    return tuple(out[::-1])


_I0_SERIES, _I1_SERIES = _bessel_series(0, 46), _bessel_series(1, 46)
_I0_ASYM, _I1_ASYM = _bessel_asym(0, 30), _bessel_asym(1, 30)
_BESSEL_SPLIT = 20.0


def _bessel_scaled(nu, x):
    """exp(-|x|) * I_nu(|x|) for nu in {0, 1}, on float64 arrays."""
    y = np.abs(x)
    out = np.empty_like(y)
    small = y < _BESSEL_SPLIT
    ys = y[small]
    z = ys * ys / 4
    series = _horner(_I0_SERIES if nu == 0 else _I1_SERIES, z)
    out[small] = (series if nu == 0 else series * ys / 2) * np.exp(-ys)
    big = ~small
    if big.any():
        yb = y[big]
        with np.errstate(divide="ignore", invalid="ignore"):
            asym = _horner(_I0_ASYM if nu == 0 else _I1_ASYM, 1 / yb)
            out[big] = asym / np.sqrt(2 * math.pi * yb)
    return out


def i0e(a):
    if np.size(a) > _CHUNK:
        return _by_chunks(i0e, a)
    return _like(_bessel_scaled(0, _f64(a)), a)


def i1e(a):
    if np.size(a) > _CHUNK:
        return _by_chunks(i1e, a)
    x = _f64(a)
    return _like(np.copysign(_bessel_scaled(1, x), x), a)


def _unscale(scaled, x):
    y = np.abs(x)
    with np.errstate(over="ignore", invalid="ignore"):
        half = np.exp(y / 2)      # exp(|x|) in two halves: no overflow before the product
        return scaled * half * half


def i0(a):
    if np.size(a) > _CHUNK:
        return _by_chunks(i0, a)
    x = _f64(a)
    return _like(_unscale(_bessel_scaled(0, x), x), a)


def i1(a):
    if np.size(a) > _CHUNK:
        return _by_chunks(i1, a)
    x = _f64(a)
    return _like(np.copysign(_unscale(_bessel_scaled(1, x), x), x), a)


# --- regularized incomplete gamma functions ----------------------------------------------------

_EPS = np.finfo(np.float64).eps
_TINY = 1e-300


def _igam_prefactor(a, x):
    """x**a exp(-x) / Gamma(a), through logs."""
    with np.errstate(all="ignore"):
        return np.exp(a * np.log(x) - x - lgamma(a))


def _igam_series(a, x):
    """P(a, x) by its power series (for x < a + 1)."""
    term = 1 / a
    total = term.copy()
    ap = a.copy()
    for _ in range(2000):
        ap += 1
        term = term * (x / ap)
        total += term
        if not (np.abs(term) > np.abs(total) * _EPS).any():
            break
    return total * _igam_prefactor(a, x)


def _igamc_fraction(a, x):
    """Q(a, x) by its continued fraction (modified Lentz; for x >= a + 1)."""
    b = x + 1 - a
    c = np.full_like(x, 1 / _TINY)
    d = 1 / b
    h = d.copy()
    for i in range(1, 2000):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1 / d
        delta = d * c
        h = h * delta
        if not (np.abs(delta - 1) > _EPS).any():
            break
    return h * _igam_prefactor(a, x)


def _igamma(a, x, upper):
    a, x = np.broadcast_arrays(_f64(a), _f64(x))
    shape = np.broadcast_shapes(a.shape, x.shape)
    out = np.full(shape, np.nan)
    with np.errstate(all="ignore"):
        ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
        series = ok & (x < a + 1)
        frac = ok & ~series
        if series.any():
            p = _igam_series(a[series], x[series])
            out[series] = 1 - p if upper else p
        if frac.any():
            q = _igamc_fraction(a[frac], x[frac])
            out[frac] = q if upper else 1 - q
        # the limits, as PyTorch gives them
        lower_value = np.select(
            [(a == 0) & (x > 0), (x == 0) & (a > 0), (x == np.inf) & (a > 0) & (a < np.inf),
             (a == np.inf) & (x >= 0) & (x < np.inf)], [1.0, 0.0, 1.0, 0.0], np.nan)
        edge = ~ok & ~np.isnan(lower_value)
        out[edge] = (1 - lower_value[edge]) if upper else lower_value[edge]
    return out


def gammainc(a, x):
    """The regularized lower incomplete gamma function P(a, x)."""
    return _igamma(a, x, False)


def gammaincc(a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return _igamma(a, x, True)


# --- classical orthogonal polynomials (three-term recurrences) ----------------------------------

# kind: (P0(x), P1(x), P_{k+1} from (k, x, P_{k-1}, P_k))
_ORTHO = {
    "chebyshev_t": (lambda x: 1.0, lambda x: x, lambda k, x, p, q: 2 * x * q - p),
    "chebyshev_u": (lambda x: 1.0, lambda x: 2 * x, lambda k, x, p, q: 2 * x * q - p),
    "chebyshev_v": (lambda x: 1.0, lambda x: 2 * x - 1, lambda k, x, p, q: 2 * x * q - p),
    "chebyshev_w": (lambda x: 1.0, lambda x: 2 * x + 1, lambda k, x, p, q: 2 * x * q - p),
    "hermite_h": (lambda x: 1.0, lambda x: 2 * x, lambda k, x, p, q: 2 * x * q - 2 * k * p),
    "hermite_he": (lambda x: 1.0, lambda x: x, lambda k, x, p, q: x * q - k * p),
    "laguerre_l": (lambda x: 1.0, lambda x: 1 - x,
                   lambda k, x, p, q: ((2 * k + 1 - x) * q - k * p) / (k + 1)),
    "legendre_p": (lambda x: 1.0, lambda x: x,
                   lambda k, x, p, q: ((2 * k + 1) * x * q - k * p) / (k + 1)),
}


def orthopoly(kind, x, n):
    """The degree-n polynomial of `kind` at x (n truncated to an integer; 0 for n < 0)."""
    x, n = np.broadcast_arrays(_f64(x), _f64(n))
    shape = np.broadcast_shapes(x.shape, n.shape)
    n = np.trunc(n)
    p0, p1, step = _ORTHO[kind]
    prev = np.broadcast_to(np.asarray(p0(x), dtype=np.float64), x.shape).copy()
    cur = np.broadcast_to(np.asarray(p1(x), dtype=np.float64), x.shape).copy()
    out = np.where(n == 0, prev, cur)
    top = int(np.nanmax(n, initial=0)) if n.size else 0
    with np.errstate(all="ignore"):
        for k in range(1, top):
            prev, cur = cur, step(k, x, prev, cur)
            out = np.where(n == k + 1, cur, out)
    out = np.where(n < 0, 0.0, out)
    return out.reshape(shape)
