"""``parameters_to_vector`` and ``vector_to_parameters``."""
from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_param_device(param, old):
    if old is None:
        return param.get_device() if param.device.type == "cuda" else -1
    if param.device.type == "cuda":
        warn = param.get_device() != old
    else:
        warn = old != -1
    if warn:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return old


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one vector."""
    from ..._functions import cat
    device = None
    vec = []
    for param in parameters:
        device = _check_param_device(param, device)
        vec.append(param.view(-1))
    return cat(vec)


def vector_to_parameters(vec, parameters):
    """Copies consecutive slices of `vec` into the parameters (their ``.data`` becomes views
    of `vec`)."""
    if not isinstance(vec, Tensor):
        from ..modules.module import _typename
        raise TypeError("expected torch.Tensor, but got: %s" % _typename(vec))
    device = None
    pointer = 0
    for param in parameters:
        device = _check_param_device(param, device)
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n
