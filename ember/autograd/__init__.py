"""``torch.autograd``: backward, grad, custom Functions, gradcheck and grad modes."""
from . import functional, graph
from .function import Function, FunctionCtx, NestedIOFunction, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                        set_grad_enabled)
from .gradcheck import gradcheck, gradgradcheck
from .anomaly_mode import detect_anomaly, set_detect_anomaly


def __getattr__(name):
    # Variable subclasses Tensor, which itself imports this package: load it on first use
    if name == "Variable":
        from .variable import Variable
        return Variable
    raise AttributeError("module 'torch.autograd' has no attribute '%s'" % name)


def _tensors(x):
    if x is None:
        return None
    from .._tensor import Tensor
    return [x] if isinstance(x, Tensor) else list(x)


def _grads(outputs, grad_outputs):
    from .._creation import ones_like
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None and i < len(grad_outputs) else None
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not (out._dtype.is_floating_point or out._dtype.is_complex):
                raise RuntimeError("grad can be implicitly created only for real scalar outputs "
                                   "but got %s" % out._dtype)
            g = ones_like(out)
        elif not hasattr(g, "_data"):
            from .._creation import tensor
            g = tensor(g, dtype=out._dtype)
        elif g.shape != out.shape:
            raise RuntimeError("Mismatch in shape: grad_output[%d] has a shape of %s and output[%d]"
                               " has a shape of %s." % (i, g.shape, i, out.shape))
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulates into ``.grad`` of the leaves the gradient of `tensors`."""
    tensors = _tensors(tensors)
    grad_tensors = _tensors(grad_tensors if grad_tensors is not None else grad_variables)
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _tensors(inputs)
    if inputs is not None and not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    graph.run_backward(tensors, _grads(tensors, grad_tensors), retain_graph, create_graph,
                       inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned (not accumulated)."""
    outputs = _tensors(outputs)
    single = hasattr(inputs, "_data")
    inputs = _tensors(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError("element %d of tensors does not require grad and does not have a "
                               "grad_fn" % i)
    res = graph.run_backward(outputs, _grads(outputs, _tensors(grad_outputs)), retain_graph,
                             create_graph, inputs=inputs, allow_unused=allow_unused,
                             accumulate=False)
    if materialize_grads:
        from .._creation import zeros_like
        res = [g if g is not None else zeros_like(x) for g, x in zip(res, inputs)]
    del single
    return tuple(res)


__all__ = ["Function", "Variable", "backward", "grad", "gradcheck", "gradgradcheck", "no_grad",
           "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "detect_anomaly", "set_detect_anomaly", "functional", "FunctionCtx",
           "once_differentiable", "NestedIOFunction"]
