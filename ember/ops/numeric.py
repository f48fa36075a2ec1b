"""Numerical integration, differentiation and statistics built from ember ops, in the same
steps as PyTorch (so the graphs, node names and roundings agree): trapezoid, trapz,
cumulative_trapezoid, gradient, cov, corrcoef."""
import warnings

from .. import _dtype as D
from ._op import is_tensor, norm_dim
from .arith import div_number as _div_number, mul_number as _mul_number


def _slice(t, dim, start, stop=None):
    n = t.shape[dim]
    start = start + n if start < 0 else min(start, n)
    stop = n if stop is None else (stop + n if stop < 0 else min(stop, n))
    return t.narrow(dim, start, max(stop - start, 0))


def _signature_error(name, y, x, dx):
    got = ["Tensor"] + (["Tensor" if is_tensor(x) else type(x).__name__] if x is not None
                        else []) + (["dx=%s" % type(dx).__name__] if dx is not None else [])
    return TypeError("%s() received an invalid combination of arguments - got (%s), but expected "
                     "one of:\n * (Tensor y, Tensor x, *, int dim = -1)\n * (Tensor y, *, Number "
                     "dx = 1, int dim = -1)\n" % (name, ", ".join(got)))


def _x_spacing(name, y, x, dim):
    """The differences of sample points `x` along `dim`, shaped to broadcast against y's."""
    if y._dtype is D.bool_ or x._dtype is D.bool_:
        raise RuntimeError("%s: received a bool input for `x` or `y`, but bool is not supported"
                           % name)
    if x._data.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError("%s: There must be one `x` value for each sample point" % name)
        shape = [1] * y._data.ndim
        shape[dim] = x.shape[0]
        x = x.view(shape)
    elif x._data.ndim < y._data.ndim:
        x = x.view((1,) * (y._data.ndim - x._data.ndim) + tuple(x.shape))
    return _slice(x, dim, 1) - _slice(x, dim, 0, -1)


def _check_y(name, y):
    if y._dtype is D.bool_:
        raise RuntimeError("%s: received a bool input for `y`, but bool is not supported" % name)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along `dim`, with sample points `x` or uniform spacing `dx`."""
    if (x is not None and dx is not None) or (x is not None and not is_tensor(x)):
        raise _signature_error("trapezoid", y, x, dx)
    dim = norm_dim(dim, y._data.ndim) if y._data.ndim else _no_dims(dim)
    if x is not None:
        if y.shape[dim] == 0:
            return _zeros_without(y, dim)
        d = _x_spacing("trapezoid", y, x, dim)
        return _div_number(((_slice(y, dim, 1) + _slice(y, dim, 0, -1)) * d).sum(dim), 2.0)
    _check_y("trapezoid", y)
    dx = 1 if dx is None else dx
    if y.shape[dim] == 0:
        return _zeros_without(y, dim)
    ends = y.select(dim, 0) + y.select(dim, -1)
    return _mul_number(y.sum(dim) - _mul_number(ends, 0.5), dx)


def trapz(y, x=None, *, dx=None, dim=-1):
    """The older name of `trapezoid`."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral along `dim` (one element fewer than y along it)."""
    if (x is not None and dx is not None) or (x is not None and not is_tensor(x)):
        raise _signature_error("cumulative_trapezoid", y, x, dx)
    if y._data.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    dim = norm_dim(dim, y._data.ndim)
    pairs = _slice(y, dim, 0, -1) + _slice(y, dim, 1)
    if x is not None:
        d = _x_spacing("cumulative_trapezoid", y, x, dim)
        return _div_number((pairs * d).cumsum(dim), 2.0)
    _check_y("cumulative_trapezoid", y)
    dx = 1 if dx is None else dx
    return _mul_number(pairs, dx / 2.0).cumsum(dim)


def _no_dims(dim):
    raise IndexError("Dimension specified as %d but tensor has no dimensions" % dim)


