"""`Fused`: the shape of the hot nn ops (linear, softmax, losses, normalisation, ...).

Such an op computes its forward on arrays and, for an ordinary ``backward()``, its input
gradients on arrays too (``grad_arrays``): one NumPy pass, no intermediate Tensors. When
the backward itself is being recorded (``create_graph=True``), it instead differentiates
``composite`` -- the same function written with ember ops -- so higher-order gradients
stay exact:

    class Scale(Fused):
        def forward(self, x):
            return x * 2
        def grad_arrays(self, g):
            return (g * 2,)
        def composite(self, x):
            return x * 2
"""
import numpy as np

from ..autograd import grad_mode
from ..ops._op import Op, run, wrap

_state = grad_mode.state


class Fused(Op):
    """An op with an array-level backward and a composite form for double backward."""

    def grad_arrays(self, *grads):
        """Gradients of the inputs (arrays or None) from the output gradient arrays."""
        raise NotImplementedError

    def composite(self, *inputs):
        """The forward written with ember ops (used only under ``create_graph=True``)."""
        raise NotImplementedError("double backward of %s is not implemented" % self.name())

    def backward(self, *grads):
        saved = self.saved_tensors  # checks that no input was modified in place
        if not _state.enabled:
            out = self.grad_arrays(*[g._data for g in grads])
            return tuple(None if a is None else wrap(a) for a in out)
        return self._graph_backward(saved, grads)

    def _release(self):
        # after backward, drop the arrays forward cached for grad_arrays (as PyTorch frees
        # saved variables), even if the output tensor stays alive
        super()._release()
        for key in [k for k, v in self.__dict__.items() if _is_array(v)]:
            del self.__dict__[key]

    def _graph_backward(self, inputs, grads):
        from ..autograd import grad
        wanted = [i for i, m in enumerate(self._in_meta) if m is not None]
        with grad_mode.enable_grad():
            out = self.composite(*inputs)
        outs = out if isinstance(out, tuple) else (out,)
        n = self.differentiable_outputs or len(outs)
        pairs = [(o, g) for o, g in zip(outs[:n], grads) if o.requires_grad]
        got = grad([o for o, _ in pairs], [inputs[i] for i in wanted], [g for _, g in pairs],
                   create_graph=_state.enabled, allow_unused=True)
        result = [None] * len(inputs)
        for i, g in zip(wanted, got):
            result[i] = g
        return tuple(result)


class Composite(Fused):
    """One node with PyTorch's name for a function ember writes with ember ops (where PyTorch
    has a kernel of its own, e.g. MultiMarginLossBackward0): forward evaluates `fn` without
    recording; backward records `fn` again and differentiates it (a recompute, as activation
    checkpointing does), so gradients of every order are exact."""

    def __init__(self, node, fn):
        self.node, self.fn = node, fn

    def name(self):
        return self.node

    def forward(self, *arrays):
        with grad_mode.no_grad():
            return self.fn(*[wrap(a) for a in arrays])._data

    def composite(self, *inputs):
        return self.fn(*inputs)

    def backward(self, *grads):
        return self._graph_backward(self.saved_tensors, grads)


def composite(node, fn, *inputs):
    """``fn(*inputs)`` recorded as a single node named `node`."""
    return apply(Composite(node, fn), *inputs)


def _is_array(v):
    return isinstance(v, np.ndarray) or type(v).__module__.startswith("cupy")


def apply(op, *inputs):
    """Runs a `Fused` op, saving all its inputs (the composite backward needs them)."""
    op.saved_inputs = tuple(range(len(inputs)))
    return run(op, *inputs)
