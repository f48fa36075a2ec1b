"""``torch.optim.Adafactor``: Adam-like steps with a factored second moment.

For a matrix (or a batch of matrices) the second moment is kept as row and column means of
the squared gradient, and estimated as their outer product over the mean row variance;
vectors keep a full running average. The step size is relative to the parameter's RMS and
the update is clipped to RMS <= d. ember follows PyTorch's single-tensor loop operation by
operation, with its fused multiply-adds for float32; ``foreach=True`` differs only in
scaling the update before adding it, as PyTorch's foreach form does.
"""
import numpy as np

from .._device import array_module
from .._functions import finfo
from . import _kernels as K
from ._common import steps_to_tensors
from .optimizer import Optimizer, _begin_step, _step_tensor

__all__ = ["Adafactor", "adafactor"]


class Adafactor(Optimizer):
    """Implements Adafactor (Shazeer & Stern, 2018) as PyTorch 2.13 does."""

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
        steps_to_tensors(self)

    def _init_group(self, group, params_with_grad, grads, row_vars, col_vars, variances,
                    state_steps):
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.is_complex():
                raise RuntimeError("Adafactor does not support complex parameters")
            if p.grad.is_sparse:
                raise RuntimeError("Adafactor does not support sparse gradients")
            params_with_grad.append(p)
            grads.append(p.grad)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                g = p.grad._data
                xp = array_module(g)
                if g.ndim > 1:
                    state["row_var"] = K.new_tensor(xp.zeros(g.shape[:-1] + (1,), g.dtype),
                                                    p.grad._dtype)
                    state["col_var"] = K.new_tensor(
                        xp.zeros(g.shape[:-2] + (1,) + g.shape[-1:], g.dtype), p.grad._dtype)
                else:
                    state["variance"] = K.zeros_state(p.grad)
            row_vars.append(state.get("row_var", None))
            col_vars.append(state.get("col_var", None))
            variances.append(state.get("variance", None))
            state_steps.append(state["step"])
        return False

    def step(self, closure=None):
        """Performs a single optimization step; `closure` re-evaluates the model and returns
        the loss."""
        loss = _begin_step(self, closure)
        for group in self.param_groups:
            params, grads, row_vars, col_vars, variances, state_steps = [], [], [], [], [], []
            eps1, eps2 = group["eps"]
            has_complex = self._init_group(group, params, grads, row_vars, col_vars, variances,
                                           state_steps)
            adafactor(params, grads, row_vars, col_vars, variances, state_steps,
                      d=group["d"], lr=group["lr"], beta2_decay=group["beta2_decay"],
                      weight_decay=group["weight_decay"], eps1=eps1, eps2=eps2,
                      foreach=group["foreach"], maximize=group["maximize"],
                      has_complex=has_complex)
        return loss


def _norm(a, axis=None):
    """The 2-norm of `a` (over `axis`, kept), in a's dtype."""
    return np.sqrt(np.sum(a * a, axis=axis, keepdims=axis is not None))


def _second_moment(grad, row_var, col_var, variance, weight, eps1):
    """Updates the running second moments in place; returns the estimate of E[grad^2]."""
    if grad.ndim > 1:
        row_mean = np.square(_norm(grad, -1))
        row_mean /= grad.shape[-1]
        K.lerp_(row_var, row_mean, weight)
        col_mean = np.square(_norm(grad, -2))
        col_mean /= grad.shape[-2]
        K.lerp_(col_var, col_mean, weight)
        estimate = np.matmul(row_var, col_var)
        estimate /= np.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
        return estimate
    K.lerp_(variance, grad * grad, weight)
    return variance.copy()


def _rounded(x, np_dtype):
    """Python number `x` rounded to `np_dtype` (None: left as it is)."""
    return x if np_dtype is None else float(np_dtype.type(x))


def adafactor(params, grads, row_vars, col_vars, variances, state_steps, foreach=None,
              grad_scale=None, found_inf=None, has_complex=False, *, d, lr, beta2_decay,
              weight_decay, eps1, eps2, maximize):
    """Functional Adafactor: updates `params` and their state tensors in place.

    A tensor `lr` stays a tensor in PyTorch's arithmetic, so the step size and the weight
    decay factor it enters are rounded to its dtype at each operation; `lr_dt` follows that.
    """
    if grad_scale is not None or found_inf is not None:
        raise AssertionError("Grad scaling should occur outside of optimizer.step()")
    lr_dt = lr._data.dtype if hasattr(lr, "_data") else None
    lr = K.scalar(lr)
    for i, param in enumerate(params):
        p = param._data
        grad = K.grad_array(grads[i], maximize)
        if eps1 is None:
            eps1 = finfo(param.dtype).eps
        step_t = state_steps[i]
        step_t._data += 1
        step = step_t.item()
        weight = step ** beta2_decay
        rho_dt = lr_dt if not 1 / (step ** 0.5) < lr else None
        rho = min(lr, 1 / (step ** 0.5))
        scale = _rounded(max(eps2, float(_norm(p)) / (p.size ** 0.5)), rho_dt)
        alpha = _rounded(scale * rho, rho_dt)
        if weight_decay != 0:
            p *= _rounded(1 - _rounded(lr * _rounded(weight_decay, lr_dt), lr_dt), lr_dt)
        row_var, col_var, variance = (None if t is None else t._data
                                      for t in (row_vars[i], col_vars[i], variances[i]))
        update = _second_moment(grad, row_var, col_var, variance, weight, eps1)
        np.maximum(update, eps1 * eps1, out=update)
        update = 1 / np.sqrt(update)
        update *= grad
        denom = max(1.0, float(_norm(update)) / ((update.size ** 0.5) * d))
        step_size = _rounded(-alpha / _rounded(denom, rho_dt), rho_dt)
        if foreach:
            # PyTorch's foreach form scales the update, then adds it (two roundings)
            K.add_(p, update, step_size)
        else:
            K.add_(p, update, step_size)
        param._bump()
