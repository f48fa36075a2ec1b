"""``torch.nn``: modules, parameters, ``functional``, ``init``, ``utils`` and ``parallel``."""
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .modules import *  # noqa: F401,F403
from . import functional, init, modules, parallel, parameter, utils  # noqa: F401
from .parallel import DataParallel
from . import _exports

_exports.install()  # torch.relu, torch.softmax, Tensor.log_softmax, ... (nn-backed names)


def factory_kwargs(kwargs):
    """The factory keyword arguments (device, dtype, memory_format) of `kwargs`, checked."""
    if kwargs is None:
        return {}
    simple = {"device", "dtype", "memory_format"}
    expected = simple | {"factory_kwargs"}
    if not kwargs.keys() <= expected:
        raise TypeError("unexpected kwargs %s" % (kwargs.keys() - expected))
    r = dict(kwargs.get("factory_kwargs", {}))
    for k in simple:
        if k in kwargs:
            if k in r:
                raise TypeError("%s specified twice, in **kwargs and in factory_kwargs" % k)
            r[k] = kwargs[k]
    return r
