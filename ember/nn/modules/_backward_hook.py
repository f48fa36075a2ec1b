"""Full backward hooks of a Module (``register_full_backward_hook`` / ``..._pre_hook``).

As in PyTorch, the module's tensor inputs and outputs pass through an identity op
(``BackwardHookFunctionBackward``). The output node sees the gradients of the outputs
(and runs the pre-hooks, which may replace them); the input node sees the gradients of the
inputs and calls the hooks with both, letting them replace the input gradients.
"""
from ...ops._op import Op, run


class BackwardHookFunctionBackward(Op):
    """Identity on several tensors whose backward calls back into a `BackwardHook`."""

    def __init__(self, n, on_backward):
        self.n_outputs = n
        self.on_backward = on_backward

    def forward(self, *arrays):
        return arrays if self.n_outputs > 1 else arrays[0]

    def backward(self, *grads):
        return tuple(self.on_backward(grads))


def _tensor_positions(values):
    from ..._tensor import Tensor
    return [i for i, v in enumerate(values) if isinstance(v, Tensor)]


class BackwardHook:
    """Wraps one forward call's inputs and outputs so the module's backward hooks fire."""

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_positions = None   # positions of the inputs that went through the identity
        self.n_outputs = 0

    def _wrap(self, values, positions, on_backward):
        tensors = [values[i] for i in positions]
        out = run(BackwardHookFunctionBackward(len(tensors), on_backward), *tensors)
        out = out if isinstance(out, tuple) else (out,)
        values = list(values)
        for i, src, t in zip(positions, tensors, out):
            if not src.requires_grad:  # non-differentiable: its gradient arrives as zeros
                t._rg, t.grad_fn = False, None
            values[i] = t
        return values

    def setup_input_hook(self, args):
        """Passes the tensor arguments that require grad through the input identity op."""
        from ...autograd import grad_mode
        self.n_inputs = len(args)
        positions = _tensor_positions(args)
        if not any(args[i].requires_grad for i in positions) or not grad_mode.state.enabled:
            return args
        self.input_positions = positions
        return tuple(self._wrap(args, positions, self._input_backward))

    def setup_output_hook(self, result):
        """Passes the module's tensor outputs through the output identity op."""
        from ..._tensor import Tensor
        from ...autograd import grad_mode
        single = isinstance(result, Tensor)
        values = (result,) if single else result
        if not isinstance(values, tuple):
            return result
        positions = _tensor_positions(values)
        self.n_outputs = len(values)
        if not any(values[i].requires_grad for i in positions) or not grad_mode.state.enabled:
            return result
        self.output_positions = positions
        values = self._wrap(values, positions, self._output_backward)
        return values[0] if single else tuple(values)

    def _pack(self, grads, positions, n):
        full = [None] * n
        for i, g in zip(positions, grads):
            full[i] = g
        return tuple(full)

    def _output_backward(self, grads):
        grad_outputs = self._pack(grads, self.output_positions, self.n_outputs)
        for hook in self.user_pre_hooks:
            res = hook(self.module, grad_outputs)
            if res is None:
                continue
            res = res if isinstance(res, tuple) else (res,)
            if len(res) != len(grad_outputs):
                raise RuntimeError("Backward pre hook returned an invalid number of grad_output, "
                                   "got %d, but expected %d" % (len(res), len(grad_outputs)))
            grad_outputs = res
        self.grad_outputs = grad_outputs
        if self.input_positions is None:
            grad_inputs = (None,) * self.n_inputs
            for hook in self.user_hooks:
                res = hook(self.module, grad_inputs, self.grad_outputs)
                if res is not None and not all(r is None for r in res):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return [grad_outputs[i] for i in self.output_positions]

    def _input_backward(self, grads):
        grad_inputs = self._pack(grads, self.input_positions, self.n_inputs)
        for hook in self.user_hooks:
            res = hook(self.module, grad_inputs, self.grad_outputs)
            if res is None:
                continue
            res = res if isinstance(res, tuple) else (res,)
            if len(res) != len(grad_inputs):
                raise RuntimeError("Backward hook returned an invalid number of grad_input, got "
                                   "%d, but expected %d" % (len(res), len(grad_inputs)))
            grad_inputs = res
        self.grad_outputs = None
        return [grad_inputs[i] for i in self.input_positions]
