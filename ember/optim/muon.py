"""``torch.optim.Muon``: momentum SGD whose update is orthogonalised by a Newton-Schulz
iteration (for 2-D parameters).

PyTorch runs the iteration in bfloat16: each matrix product and each ``addmm`` is computed
in float32 and rounded to bfloat16 once. ember does the same on float32 arrays holding
bfloat16 values, so updates agree with PyTorch's to bfloat16 rounding (exactly for small
matrices; for larger ones the float32 sums of the products may round the other way).
"""
import math

import numpy as np

from ..ops.convert import round_bfloat16
from . import _kernels as K
from .optimizer import Optimizer, _begin_step

__all__ = ["Muon"]

EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


def _zeropower_via_newtonschulz(grad, ns_coefficients, ns_steps, eps):
    """The orthogonalised update of a 2-D gradient array (bfloat16 values in float32)."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = (np.float32(v) for v in ns_coefficients)
    x = round_bfloat16(grad.astype(np.float32))
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = x.T
    norm = round_bfloat16(np.sqrt(np.sum(x * x, dtype=np.float32)))
    x = round_bfloat16(x / round_bfloat16(np.maximum(norm, np.float32(eps))))
    for _ in range(ns_steps):
        gram = round_bfloat16(x @ x.T)
        gram_update = round_bfloat16(b * gram + c * (gram @ gram))
        x = round_bfloat16(a * x + gram_update @ x)
    return x.T if tall else x


def _adjust_lr(lr, adjust_lr_fn, param_shape):
    """The learning rate scaled for a (A, B) parameter: sqrt(max(1, A/B)) ("original", the
    default) or 0.2 sqrt(max(A, B)) ("match_rms_adamw")."""
    rows, cols = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        ratio = math.sqrt(max(1, rows / cols))
    elif adjust_lr_fn == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(rows, cols))
    else:
        ratio = 1.0
    return lr * ratio


class Muon(Optimizer):
    """Implements Muon as PyTorch 2.13 does (2-D parameters only)."""

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C), eps=EPS,
                 ns_steps=DEFAULT_NS_STEPS, adjust_lr_fn=None):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ["original", "match_rms_adamw"]:
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = {"lr": lr, "weight_decay": weight_decay, "momentum": momentum,
                    "nesterov": nesterov, "ns_coefficients": ns_coefficients, "eps": eps,
                    "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError("Muon only supports 2D parameters whereas we found a "
                                     f"parameter with size: {p.size()}")

    def _init_group(self, group, params_with_grad, grads, momentum_bufs):
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.is_complex():
                raise RuntimeError("Muon does not support complex parameters")
            if p.grad.is_sparse:
                raise RuntimeError("Muon does not support sparse gradients")
            params_with_grad.append(p)
            grads.append(p.grad)
            state = self.state[p]
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = K.zeros_state(p.grad)
            momentum_bufs.append(state["momentum_buffer"])
        return False

    def step(self, closure=None):
        """Performs a single optimization step; `closure` re-evaluates the model and returns
        the loss."""
        loss = _begin_step(self, closure)
        for group in self.param_groups:
            params, grads, bufs = [], [], []
            has_complex = self._init_group(group, params, grads, bufs)
            muon(params, grads, bufs, lr=group["lr"], weight_decay=group["weight_decay"],
                 momentum=group["momentum"], nesterov=group["nesterov"],
                 ns_coefficients=group["ns_coefficients"], eps=group["eps"],
                 ns_steps=group["ns_steps"], adjust_lr_fn=group["adjust_lr_fn"],
                 has_complex=has_complex)
        return loss


def muon(params, grads, momentum_bufs, *, foreach=None, lr, weight_decay, momentum, nesterov,
         ns_coefficients, ns_steps, eps, adjust_lr_fn, has_complex):
    """Functional Muon: updates `params` and their momentum buffers in place."""
    if foreach:
        raise RuntimeError("Foreach is not supported for Muon yet")
    if has_complex:
        raise ValueError("Complex parameters are not supported")
    lr = K.scalar(lr)
    for i, param in enumerate(params):
        grad = grads[i]._data
        if grad.ndim != 2:
            raise ValueError("Param gradient must be a 2D matrix")
        buf = momentum_bufs[i]._data
        K.lerp_(buf, grad, 1 - momentum)
        update = K.lerp_(grad.copy(), buf, momentum) if nesterov else buf
        update = _zeropower_via_newtonschulz(update, ns_coefficients, ns_steps, eps)
        adjusted_lr = _adjust_lr(lr, adjust_lr_fn, param.shape)
        p = param._data
        p *= 1 - lr * weight_decay
        K.add_(p, update, -adjusted_lr)
        param._bump()
