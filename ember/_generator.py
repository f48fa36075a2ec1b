"""PyTorch's CPU random number generator, reimplemented with NumPy.

PyTorch draws all CPU random numbers from one Mersenne Twister (mt19937)
per generator, and every sampler (``torch.rand``, ``randn``, ``randint``,
``randperm``, ``bernoulli``, ``multinomial`` ...) turns the 32-bit words of
that stream into values with a fixed recipe.  This module reproduces both
the stream and the recipes: after ``manual_seed(s)`` the same calls give the
same numbers as PyTorch 2.13 on CPU, bit for bit, and leave the stream at
the same place (for contiguous tensors).

Speed: the tempered mt19937 output comes from ``numpy.random.MT19937`` (the
same algorithm); we only compute the seeding ourselves and translate between
PyTorch's state layout and NumPy's.

Floating-point notes: PyTorch's CPU kernels are compiled with FMA
contraction, so ``a * b + c`` is rounded once; ``_fma32``/``_fma64`` do the
same.  A double converted to float16 goes through float32, as in C++.

Known limits (everything else matched PyTorch 2.13 exactly in testing):

* ``randn`` for float32/float16 tensors of 16 or more elements uses an
  AVX2 Box-Muller with polynomial log/sin/cos, which we emulate exactly.
  PyTorch on CPUs/builds without AVX2 uses libm's ``logf``/``cosf``/``sinf``
  instead; set ``USE_AVX2_NORMAL = False`` to approximate that path.
* On Intel CPUs PyTorch may send ``bernoulli_(float p)`` and
  ``exponential_`` to MKL's own generator; we follow the mt19937 path that
  PyTorch uses on other CPUs (AMD, ARM).
* ``multinomial`` without replacement: when more samples are asked than
  there are non-zero probabilities, the order among the zero-probability
  picks (a tie in ``topk``) may differ.
* ``poisson`` uses Python's ``math.lgamma``, which can differ from glibc's in
  the last bit; that could flip an accept/reject decision only in
  vanishingly rare cases.
"""

import math
import os
import warnings

import numpy as np

__all__ = ["Generator", "default_generator"]

DEFAULT_SEED = 67280421310721  # torch's default_rng_seed_val

_N = 624  # words in the mt19937 state

# Byte layout of torch.Generator().get_state(): the C struct
# CPUGeneratorImplState (legacy THGenerator fields + float normal cache).
_STATE_DTYPE = np.dtype({
    "names": ["seed", "left", "seeded", "next", "state",
              "normal_x", "normal_y", "normal_rho", "normal_is_valid",
              "next_float_normal", "next_float_normal_valid"],
    "formats": ["<u8", "<i4", "<i4", "<u8", ("<u8", _N),
                "<f8", "<f8", "<f8", "<i4", "<f4", "u1"],
    "offsets": [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5048, 5052],
    "itemsize": 5056,
})

# randperm switches algorithm at this size (uint32 max / 20).
_RANDPERM_LARGE_N = 0xFFFFFFFF // 20
# up to this size ember computes randperm's swaps without a Python loop (memory: ~40 bytes a slot)
_RANDPERM_VECTOR_N = 1 << 22


def _swap_sequence_result(targets, n):
    """``list(range(n))`` after swapping slot i with slot targets[i] for i = 0, 1, ... in turn
    (every targets[i] >= i), computed with array operations instead of n Python steps.

    Slot i is final once step i has run. Before step i, slot p >= i holds p, or, if some
    earlier step k swapped into p, the value slot k held at step k, for the last such k.
    Call that value cur[k]: cur[i] is itself cur[k] for the last step k < i that targeted
    slot i (else i), so each cur is found by following "last step that targeted me"
    pointers to a root (pointer jumping). Step i then takes the value of slot targets[i]."""
    m = len(targets)
    if m == 0:
        return np.arange(n, dtype=np.int64)
    steps = np.arange(m, dtype=np.int64)
    keys = targets.astype(np.uint16) if n <= 1 << 16 else targets   # uint16: a radix sort
    order = np.argsort(keys, kind="stable")         # steps grouped by target, in step order
    grouped = targets[order]
    same = grouped[1:] == grouped[:-1]
    before = np.full(m, -1, dtype=np.int64)         # the previous step with the same target
    before[order[1:][same]] = order[:-1][same]
    last = np.full(n, -1, dtype=np.int64)           # the last step k < p that targeted slot p
    ends = np.append(~same, True)
    last[grouped[ends]] = order[ends]
    own = np.nonzero(last[:m] == steps)[0]          # step p itself targeted p: take the one before
    last[own] = before[own]
    cur = np.where(last >= 0, last, np.arange(n, dtype=np.int64))
    while True:
        nxt = cur[cur]
        if np.array_equal(nxt, cur):
            break
        cur = nxt
    perm = np.empty(n, dtype=np.int64)
    perm[:m] = np.where(before >= 0, cur[np.maximum(before, 0)], targets)
    perm[m] = cur[m]
    return perm

# Set to False to emulate PyTorch builds/CPUs without AVX2 (plain-C++
# Box-Muller for float32 randn of >= 16 elements).
USE_AVX2_NORMAL = True
# float32 normals beyond this many values use the fast float64 path (within 1e-6 of PyTorch)
FAST_NORMAL_MIN = 1 << 20


# --------------------------------------------------------------------------
# Exactly rounded helpers
# --------------------------------------------------------------------------

