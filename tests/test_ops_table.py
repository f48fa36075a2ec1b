"""One table of core ops, checked against PyTorch on generated samples.

Each row names an op (called as ``module.<name>`` on ember and torch alike), the kind of
inputs it takes, and whether it is differentiable. For every row and sample the values,
dtypes and shapes must agree with torch; differentiable rows also compare gradients with
torch's and pass ``gradcheck`` in float64.
"""
import numpy as np
import pytest

import ember
from _op_rows import COMPARE, ROWS

torch = pytest.importorskip("torch")

SHAPES = [(), (0,), (5,), (3, 4), (2, 3, 4)]


def _values(shape, kind, rng):
    if kind == "pos":
        return rng.uniform(0.1, 3.0, shape)
    if kind == "gt1":
        return rng.uniform(1.1, 4.0, shape)
    if kind == "unit":
        return rng.uniform(-0.9, 0.9, shape)
    if kind == "int":
        return rng.integers(-5, 6, shape)
    return rng.standard_normal(shape)


NONDIFF_AT_KINKS = {"floor", "ceil", "trunc", "round", "sign", "remainder", "fmod", "maximum",
                    "minimum", "fmax", "fmin", "abs", "frac"}


def _pair(values, dtype):
    return (ember.tensor(values, dtype=getattr(ember, dtype)),
            torch.tensor(values, dtype=getattr(torch, dtype)))


def _call(mod, name, args):
    if name == "neg":
        return mod.neg(*args)
    return getattr(mod, name)(*args)


def _check_same(e, t, rtol=1e-5, atol=1e-6):
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    te = t.detach().numpy()
    np.testing.assert_allclose(e.detach().numpy(), te, rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("name,domain,arity", ROWS, ids=[r[0] for r in ROWS])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_match_torch(name, domain, arity, dtype):
    rng = np.random.default_rng(abs(hash((name, dtype))) % 2**32)
    for shape in SHAPES:
        args = [_pair(_values(shape, domain, rng), dtype) for _ in range(arity)]
        e = _call(ember, name, [a[0] for a in args])
        t = _call(torch, name, [a[1] for a in args])
        _check_same(e, t, rtol=2e-5 if dtype == "float32" else 1e-10)


@pytest.mark.parametrize("name,domain,arity", [r for r in ROWS if r[0] not in COMPARE],
                         ids=[r[0] for r in ROWS if r[0] not in COMPARE])
def test_gradients_match_torch(name, domain, arity):
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    shape = (3, 4)
    vals = [_values(shape, domain, rng) for _ in range(arity)]
    es = [ember.tensor(v, requires_grad=True) for v in vals]
    ts = [torch.tensor(v, requires_grad=True) for v in vals]
    w = rng.standard_normal(shape)
    (_call(ember, name, es) * ember.tensor(w)).sum().backward()
    (_call(torch, name, ts) * torch.tensor(w)).sum().backward()
    for e, t in zip(es, ts):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name,domain,arity", [r for r in ROWS if r[0] not in COMPARE
                                               and r[0] not in NONDIFF_AT_KINKS],
                         ids=[r[0] for r in ROWS if r[0] not in COMPARE
                              and r[0] not in NONDIFF_AT_KINKS])
def test_gradcheck_and_gradgradcheck(name, domain, arity):
    rng = np.random.default_rng(1 + abs(hash(name)) % 2**32)
    xs = [ember.tensor(_values((2, 3), domain, rng), requires_grad=True) for _ in range(arity)]
    fn = lambda *a: _call(ember, name, a)  # noqa: E731
    assert ember.autograd.gradcheck(fn, xs)
    if name not in ("digamma", "lgamma"):
        assert ember.autograd.gradgradcheck(fn, xs)


@pytest.mark.parametrize("a_dt,b_dt", [("int64", "float32"), ("int32", "int64"), ("uint8", "int8"),
                                       ("bool", "int32"), ("float16", "float32"),
                                       ("float32", "float64"), ("bool", "bool"),
                                       ("int64", "int64")])
