"""Autograd behaviour compared with PyTorch: each scenario runs on both modules."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def both(fn):
    """Runs fn(module) on ember and torch; returns both results (or exception types)."""
    out = []
    for m in (ember, torch):
        try:
            out.append(fn(m))
        except Exception as e:  # noqa: BLE001  the exception type is the result
            out.append(type(e).__name__)
    return out


def as_np(x):
    if isinstance(x, (list, tuple)):
        return [as_np(v) for v in x]
    if hasattr(x, "detach"):
        return x.detach().numpy()
    return x


def assert_same(fn):
    e, t = both(fn)
    if isinstance(t, str) or isinstance(e, str):
        assert e == t
        return
    for a, b in zip(as_np(e) if isinstance(e, (list, tuple)) else [as_np(e)],
                    as_np(t) if isinstance(t, (list, tuple)) else [as_np(t)]):
        if isinstance(b, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
        else:
            assert a == b


def s_broadcast(m):
    a = m.ones(3, 1, requires_grad=True)
    b = m.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    (a * b).sum().backward()
    return a.grad, b.grad


def s_accumulate(m):
    w = m.tensor([2.0], requires_grad=True)
    y = w * w
    y.backward(retain_graph=True)
    y.backward()
    return w.grad


def s_second_backward_fails(m):
    w = m.tensor([2.0], requires_grad=True)
    y = (w * w).exp()
    y.backward()
    y.backward()


def s_second_backward_without_saved_tensors(m):
    # nothing was saved, so nothing was freed: PyTorch runs the graph again
    x = m.ones(2, requires_grad=True)
    s = (x + x).sum()
    s.backward()
    s.backward()
    return x.grad


def s_zero_dim_gradients_summed(m):
    # two paths into one 0-d input: the engine adds their gradients
    c = m.tensor([3.0], requires_grad=True)
    x = m.tensor(2.0, requires_grad=True)
    y = c[0] * c[0] + c[0] + x * x + x
    y.backward()
    return c.grad, x.grad


def s_inplace_version_error(m):
    a = m.ones(3, requires_grad=True)
    b = a * 2
    c = b * b
    b.add_(1)
    c.sum().backward()


def s_leaf_inplace_error(m):
    a = m.ones(3, requires_grad=True)
    a.add_(1)


def s_inplace_on_view(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y[0] *= 2
    y[1:] = y[1:] * 3
    y.sum().backward()
    return x.grad, y.grad_fn.name()


def s_setitem_graph(m):
    w = m.tensor([1.0, 2.0], requires_grad=True)
    z = m.zeros(4)
    z[1:3] = w * 5
    z[m.tensor([0])] = w[0] * 7
    (z * m.arange(4.0)).sum().backward()
    return w.grad, z.requires_grad, z.is_leaf


def s_hooks(m):
    seen = []
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    h = y.register_hook(lambda g: g * 10)
    x.register_hook(lambda g: seen.append(g.clone()))
    y.sum().backward(retain_graph=True)
    h.remove()
    y.sum().backward()
    return x.grad, seen[0], seen[1]


def s_retain_grad(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    (y * 2).sum().backward()
    return y.grad, x.grad


def s_autograd_grad(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x ** 3).sum()
    (g,) = m.autograd.grad(y, x, create_graph=True)
    (gg,) = m.autograd.grad(g.sum(), x)
    return g, gg, x.grad


def s_grad_unused(m):
    x = m.tensor([1.0], requires_grad=True)
    z = m.tensor([1.0], requires_grad=True)
    return m.autograd.grad((x * 2).sum(), [x, z])


def s_grad_unused_allowed(m):
    x = m.tensor([1.0], requires_grad=True)
    z = m.tensor([1.0], requires_grad=True)
    g = m.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    return g[0], g[1] is None


def s_no_grad(m):
    x = m.ones(2, requires_grad=True)
    with m.no_grad():
        y = x * 2
    with m.enable_grad():
        z = x * 2
    m.set_grad_enabled(False)
    w = x * 2
    m.set_grad_enabled(True)

    @m.no_grad()
    def f(t):
        return t * 2
    return y.requires_grad, z.requires_grad, w.requires_grad, f(x).requires_grad


def s_custom_function(m):
    class Exp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            out = x.exp() * k
            ctx.save_for_backward(out)
            ctx.k = k
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out, None

    x = m.tensor([0.5, 1.0], requires_grad=True)
    y = Exp.apply(x, 2.0)
    y.sum().backward()
    return x.grad, type(y.grad_fn).__name__, y.grad_fn.needs_input_grad


def s_nonscalar_backward_error(m):
    x = m.ones(2, requires_grad=True)
    (x * 2).backward()


def s_backward_gradient_arg(m):
    x = m.ones(2, requires_grad=True)
    (x * 2).backward(m.tensor([1.0, 3.0]))
    return x.grad


def s_detach_shares(m):
    x = m.ones(2, requires_grad=True)
    d = x.detach()
    d[0] = 5
    return x, d.requires_grad


def s_next_functions(m):
    x = m.ones(2, requires_grad=True)
    y = m.ones(2)
    z = x * y + 1
    f = z.grad_fn
    return (f.name(), f.next_functions[0][0].name(), f.next_functions[1][0],
            f.next_functions[0][0].next_functions[0][0].name(),
            f.next_functions[0][0].next_functions[1][0])


def s_requires_grad_int(m):
    m.ones(2, dtype=m.int64).requires_grad_()


def s_mixed_dtype_grad(m):
    a = m.ones(2, dtype=m.float32, requires_grad=True)
    b = m.ones(2, dtype=m.float64, requires_grad=True)
    (a * b).sum().backward()
    return str(a.grad.dtype).split(".")[1], str(b.grad.dtype).split(".")[1]


def s_higher_order_through_views(m):
    x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = (x.t()[0] ** 2 * x[:, 1].exp()).sum()
    (g,) = m.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    return g, x.grad


SCENARIOS = [s_broadcast, s_accumulate, s_second_backward_fails,
             s_second_backward_without_saved_tensors, s_zero_dim_gradients_summed,
             s_inplace_version_error,
             s_leaf_inplace_error, s_inplace_on_view, s_setitem_graph, s_hooks, s_retain_grad,
             s_autograd_grad, s_grad_unused, s_grad_unused_allowed, s_no_grad,
             s_custom_function, s_nonscalar_backward_error, s_backward_gradient_arg,
             s_detach_shares, s_next_functions, s_requires_grad_int, s_mixed_dtype_grad,
             s_higher_order_through_views]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_scenario_matches_torch(scenario):
    assert_same(scenario)


def test_functional_jacobian_hessian():
    def f(m):
        x = m.tensor([1.0, 2.0, 0.5], dtype=m.float64)
        fn = lambda v: (v ** 2 * v.sin()).sum()  # noqa: E731
        J = m.autograd.functional.jacobian(lambda v: v ** 2 * v.sin(), x)
        H = m.autograd.functional.hessian(fn, x)
        return J, H
    assert_same(f)


def test_gradient_sums_leave_the_gradients_they_add_alone():
    """The engine adds the gradients of a multiply-used input in place into a sum it owns;
    the gradient tensors a backward returned (here one the user holds) stay untouched."""
    held = ember.full((3,), 0.5)

    class Same(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return held

    x = ember.ones(3, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.clone()))
    sum(Same.apply(x) for _ in range(4)).sum().backward()
    assert held.tolist() == [0.5] * 3
    assert x.grad.tolist() == [2.0] * 3 and seen[0].tolist() == [2.0] * 3
    y = ember.ones((), requires_grad=True)          # 0-d sums stay arrays
    (y * 1 + y * 2 + y * 3).backward()
    assert y.grad.item() == 6.0 and y.grad.shape == ()
