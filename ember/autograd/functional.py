"""``torch.autograd.functional``: jacobian, hessian, vjp, jvp, hvp, vhp, built on grad()."""


def _tup(x):
    return (x,) if hasattr(x, "_data") else tuple(x)


def _prep(inputs, create_graph):
    return tuple(x.detach().requires_grad_(True) if not create_graph else
                 (x if x.requires_grad else x.detach().requires_grad_(True)) for x in inputs)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    from . import grad
    single = hasattr(inputs, "_data")
    xs = _prep(_tup(inputs), create_graph)
    out = func(*xs)
    outs = _tup(out)
    vs = _tup(v) if v is not None else None
    gs = grad(outs, xs, vs, create_graph=create_graph, allow_unused=True)
    gs = tuple(g if g is not None else x.detach() * 0 for g, x in zip(gs, xs))
    res = tuple(g if create_graph else g.detach() for g in gs)
    out = out if create_graph else (out.detach() if hasattr(out, "_data") else
                                    tuple(o.detach() for o in out))
    return out, (res[0] if single else res)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    from . import grad
    from .. import _creation as C
    single_in = hasattr(inputs, "_data")
    xs = _prep(_tup(inputs), create_graph)
    out = func(*xs)
    single_out = hasattr(out, "_data")
    outs = _tup(out)
    jac = []
    for o in outs:
        rows = [[] for _ in xs]
        flat = o.reshape(-1)
        for k in range(flat.numel()):
            gs = grad(flat[k], xs, retain_graph=True, create_graph=create_graph,
                      allow_unused=True) if o.requires_grad else [None] * len(xs)
            for j, (g, x) in enumerate(zip(gs, xs)):
                rows[j].append(g if g is not None else C.zeros_like(x))
        per_in = []
        for j, x in enumerate(xs):
            if rows[j]:
                from ..ops.shape import stack
                J = stack(rows[j]).reshape(tuple(o.shape) + tuple(x.shape))
            else:
                J = C.zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype)
            per_in.append(J if create_graph else J.detach())
        jac.append(per_in[0] if single_in else tuple(per_in))
    return jac[0] if single_out else tuple(jac)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    single = hasattr(inputs, "_data")

    def grad_fn(*xs):
        from . import grad
        out = func(*xs)
        gs = grad(out, xs, create_graph=True, allow_unused=True)
        gs = tuple(g if g is not None else x * 0 for g, x in zip(gs, xs))
        return gs[0] if single else gs
    return jacobian(grad_fn, inputs, create_graph=create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """J v by the double-vjp trick."""
    from . import grad
    single = hasattr(inputs, "_data")
    xs = _prep(_tup(inputs), True)
    out = func(*xs)
    outs = _tup(out)
    us = tuple(o.detach() * 0 + 0 for o in outs)
    us = tuple(u.requires_grad_(True) for u in us)
    gs = grad(outs, xs, us, create_graph=True, allow_unused=True)
    vs = _tup(v) if v is not None else tuple(x.detach() * 0 + 1 for x in xs)
    pairs = [(g, vv) for g, vv in zip(gs, vs) if g is not None]
    res = grad([g for g, _ in pairs], us, [vv for _, vv in pairs], create_graph=create_graph,
               allow_unused=True)
    res = tuple(r if r is not None else o.detach() * 0 for r, o in zip(res, outs))
    res = tuple(r if create_graph else r.detach() for r in res)
    out = out.detach() if hasattr(out, "_data") else tuple(o.detach() for o in out)
    del single
    return out, (res[0] if hasattr(out, "_data") else res)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    from . import grad
    single = hasattr(inputs, "_data")
    xs = _prep(_tup(inputs), True)
    out = func(*xs)
    gs = grad(out, xs, create_graph=True, allow_unused=True)
    vs = _tup(v)
    res = grad([g for g in gs if g is not None], xs, [vv for g, vv in zip(gs, vs) if g is not None],
               create_graph=create_graph, allow_unused=True)
    res = tuple(r if r is not None else x.detach() * 0 for r, x in zip(res, xs))
    res = tuple(r if create_graph else r.detach() for r in res)
    return out.detach(), (res[0] if single else res)


hvp = vhp
