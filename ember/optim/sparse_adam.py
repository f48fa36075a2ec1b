"""``torch.optim.SparseAdam``: Adam restricted to the entries a sparse gradient carries.

The update reads a COO gradient through ``coalesce()``, ``_indices()`` and ``_values()``;
dense gradients raise PyTorch's error.
"""
import math

import numpy as np

from . import _kernels as K
from .optimizer import Optimizer, _begin_step, _to_scalar

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """Masked Adam for dense parameters whose gradients have a sparse layout (as
    ``nn.Embedding(sparse=True)`` produces)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize}
        super().__init__(params, defaults)
        sparse_params, complex_params = [], []
        for index, param_group in enumerate(self.param_groups):
            for d_index, d_param in enumerate(param_group["params"]):
                if d_param.is_sparse:
                    sparse_params.append([index, d_index])
                if d_param.is_complex():
                    complex_params.append([index, d_index])
        if sparse_params:
            raise ValueError(f"Sparse params at indices {sparse_params}: SparseAdam requires "
                             "dense parameter tensors")
        if complex_params:
            raise ValueError(f"Complex params at indices {complex_params}: SparseAdam does not "
                             "support complex parameters")

    def step(self, closure=None):
        """Performs a single optimization step; `closure` re-evaluates the model and returns
        the loss."""
        loss = _begin_step(self, closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            maximize = group.get("maximize", False)
            for p in group["params"]:
                if p.grad is None:
                    continue
                if not p.grad.is_sparse:
                    raise RuntimeError("SparseAdam does not support dense gradients, please "
                                       "consider Adam instead")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = K.zeros_state(p)
                    state["exp_avg_sq"] = K.zeros_state(p)
                state["step"] += 1
                _sparse_adam_one(p, p.grad, state, eps=group["eps"], beta1=beta1, beta2=beta2,
                                 lr=K.scalar(_to_scalar(group["lr"])), maximize=maximize)
        return loss


def _sparse_adam_one(param, grad, state, *, eps, beta1, beta2, lr, maximize):
    """Updates one parameter and its moments at the gradient's coalesced indices."""
    grad = grad.coalesce()
    values = grad._values()._data
    if values.size == 0:
        return
    if maximize:
        values = -values
    where = tuple(grad._indices()._data)
    exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
    old_avg = exp_avg[where]
    avg_update = (values - old_avg) * (1 - beta1)
    exp_avg[where] += avg_update
    old_sq = exp_avg_sq[where]
    sq_update = (values ** 2 - old_sq) * (1 - beta2)
    exp_avg_sq[where] += sq_update

    numer = avg_update + old_avg
    denom = np.sqrt(sq_update + old_sq) + eps
    step = state["step"]
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr * math.sqrt(bias_correction2) / bias_correction1
    param._data[where] += -step_size * (numer / denom)
    param._bump()