def _two_sum(a, b, s):
    """Exact error of the float sum s = fl(a + b): a + b == s + err."""
    bb = s - a
    return (a - (s - bb)) + (b - bb)


def _fma32(a, b, c):
    """float32 fused multiply-add, round(a * b + c) with one rounding.

    The float32 product is exact in float64.  The float64 sum is rounded "to
    odd" (exact value kept, else the neighbour with an odd last bit), which
    makes the final rounding to float32 the correct one.
    """
    a = np.asarray(a, np.float32).astype(np.float64)
    b = np.asarray(b, np.float32).astype(np.float64)
    c = np.asarray(c, np.float32).astype(np.float64)
    p = a * b
    with np.errstate(invalid="ignore", over="ignore"):
        s = p + c
        # Rounding s to float32 can only go wrong where s sits exactly on a float32
        # midpoint (its 29 dropped bits are 1000...0) or is tiny (subnormal float32):
        # do the round-to-odd correction on those few elements only.
        s = np.asarray(s)
        hard = ((s.view(np.uint64) & np.uint64(0x1FFFFFFF)) == np.uint64(0x10000000)) | (
            np.abs(s) < 2.0 ** -125)
        if np.any(hard):
            pb, cb = np.broadcast_arrays(p, c)
            idx = np.nonzero(hard)
            ph, ch, sh = pb[idx], cb[idx], s[idx]
            err = _two_sum(ph, ch, sh)
            inexact = (err != 0) & np.isfinite(err)
            even = (sh.view(np.uint64) & np.uint64(1)) == 0
            toward = np.nextafter(sh, np.where(err > 0, np.inf, -np.inf))
            s = s.copy()
            s[idx] = np.where(inexact & even, toward, sh)
        return s.astype(np.float32)


def _split(a):
    """Veltkamp split of float64 a into two 26-bit halves."""
    t = a * 134217729.0  # 2**27 + 1
    hi = t - (t - a)
    return hi, a - hi


