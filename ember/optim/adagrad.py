"""``torch.optim.Adagrad`` (with learning-rate decay and an initial accumulator value)."""
import numpy as np

from .._tensor import Tensor
from . import _kernels as K
from .optimizer import Optimizer, _get_scalar_dtype, _begin_step, _step_tensor

__all__ = ["Adagrad", "adagrad"]


class Adagrad(Optimizer):
    """Implements the Adagrad algorithm. Its state is created when the optimizer is built."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
            self._need_device_dtype_check_for_fused = True
            self._step_supports_amp_scaling = True
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state[p], p, group, initial_accumulator_value)

    @staticmethod
    def _init_state(state, p, group, initial_accumulator_value):
        state["step"] = _step_tensor(fused=group["fused"])
        init = initial_accumulator_value
        if p.is_complex():
            init = complex(initial_accumulator_value, initial_accumulator_value)
        state["sum"] = K.full_state(p, init)

    def __setstate__(self, state):
        super().__setstate__(state)
        fused = None
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            fused = group.setdefault("fused", None)
        dt = _get_scalar_dtype(is_fused=fused)
        for s in self.state.values():
            if "step" in s and not isinstance(s["step"], Tensor):
                s["step"] = Tensor._make(np.array(float(s["step"]), dt.np), dt)

    def share_memory(self):
        """Moves the accumulators to shared memory."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    def _init_group(self, group, params_with_grad, grads, state_sums, state_steps):
        has_sparse_grad = has_complex = False
        for p in group["params"]:
            if p.grad is None:
                continue
            has_sparse_grad |= p.grad.is_sparse
            has_complex |= p.is_complex()
            params_with_grad.append(p)
            grads.append(p.grad)
            state = self.state[p]
            if len(state) == 0:
                # PyTorch reads the accumulator's start value from the defaults here
                self._init_state(state, p, group, self.defaults["initial_accumulator_value"])
            state_sums.append(state["sum"])
            state_steps.append(state["step"])
        return has_sparse_grad, has_complex

    def step(self, closure=None):
        """Performs a single optimization step; `closure` re-evaluates the model and returns
        the loss."""
        loss = _begin_step(self, closure)
        for group in self.param_groups:
            params, grads, state_sums, state_steps = [], [], [], []
            has_sparse_grad, has_complex = self._init_group(group, params, grads, state_sums,
                                                            state_steps)
            adagrad(params, grads, state_sums, state_steps, lr=group["lr"],
                    weight_decay=group["weight_decay"], lr_decay=group["lr_decay"],
                    eps=group["eps"], has_sparse_grad=has_sparse_grad, foreach=group["foreach"],
                    maximize=group["maximize"], differentiable=group["differentiable"],
                    has_complex=has_complex, fused=group["fused"])
        return loss


def adagrad(params, grads, state_sums, state_steps, fused=None, grad_scale=None,
            found_inf=None, has_sparse_grad=False, foreach=None, differentiable=False,
            has_complex=False, *, lr, weight_decay, lr_decay, eps, maximize):
    """Functional Adagrad: updates `params` and their accumulators in place."""
    lr = K.scalar(lr)
    for param, grad_t, state_sum, step_t in zip(params, grads, state_sums, state_steps):
        step_t._data += 1
        step = step_t.item()
        p = param._data
        grad = K.grad_array(grad_t, maximize)
        if weight_decay != 0:
            grad = K.added(grad, p, weight_decay)
        clr = lr / (1 + (step - 1) * lr_decay)
        p, grad, acc = K.real(p), K.real(grad), K.real(state_sum._data)
        K.addcmul_(acc, grad, grad, 1)
        std = np.sqrt(acc)
        std += eps
        K.addcdiv_(p, grad, std, -clr)
        param._bump()
