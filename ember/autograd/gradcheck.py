"""gradcheck / gradgradcheck: analytical gradients against finite differences.

The Jacobians are assembled and compared on the host, whatever the inputs' device."""
import numpy as np


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,) if not isinstance(x, list) else tuple(x)


def _numerical(fn, inputs, i, eps):
    """d(outputs)/d(inputs[i]) by central differences: one column per input element."""
    x = inputs[i]
    flat = x._data.reshape(-1)
    cols = []
    for k in range(flat.size):
        orig = flat[k].item()
        flat[k] = orig + eps
        plus = [o.detach().clone() for o in _as_tuple(fn(*inputs))]
        flat[k] = orig - eps
        minus = [o.detach().clone() for o in _as_tuple(fn(*inputs))]
        flat[k] = orig
        cols.append(np.concatenate([((p - m) / (2 * eps)).cpu()._data.reshape(-1)
                                    for p, m in zip(plus, minus)]))
    return np.stack(cols, 1) if cols else np.zeros((0, 0))


def _analytical(fn, inputs, i):
    from . import grad
    outs = [o for o in _as_tuple(fn(*inputs))]
    rows = []
    for o in outs:
        flat_n = o.numel()
        for k in range(flat_n):
            go = o.new_zeros(o.shape)   # contiguous, so the flat view below writes into it
            go._data.reshape(-1)[k] = 1
            if not o.requires_grad:
                rows.append(np.zeros(inputs[i].numel()))
                continue
            (g,) = grad(o, inputs[i], go, retain_graph=True, allow_unused=True)
            rows.append(np.zeros(inputs[i].numel()) if g is None else
                        g.cpu()._data.reshape(-1).copy())
    return np.stack(rows, 0) if rows else np.zeros((0, 0))


def gradcheck(func, inputs, *, eps=1e-06, atol=1e-05, rtol=0.001, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """True when the gradients of `func` at `inputs` match finite differences."""
    from .._tensor import Tensor
    inputs = _as_tuple(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor) or not x.requires_grad:
            continue
        if x._dtype.name not in ("float64", "complex128"):
            import warnings
            warnings.warn("Input #%d requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. " % i, UserWarning)
        num = _numerical(func, inputs, i, eps)
        ana = _analytical(func, inputs, i)
        if num.shape != ana.shape or not np.allclose(ana, num, rtol=rtol, atol=atol):
            if raise_exception:
                raise GradcheckError("Jacobian mismatch for output 0 with respect to input %d,\n"
                                     "numerical:%s\nanalytical:%s\n" % (i, num, ana))
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-06, atol=1e-05, rtol=0.001,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Checks second derivatives: gradcheck of the function inputs -> first gradients."""
    from . import grad
    from .._random_factories import randn_like
    inputs = _as_tuple(inputs)
    outs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        grad_outputs = tuple(randn_like(o).requires_grad_() for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if getattr(x, "requires_grad", False)]

    def first(*args):
        xs, gos = args[:n], args[n:]
        outs = _as_tuple(func(*xs))
        gs = grad(outs, [xs[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else xs[i] * 0 for g, i in zip(gs, diff_idx))
    return gradcheck(first, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
