"""``torch.optim.Adamax``: Adam with the infinity norm of past gradients."""
import numpy as np

from . import _kernels as K
from ._common import check_range, fill_group_defaults, steps_to_tensors
from .optimizer import Optimizer, _begin_step, _step_tensor

__all__ = ["Adamax", "adamax"]


class Adamax(Optimizer):
    """Implements the Adamax algorithm (a variant of Adam based on the infinity norm)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_range(lr, eps, betas, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        fill_group_defaults(self)
        steps_to_tensors(self)

    def _init_group(self, group, params_with_grad, grads, exp_avgs, exp_infs, state_steps):
        has_complex = False
        for p in group["params"]:
            if p.grad is None:
                continue
            has_complex |= p.is_complex()
            params_with_grad.append(p)
            if p.grad.is_sparse:
                raise RuntimeError("Adamax does not support sparse gradients")
            grads.append(p.grad)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                state["exp_avg"] = K.zeros_state(p)
                state["exp_inf"] = K.zeros_state(p)
            exp_avgs.append(state["exp_avg"])
            exp_infs.append(state["exp_inf"])
            state_steps.append(state["step"])
        return has_complex

    def step(self, closure=None):
        """Performs a single optimization step; `closure` re-evaluates the model and returns
        the loss."""
        loss = _begin_step(self, closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_infs, state_steps = [], [], [], [], []
            beta1, beta2 = group["betas"]
            has_complex = self._init_group(group, params, grads, exp_avgs, exp_infs,
                                           state_steps)
            adamax(params, grads, exp_avgs, exp_infs, state_steps, eps=group["eps"],
                   beta1=beta1, beta2=beta2, lr=group["lr"], weight_decay=group["weight_decay"],
                   foreach=group["foreach"], maximize=group["maximize"],
                   differentiable=group["differentiable"], capturable=group["capturable"],
                   has_complex=has_complex)
        return loss


def adamax(params, grads, exp_avgs, exp_infs, state_steps, foreach=None, maximize=False,
           differentiable=False, capturable=False, has_complex=False, *, eps, beta1, beta2, lr,
           weight_decay):
    """Functional Adamax: updates `params` and their state tensors in place."""
    lr = K.scalar(lr)
    for i, param in enumerate(params):
        p = param._data
        grad = K.grad_array(grads[i], maximize)
        step_t = state_steps[i]
        step_t._data += 1
        if weight_decay != 0:
            grad = K.added(grad, p, weight_decay)
        p, grad = K.real(p), K.real(grad)
        exp_avg, exp_inf = K.real(exp_avgs[i]._data), K.real(exp_infs[i]._data)

        K.lerp_(exp_avg, grad, 1 - beta1)
        exp_inf *= beta2
        norm = np.abs(grad)
        norm += eps
        np.maximum(exp_inf, norm, out=exp_inf)

        clr = lr / (1 - beta1 ** step_t.item())
        K.addcdiv_(p, exp_avg, exp_inf, -clr)
        param._bump()
