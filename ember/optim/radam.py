"""``torch.optim.RAdam``: Adam with a rectified adaptive learning rate."""
import numpy as np

from . import _kernels as K
from ._common import check_range, fill_group_defaults, steps_to_tensors
from .optimizer import Optimizer, _begin_step, _step_tensor

__all__ = ["RAdam", "radam"]


class RAdam(Optimizer):
    """Implements the RAdam algorithm."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_range(lr, eps, betas, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        fill_group_defaults(self, decoupled_weight_decay=False)
        steps_to_tensors(self)

    def _init_group(self, group, params_with_grad, grads, exp_avgs, exp_avg_sqs, state_steps):
        has_complex = False
        for p in group["params"]:
            if p.grad is None:
                continue
            has_complex |= p.is_complex()
            params_with_grad.append(p)
            if p.grad.is_sparse:
                raise RuntimeError("RAdam does not support sparse gradients")
            grads.append(p.grad)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                state["exp_avg"] = K.zeros_state(p)
                state["exp_avg_sq"] = K.zeros_state(p)
            exp_avgs.append(state["exp_avg"])
            exp_avg_sqs.append(state["exp_avg_sq"])
            state_steps.append(state["step"])
        return has_complex

    def step(self, closure=None):
        """Performs a single optimization step; `closure` re-evaluates the model and returns
        the loss."""
        loss = _begin_step(self, closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, state_steps = [], [], [], [], []
            beta1, beta2 = group["betas"]
            has_complex = self._init_group(group, params, grads, exp_avgs, exp_avg_sqs,
                                           state_steps)
            radam(params, grads, exp_avgs, exp_avg_sqs, state_steps, beta1=beta1, beta2=beta2,
                  lr=group["lr"], weight_decay=group["weight_decay"], eps=group["eps"],
                  maximize=group["maximize"], foreach=group["foreach"],
                  capturable=group["capturable"], differentiable=group["differentiable"],
                  decoupled_weight_decay=group["decoupled_weight_decay"],
                  has_complex=has_complex)
        return loss


def radam(params, grads, exp_avgs, exp_avg_sqs, state_steps, decoupled_weight_decay=False,
          foreach=None, differentiable=False, capturable=False, has_complex=False,
          maximize=False, *, beta1, beta2, lr, weight_decay, eps):
    """Functional RAdam: updates `params` and their state tensors in place."""
    lr = K.scalar(lr)
    rho_inf = 2 / (1 - beta2) - 1
    for i, param in enumerate(params):
        p = K.real(param._data)
        grad = K.real(K.grad_array(grads[i], maximize))
        exp_avg, exp_avg_sq = K.real(exp_avgs[i]._data), K.real(exp_avg_sqs[i]._data)
        step_t = state_steps[i]
        step_t._data += 1
        step = step_t.item()
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                grad = K.added(grad, p, weight_decay)

        K.lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq *= beta2
        K.addcmul_(exp_avg_sq, grad, grad, 1 - beta2)

        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        update = exp_avg / bias_correction1
        update *= lr
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            # (bias_correction2 ** 0.5) / (sqrt(v) + eps), PyTorch computes scalar / tensor
            # as the tensor's reciprocal times the scalar
            adaptive = np.sqrt(exp_avg_sq)
            adaptive += eps
            adaptive = np.reciprocal(adaptive)
            adaptive *= bias_correction2 ** 0.5
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            update *= adaptive
            update *= rect
        p -= update
        param._bump()