@pytest.mark.parametrize("op", ["add", "mul", "div", "sub", "maximum"])
def test_type_promotion(a_dt, b_dt, op):
    if op == "sub" and "bool" in (a_dt, b_dt):
        with pytest.raises(RuntimeError):
            torch.sub(torch.ones(2, dtype=getattr(torch, a_dt)), torch.ones(2, dtype=getattr(torch, b_dt)))
        with pytest.raises(RuntimeError):
            ember.sub(ember.ones(2, dtype=getattr(ember, a_dt)), ember.ones(2, dtype=getattr(ember, b_dt)))
        return
    a = np.array([1, 2, 3])
    ea, ta = _pair(a, a_dt)
    eb, tb = _pair(a, b_dt)
    _check_same(getattr(ember, op)(ea, eb), getattr(torch, op)(ta, tb))
    # 0-d tensors and Python scalars do not upcast dimensioned tensors
    _check_same(getattr(ember, op)(ea, _pair(2, b_dt)[0].reshape(())),
                getattr(torch, op)(ta, _pair(2, b_dt)[1].reshape(())))
    for scalar in (2, 2.5, True):
        try:
            t = getattr(torch, op)(ta, scalar)
        except Exception as exc:  # noqa: BLE001  ember must raise the same type
            with pytest.raises(type(exc)):
                getattr(ember, op)(ea, scalar)
            continue
        _check_same(getattr(ember, op)(ea, scalar), t)


