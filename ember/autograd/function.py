"""Custom differentiable functions: subclass `Function` with static ``forward`` and
``backward``, call ``MyFn.apply(...)``.

The node that ``apply`` records is also the ``ctx`` that forward and backward receive, as
in PyTorch: ``y.grad_fn.saved_tensors`` and ``y.grad_fn.apply(g)`` work on it.
"""
import functools

from . import grad_mode
from .graph import Node, edge_of


class FunctionCtx:
    """What ``ctx`` offers: saving tensors and marking outputs."""

    def save_for_backward(self, *tensors):
        self.to_save = tensors

    def mark_dirty(self, *tensors):
        self.dirty_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        self.non_differentiable = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def save_for_forward(self, *tensors):
        self.saved_for_forward = tensors


class BackwardCFunction(Node, FunctionCtx):
    """The graph node of one call of a custom Function; doubles as its ``ctx``."""

    _forward_cls = None
    materialize_grads = True
    to_save = ()
    dirty_tensors = ()
    non_differentiable = ()

    def save_for_backward(self, *tensors):
        Node.save_for_backward(self, *tensors)

    def apply(self, *grads):
        """Calls the Function's backward with this node as ctx (PyTorch's ``grad_fn.apply``)."""
        return self._forward_cls.backward(self, *grads)

    __call__ = apply

    def backward(self, *grads):
        if self.materialize_grads:
            from .._tensor import Tensor
            grads = tuple(g if g is not None else Tensor._zeros(*m)
                          for g, m in zip(grads, self._out_meta))
        res = self._forward_cls.backward(self, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        n_args = len(self._is_tensor)
        if len(res) != n_args:
            if len(res) > n_args and all(r is None for r in res[n_args:]):
                res = res[:n_args]
            else:
                raise RuntimeError("function %s returned an incorrect number of gradients "
                                   "(expected %d, got %d)" % (self.name(), n_args, len(res)))
        return tuple(r for r, is_t in zip(res, self._is_tensor) if is_t)


class _FunctionMeta(type):
    """Gives each Function subclass its own node class, named ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})


class Function(FunctionCtx, metaclass=_FunctionMeta):
    """Base class of custom autograd functions."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. "
                           "Please use new-style autograd function with static forward method. "
                           "(Example: https://pytorch.org/docs/stable/autograd.html#torch."
                           "autograd.Function)")

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor
        ctx = cls._backward_cls()
        is_tensor = [isinstance(a, Tensor) for a in args]
        ctx._is_tensor = is_tensor
        ctx.needs_input_grad = tuple(t and a.requires_grad for t, a in zip(is_tensor, args))
        record = grad_mode.state.enabled and any(ctx.needs_input_grad)
        separate = cls.setup_context is not Function.setup_context
        with grad_mode.no_grad():
            if separate:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        if not record:
            return out
        inputs = [a for a, t in zip(args, is_tensor) if t]
        ctx.next_functions = tuple(edge_of(a) for a in inputs)
        ctx._in_meta = [(a.shape, a._dtype) if a.requires_grad else None for a in inputs]
        ctx._n_outputs = len(outs)
        ctx._out_meta = [(o.shape, o._dtype, o._data) for o in outs if isinstance(o, Tensor)]
        non_diff = {id(t) for t in ctx.non_differentiable}
        dirty = {id(t) for t in ctx.dirty_tensors}
        result = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                result.append(o)
                continue
            if any(o is a for a in inputs) and id(o) not in dirty:
                o = o.detach()  # an input returned unchanged becomes a new output tensor
            differentiable = id(o) not in non_diff and (o._dtype.is_floating_point or
                                                         o._dtype.is_complex)
            if differentiable:
                o.grad_fn, o._output_nr, o._rg = ctx, i, True
            result.append(o)
        if ctx.to_save:
            Node.save_for_backward(ctx, *ctx.to_save)
        return result[0] if single else tuple(result)


class NestedIOFunction(Function):
    pass


def once_differentiable(fn):
    """Marks a backward that cannot itself be differentiated: runs it without recording."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)
    return wrapper
