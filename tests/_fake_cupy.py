"""A strict stand-in for CuPy, so the backend seam can be tested without a GPU.

Its arrays are NumPy arrays of a subclass that behaves like CuPy's where it matters to the
seam: NumPy ufuncs and array functions refuse to mix them with plain NumPy arrays (CuPy raises
TypeError; only indices may be host arrays), host arrays cannot be written into them (host
scalars can), ufunc methods are limited to those CuPy implements (``at`` for add, subtract,
maximum, minimum; ``reduce``/``accumulate`` for add and multiply), reductions and element
access return 0-d arrays instead of NumPy scalars, and `.get()` copies to the host. An op
that builds a NumPy array instead of asking the tensor for its array module either fails
here or hands back a plain NumPy array, which the tests catch.

What it cannot see: ``np.asarray(device_array)`` silently gives a host view here, where CuPy
refuses the implicit copy; the tests then find a host array in the result.
"""
import types

import numpy as np


class Device:
    def __init__(self, id=0):
        self.id = id

    def use(self):
        pass

    def synchronize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _plain(x):
    return x.view(np.ndarray) if isinstance(x, ndarray) else x


def _refuse_host(values):
    for x in values:
        if type(x) is np.ndarray:
            raise TypeError("Unsupported type <class 'numpy.ndarray'>")
        if isinstance(x, (list, tuple)):
            _refuse_host(x)


def _wrap(result):
    if isinstance(result, tuple):
        return tuple(_wrap(r) for r in result)
    if isinstance(result, list):
        return [_wrap(r) for r in result]
    if type(result) is np.ndarray:
        return result.view(ndarray)
    if isinstance(result, np.generic):
        return np.asarray(result).view(ndarray)
    return result


def _unwrap_all(values):
    if isinstance(values, (list, tuple)):
        return type(values)(_unwrap_all(v) for v in values)
    return _plain(values)


# the ufunc methods CuPy implements, and for which ufuncs (`at` scatters; `reduce` and
# `accumulate` are sum/prod and cumsum/cumprod)
_UFUNC_METHODS = {
    "at": ("add", "subtract", "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor"),
    "reduce": ("add", "multiply"), "accumulate": ("add", "multiply"), "reduceat": ("add",),
}


_NOT_IN_CUPY = ("isnat", "spacing", "matvec", "vecdot", "vecmat")


class ndarray(np.ndarray):
    """A 'device' array: NumPy memory that refuses to meet host arrays."""

    device = Device(0)
    __module__ = "cupy._fake"       # how ember's seam tells CuPy arrays from NumPy's

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if getattr(np, ufunc.__name__, None) is not ufunc or ufunc.__name__ in _NOT_IN_CUPY:
            return NotImplemented        # np.frompyfunc's ufuncs, and the few CuPy lacks
        if method != "__call__" and method != "outer" and \
                ufunc.__name__ not in _UFUNC_METHODS.get(method, ()):
            raise NotImplementedError("`%s.%s` is not supported yet" % (ufunc.__name__, method))
        # `ufunc.at(a, indices, b)`: the indices may live on the host
        _refuse_host(inputs[:1] + inputs[2:] if method == "at" else inputs)
        _refuse_host(kwargs.get("out", ()))
        inputs = _unwrap_all(inputs)
        if "out" in kwargs:
            kwargs["out"] = _unwrap_all(kwargs["out"])
        result = getattr(ufunc, method)(*inputs, **kwargs)
        return _wrap(result)

    def __array_function__(self, func, types_, args, kwargs):
        _refuse_host(args)
        _refuse_host(kwargs.values())
        result = func(*_unwrap_all(args), **{k: _unwrap_all(v) for k, v in kwargs.items()})
        return _wrap(result)

    def __getitem__(self, key):          # CuPy takes host arrays as indices, like NumPy
        return _wrap(super().__getitem__(_unwrap_all(key)))   # and gives 0-d arrays, not scalars

    def __setitem__(self, key, value):   # CuPy fills from host scalars, never host arrays
        if type(value) is np.ndarray and value.ndim:
            raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
        super().__setitem__(_unwrap_all(key), _plain(value))

    def get(self):
        return np.array(self.view(np.ndarray))

    def item(self, *args):
        return self.view(np.ndarray).item(*args)

    def tolist(self):
        return self.view(np.ndarray).tolist()


def _reducing_method(name):
    """A method that NumPy runs through ufunc.reduce/accumulate (CuPy has its own kernels)."""
    def method(self, *args, **kwargs):
        kwargs = {k: _unwrap_all(v) for k, v in kwargs.items()}
        return _wrap(getattr(self.view(np.ndarray), name)(*args, **kwargs))
    return method


for _name in ("sum", "prod", "max", "min", "all", "any", "mean", "std", "var", "cumsum",
              "cumprod"):
    setattr(ndarray, _name, _reducing_method(_name))


def _from_host(fn):
    """A creation function: builds on the host, then 'uploads'."""
    def make(*args, **kwargs):
        return _wrap(np.asarray(fn(*_unwrap_all(args), **kwargs)))
    return make


def _device_fn(fn):
    """Any other NumPy function: device arrays in, device arrays out."""
    def call(*args, **kwargs):
        _refuse_host(args)
        _refuse_host(kwargs.values())
        return _wrap(fn(*_unwrap_all(args), **{k: _unwrap_all(v) for k, v in kwargs.items()}))
    return call


def asnumpy(x):
    return x.get() if isinstance(x, ndarray) else np.asarray(x)


_CREATION = ("array", "asarray", "ascontiguousarray", "zeros", "ones", "empty", "full", "arange",
             "linspace", "logspace", "eye", "identity", "frombuffer", "fromiter")


def make_module():
    """A fresh module object shaped like ``cupy``."""
    mod = types.ModuleType("cupy")
    for name in dir(np):
        if name.startswith("_"):
            continue
        obj = getattr(np, name)
        if name in _CREATION:
            setattr(mod, name, _from_host(obj))
        elif callable(obj) and not isinstance(obj, (type, np.ufunc)):
            setattr(mod, name, _device_fn(obj))
        else:
            setattr(mod, name, obj)
    mod.ndarray = ndarray
    mod.asnumpy = asnumpy
    mod.get_array_module = lambda *arrays: mod if any(isinstance(a, ndarray)
                                                      for a in arrays) else np
    runtime = types.SimpleNamespace(
        getDeviceCount=lambda: 1,
        getDeviceProperties=lambda i: {"name": b"Fake GPU", "totalGlobalMem": 1 << 30,
                                       "major": 8, "minor": 0, "multiProcessorCount": 1})
    stream = types.SimpleNamespace(synchronize=lambda: None)
    mod.cuda = types.SimpleNamespace(runtime=runtime, Device=Device,
                                     Stream=types.SimpleNamespace(null=stream),
                                     get_current_stream=lambda: stream)
    pool = types.SimpleNamespace(used_bytes=lambda: 0, free_all_blocks=lambda: None)
    mod.get_default_memory_pool = lambda: pool
    mod.random = types.SimpleNamespace()
    mod.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
        as_strided=lambda a, shape=None, strides=None: np.lib.stride_tricks.as_strided(
            a, shape, strides, subok=True)))
    return mod