def _fma64(a, b, c):
    """float64 fused multiply-add, round(a * b + c) with one rounding."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float64),
                                  np.asarray(b, np.float64),
                                  np.asarray(c, np.float64))
    with np.errstate(invalid="ignore", over="ignore"):
        p = a * b
        ah, al = _split(a)
        bh, bl = _split(b)
        e = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # a*b == p + e
        s = p + c
        t = _two_sum(p, c, s)                              # p+c == s + t
        w = t + e
        w_err = _two_sum(t, e, w)
        r = s + w
        r_err = _two_sum(s, w, r)
        # a*b + c == r + r_err + w_err exactly.  r is the right rounding
        # unless w_err pushes r_err across half an ulp (very rare): redo
        # those few with exact rational arithmetic.
        half = 0.5 * np.spacing(np.abs(r))
        near = np.abs(np.abs(r_err) - half) <= 2 * np.abs(w_err)
        near |= np.abs(np.abs(r_err) - 0.5 * half) <= 2 * np.abs(w_err)
        hard = (w_err != 0) & near & np.isfinite(p) & np.isfinite(r)
    r = np.array(r, np.float64, copy=True)
    from fractions import Fraction  # rarely needed: imported here, not at ember's import
    for i in zip(*np.nonzero(hard)):
        exact = Fraction(float(a[i])) * Fraction(float(b[i])) + Fraction(float(c[i]))
        r[i] = float(exact)
    return r


def _cast(x, dtype):
    """C++ static_cast from double: to c10::Half it goes through float."""
    x = np.asarray(x)
    with np.errstate(over="ignore", invalid="ignore"):
        if np.dtype(dtype) == np.float16:
            x = x.astype(np.float32)
        return x.astype(dtype)


def _compute_dtype(out, other):
    """dtype of ``out.op_(other)``: float operands promote, ints follow out."""
    return np.promote_types(out.dtype, other.dtype) if other.dtype.kind == "f" else out.dtype


def _inplace_mul(out, other):
    """``out.mul_(other)`` for a float tensor ``out`` (result keeps out's dtype)."""
    ct = _compute_dtype(out, other)
    return (out.astype(ct) * other.astype(ct)).astype(out.dtype)


def _inplace_add(out, other):
    """``out.add_(other)`` for a float tensor ``out`` (result keeps out's dtype)."""
    ct = _compute_dtype(out, other)
    return (out.astype(ct) + other.astype(ct)).astype(out.dtype)


# --------------------------------------------------------------------------
# AVX2 float32 Box-Muller (PyTorch's normal_fill_AVX2 + avx_mathfun.h),
# re-expressed with float32 NumPy arithmetic and the same FMA contractions.
# --------------------------------------------------------------------------

_f32 = np.float32


def _avx_log(x):
    """Cephes-style float32 natural log used by PyTorch's AVX2 randn."""
    x = np.asarray(x, np.float32)
    bits = x.view(np.uint32)
    e = ((bits >> 23).astype(np.int32) - 127).astype(np.float32) + _f32(1)
    m = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(np.float32)
    small = m < _f32(0.707106781186547524)
    e = e - np.where(small, _f32(1), _f32(0))
    m = (m - _f32(1)) + np.where(small, m, _f32(0))
    z = m * m
    y = np.full_like(m, _f32(7.0376836292e-2))
    for coef in (-1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1,
                 -2.4999993993e-1, 3.3333331174e-1):
        y = _fma32(y, m, _f32(coef))
    y = y * m
    y = _fma32(y, z, e * _f32(-2.12194440e-4))
    y = y - z * _f32(0.5)
    return (m + y) + e * _f32(0.693359375)


def _avx_sincos(x):
    """Cephes-style float32 (sin, cos) for x >= 0, as in PyTorch's AVX2 randn."""
    x = np.asarray(x, np.float32)
    j = (x * _f32(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(np.float32)
    sin_neg = (j & 4) != 0
    cos_neg = (~(j - 2) & 4) != 0
    use_sin_poly = (j & 2) == 0
    x = _fma32(y, _f32(-0.78515625), x)
    x = _fma32(y, _f32(-2.4187564849853515625e-4), x)
    x = _fma32(y, _f32(-3.77489497744594108e-8), x)
    z = x * x
    cos_poly = _fma32(_fma32(_f32(2.443315711809948e-5), z, _f32(-1.388731625493765e-3)),
                      z, _f32(4.166664568298827e-2))
    cos_poly = _fma32(cos_poly * z, z, -(z * _f32(0.5))) + _f32(1)
    sin_poly = _fma32(_fma32(_f32(-1.9515295891e-4), z, _f32(8.3321608736e-3)),
                      z, _f32(-1.6666654611e-1))
    sin_poly = _fma32(sin_poly * z, x, x)
    s = np.where(use_sin_poly, sin_poly, cos_poly)
    c = np.where(use_sin_poly, cos_poly, sin_poly)
    return np.where(sin_neg, -s, s), np.where(cos_neg, -c, c)


def _box_muller_16_avx2(u, mean, std):
    """Blocks of 16 uniforms (shape (k, 16)) -> 16 normals each."""
    radius = np.sqrt(_f32(-2) * _avx_log(_f32(1) - u[:, :8]))
    theta = _f32(2 * math.pi) * u[:, 8:]
    sin, cos = _avx_sincos(theta)
    return np.concatenate([_fma32(radius * cos, std, mean),
                           _fma32(radius * sin, std, mean)], axis=1)


def _box_muller_16_fast(u, mean, std):
    """Large float32 blocks: PyTorch's float32 angle, but log/sin/cos in float64 instead of
    its AVX2 polynomials. Agrees with PyTorch to about 1e-7 relative, at a fraction of the
    cost of emulating the polynomials bit for bit."""
    radius = np.sqrt(-2.0 * np.log((_f32(1) - u[:, :8]).astype(np.float64)))
    theta = (_f32(2 * math.pi) * u[:, 8:]).astype(np.float64)
    return np.concatenate([radius * np.cos(theta) * std + mean,
                           radius * np.sin(theta) * std + mean], axis=1).astype(np.float32)


def _box_muller_16(u, mean, std):
    """Plain C++ ``normal_fill_16`` on blocks of 16 uniforms (float64, or
    float32 without AVX2)."""
    if u.dtype == np.float64:
        radius = np.sqrt(-2 * np.log(1 - u[:, :8]))
        theta = (2 * math.pi) * u[:, 8:]
        return np.concatenate([_fma64(radius * np.cos(theta), std, mean),
                               _fma64(radius * np.sin(theta), std, mean)], axis=1)
    # float32 (PyTorch builds without AVX2): std::log/cos/sin in float; we
    # use float64 math rounded to float32, which can differ from glibc's
    # logf/cosf/sinf in the last bit.
    log_u1 = np.log((_f32(1) - u[:, :8]).astype(np.float64)).astype(np.float32)
    radius = np.sqrt(_f32(-2) * log_u1)
    theta = ((2 * math.pi) * u[:, 8:].astype(np.float64)).astype(np.float32)
    theta64 = theta.astype(np.float64)
    cos, sin = np.cos(theta64).astype(np.float32), np.sin(theta64).astype(np.float32)
    return np.concatenate([_fma32(radius * cos, std, mean),
                           _fma32(radius * sin, std, mean)], axis=1)


# --------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------

def _real_of(complex_dtype):
    return np.dtype(np.float32 if complex_dtype == np.complex64 else np.float64)


def _as_complex(pairs, shape):
    """(..., 2) real draws -> complex values, as PyTorch fills a complex tensor through its
    ``view_as_real``."""
    return np.ascontiguousarray(pairs).view(np.complex64 if pairs.dtype == np.float32
                                            else np.complex128).reshape(shape)


def _normalize_seed(seed):
    """torch accepts ints in [-2**63, 2**64): negatives wrap modulo 2**64."""
    if isinstance(seed, (bool, np.bool_)) or not hasattr(type(seed), "__index__"):
        raise RuntimeError(
            f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -(1 << 63) <= seed < (1 << 64):
        raise ValueError("Overflow when unpacking long long")
    return seed & 0xFFFFFFFFFFFFFFFF


def _seed_key(seed):
    """mt19937 init_genrand: the 624-word state for a 32-bit seed."""
    key = [seed & 0xFFFFFFFF]
    for j in range(1, _N):
        prev = key[-1]
        key.append((1812433253 * (prev ^ (prev >> 30)) + j) & 0xFFFFFFFF)
    return np.array(key, dtype=np.uint32)


def _shape_tuple(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


class Generator:
    """NumPy twin of ``torch.Generator()`` on CPU (mt19937).

    Seeding and state mirror ``torch.Generator``.  The samplers take the
    output ``shape`` and NumPy dtype and return a new array filled exactly
    as PyTorch fills a contiguous CPU tensor of that shape and dtype.
    """

    def __init__(self, device="cpu"):
        self.device = device
        self._bg = None
        self.manual_seed(DEFAULT_SEED)

    # ---------------------------------------------------------------- state

    @property
    def _bitgen(self):
        """NumPy's MT19937, created on the first draw (importing numpy.random is not free)."""
        if self._bg is None:
            from numpy.random import MT19937
            self._bg = MT19937(0)
            self._bg.state = self._pending_state
        return self._bg

    def _set_engine(self, key, pos, next_field):
        state = {"bit_generator": "MT19937",
                 "state": {"key": np.asarray(key, np.uint32), "pos": int(pos)}}
        if self._bg is None:
            self._pending_state = state
        else:
            self._bg.state = state
        # torch stores a `next` index that NumPy's state cannot express
        # until the first draw; remember it so get_state() round-trips.
        self._pending_next = next_field

    def manual_seed(self, seed):
        """Mirror ``Generator.manual_seed``: reseed and clear normal caches."""
        seed = _normalize_seed(seed)
        self._seed = seed
        self._set_engine(_seed_key(seed), _N, 0)
        self._next_double_normal = None
        self._next_float_normal = None
        return self

    def seed(self):
        """Mirror ``Generator.seed``: reseed non-deterministically (53 bits)."""
        s = int.from_bytes(os.urandom(8), "little") & ((1 << 53) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        """Mirror ``Generator.initial_seed``."""
        return self._seed

    def get_state(self):
        """Mirror ``Generator.get_state``: 5056 uint8s, torch's byte layout."""
        st = self._bitgen.state["state"]
        pos = int(st["pos"])
        rec = np.zeros((), dtype=_STATE_DTYPE)
        rec["seed"] = self._seed
        rec["left"] = _N + 1 - pos
        rec["seeded"] = 1
        rec["next"] = pos if self._pending_next is None else self._pending_next
        rec["state"] = st["key"].astype(np.uint64)
        if self._next_double_normal is not None:
            rec["normal_is_valid"] = 1
            rec["normal_y"] = self._next_double_normal
        if self._next_float_normal is not None:
            rec["next_float_normal_valid"] = 1
            rec["next_float_normal"] = self._next_float_normal
        return np.frombuffer(rec.tobytes(), dtype=np.uint8).copy()

    def set_state(self, new_state):
        """Mirror ``Generator.set_state`` (accepts torch's byte layout)."""
        raw = np.ascontiguousarray(new_state, dtype=np.uint8).reshape(-1)
        if raw.size != _STATE_DTYPE.itemsize:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {_STATE_DTYPE.itemsize} "
                f"but found the input RNG state size to be {raw.size}")
        rec = raw.view(_STATE_DTYPE)[0]
        left, nxt = int(rec["left"]), int(rec["next"])
        if not (int(rec["seeded"]) and 0 < left <= _N and nxt <= _N):
            raise RuntimeError("Invalid mt19937 state")
        # torch serves words state[next], state[next+1], ... and twists when
        # `left` runs out.  Every state torch itself produces has
        # next == 625 - left (or left == 1), so `left` alone sets our position.
        self._set_engine(rec["state"].astype(np.uint32), _N + 1 - left, nxt)
        self._seed = int(rec["seed"])
        self._next_double_normal = float(rec["normal_y"]) if int(rec["normal_is_valid"]) else None
        self._next_float_normal = (float(rec["next_float_normal"])
                                   if int(rec["next_float_normal_valid"]) else None)

    # -------------------------------------------------------- raw streams

    def _random32(self, n):
        """n words of ``CPUGeneratorImpl::random()`` as uint64."""
        if n <= 0:
            return np.zeros(0, np.uint64)
        self._pending_next = None
        return self._bitgen.random_raw(n)

    def _random64(self, n):
        """n values of ``CPUGeneratorImpl::random64()``: (first << 32) | second."""
        w = self._random32(2 * n).reshape(-1, 2)
        return (w[:, 0] << np.uint64(32)) | w[:, 1]

    def _uniform01(self, n, dtype):
        """n draws of ``uniform_real_distribution<T>(0, 1)`` for T = float
        (24 bits of one word) or double (53 bits of a 64-bit draw)."""
        if np.dtype(dtype) == np.float64:
            return (self._random64(n) & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
        return (self._random32(n) & np.uint64((1 << 24) - 1)).astype(np.float32) * _f32(2.0 ** -24)

    def _normal_doubles(self, n):
        """n draws of ``normal_distribution<double>(0, 1)`` incl. its cache.

        Each Box-Muller pair yields r*cos (returned) and r*sin (cached and
        handed out by the next call, even a call from another function).
        """
        out = np.empty(n, np.float64)
        i = 0
        if n and self._next_double_normal is not None:
            out[0] = self._next_double_normal
            self._next_double_normal = None
            i = 1
        pairs = (n - i + 1) // 2
        if pairs:
            u = self._uniform01(2 * pairs, np.float64).reshape(pairs, 2)
            r = np.sqrt(-2.0 * np.log1p(-u[:, 1]))
            theta = 2.0 * math.pi * u[:, 0]
            vals = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1).reshape(-1)
            out[i:] = vals[:n - i]
            if (n - i) % 2:
                self._next_double_normal = float(vals[-1])
        return out

    # ------------------------------------------------------------ samplers

    def uniform(self, shape, np_dtype, low=0.0, high=1.0):
        """``torch.rand`` / ``Tensor.uniform_(low, high)``."""
        shape = _shape_tuple(shape)
        dtype = np.dtype(np_dtype)
        if dtype.kind == "c":
            return _as_complex(self.uniform(shape + (2,), _real_of(dtype), low, high), shape)
        if dtype not in (np.float16, np.float32, np.float64):
            raise RuntimeError(f'"uniform_kernel_cpu" not implemented for {dtype}')
        info = np.finfo(dtype)
        low, high = float(low), float(high)
        for name, v in (("from", low), ("to", high)):
            if not float(info.min) <= v <= float(info.max):
                raise RuntimeError(f"{name} is out of bounds for {dtype}")
        if low > high:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, "
                               f"but found from={low} > to={high}")
        n = math.prod(shape)
        if low == 0.0 and high == 1.0 and dtype != np.float16:  # x * 1 + 0 is exact
            return self._uniform01(n, dtype).reshape(shape)
        if dtype == np.float64:
            x = self._uniform01(n, np.float64)
            out = _fma64(x, high - low, low)
        else:
            # float16 is sampled as float32 (24 random bits), then rounded
            lo, hi = np.float32(low), np.float32(high)
            out = _fma32(self._uniform01(n, np.float32), hi - lo, lo).astype(dtype)
        # rounding can land exactly on `high`; PyTorch maps that to `low`
        to, frm = dtype.type(high), dtype.type(low)
        out = np.where(out >= to, frm, out).astype(dtype)
        return out.reshape(shape)

    def normal(self, shape, np_dtype, mean=0.0, std=1.0):
        """``torch.randn`` / ``Tensor.normal_`` / ``torch.normal``.

        Tensor ``mean``/``std`` follow ``torch.normal(mean, std)``: draw with
        (0, std) then add mean (tensor mean), or draw N(0, 1), then
        ``mul_(std).add_(mean)`` (tensor std).
        """
        shape = _shape_tuple(shape)
        dtype = np.dtype(np_dtype)
        if dtype.kind == "c" and np.ndim(mean) == 0 and np.ndim(std) == 0:
            # real and imaginary parts each get half the variance
            pairs = self.normal(shape + (2,), _real_of(dtype), mean, float(std) / math.sqrt(2))
            return _as_complex(pairs, shape)
        if dtype not in (np.float16, np.float32, np.float64):
            raise RuntimeError(f'"normal_kernel_cpu" not implemented for {dtype}')
        mean_is_arr = isinstance(mean, np.ndarray) or np.ndim(mean) > 0
        std_is_arr = isinstance(std, np.ndarray) or np.ndim(std) > 0
        if std_is_arr:
            std = np.asarray(std)
            if std.size and np.min(std) < 0:
                raise RuntimeError("normal expects all elements of std >= 0.0")
            z = self._normal_kernel(shape, dtype, 0.0, 1.0)
            return _inplace_add(_inplace_mul(z, std), np.asarray(mean))
        if float(std) < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {float(std)}")
        if mean_is_arr:
            z = self._normal_kernel(shape, dtype, 0.0, float(std))
            return _inplace_add(z, np.asarray(mean))
        return self._normal_kernel(shape, dtype, float(mean), float(std))

    def _normal_kernel(self, shape, dtype, mean, std):
        """PyTorch's ``normal_kernel`` for a contiguous tensor."""
        n = math.prod(shape)
        if n < 16:
            z = self._normal_doubles(n)
            return _cast(_fma64(z, std, mean), dtype).reshape(shape)
        if dtype == np.float16:
            # float16 works in float32, 16 fresh uniforms per block of 16
            # (the last block, if partial, is the final 16 slots again).
            blocks = -(-n // 16)
            u = self._uniform01(16 * blocks, np.float32).reshape(blocks, 16)
            z = self._box_muller_f32(u, mean, std).reshape(-1)
            out = z[:n].copy()
            out[n - 16:] = z[-16:]
            return out.astype(dtype).reshape(shape)
        # float32/float64: n uniforms first; if n is not a multiple of 16,
        # 16 more for the last 16 slots, which are recomputed.
        u = self._uniform01(n, dtype)
        tail = self._uniform01(16, dtype) if n % 16 else None
        if dtype == np.float32:
            fill = lambda blocks: self._box_muller_f32(blocks, mean, std)
        else:
            fill = lambda blocks: _box_muller_16(blocks, mean, std)
        full = n - n % 16
        out = np.empty(n, dtype)
        out[:full] = fill(u[:full].reshape(-1, 16)).reshape(-1)
        if tail is not None:
            out[n - 16:] = fill(tail.reshape(1, 16)).reshape(-1)
        return out.reshape(shape)

    @staticmethod
    def _box_muller_f32(u, mean, std):
        if u.size > FAST_NORMAL_MIN:
            return _box_muller_16_fast(u, mean, std)
        if USE_AVX2_NORMAL:
            return _box_muller_16_avx2(u, _f32(mean), _f32(std))
        return _box_muller_16(u, _f32(mean), _f32(std))

    def random_(self, shape, np_dtype, low=None, high=None):
        """``Tensor.random_`` and ``torch.randint``.

        * ``random_(shape, dt)``: ``Tensor.random_()``, [0, 2**mantissa] for
          floats, [0, max] for ints;
        * ``high`` given: ``random_(low or 0, high)`` / ``torch.randint``;
        * only ``low`` given: ``random_(low, None)``, i.e. [low, max].
        """
        shape = _shape_tuple(shape)
        dtype = np.dtype(np_dtype)
        n = math.prod(shape)
        is_float = dtype.kind == "f"
        if dtype not in (np.float16, np.float32, np.float64, np.bool_, np.uint8,
                         np.int8, np.int16, np.int32, np.int64):
            raise RuntimeError(f'"random_kernel_cpu" not implemented for {dtype}')
        digits = {np.dtype(np.float16): 11, np.dtype(np.float32): 24,
                  np.dtype(np.float64): 53}.get(dtype)
        if low is None and high is None:
            if dtype == np.bool_:
                return (self._random32(n) & np.uint64(1)).astype(np.bool_).reshape(shape)
            if dtype in (np.int64, np.float64):
                modulus = (1 << 63) if dtype == np.int64 else (1 << 53) + 1
                v = self._random64(n) % np.uint64(modulus)
            else:
                modulus = (1 << digits) + 1 if is_float else int(np.iinfo(dtype).max) + 1
                v = self._random32(n) % np.uint64(modulus)
            return v.astype(dtype).reshape(shape)

        low = 0 if low is None else int(low)
        if high is not None:
            high = int(high)
            if low >= high:
                raise RuntimeError(f"random_ expects 'from' to be less than 'to', "
                                   f"but got from={low} >= to={high}")
            if is_float:
                low, high = _update_from(low, dtype), _update_to(high, dtype)
                if low >= high:
                    raise RuntimeError("random_ expects 'from' casted to dtype to be less "
                                       f"than 'to' casted to dtype, but got from={low} >= to={high}")
            _check_in_range(low, high - 1, dtype)
            span = (high - low) & 0xFFFFFFFFFFFFFFFF
        elif low != -(1 << 63):
            if is_float:
                to_inc = min(1 << digits, (1 << 63) - 1)
                low = _update_from(low, dtype)
            elif dtype == np.bool_:
                to_inc = 1
            else:
                to_inc = int(np.iinfo(dtype).max)
            _check_in_range(low, to_inc, dtype)
            span = (to_inc - low + 1) & 0xFFFFFFFFFFFFFFFF
        else:
            # [int64 min, int64 max]: the full 64-bit range.
            if not (dtype in (np.int64, np.float32, np.float64)):
                raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only "
                                   "int64, double, float and bfloat16")
            v = self._random64(n).view(np.int64)
            return v.astype(dtype).reshape(shape)
        if n == 0:
            return np.zeros(shape, dtype)
        # PyTorch 2.13 switches to 64-bit draws from 2**28 on (less modulo bias)
        v = self._random64(n) if span >= (1 << 28) else self._random32(n)
        v = v % np.uint64(span) + np.uint64(low & 0xFFFFFFFFFFFFFFFF)  # wraps mod 2**64
        return v.view(np.int64).astype(dtype).reshape(shape)

    def randperm(self, n, np_dtype=np.int64):
        """``torch.randperm(n)``: Fisher-Yates driven by the mt19937 stream."""
        n = int(n)
        if n < 0:
            raise RuntimeError(f"n must be non-negative, got{n}")
        dtype = np.dtype(np_dtype)
        if dtype.kind == "f":
            limit = 1 << {2: 11, 4: 24, 8: 53}[dtype.itemsize]
            if n > limit + 1:
                raise RuntimeError(f"n cannot be greater than {limit + 1} for {dtype}")
        elif dtype.kind in "iu" and n > int(np.iinfo(dtype).max) + 1:
            raise RuntimeError(f"n cannot be greater than {int(np.iinfo(dtype).max) + 1} for {dtype}")
        if n <= _RANDPERM_VECTOR_N:
            # for i = 0 .. n-2: swap slot i with slot i + (random() % (n - i))
            i = np.arange(max(n - 1, 0), dtype=np.int64)
            targets = self._random32(len(i)).astype(np.int64) % (n - i) + i
            return _swap_sequence_result(targets, n).astype(dtype)
        if n < _RANDPERM_LARGE_N:
            def targets(i0, i1):
                r = self._random32(i1 - i0).astype(np.int64)
                i = np.arange(i0, i1, dtype=np.int64)
                return r % (n - i) + i
            steps = max(n - 1, 0)
        else:
            # "inside-out" Fisher-Yates with 64-bit draws: for i = 0 .. n-1,
            # swap slot i with slot random64() % (i + 1)
            def targets(i0, i1):
                r = self._random64(i1 - i0)
                return (r % np.arange(i0 + 1, i1 + 1, dtype=np.uint64)).astype(np.int64)
            steps = n
        perm = list(range(n))
        chunk = 1 << 20
        for i0 in range(0, steps, chunk):
            i1 = min(i0 + chunk, steps)
            for i, j in zip(range(i0, i1), targets(i0, i1).tolist()):
                perm[i], perm[j] = perm[j], perm[i]
        return np.array(perm, dtype=np.int64).astype(dtype)

    def bernoulli(self, p, shape, np_dtype):
        """``Tensor.bernoulli_(p)`` (scalar p) and ``torch.bernoulli(p_tensor)``.

        Scalar p (and float64 tensors) compare a double uniform with p; other
        float tensors compare a float uniform (24 random bits).
        """
        shape = _shape_tuple(shape)
        dtype = np.dtype(np_dtype)
        n = math.prod(shape)
        if isinstance(p, np.ndarray):
            p_arr = np.broadcast_to(p, shape)
            if p_arr.dtype == np.float64:
                u = self._uniform01(n, np.float64)
            else:
                u = self._uniform01(n, np.float32)
                p_arr = p_arr.astype(np.float32)
            return (u < p_arr.reshape(-1)).astype(dtype).reshape(shape)
        p = float(p)
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        return (self._uniform01(n, np.float64) < p).astype(dtype).reshape(shape)

    def multinomial(self, probs, num_samples, replacement=False):
        """``torch.multinomial`` (CPU algorithm); returns int64."""
        probs = np.asarray(probs)
        if probs.ndim not in (1, 2):
            raise RuntimeError("prob_dist must be 1 or 2 dim")
        if probs.dtype.kind != "f":
            raise RuntimeError("multinomial only supports floating-point dtypes for input")
        num_samples = int(num_samples)
        if num_samples <= 0:
            raise RuntimeError("cannot sample n_sample <= 0 samples")
        rows = probs.reshape(-1, probs.shape[-1])
        n_cat = rows.shape[1]
        if not replacement and num_samples > n_cat:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        out_shape = (num_samples,) if probs.ndim == 1 else (rows.shape[0], num_samples)
        if not replacement or num_samples == 1:
            if not (np.all(rows < np.inf) and np.all(rows >= 0)):
                raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
            if np.any(rows.sum(axis=1) == 0):
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            # Gumbel-max trick: top-k of p / q with q ~ Exp(1)
            q = self.exponential(rows.shape, rows.dtype, 1.0)
            key = (rows / q).astype(rows.dtype)
            if num_samples == 1:
                idx = np.argmax(key, axis=1)[:, None]
            else:
                idx = np.argsort(-key, axis=1, kind="stable")[:, :num_samples]
            return idx.astype(np.int64).reshape(out_shape)
        # with replacement: inverse-CDF lookup with one double uniform per draw
        acc = np.float32 if rows.dtype == np.float16 else rows.dtype
        result = np.empty((rows.shape[0], num_samples), np.int64)
        for i, row in enumerate(rows.astype(acc)):
            if np.any(row < 0):
                raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
            if not np.all(np.isfinite(row)):
                raise RuntimeError("invalid multinomial distribution (encountering probability "
                                   "entry = infinity or NaN)")
            cdf = np.cumsum(row, dtype=acc)
            total = cdf[-1]
            if not total > 0:
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            cdf = (cdf / total).astype(acc)
            cdf[-1] = 1
            u = self._uniform01(num_samples, np.float64)
            result[i] = np.searchsorted(cdf.astype(np.float64), u, side="left")
        return result.reshape(out_shape)

    def exponential(self, shape, np_dtype, lambd=1.0):
        """``Tensor.exponential_(lambd)``: -log1p(-u) / lambd in double."""
        shape = _shape_tuple(shape)
        dtype = np.dtype(np_dtype)
        lambd = float(lambd)
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        u = self._uniform01(math.prod(shape), np.float64)
        with np.errstate(divide="ignore"):
            out = (-1.0 / lambd) * np.log1p(-u)
        return _cast(out, dtype).reshape(shape)

    def geometric(self, shape, np_dtype, p):
        """``Tensor.geometric_(p)``: ceil(log(u) / log1p(-p)) in double."""
        shape = _shape_tuple(shape)
        dtype = np.dtype(np_dtype)
        p = float(p)
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        u = self._uniform01(math.prod(shape), np.float64)
        with np.errstate(divide="ignore"):
            out = np.ceil(np.log(u) / np.log1p(-p))
        return _cast(out, dtype).reshape(shape)

    def log_normal(self, shape, np_dtype, mean=1.0, std=2.0):
        """``Tensor.log_normal_(mean, std)``: exp of normal_distribution<double>."""
        shape = _shape_tuple(shape)
        dtype = np.dtype(np_dtype)
        mean, std = float(mean), float(std)
        if not std > 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
        z = self._normal_doubles(math.prod(shape))
        return _cast(np.exp(_fma64(z, std, mean)), dtype).reshape(shape)

    def cauchy(self, shape, np_dtype, median=0.0, sigma=1.0):
        """``Tensor.cauchy_(median, sigma)``: median + sigma * tan(pi (u - 1/2))."""
        shape = _shape_tuple(shape)
        dtype = np.dtype(np_dtype)
        median, sigma = float(median), float(sigma)
        if not sigma > 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
        u = self._uniform01(math.prod(shape), np.float64)
        return _cast(_fma64(sigma, np.tan(math.pi * (u - 0.5)), median), dtype).reshape(shape)

    def binomial(self, count, prob):
        """``torch.binomial(count, prob)``: inversion below 10 expected successes, BTRS
        above, one element after another as PyTorch's CPU kernel draws them."""
        draw = _UniformCursor(self)
        f = count.dtype.type
        pairs = zip(count.reshape(-1).tolist(), prob.reshape(-1).tolist())
        out = np.array([_sample_binomial(n, p, draw, f) for n, p in pairs], np.float64)
        draw.close()
        return out.astype(count.dtype).reshape(count.shape)

    def poisson(self, rates):
        """``torch.poisson(rates)``: Knuth below 10, Hoermann's PTRS above."""
        rates = np.asarray(rates)
        dtype = rates.dtype if rates.dtype.kind == "f" else np.dtype(np.float32)
        flat = rates.astype(np.float64).reshape(-1)
        if np.any(flat < 0) or np.any(np.isnan(flat)):
            raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
        draw = _UniformCursor(self)
        out = np.array([_sample_poisson(lam, draw) for lam in flat.tolist()], np.float64)
        draw.close()
        return out.astype(dtype).reshape(rates.shape)


class _UniformCursor:
    """Hands out double uniforms one by one from a pre-drawn buffer, then
    rewinds the generator so only the words actually used are consumed."""

    def __init__(self, gen, chunk=4096):
        self._gen = gen
        self._saved = gen._bitgen.state
        self._pending = gen._pending_next
        self._chunk = chunk
        self._buf = []
        self._i = 0
        self._used = 0

    def __call__(self):
        if self._i == len(self._buf):
            self._buf = self._gen._uniform01(self._chunk, np.float64).tolist()
            self._i = 0
        self._i += 1
        self._used += 1
        return self._buf[self._i - 1]

    def close(self):
        gen = self._gen
        gen._bitgen.state = self._saved
        gen._pending_next = self._pending
        gen._random32(2 * self._used)


def _sample_poisson(lam, uniform):
    """One draw of PyTorch's ``sample_poisson`` (adapted from NumPy's)."""
    if lam >= 10:
        slam = math.sqrt(lam)
        loglam = math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = uniform() - 0.5
            v = uniform()
            us = 0.5 - abs(u)
            k = math.floor((2 * a / us + b) * u + lam + 0.43)
            if us >= 0.07 and v <= vr:
                return k
            if k < 0 or (us < 0.013 and v > us):
                continue
            if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)) <= \
                    (-lam + k * loglam - math.lgamma(k + 1.0)):
                return k
    if lam == 0:
        return 0
    enlam = math.exp(-lam)
    x, prod = 0, 1.0
    while True:
        prod *= uniform()
        if prod > enlam:
            x += 1
        else:
            return x


def _sample_binomial(n, p, uniform, f):
    """One draw of PyTorch's ``sample_binomial``: the smaller of p and 1 - p is sampled.

    `f` rounds to the tensor's dtype: PyTorch computes the set-up terms in it (float32
    for float tensors) and the rest in double.
    """
    if n != n or p != p:
        return math.nan  # PyTorch loops forever on a NaN count
    if n <= 0 or p <= 0:
        return 0.0
    if p >= 1:
        return n
    q = p if p <= 0.5 else f(1.0 - p)
    sampler = _binomial_btrs if f(n * q) >= 10 else _binomial_inversion
    k = sampler(n, q, uniform, f)
    return k if p <= 0.5 else n - k


def _binomial_inversion(n, p, uniform, f):
    """Count geometric waiting times until they pass n trials."""
    logq = float(f(np.log1p(f(-p))))
    total, k = 0.0, 0.0
    while True:
        total += math.ceil(math.log(uniform()) / logq)
        if total > n:
            return k
        k += 1


def _binomial_btrs(n, p, uniform, f):
    """Hoermann's transformed rejection with squeeze (BTRS), as PyTorch runs it."""
    spq = float(np.sqrt(f(f(n * p) * f(1 - p))))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = float(f(n * p)) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(f(p / f(1 - p)))
    alpha = (2.83 + 5.1 / b) * spq
    m = math.floor(f(f(n + 1) * p))
    while True:
        u = uniform() - 0.5
        v = uniform()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = math.log(v * alpha / (a / (us * us) + b))
        bound = ((m + 0.5) * math.log((m + 1) / (r * (n - m + 1)))
                 + (n + 1) * math.log((n - m + 1) / (n - k + 1))
                 + (k + 0.5) * math.log(r * (n - k + 1) / (k + 1))
                 + _stirling_tail(m) + _stirling_tail(n - m)
                 - _stirling_tail(k) - _stirling_tail(n - k))
        if v <= bound:
            return k


_STIRLING_TAILS = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                   0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                   0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                   0.00833056343336287)


def _stirling_tail(k):
    """log(k!) minus its Stirling approximation: a table up to 9, the series above."""
    if k <= 9:
        return _STIRLING_TAILS[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _update_from(low, dtype):
    """Move `from` up so that casting to the float dtype keeps it >= from."""
    digits = {2: 11, 4: 24, 8: 53}[dtype.itemsize]
    from_plus_1 = int(dtype.type(low + 1))
    if from_plus_1 < low:
        n = abs(low + 1).bit_length() - 1
        low = from_plus_1 + (1 << (n - digits + 1))
    return low


def _update_to(high, dtype):
    """Move `to` down so that casting to the float dtype keeps it < to."""
    digits = {2: 11, 4: 24, 8: 53}[dtype.itemsize]
    to_minus_1 = int(dtype.type(high - 1))
    if to_minus_1 >= high:
        n = abs(high - 1).bit_length() - 1
        high = to_minus_1 - (1 << (n - digits + 1))
    return high


def _check_in_range(low, high_inc, dtype):
    """Bounds checks of ``random_(from, to)`` (to - 1 is ``high_inc``)."""
    if dtype.kind == "f":
        lo, hi = float(np.finfo(dtype).min), float(np.finfo(dtype).max)
    elif dtype == np.bool_:
        lo, hi = 0, 1
    else:
        lo, hi = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
    for name, v in (("from", low), ("to - 1", high_inc)):
        if not lo <= v <= hi:
            raise RuntimeError(f"{name} is out of bounds for {dtype}")
        if dtype.kind == "f":
            digits = {2: 11, 4: 24, 8: 53}[dtype.itemsize]
            if not -(1 << digits) <= v <= (1 << digits):
                warnings.warn(f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to "
                              f"precision limitations {dtype} can support discrete uniform "
                              "distribution only within this range.", UserWarning, stacklevel=3)


default_generator = Generator()
