"""Random factories and in-place samplers (rand, randn, randint, randperm, normal, bernoulli,
multinomial, poisson, uniform_, normal_, random_, ...), drawing from PyTorch-exact streams.

Every draw comes from the CPU generator (PyTorch's CPU stream, so seeded values agree
bit for bit whatever the device); samples for a device tensor are copied there."""
import numpy as np

from . import _dtype as D
from ._creation import _dt, _finish, _make, _placed, _shape
from ._device import array_module, on_host
from ._tensor import Tensor
from .random import gen


def _draw(like, sampler, *args):
    """`sampler(*args)` on the CPU generator, its array arguments copied to the host; the
    sample lands on the device of the array `like`."""
    return array_module(like).asarray(on_host(sampler)(*args))


def _float_dt(dtype, name):
    dt = _dt(dtype)
    if not (dt.is_floating_point or dt.is_complex):
        raise NotImplementedError("\"%s\" not implemented for '%s'" % (name, dt._legacy[:-6]))
    return dt


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    dt = _float_dt(dtype, "check_uniform_bounds")
    shape = _shape(size)
    arr = gen(generator).uniform(shape, np.float32 if dt is D.bfloat16 else dt.np)
    return _finish(_make(_placed(arr, device), dt), requires_grad, out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    dt = _float_dt(dtype, "normal_kernel_cpu")
    shape = _shape(size)
    arr = gen(generator).normal(shape, np.float32 if dt is D.bfloat16 else dt.np)
    return _finish(_make(_placed(arr, device), dt), requires_grad, out)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False):
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError("random_ expects 'from' to be less than 'to', but got from=%d >= to=%d"
                           % (low, high))
    dt = D.to_dtype(dtype) if dtype is not None else D.int64
    shape = _shape((size,) if isinstance(size, int) else tuple(size))
    arr = gen(generator).random_(shape, dt.np, int(low), int(high))
    return _finish(_make(_placed(arr, device), dt), requires_grad, out)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    if n < 0:
        raise RuntimeError("n must be non-negative, got%d" % n)
    dt = D.to_dtype(dtype) if dtype is not None else D.int64
    arr = gen(generator).randperm(int(n), dt.np)
    return _finish(_make(_placed(arr, device), dt), requires_grad, out)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return rand(input.shape, dtype=dtype or input._dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return randn(input.shape, dtype=dtype or input._dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input._dtype,
                   device=device or input.device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False):
    """``normal(mean, std, size)`` with floats, or elementwise with tensor mean and/or std."""
    g = gen(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        if isinstance(std, Tensor) and (std._data < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        arr = _draw(ref._data, g.normal, shape, ref._dtype.np, m, s)
        return _finish(_make(arr, ref._dtype), requires_grad, out)
    if std < 0:
        raise RuntimeError("normal expects std >= 0.0, but found std %g" % std)
    dt = _float_dt(dtype, "normal_kernel_cpu")
    arr = g.normal(_shape(size), dt.np, mean, std)
    return _finish(_make(_placed(arr, device), dt), requires_grad, out)


def bernoulli(input, p=None, *, generator=None, out=None):
    prob = input._data if p is None else p
    if p is None and ((input._data < 0) | (input._data > 1)).any():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an enhancement "
                           "request to PyTorch.)")
    arr = _draw(input._data, gen(generator).bernoulli, prob, input.shape, input._dtype.np)
    return _finish(_make(arr, input._dtype), False, out)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    probs = input._data
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input._dtype.is_floating_point:
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: %s"
                           % input._dtype._legacy[:-6])
    n_cat = probs.shape[-1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if (probs < 0).any() or not np.isfinite(probs).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (probs.reshape(-1, n_cat).sum(-1) == 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    arr = _draw(probs, gen(generator).multinomial, probs, int(num_samples), bool(replacement))
    return _finish(Tensor._make(arr.astype(np.int64, copy=False)), False, out)


def binomial(count, prob, generator=None):
    """``torch.binomial``: draws of Binomial(count, prob), elementwise and broadcast; count
    and prob are float32 or float64 tensors of one dtype."""
    from .ops._checks import not_implemented, type_name
    if not count._dtype.is_floating_point:
        raise ValueError("binomial only supports floating-point dtypes for count, got: "
                         + type_name(count._dtype))
    if prob._dtype is not count._dtype:
        raise RuntimeError("Found dtype %s but expected %s"
                           % (type_name(prob._dtype), type_name(count._dtype)))
    if count._dtype not in (D.float32, D.float64):
        raise not_implemented("binomial_cpu", count._dtype)
    n, p = np.broadcast_arrays(count._data, prob._data)
    return Tensor._make(_draw(n, gen(generator).binomial, n, p), count._dtype)


def poisson(input, generator=None):
    arr = _draw(input._data, gen(generator).poisson, input._data)
    return Tensor._make(arr.astype(input._data.dtype, copy=False), input._dtype)


# --- in-place samplers (Tensor methods) --------------------------------------------------------------

def _fill_(t, arr):
    from .ops.inplace import check_leaf
    check_leaf(t)
    t._data[...] = t._xp.asarray(arr)
    t._bump()
    return t


def _np(t):
    return np.float32 if t._dtype is D.bfloat16 else t._dtype.np


def uniform_(t, a=0.0, b=1.0, *, generator=None):
    return _fill_(t, gen(generator).uniform(t.shape, _np(t), a, b))


def normal_(t, mean=0.0, std=1.0, *, generator=None):
    return _fill_(t, gen(generator).normal(t.shape, _np(t), mean, std))


def random_(t, from_=None, to=None, *, generator=None):
    if from_ is not None and to is None:
        from_, to = 0, from_
    return _fill_(t, gen(generator).random_(t.shape, _np(t), from_, to))


def exponential_(t, lambd=1.0, *, generator=None):
    return _fill_(t, gen(generator).exponential(t.shape, _np(t), lambd))


def geometric_(t, p, *, generator=None):
    return _fill_(t, gen(generator).geometric(t.shape, _np(t), p))


def log_normal_(t, mean=1.0, std=2.0, *, generator=None):
    return _fill_(t, gen(generator).log_normal(t.shape, _np(t), mean, std))


def cauchy_(t, median=0.0, sigma=1.0, *, generator=None):
    return _fill_(t, gen(generator).cauchy(t.shape, _np(t), median, sigma))


def bernoulli_(t, p=0.5, *, generator=None):
    prob = p._data if isinstance(p, Tensor) else p
    return _fill_(t, on_host(gen(generator).bernoulli)(prob, t.shape, _np(t)))