@pytest.mark.parametrize("name,kwargs", [
    ("sum", {}), ("sum", {"dim": 1}), ("sum", {"dim": (0, 2), "keepdim": True}),
    ("mean", {}), ("mean", {"dim": -1}), ("prod", {"dim": 1}), ("prod", {}),
    ("var", {}), ("var", {"dim": 1, "unbiased": False}), ("std", {"dim": (0, 1)}),
    ("amax", {"dim": 1}), ("amin", {"dim": (0, 2)}), ("logsumexp", {"dim": 2}),
    ("cumsum", {"dim": 1}), ("cumprod", {"dim": 2}), ("max", {}), ("min", {}),
])
def test_reductions(name, kwargs):
    rng = np.random.default_rng(7)
    v = rng.standard_normal((2, 3, 4))
    e = ember.tensor(v, requires_grad=True)
    t = torch.tensor(v, requires_grad=True)
    re, rt = getattr(e, name)(**kwargs), getattr(t, name)(**kwargs)
    _check_same(re, rt, rtol=1e-10)
    w = rng.standard_normal(tuple(rt.shape))
    (re * ember.tensor(w)).sum().backward()
    (rt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("is_max", [True, False])
def test_max_min_with_dim_named_tuple(is_max):
    v = np.array([[1.0, 5.0, 3.0], [7.0, 2.0, 9.0]])
    name = "max" if is_max else "min"
    e, t = getattr(ember.tensor(v), name)(1), getattr(torch.tensor(v), name)(1)
    _check_same(e.values, t.values)
    _check_same(e.indices, t.indices)
    assert repr(e).replace("ember", "torch") == repr(t)


@pytest.mark.parametrize("fn", [
    lambda m, x: x.view(4, 6), lambda m, x: x.reshape(-1, 3), lambda m, x: x.transpose(0, 2),
    lambda m, x: x.permute(2, 0, 1), lambda m, x: x[:, 1], lambda m, x: x[1, ::2, None],
    lambda m, x: x.unsqueeze(1).expand(2, 5, 3, 4), lambda m, x: x.narrow(2, 1, 2),
    lambda m, x: x.select(1, 2), lambda m, x: x.diagonal(0, 1, 2), lambda m, x: x.unfold(2, 2, 1),
    lambda m, x: x.flatten(1), lambda m, x: x.squeeze(), lambda m, x: x.t() if x.dim() == 2
    else x.movedim(0, 2), lambda m, x: m.cat([x, x], 1), lambda m, x: m.stack([x, x], 3),
    lambda m, x: x.flip(1), lambda m, x: x.roll(1, 2), lambda m, x: x.repeat(2, 1, 1),
    lambda m, x: x[m.tensor([1, 0, 1])], lambda m, x: x[x > 0], lambda m, x: x.split(2, 2)[1],
    lambda m, x: x.chunk(2, 1)[0], lambda m, x: x.tril(), lambda m, x: m.where(x > 0, x, -x),
    lambda m, x: x.clamp(-0.5, 0.5), lambda m, x: x.as_strided((2, 2), (1, 2), 1),
    lambda m, x: m.einsum("ijk,ikl->ijl", x, x.transpose(1, 2)), lambda m, x: x @ x.mT,
    lambda m, x: x.masked_fill(x > 0.5, 0.0), lambda m, x: x[..., 1:3].sum_to_size(1, 3, 2),
])
def test_shape_ops_values_grads_and_strides(fn):
    rng = np.random.default_rng(3)
    v = rng.standard_normal((2, 3, 4))
    e = ember.tensor(v, requires_grad=True)
    t = torch.tensor(v, requires_grad=True)
    re, rt = fn(ember, e), fn(torch, t)
    _check_same(re, rt, rtol=1e-10)
    if rt._base is not None and rt.is_contiguous() == re.is_contiguous():
        assert re.stride() == rt.stride()
        assert re.storage_offset() == rt.storage_offset()
    w = rng.standard_normal(tuple(rt.shape))
    (re * ember.tensor(w)).sum().backward()
    (rt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)
    if "einsum" not in fn.__code__.co_names:  # einsum's node depends on its path
        assert re.grad_fn.name() == rt.grad_fn.name()


@pytest.mark.parametrize("fn", [
    lambda m: 2 ** m.tensor([-1, 0, 3]), lambda m: (-1) ** m.tensor([-3, -2, 5]),
    lambda m: m.tensor([2, 1, -1, -1, 0]) ** m.tensor([-1, -2, -3, -2, -1]),
    lambda m: m.tensor([2, 3], dtype=m.int32) ** m.tensor([[-1], [2]], dtype=m.int32),
])
def test_integer_powers_with_negative_exponents(fn):
    _check_same(fn(ember), fn(torch))


@pytest.mark.parametrize("fn", [
    lambda m, x: 2 - x, lambda m, x: m.rsub(x, 3, alpha=2), lambda m, x: m.rsub(x, x * x),
    lambda m, x: m.rsub(x, x.exp(), alpha=0.5), lambda m, x: 2 / x, lambda m, x: 1.5 - x[0],
])
def test_reflected_number_ops_record_pytorchs_nodes(fn):
    v = np.random.default_rng(4).uniform(0.5, 2.0, (3, 4))
    e = ember.tensor(v, requires_grad=True)
    t = torch.tensor(v, requires_grad=True)
    re, rt = fn(ember, e), fn(torch, t)
    _check_same(re, rt, rtol=1e-12)
    assert re.grad_fn.name() == rt.grad_fn.name()
    re.sum().backward()
    rt.sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    assert ember.autograd.gradgradcheck(lambda x: fn(ember, x), (ember.tensor(v, requires_grad=True),))


@pytest.mark.parametrize("fn", [lambda x: x * x + 1, lambda x: x.exp(), lambda x: x.sum(),
                                lambda x: x / 3, lambda x: x.mean(0), lambda x: x @ x.t()])
def test_bfloat16_results_stay_bfloat16(fn):
    v = np.random.default_rng(5).standard_normal((3, 3))
    e = fn(ember.tensor(v).bfloat16())
    t = fn(torch.tensor(v).bfloat16())
    assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.float().numpy(), t.float().numpy(), rtol=1e-2, atol=1e-2)


def test_num_threads_round_trip():
    before = ember.get_num_threads()
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    ember.set_num_threads(before)
    assert ember.get_num_threads() == before
    with pytest.raises(RuntimeError):
        ember.set_num_threads(0)