def _zeros_without(y, dim):
    shape = tuple(s for i, s in enumerate(y.shape) if i != dim)
    return y.new_zeros(shape)


# --- gradient ------------------------------------------------------------------------------------

def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Central differences inside, one-sided (first or second order) at the edges; one tensor
    per dimension. `spacing`: a number, a list of numbers, or a list of coordinate tensors."""
    if input._dtype is D.uint8:
        raise RuntimeError("torch.gradient does not support uint8 input.")
    nd = input._data.ndim
    dims = _gradient_dims(dim, nd)
    if isinstance(spacing, (list, tuple)):
        spacing = list(spacing)
        if dim is None and len(spacing) != nd:
            raise RuntimeError(
                "torch.gradient expected spacing to be unspecified, a scalar, or a list of "
                "length equal to 'self.dim() = %d', since dim argument was not given, but got a "
                "list of length %d" % (nd, len(spacing)))
        if dim is not None and len(spacing) != len(dims):
            raise RuntimeError(
                "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and "
                "dim arguments to have the same length, but got a spacing argument of length %d "
                "and a dim argument of length %d." % (len(spacing), len(dims)))
    else:
        spacing = [spacing] * len(dims)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    out = []
    for d, h in zip(dims, spacing):
        if is_tensor(h) and h._data.ndim != 0:
            out.append(_gradient_coords(input, h, d, edge_order))
        else:
            out.append(_gradient_uniform(input, h.item() if is_tensor(h) else h, d, edge_order))
    return tuple(out)


def _gradient_dims(dim, nd):
    if dim is None:
        return list(range(nd))
    dims = [dim] if isinstance(dim, int) else list(dim)
    dims = [norm_dim(d, nd) for d in dims]
    if len(set(dims)) != len(dims):
        raise RuntimeError("dim %d appears multiple times in the list of dims" % dims[0])
    return dims


def _gradient_uniform(y, h, dim, edge_order):
    center = _div_number(_slice(y, dim, 2) - _slice(y, dim, 0, -2), h)
    if edge_order == 1:
        first = _div_number(_slice(y, dim, 1, 2) - _slice(y, dim, 0, 1), h)
        last = _div_number(_slice(y, dim, -1) - _slice(y, dim, -2, -1), h)
    else:
        first = _div_number(_mul_number(_slice(y, dim, 0, 1), -1.5)
                            + _mul_number(_slice(y, dim, 1, 2), 2)
                            - _mul_number(_slice(y, dim, 2, 3), 0.5), h)
        last = _div_number(_mul_number(_slice(y, dim, -3, -2), 0.5)
                           - _mul_number(_slice(y, dim, -2, -1), 2)
                           + _mul_number(_slice(y, dim, -1), 1.5), h)
    from .shape import cat
    return cat([first, _div_number(center, 2), last], dim)


def _gradient_coords(y, coords, dim, edge_order):
    if coords._data.ndim != 1:
        raise RuntimeError("torch.gradient expected each element of spacing to have one "
                           "dimension, but got an element with %d dimensions!"
                           % coords._data.ndim)
    shape = [1] * y._data.ndim
    shape[dim] = -1
    h = coords.diff(1, 0)
    h1, h2 = _slice(h, 0, 0, -1), _slice(h, 0, 1)
    a = (-h2 / (h1 * (h1 + h2))).reshape(shape)
    b = ((h2 - h1) / (h1 * h2)).reshape(shape)
    c = (h1 / (h2 * (h1 + h2))).reshape(shape)
    center = a * _slice(y, dim, 0, -2) + b * _slice(y, dim, 1, -1) + c * _slice(y, dim, 2)
    # the end spacings as 1-element slices where PyTorch indexes 0-d ones (same values and
    # shapes once broadcast against slices of y): ember's engine turns the sum of two
    # gradients of a 0-d tensor into a NumPy scalar, which later steps refuse
    if edge_order == 1:
        first = (_slice(y, dim, 1, 2) - _slice(y, dim, 0, 1)) / _slice(h, 0, 0, 1)
        last = (_slice(y, dim, -1) - _slice(y, dim, -2, -1)) / _slice(h, 0, -1)
    else:
        d0, d1 = _slice(h, 0, 0, 1), _slice(h, 0, 1, 2)
        first = (-(2.0 * d0 + d1) / (d0 * (d0 + d1)) * _slice(y, dim, 0, 1)
                 + (d0 + d1) / (d0 * d1) * _slice(y, dim, 1, 2)
                 + (-d0) / (d1 * (d0 + d1)) * _slice(y, dim, 2, 3))
        e1, e2 = _slice(h, 0, -1), _slice(h, 0, -2, -1)
        last = (e1 / (e2 * (e1 + e2)) * _slice(y, dim, -3, -2)
                + (-(e1 + e2) / (e1 * e2)) * _slice(y, dim, -2, -1)
                + (2 * e1 + e2) / (e1 * (e1 + e2)) * _slice(y, dim, -1))
    from .shape import cat
    return cat([first, center, last], dim)


# --- cov, corrcoef -------------------------------------------------------------------------------

def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance of the rows (variables) over the columns (observations), optionally
    weighted by integer frequencies and float observation weights."""
    if input._data.ndim > 2:
        raise RuntimeError("cov(): expected input to have two or fewer dimensions but got an "
                           "input with %d dimensions" % input._data.ndim)
    if input._dtype is D.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.view(1, -1) if input._data.ndim < 2 else input
    n = x.shape[1]
    w = None
    if fweights is not None:
        _check_weights("fweights", fweights, n, integral=True)
        w = fweights
    if aweights is not None:
        _check_weights("aweights", aweights, n, integral=False)
        w = aweights if w is None else w * aweights
    if w is None:
        from .._creation import tensor
        w_sum = tensor(n, dtype=D.int64)
    else:
        w_sum = w.sum()
        if not bool(w_sum != 0):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x * w if w is not None else x).sum(1) / w_sum
    if w is not None and correction != 0 and aweights is not None:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if bool(norm <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than "
                      "the number of observations.")
        norm = norm * 0
    x = x - avg.unsqueeze(1)
    c = (x).mm((x * w if w is not None else x).t().conj())
    return c.true_divide(norm).squeeze()


