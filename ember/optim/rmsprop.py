"""``torch.optim.RMSprop`` (optionally centered, with momentum)."""
import numpy as np

from . import _kernels as K
from ._common import steps_to_tensors
from .optimizer import Optimizer, _begin_step, _step_tensor

__all__ = ["RMSprop", "rmsprop"]


class RMSprop(Optimizer):
    """Implements the RMSprop algorithm."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "capturable": capturable,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
        steps_to_tensors(self)

    def _init_group(self, group, params_with_grad, grads, square_avgs, momentum_buffer_list,
                    grad_avgs, state_steps):
        has_complex = False
        for p in group["params"]:
            if p.grad is None:
                continue
            has_complex |= p.is_complex()
            params_with_grad.append(p)
            if p.grad.is_sparse:
                raise RuntimeError("RMSprop does not support sparse gradients")
            grads.append(p.grad)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                state["square_avg"] = K.zeros_state(p)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = K.zeros_state(p)
                if group["centered"]:
                    state["grad_avg"] = K.zeros_state(p)
            square_avgs.append(state["square_avg"])
            state_steps.append(state["step"])
            if group["momentum"] > 0:
                momentum_buffer_list.append(state["momentum_buffer"])
            if group["centered"]:
                grad_avgs.append(state["grad_avg"])
        return has_complex

    def step(self, closure=None):
        """Performs a single optimization step; `closure` re-evaluates the model and returns
        the loss."""
        loss = _begin_step(self, closure)
        for group in self.param_groups:
            params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps = \
                [], [], [], [], [], []
            has_complex = self._init_group(group, params, grads, square_avgs,
                                           momentum_buffer_list, grad_avgs, state_steps)
            rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps,
                    lr=group["lr"], alpha=group["alpha"], eps=group["eps"],
                    weight_decay=group["weight_decay"], momentum=group["momentum"],
                    centered=group["centered"], foreach=group["foreach"],
                    maximize=group["maximize"], differentiable=group["differentiable"],
                    capturable=group["capturable"], has_complex=has_complex)
        return loss


def rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps,
            foreach=None, maximize=False, differentiable=False, capturable=False,
            has_complex=False, *, lr, alpha, eps, weight_decay, momentum, centered):
    """Functional RMSprop: updates `params` and their state tensors in place."""
    lr = K.scalar(lr)
    for i, param in enumerate(params):
        state_steps[i]._data += 1
        p = param._data
        grad = K.grad_array(grads[i], maximize)
        if weight_decay != 0:
            grad = K.added(grad, p, weight_decay)
        p, grad = K.real(p), K.real(grad)
        square_avg = K.real(square_avgs[i]._data)

        square_avg *= alpha
        K.addcmul_(square_avg, grad, grad, 1 - alpha)
        if centered:
            grad_avg = K.real(grad_avgs[i]._data)
            K.lerp_(grad_avg, grad, 1 - alpha)
            avg = K.addcmul_(square_avg.copy(), grad_avg, grad_avg, -1)
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(square_avg)
        avg += eps

        if momentum > 0:
            buf = K.real(momentum_buffer_list[i]._data)
            buf *= momentum
            K.addcdiv_(buf, grad, avg)
            K.add_(p, buf, -lr)
        else:
            K.addcdiv_(p, grad, avg, -lr)
        param._bump()
