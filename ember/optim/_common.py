"""Checks and state set-up shared by the Adam-family optimizers."""
import numpy as np

from .._tensor import Tensor
from .optimizer import _get_scalar_dtype


def check_range(lr, eps, betas, weight_decay):
    """PyTorch's checks on lr, eps, betas and weight_decay (same order and messages)."""
    if hasattr(lr, "numel") and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if betas is not None:
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


# option keys older pickled optimizers may lack, with PyTorch's defaults
FLAG_DEFAULTS = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}


def fill_group_defaults(optimizer, **extra):
    """Adds the option keys a group pickled by an older version lacks (``__setstate__``)."""
    for group in optimizer.param_groups:
        for key, value in dict(FLAG_DEFAULTS, **extra).items():
            group.setdefault(key, value)


def steps_to_tensors(optimizer, keys=("step",)):
    """Turns Python-number ``step`` entries of old state dicts into 0-d tensors."""
    dt = _get_scalar_dtype()
    for group in optimizer.param_groups:
        for p in group["params"]:
            p_state = optimizer.state.get(p, [])
            if len(p_state) == 0:
                continue
            for key in keys:
                if key in p_state and not isinstance(p_state[key], Tensor):
                    p_state[key] = Tensor._make(np.array(float(p_state[key]), dt.np), dt)
