"""Factories: tensor, zeros, ones, full, arange, linspace, eye, empty, rand*, *_like.

Random factories draw from `ember.random`'s generators, which reproduce PyTorch's CPU
streams (see `_generator.py`).
"""
import math
import numbers

import numpy as np

from . import _dtype as D
from ._device import as_device, factory_device, module_for
from ._tensor import Size, Tensor


def _xp(device):
    device = factory_device(device)
    return np if device is None else module_for(as_device(device))


def _placed(arr, device):
    """A host-built array moved to `device` (the default device when None)."""
    device = factory_device(device)
    if device is None or as_device(device).type == "cpu":
        return arr
    return module_for(as_device(device)).asarray(arr)


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError("%s(): argument 'size' (position 1) must be tuple of ints, but found "
                            "element of type %s at pos 0" % ("zeros", type(s).__name__))
        if s < 0:
            raise RuntimeError("Trying to create tensor with negative dimension %d: %s"
                               % (s, list(size)))
        out.append(int(s))
    return tuple(out)


def _finish(t, requires_grad, out=None):
    if out is not None:
        from .ops._out import write_out
        return write_out(out, t)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dt(dtype, default=None):
    if dtype is None:
        return default or D.get_default_dtype()
    return D.to_dtype(dtype)


def _make(arr, dtype):
    if dtype is D.bfloat16:
        from .ops.convert import round_bfloat16
        arr = round_bfloat16(arr)
    return Tensor._make(arr, dtype)


# --- from data --------------------------------------------------------------------------------------

def _infer_dtype(data):
    """The dtype torch.tensor infers for nested Python data."""
    kinds = set()

    def walk(x):
        if isinstance(x, Tensor):
            kinds.add(("t", x._dtype))
        elif isinstance(x, np.ndarray):
            kinds.add(("t", D.from_numpy(x.dtype)))
        elif isinstance(x, bool) or isinstance(x, np.bool_):
            kinds.add("b")
        elif isinstance(x, numbers.Integral):
            kinds.add("i")
        elif isinstance(x, numbers.Real):
            kinds.add("f")
        elif isinstance(x, numbers.Complex):
            kinds.add("c")
        elif isinstance(x, (str, bytes)):
            raise TypeError("new(): invalid data type '%s'" % type(x).__name__)
        elif isinstance(x, (list, tuple)) or hasattr(x, "__len__") and hasattr(x, "__getitem__"):
            for y in x:
                walk(y)
        else:
            raise TypeError("Could not infer dtype of %s" % type(x).__name__)
    first = data   # PyTorch reads the shape along the first elements: a string there is a dim
    while isinstance(first, (list, tuple)) and len(first):
        first = first[0]
        if isinstance(first, str):
            raise ValueError("too many dimensions 'str'")
    walk(data)
    tdts = [k[1] for k in kinds if isinstance(k, tuple)]
    if "c" in kinds or any(d.is_complex for d in tdts):
        return D.default_complex()
    if "f" in kinds:
        return D.get_default_dtype()
    if tdts:
        dt = tdts[0]
        for d in tdts[1:]:
            dt = D.promote_types(dt, d)
        if "i" in kinds and dt is D.bool_:
            return D.int64
        return dt
    if "i" in kinds:
        return D.int64
    if "b" in kinds:
        return D.bool_
    return D.get_default_dtype()


