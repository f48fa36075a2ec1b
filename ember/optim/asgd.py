"""``torch.optim.ASGD``: averaged stochastic gradient descent."""
import numpy as np

from .._tensor import Tensor
from . import _kernels as K
from .optimizer import Optimizer, _get_scalar_dtype, _begin_step, _step_tensor, _to_scalar

__all__ = ["ASGD", "asgd"]


class ASGD(Optimizer):
    """Implements averaged stochastic gradient descent; the average lives in
    ``state['ax']``."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        dt = _get_scalar_dtype()
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
            for p in group["params"]:
                p_state = self.state.get(p, [])
                for key in ("step", "eta", "mu") if len(p_state) else ():
                    if not isinstance(p_state[key], Tensor):
                        p_state[key] = Tensor._make(np.array(float(p_state[key]), dt.np), dt)

    def _init_group(self, group, params_with_grad, grads, mus, axs, etas, state_steps):
        has_complex = False
        for p in group["params"]:
            if p.grad is None:
                continue
            has_complex |= p.is_complex()
            params_with_grad.append(p)
            if p.grad.is_sparse:
                raise RuntimeError("ASGD does not support sparse gradients")
            grads.append(p.grad)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                state["eta"] = _step_tensor(K.scalar(_to_scalar(group["lr"])))
                state["mu"] = _step_tensor(1.0)
                state["ax"] = K.zeros_state(p)
            mus.append(state["mu"])
            axs.append(state["ax"])
            etas.append(state["eta"])
            state_steps.append(state["step"])
        return has_complex

    def step(self, closure=None):
        """Performs a single optimization step; `closure` re-evaluates the model and returns
        the loss."""
        loss = _begin_step(self, closure)
        for group in self.param_groups:
            params, grads, mus, axs, etas, state_steps = [], [], [], [], [], []
            has_complex = self._init_group(group, params, grads, mus, axs, etas, state_steps)
            asgd(params, grads, axs, mus, etas, state_steps, lambd=group["lambd"],
                 lr=group["lr"], t0=group["t0"], alpha=group["alpha"],
                 weight_decay=group["weight_decay"], foreach=group["foreach"],
                 maximize=group["maximize"], differentiable=group["differentiable"],
                 capturable=group["capturable"], has_complex=has_complex)
        return loss


def asgd(params, grads, axs, mus, etas, state_steps, foreach=None, maximize=False,
         differentiable=False, capturable=False, has_complex=False, *, lambd, lr, t0, alpha,
         weight_decay):
    """Functional ASGD: updates `params` and their state tensors in place."""
    lr = K.scalar(lr)
    for i, param in enumerate(params):
        p = K.real(param._data)
        grad = K.real(K.grad_array(grads[i], maximize))
        ax = K.real(axs[i]._data)
        mu, eta, step_t = mus[i], etas[i], state_steps[i]
        step_t._data += 1
        if weight_decay != 0:
            grad = K.added(grad, p, weight_decay)
        eta_value = eta.item()
        p *= 1 - lambd * eta_value
        K.add_(p, grad, -eta_value)
        if mu.item() != 1:
            diff = p - ax
            diff *= mu._data
            ax += diff
        else:
            ax[...] = p
        step = step_t.item()
        # stored at the counters' dtype (PyTorch goes through a default-dtype tensor)
        eta._data[...] = lr / ((1 + lambd * lr * step) ** alpha)
        mu._data[...] = 1 / max(1, step - t0)
        param._bump()
