"""``torch.vmap``, ``torch.cond`` and ``torch.while_loop``, run eagerly.

ember has no batched tensors: `vmap` calls the function once per slice along the mapped
dimension and stacks the results, which gives PyTorch's values for functions without
side effects (random draws inside are not refused as with PyTorch's randomness='error').
"""
from ._op import is_tensor


def _mapped_size(args, dims):
    sizes = []
    for a, d in zip(args, dims):
        if d is None:
            continue
        if not is_tensor(a):
            raise ValueError("vmap: Got in_dim=%s for an input but the input is of type %s. We "
                             "cannot vmap over non-Tensor arguments, please use None as the "
                             "respective in_dim" % (d, type(a)))
        if a.dim() == 0 or not -a.dim() <= d < a.dim():
            raise ValueError("vmap: Got in_dim=%d for some input, but that input is a Tensor of "
                             "dimensionality %d so expected in_dim to satisfy -%d <= in_dim < %d."
                             % (d, a.dim(), a.dim(), a.dim()))
        sizes.append(a.shape[d])
    if not sizes:
        raise ValueError("vmap: at least one input must be mapped over (got in_dims None for "
                         "every input)")
    if len(set(sizes)) != 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         "dimension, got sizes %s for the mapped dimension" % sizes)
    return sizes[0]


def _stack(results, out_dims):
    from .shape import stack
    first = results[0]
    if is_tensor(first):
        return stack(results, out_dims if isinstance(out_dims, int) else out_dims[0])
    if isinstance(first, (tuple, list)):
        dims = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(first)
        return type(first)(_stack([r[i] for r in results], d) for i, d in enumerate(dims))
    raise ValueError("vmap: `%s` must only return Tensors, got type %s. Did you mean to set "
                     "out_dims= to None for output?" % ("func", type(first)))


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """`func` mapped over dimension `in_dims` of its inputs, outputs stacked at `out_dims`."""
    def wrapped(*args, **kwargs):
        dims = tuple(in_dims) if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError("vmap(%s, in_dims=%s, ...)(<inputs>): in_dims is not compatible "
                             "with the structure of `inputs`." % (getattr(func, "__name__", func),
                                                                  in_dims))
        n = _mapped_size(args, dims)
        results = []
        for i in range(n):
            sliced = [a.select(d, i) if d is not None else a for a, d in zip(args, dims)]
            results.append(func(*sliced, **kwargs))
        return _stack(results, out_dims)
    return wrapped


def cond(pred, true_fn, false_fn, operands=()):
    """Calls `true_fn(*operands)` or `false_fn(*operands)` by `pred` (a bool or 1-element
    tensor)."""
    take = bool(pred.item()) if is_tensor(pred) else bool(pred)
    return (true_fn if take else false_fn)(*operands)


def while_loop(cond_fn, body_fn, carried_inputs):
    """Runs ``carried = body_fn(*carried)`` while ``cond_fn(*carried)`` holds."""
    carried = tuple(carried_inputs)
    while bool(cond_fn(*carried)):
        out = body_fn(*carried)
        carried = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    return carried