def _to_array(data, dtype):
    if isinstance(data, Tensor):
        return data.detach().cpu()._data.astype(dtype.np)
    if isinstance(data, (list, tuple)):
        items = [_to_array(x, dtype) for x in data]
        if not items:
            return np.zeros((0,), dtype=dtype.np)
        shapes = {a.shape for a in items}
        if len(shapes) > 1:
            raise ValueError("expected sequence of length %d at dim 1 (got %d)"
                             % (len(items[0]) if items[0].ndim else 0,
                                len(items[-1]) if items[-1].ndim else 0))
        return np.stack(items)
    return np.asarray(data).astype(dtype.np)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor that copies `data` (nested lists, scalars, arrays, tensors)."""
    if isinstance(data, Tensor):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    if isinstance(data, np.ndarray):
        dt = _dt(dtype, D.from_numpy(data.dtype))
        arr = data.astype(dt.np, copy=True)
    elif isinstance(data, np.generic):
        dt = _dt(dtype, D.from_numpy(data.dtype))
        arr = np.asarray(data, dtype=dt.np)
    else:
        dt = D.to_dtype(dtype) if dtype is not None else _infer_dtype(data)
        with np.errstate(invalid="ignore", over="ignore"):
            arr = _to_array(data, dt) if isinstance(data, (list, tuple, Tensor)) else \
                np.asarray(data).astype(dt.np)
    return _finish(_make(_placed(arr, device), dt), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Shares memory with `data` when it already is a tensor or NumPy array of that dtype."""
    device = factory_device(device)
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (dtype or device) else data
    if isinstance(data, np.ndarray) and (dtype is None or D.to_dtype(dtype).np == data.dtype) \
            and (device is None or as_device(device).type == "cpu"):
        return Tensor._make(data, D.from_numpy(data.dtype))
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    if copy:
        return tensor(obj, dtype=dtype, device=device, requires_grad=requires_grad)
    t = as_tensor(obj, dtype=dtype, device=device)
    return _finish(t, requires_grad)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor sharing memory with a Python buffer (bytes-like object)."""
    dt = D.to_dtype(dtype)
    arr = np.frombuffer(buffer, dtype=dt.np, count=count, offset=offset)
    return _finish(Tensor._make(arr, dt), requires_grad)


def from_numpy(arr):
    """A tensor sharing memory with the NumPy array `arr`."""
    if not isinstance(arr, np.ndarray):
        raise TypeError("expected np.ndarray (got %s)" % type(arr).__name__)
    if any(s % arr.itemsize for s in arr.strides) or any(s < 0 for s in arr.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    return Tensor._make(arr, D.from_numpy(arr.dtype))


# --- filled ---------------------------------------------------------------------------------------

def _filled(fill, size, dtype, device, requires_grad, out=None, default=None):
    dt = _dt(dtype, default)
    shape = _shape(size)
    xp = _xp(device)
    if fill is None:
        arr = xp.empty(shape, dtype=dt.np)
    elif fill == 0:
        arr = xp.zeros(shape, dtype=dt.np)
    elif fill == 1:
        arr = xp.ones(shape, dtype=dt.np)
    else:
        arr = xp.full(shape, fill, dtype=dt.np)
    return _finish(_make(arr, dt), requires_grad, out)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    return _filled(0, size, dtype, device, requires_grad, out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    return _filled(1, size, dtype, device, requires_grad, out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    return _filled(None, size, dtype, device, requires_grad, out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    default = D.scalar_dtype(fill_value)
    return _filled(fill_value, (size,) if isinstance(size, int) else size, dtype, device,
                   requires_grad, out, default)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if n < 0:
        raise RuntimeError("n must be greater or equal to 0, got %d" % n)
    dt = _dt(dtype)
    arr = _xp(device).eye(n, n if m is None else m, dtype=dt.np)
    return _finish(_make(arr, dt), requires_grad, out)


def _like(fn, t, dtype, device, requires_grad, **kw):
    return fn(t.shape, dtype=dtype or t._dtype, device=device or t.device,
              requires_grad=requires_grad, **kw)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _like(zeros, input, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _like(ones, input, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _like(empty, input, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return full(input.shape, fill_value, dtype=dtype or input._dtype,
                device=device or input.device, requires_grad=requires_grad)


# --- ranges ---------------------------------------------------------------------------------------

def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dt = D.get_default_dtype() if any(isinstance(v, float) for v in vals) else D.int64
    else:
        dt = D.to_dtype(dtype)
    n = max(int(math.ceil((end - start) / step)), 0)
    xp = _xp(device)
    if dt.is_floating_point:
        # PyTorch computes start + i * step in double, then casts
        arr = (start + xp.arange(n, dtype=np.float64) * step).astype(dt.np)
    else:
        arr = (start + xp.arange(n, dtype=np.int64) * step).astype(dt.np) if isinstance(
            start, int) and isinstance(step, int) else np.floor(
            start + xp.arange(n, dtype=np.float64) * step).astype(dt.np)
    return _finish(_make(arr, dt), requires_grad, out)


def range_(start, end, step=1, *, dtype=None, device=None, requires_grad=False):
    import warnings
    warnings.warn("torch.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use torch.arange,"
                  " which produces values in [start, end).", UserWarning, stacklevel=2)
    dt = _dt(dtype)
    n = int(math.floor((end - start) / step)) + 1
    arr = (start + _xp(device).arange(n, dtype=np.float64) * step).astype(dt.np)
    return _finish(_make(arr, dt), requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = _dt(dtype)
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    # PyTorch fills the first half from the start and the second half from the end
    xp = _xp(device)
    if dt.is_floating_point or dt.is_complex:
        return _finish(_make(_linspace_cast(start, end, steps, dt, xp), dt), requires_grad, out)
    if steps == 1:
        arr = xp.asarray([start], dtype=np.float64)
    else:
        step = (end - start) / (steps - 1)
        i = xp.arange(steps, dtype=np.float64)
        half = steps // 2
        arr = np.where(i < half, start + step * i, end - step * (steps - i - 1))
    return _finish(_make(arr.astype(dt.np), dt), requires_grad, out)


def _linspace_cast(start, end, steps, dt, xp):
    """PyTorch computes linspace in the output dtype itself (step in that precision)."""
    t = dt.np.type
    if steps == 1:
        return xp.asarray([start], dtype=dt.np)
    step = t((t(end) - t(start)) / t(steps - 1))
    i = xp.arange(steps)
    half = steps // 2
    lo = t(start) + step * i.astype(dt.np)
    hi = t(end) - step * (steps - i - 1).astype(dt.np)
    return np.where(i < half, lo, hi).astype(dt.np)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    dt = _dt(dtype)
    exps = linspace(start, end, steps, dtype=D.float64, device=device)._data
    arr = np.power(base, exps).astype(dt.np)
    return _finish(_make(arr, dt), requires_grad, out)