def _check_weights(name, w, n, integral):
    if w._data.ndim > 1:
        raise RuntimeError("cov(): expected %s to have one or fewer dimensions but got %s with "
                           "%d dimensions" % (name, name, w._data.ndim))
    dt = w._dtype
    if integral and (dt.is_floating_point or dt.is_complex or dt is D.bool_):
        raise RuntimeError("cov(): expected fweights to have integral dtype but got fweights with "
                           "%s dtype" % dt._legacy[:-6])
    if not integral and not dt.is_floating_point:
        raise RuntimeError("cov(): expected aweights to have floating point dtype but got "
                           "aweights with %s dtype" % dt._legacy[:-6])
    if w.numel() != n:
        raise RuntimeError("cov(): expected %s to have the same numel as there are observations "
                           "in the input but got %d != %d" % (name, w.numel(), n))
    if n and bool(w.min() < 0):
        raise RuntimeError("cov(): %s cannot be negative" % name)


def corrcoef(input):
    """Pearson correlation coefficients of the rows, clipped to [-1, 1]."""
    if input._data.ndim > 2:
        raise RuntimeError("corrcoef(): expected input to have two or fewer dimensions but got "
                           "an input with %d dimensions" % input._data.ndim)
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    d = c.diagonal()
    std = (d.real if d.is_complex() else d).sqrt()
    c = c / std.view(-1, 1)
    c = c / std.view(1, -1)
    if c.is_complex():
        from .pointwise import complex as make_complex
        return make_complex(c.real.clip(-1, 1), c.imag.clip(-1, 1))
    return c.clip(-1, 1)
