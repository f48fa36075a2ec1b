"""ember.optim against torch.optim: parameter trajectories, state dicts, reprs, errors.

Each case runs the same optimizer with the same options in ember and in PyTorch, from the
same parameter values, feeding both the same gradient function of the current parameters,
and compares the parameters after every step (20 steps) and the final state dicts.
"""
import copy
import importlib
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.optim as eoptim  # noqa: E402

STEPS = 20
SHAPES = [(3, 4), (4,), ()]


def _init_values(dtype, complex_=False, seed=0):
    rng = np.random.default_rng(seed)
    vals = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    if complex_:
        vals.append((rng.standard_normal(3) + 1j * rng.standard_normal(3)).astype(
            np.complex64 if dtype == np.float32 else np.complex128))
    return vals


def _grad_fn(k, seed=1):
    """A gradient that depends on the parameter values and the step number."""
    def fn(i, p):
        rng = np.random.default_rng(1000 * seed + 10 * k + i)
        noise = rng.standard_normal(p.shape)
        if np.iscomplexobj(p):
            noise = noise + 1j * rng.standard_normal(p.shape)
        g = 0.5 * p + np.sin(3 * p.real) + noise * 0.3
        return g.astype(p.dtype)
    return fn


def _make_pair(vals):
    e = [ember.tensor(v, requires_grad=True) for v in vals]
    t = [torch.tensor(v, requires_grad=True) for v in vals]
    return e, t


def _set_grads(eps_, tps, k, skip=None):
    fn = _grad_fn(k)
    for i, (e, t) in enumerate(zip(eps_, tps)):
        if skip is not None and i == skip:
            e.grad = None
            t.grad = None
            continue
        g = fn(i, t.detach().numpy())
        t.grad = torch.tensor(g)
        e.grad = ember.tensor(g)


def _close(e, t, dtype):
    rtol, atol = (2e-5, 2e-6) if dtype == np.float32 else (1e-10, 1e-12)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def _to_plain(obj):
    """Turns tensors of either library into NumPy arrays (with dtype) for comparison."""
    if isinstance(obj, torch.Tensor):
        return ("T", str(obj.dtype).replace("torch.", ""), obj.detach().numpy())
    if isinstance(obj, ember.Tensor):
        return ("T", str(obj.dtype).replace("torch.", ""), obj.detach().numpy())
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_plain(v) for v in obj)
    return obj


def _assert_same_state(e_sd, t_sd, dtype):
    e, t = _to_plain(e_sd), _to_plain(t_sd)
    assert e["param_groups"] == t["param_groups"]
    assert list(e["state"].keys()) == list(t["state"].keys())
    for k in t["state"]:
        assert list(e["state"][k].keys()) == list(t["state"][k].keys()), k
        for name, tv in t["state"][k].items():
            ev = e["state"][k][name]
            if isinstance(tv, tuple) and tv and tv[0] == "T":
                assert ev[0] == "T" and ev[1] == tv[1], (name, ev[1], tv[1])
                assert ev[2].shape == tv[2].shape
                rtol = 2e-5 if dtype == np.float32 else 1e-9
                np.testing.assert_allclose(ev[2], tv[2], rtol=rtol, atol=1e-6, err_msg=name)
            else:
                assert ev == tv, name


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(lr=0.05, maximize=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.05, weight_decay=0.1)),
    ("Adamax", dict(lr=0.05, maximize=True, betas=(0.5, 0.9))),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.05, weight_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.05, momentum_decay=0.01, maximize=True)),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, maximize=True, eps=1e-4)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, maximize=True, eps=1e-6)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.95, eps=1e-5)),
    ("Adadelta", dict(weight_decay=0.1, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=5, lambd=1e-2, alpha=0.5, weight_decay=0.1)),
]


def _ids(c):
    return "%s-%s" % (c[0], "-".join("%s=%s" % kv for kv in c[1].items()) or "default")


def _run_pair(name, kwargs, dtype=np.float32, complex_=False, groups=False, skip=None):
    vals = _init_values(dtype, complex_)
    eps_, tps = _make_pair(vals)
    if groups:
        # two groups: the second overrides the learning rate
        lr2 = kwargs.get("lr", 0.01) * 0.5
        e_opt = getattr(eoptim, name)([{"params": eps_[:2]}, {"params": eps_[2:], "lr": lr2}],
                                      **kwargs)
        t_opt = getattr(torch.optim, name)([{"params": tps[:2]}, {"params": tps[2:], "lr": lr2}],
                                           **kwargs)
    else:
        e_opt = getattr(eoptim, name)(eps_, **kwargs)
        t_opt = getattr(torch.optim, name)(tps, **kwargs)
    ids_before = [id(p) for p in eps_]
    for k in range(STEPS):
        _set_grads(eps_, tps, k, skip=skip if k % 3 == 1 else None)
        e_opt.step()
        t_opt.step()
        for e, t in zip(eps_, tps):
            _close(e, t, dtype)
    assert [id(p) for p in e_opt.param_groups[0]["params"]] == ids_before[:len(
        e_opt.param_groups[0]["params"])]
    _assert_same_state(e_opt.state_dict(), t_opt.state_dict(), dtype)
    return e_opt, t_opt, eps_, tps


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_trajectory_float32(case):
    _run_pair(*case)


@pytest.mark.parametrize("case", CASES[::3], ids=_ids)
def test_trajectory_float64(case):
    _run_pair(*case, dtype=np.float64)


@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "SGD"][::2] + CASES[1:4], ids=_ids)
def test_trajectory_complex_groups_and_missing_grads(case):
    _run_pair(*case, complex_=True, groups=True, skip=1)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop",
                                  "Adagrad", "Adadelta", "LBFGS", "SparseAdam", "Rprop", "ASGD"])
def test_repr_matches_torch(name):
    e_opt = getattr(eoptim, name)([ember.zeros(2, requires_grad=True)])
    t_opt = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    assert repr(e_opt) == repr(t_opt)


def test_repr_param_groups_and_options():
    e = [ember.zeros(2, requires_grad=True), ember.zeros(3, requires_grad=True)]
    t = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    e_opt = eoptim.Adam([{"params": [e[0]]}, {"params": [e[1]], "lr": 0.1, "amsgrad": True}],
                        betas=(0.5, 0.6), weight_decay=1e-4)
    t_opt = torch.optim.Adam([{"params": [t[0]]}, {"params": [t[1]], "lr": 0.1, "amsgrad": True}],
                             betas=(0.5, 0.6), weight_decay=1e-4)
    assert repr(e_opt) == repr(t_opt)
    assert e_opt.defaults == t_opt.defaults


def test_repr_with_a_tensor_lr_prints_a_float():
    e_opt = eoptim.Adam([ember.zeros(2, requires_grad=True)], lr=ember.tensor(0.01))
    t_opt = torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=torch.tensor(0.01))
    assert repr(e_opt) == repr(t_opt)
    for lib in (ember, torch):      # format() of a 0-d Parameter is its repr, not a number
        assert f"{lib.nn.Parameter(lib.tensor(0.5))}".startswith("Parameter containing")


def test_state_dict_roundtrip_from_torch():
    """A state dict written by PyTorch loads into ember and both continue identically."""
    for name, kwargs in [("Adam", dict(lr=0.05, amsgrad=True)), ("SGD", dict(momentum=0.9)),
                         ("NAdam", {}), ("Adagrad", dict(lr=0.1)),
                         ("RMSprop", dict(centered=True))]:
        vals = _init_values(np.float32)
        eps_, tps = _make_pair(vals)
        t_opt = getattr(torch.optim, name)(tps, **kwargs)
        for k in range(5):
            _set_grads(eps_, tps, k)
            t_opt.step()
        with torch.no_grad():
            for e, t in zip(eps_, tps):
                e.data = ember.tensor(t.detach().numpy())
        t_sd = t_opt.state_dict()

        def conv(o):
            if isinstance(o, torch.Tensor):
                return ember.tensor(o.numpy())
            if isinstance(o, dict):
                return {k: conv(v) for k, v in o.items()}
            if isinstance(o, list):
                return [conv(v) for v in o]
            return o

        e_opt = getattr(eoptim, name)(eps_, lr=123.0)
        e_opt.load_state_dict(conv(t_sd))
        assert e_opt.param_groups[0]["lr"] == t_opt.param_groups[0]["lr"]
        assert e_opt.param_groups[0]["params"][0] is eps_[0]
        for k in range(5, 10):
            _set_grads(eps_, tps, k)
            e_opt.step()
            t_opt.step()
            for e, t in zip(eps_, tps):
                _close(e, t, np.float32)
        _assert_same_state(e_opt.state_dict(), t_opt.state_dict(), np.float32)


def test_state_dict_layout_and_load_errors():
    e = [ember.zeros(2, requires_grad=True), ember.zeros(3, requires_grad=True)]
    opt = eoptim.SGD([{"params": [e[0]]}, {"params": [e[1]], "lr": 0.5}], lr=0.1, momentum=0.9)
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][1]["params"] == [1]
    assert list(sd["param_groups"][0].keys())[-1] == "params"
    other = eoptim.SGD([ember.zeros(2, requires_grad=True)], lr=0.1)
    t_other = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    t_opt = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)]},
                             {"params": [torch.zeros(3, requires_grad=True)], "lr": 0.5}],
                            lr=0.1, momentum=0.9)
    with pytest.raises(ValueError) as te:
        t_other.load_state_dict(t_opt.state_dict())
    with pytest.raises(ValueError) as ee:
        other.load_state_dict(sd)
    assert str(ee.value) == str(te.value)
    two = eoptim.SGD([{"params": [ember.zeros(2, requires_grad=True)]},
                      {"params": [ember.zeros(3, requires_grad=True),
                                  ember.zeros(1, requires_grad=True)]}], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        two.load_state_dict(sd)


def test_load_state_dict_casts_state_to_param_dtype_but_not_step():
    p = ember.zeros(3, dtype=ember.float64, requires_grad=True)
    opt = eoptim.Adam([p])
    p.grad = ember.ones(3, dtype=ember.float64)
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    sd["state"][0]["exp_avg"] = sd["state"][0]["exp_avg"].float()
    opt.load_state_dict(sd)
    assert opt.state[p]["exp_avg"].dtype == ember.float64
    assert opt.state[p]["step"].dtype == ember.float32


def test_step_state_names_and_dtypes():
    for name in ["Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
                 "Rprop", "ASGD"]:
        e = ember.ones(2, requires_grad=True)
        t = torch.ones(2, requires_grad=True)
        e_opt, t_opt = getattr(eoptim, name)([e]), getattr(torch.optim, name)([t])
        e.grad, t.grad = ember.ones(2), torch.ones(2)
        e_opt.step()
        t_opt.step()
        es, ts = e_opt.state[e], t_opt.state[t]
        assert list(es.keys()) == list(ts.keys()), name
        for k in ts:
            assert str(es[k].dtype) == str(ts[k].dtype), (name, k)
            assert tuple(es[k].shape) == tuple(ts[k].shape)
            assert type(es[k]) is ember.Tensor


def test_default_dtype_float64_step_counter():
    ember.set_default_dtype(ember.float64)
    try:
        p = ember.ones(2, requires_grad=True)
        opt = eoptim.Adam([p])
        p.grad = ember.ones(2)
        opt.step()
        assert opt.state[p]["step"].dtype == ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


def test_zero_grad():
    p = ember.ones(2, requires_grad=True)
    opt = eoptim.SGD([p], lr=0.1)
    p.grad = ember.ones(2)
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None
    (p * 3).sum().backward()
    assert p.grad.tolist() == [3.0, 3.0]


def test_params_missing_grad_are_skipped():
    a, b = ember.ones(2, requires_grad=True), ember.ones(2, requires_grad=True)
    opt = eoptim.Adam([a, b], lr=0.1)
    a.grad = ember.ones(2)
    opt.step()
    assert b.tolist() == [1.0, 1.0] and b not in opt.state
    assert a.tolist() != [1.0, 1.0]


def test_closure_and_return_value():
    w = ember.tensor([1.0, -2.0], requires_grad=True)
    opt = eoptim.SGD([w], lr=0.1)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        calls.append(ember.is_grad_enabled())
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert loss.item() == 5.0
    np.testing.assert_allclose(w.detach().numpy(), [0.8, -1.6], rtol=1e-6)


def test_linear_model_with_autograd():
    """A linear layer written with plain tensors, trained 20 steps with Adam in both."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 3)).astype(np.float32)
    y = rng.standard_normal((8, 2)).astype(np.float32)
    W0 = rng.standard_normal((3, 2)).astype(np.float32)
    b0 = np.zeros(2, np.float32)
    ew, eb = ember.tensor(W0, requires_grad=True), ember.tensor(b0, requires_grad=True)
    tw, tb = torch.tensor(W0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    e_opt = eoptim.Adam([ew, eb], lr=0.05)
    t_opt = torch.optim.Adam([tw, tb], lr=0.05)
    ex, ey, tx, ty = ember.tensor(x), ember.tensor(y), torch.tensor(x), torch.tensor(y)
    for _ in range(STEPS):
        e_opt.zero_grad()
        t_opt.zero_grad()
        el = ((ex @ ew + eb - ey) ** 2).mean()
        tl = ((tx @ tw + tb - ty) ** 2).mean()
        el.backward()
        tl.backward()
        e_opt.step()
        t_opt.step()
        np.testing.assert_allclose(el.item(), tl.item(), rtol=1e-5)
        np.testing.assert_allclose(ew.detach().numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert ew.requires_grad and ew.is_leaf


def test_update_writes_in_place_through_views():
    base = ember.zeros(4, requires_grad=True)
    opt = eoptim.SGD([base], lr=1.0)
    view = base.detach()[1:3]
    v0 = base._version
    base.grad = ember.tensor([1.0, 2.0, 3.0, 4.0])
    opt.step()
    assert view.tolist() == [-2.0, -3.0]
    assert base._version > v0


# --- LBFGS -------------------------------------------------------------------------------

def _rosenbrock(lib, x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


@pytest.mark.parametrize("kwargs", [dict(lr=0.1, max_iter=5),
                                    dict(lr=1, max_iter=10, line_search_fn="strong_wolfe"),
                                    dict(lr=1, max_iter=4, history_size=2,
                                         line_search_fn="strong_wolfe")])
def test_lbfgs_matches_torch(kwargs):
    start = np.array([-1.5, 2.0], dtype=np.float64)
    ex = ember.tensor(start, requires_grad=True)
    tx = torch.tensor(start, requires_grad=True)
    e_opt = eoptim.LBFGS([ex], **kwargs)
    t_opt = torch.optim.LBFGS([tx], **kwargs)

    def closure_for(opt, x, lib):
        def closure():
            opt.zero_grad()
            loss = _rosenbrock(lib, x)
            loss.backward()
            return loss
        return closure

    for _ in range(4):
        el = e_opt.step(closure_for(e_opt, ex, ember))
        tl = t_opt.step(closure_for(t_opt, tx, torch))
        np.testing.assert_allclose(el.item(), tl.item(), rtol=1e-8)
        np.testing.assert_allclose(ex.detach().numpy(), tx.detach().numpy(), rtol=1e-7, atol=1e-9)
    es, ts = e_opt.state[ex], t_opt.state[tx]
    assert es["func_evals"] == ts["func_evals"] and es["n_iter"] == ts["n_iter"]
    assert sorted(es.keys()) == sorted(ts.keys())


def test_lbfgs_errors():
    a, b = ember.ones(2, requires_grad=True), ember.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        eoptim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = eoptim.LBFGS([a], line_search_fn="bogus")

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)


# --- construction errors and parameter groups ---------------------------------------------

def _errors_match(fe, ft):
    with pytest.raises(Exception) as te:
        ft()
    with pytest.raises(Exception) as ee:
        fe()
    assert type(ee.value) is type(te.value)
    assert str(ee.value).replace("ember", "torch") == str(te.value), (ee.value, te.value)


BAD_ARGS = [
    ("SGD", dict(lr=-1)), ("SGD", dict(momentum=-0.1)), ("SGD", dict(weight_decay=-1)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ("Adam", dict(lr=-1)), ("Adam", dict(eps=-1)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-1)),
    ("Adam", dict(betas=(0, 0.9))), ("AdamW", dict(betas=(0.9, 1.5))),
    ("Adamax", dict(betas=(0.9, 1.0))), ("NAdam", dict(momentum_decay=-1)),
    ("RAdam", dict(eps=-1)), ("RMSprop", dict(alpha=-1)), ("RMSprop", dict(momentum=-1)),
    ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(initial_accumulator_value=-1)),
    ("Adadelta", dict(rho=1.5)), ("SparseAdam", dict(lr=0)), ("LBFGS", dict(lr=-1)),
    ("Adam", dict(fused=True, differentiable=True)), ("SGD", dict(fused=True, foreach=True)),
    ("Rprop", dict(etas=(1.1, 1.2))), ("ASGD", dict(weight_decay=-1)),
]


@pytest.mark.parametrize("case", BAD_ARGS, ids=_ids)
def test_bad_arguments(case):
    name, kwargs = case
    _errors_match(lambda: getattr(eoptim, name)([ember.zeros(2, requires_grad=True)], **kwargs),
                  lambda: getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)],
                                                     **kwargs))


def test_param_errors():
    ep, tp = ember.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    _errors_match(lambda: eoptim.SGD(ep, lr=0.1), lambda: torch.optim.SGD(tp, lr=0.1))
    _errors_match(lambda: eoptim.SGD([], lr=0.1), lambda: torch.optim.SGD([], lr=0.1))
    _errors_match(lambda: eoptim.SGD([1.0], lr=0.1), lambda: torch.optim.SGD([1.0], lr=0.1))
    _errors_match(lambda: eoptim.SGD([ep * 2], lr=0.1), lambda: torch.optim.SGD([tp * 2], lr=0.1))
    _errors_match(lambda: eoptim.SGD([{"params": [ep]}, {"params": [ep]}], lr=0.1),
                  lambda: torch.optim.SGD([{"params": [tp]}, {"params": [tp]}], lr=0.1))
    _errors_match(lambda: eoptim.SGD([("a", ep), ep], lr=0.1),
                  lambda: torch.optim.SGD([("a", tp), tp], lr=0.1))
    e_opt, t_opt = eoptim.SGD([ep], lr=0.1), torch.optim.SGD([tp], lr=0.1)
    _errors_match(lambda: e_opt.add_param_group([ember.ones(1)]),
                  lambda: t_opt.add_param_group([torch.ones(1)]))
    _errors_match(lambda: e_opt.add_param_group({"params": ep}),
                  lambda: t_opt.add_param_group({"params": tp}))
    _errors_match(lambda: e_opt.add_param_group({"params": {ember.ones(1)}}),
                  lambda: t_opt.add_param_group({"params": {torch.ones(1)}}))
    _errors_match(lambda: e_opt.add_param_group({"params": [("b", ember.ones(1))]}),
                  lambda: t_opt.add_param_group({"params": [("b", torch.ones(1))]}))
    _errors_match(lambda: eoptim.Optimizer([ep], {}).step(),
                  lambda: torch.optim.Optimizer([tp], {}).step())


def test_duplicate_params_warn():
    p = ember.zeros(2, requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        eoptim.SGD([p, p], lr=0.1)


def test_named_params_and_add_param_group():
    a, b = ember.zeros(2, requires_grad=True), ember.zeros(3, requires_grad=True)
    opt = eoptim.SGD([("a", a)], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["param_names"] == ["a"]
    opt.add_param_group({"params": [("b", b)], "lr": 0.01})
    g = opt.param_groups[1]
    assert g["params"][0] is b and g["lr"] == 0.01 and g["momentum"] == 0.9
    sd = opt.state_dict()
    assert sd["param_groups"][1]["param_names"] == ["b"] and sd["param_groups"][1]["params"] == [1]


def test_required_default():
    from ember.optim.optimizer import required

    class Custom(eoptim.Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, {"lr": lr})

    with pytest.raises(ValueError, match="didn't specify a value of required optimization "
                                         "parameter lr"):
        Custom([ember.zeros(1, requires_grad=True)])
    assert repr(required) == "<required parameter>"


def test_step_hooks_and_custom_optimizer():
    from ember.optim.optimizer import (register_optimizer_step_post_hook,
                                       register_optimizer_step_pre_hook)
    calls = []

    class Custom(eoptim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

        def step(self, closure=None):
            calls.append("step")

    opt = Custom([ember.zeros(1, requires_grad=True)])
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    h2 = opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    h3 = register_optimizer_step_pre_hook(lambda o, a, k: calls.append("gpre"))
    h4 = register_optimizer_step_post_hook(lambda o, a, k: calls.append("gpost"))
    opt.step()
    assert calls == ["gpre", "pre", "step", "post", "gpost"]
    for h in (h1, h2, h3, h4):
        h.remove()
    calls.clear()
    opt.step()
    assert calls == ["step"]

    def change(o, args, kwargs):
        return args, {"closure": lambda: 7}

    p = ember.zeros(1, requires_grad=True)
    sgd = eoptim.SGD([p], lr=0.1)
    h = sgd.register_step_pre_hook(change)
    assert sgd.step() == 7
    h.remove()


def test_user_defined_optimizer_like_pytorch_tutorials():
    def make(lib, base):
        base_mod = importlib.import_module(base.__name__ + ".optimizer")
        required = base_mod.required

        class PlainSGD(base.Optimizer):
            def __init__(self, params, lr=required):
                super().__init__(params, dict(lr=lr, differentiable=False))

            @base_mod._use_grad_for_differentiable
            def step(self, closure=None):
                assert not lib.is_grad_enabled()
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            p.add_(p.grad, alpha=-group["lr"])
        return PlainSGD

    e, t = ember.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    eo, to = make(ember, eoptim)([e], lr=0.5), make(torch, torch.optim)([t], lr=0.5)
    for _ in range(3):
        (e * e).sum().backward()
        (t * t).sum().backward()
        eo.step()
        to.step()
        eo.zero_grad()
        to.zero_grad()
    _close(e, t, np.float32)
    assert repr(eo) == repr(to)


def test_state_dict_hooks():
    p = ember.zeros(1, requires_grad=True)
    opt = eoptim.SGD([p], lr=0.1)
    seen = []
    opt.register_state_dict_pre_hook(lambda o: seen.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    assert opt.state_dict()["extra"] == 1 and seen == ["pre"]
    opt.register_load_state_dict_pre_hook(lambda o, sd: seen.append("lpre"))
    opt.register_load_state_dict_post_hook(lambda o: seen.append("lpost"))
    opt.load_state_dict({"state": {}, "param_groups": [dict(opt.state_dict()["param_groups"][0],
                                                            lr=0.5)]})
    assert seen[-2:] == ["lpre", "lpost"] and opt.param_groups[0]["lr"] == 0.5


def test_deepcopy_and_tensor_lr():
    p = ember.ones(2, requires_grad=True)
    opt = eoptim.Adam([p], lr=ember.tensor(0.01))
    t = torch.ones(2, requires_grad=True)
    topt = torch.optim.Adam([t], lr=torch.tensor(0.01))
    for k in range(3):
        p.grad, t.grad = ember.full((2,), float(k + 1)), torch.full((2,), float(k + 1))
        opt.step()
        topt.step()
    _close(p, t, np.float32)
    clone = copy.deepcopy(opt)
    assert clone.param_groups[0]["params"][0] is not p
    assert set(clone.state_dict()["state"][0].keys()) == {"step", "exp_avg", "exp_avg_sq"}


def test_sparse_adam_rejects_dense_grads():
    p = ember.zeros(2, requires_grad=True)
    t = torch.zeros(2, requires_grad=True)
    e_opt, t_opt = eoptim.SparseAdam([p]), torch.optim.SparseAdam([t])
    p.grad, t.grad = ember.ones(2), torch.ones(2)
    _errors_match(e_opt.step, t_opt.step)
    _errors_match(lambda: eoptim.SparseAdam([ember.zeros(2, dtype=ember.complex64,
                                                         requires_grad=True)]),
                  lambda: torch.optim.SparseAdam([torch.zeros(2, dtype=torch.complex64,
                                                              requires_grad=True)]))


def test_sparse_grad_errors_for_dense_only_optimizers():
    p = ember.zeros(2, requires_grad=True)
    opt = eoptim.Adam([p])

    class FakeSparse:
        is_sparse = True

    p._grad = FakeSparse()
    with pytest.raises(RuntimeError, match="Adam does not support sparse gradients"):
        opt.step()


def test_differentiable_is_refused_not_ignored():
    p = ember.ones(2, requires_grad=True)
    opt = eoptim.SGD([p], lr=0.1, differentiable=True)
    p.grad = ember.ones(2)
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        opt.step()


def test_no_warnings_in_plain_use():
    p = ember.ones(2, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt = eoptim.RMSprop([p])
        p.grad = ember.ones(2)
        opt.step()


@pytest.mark.parametrize("kw", [dict(lr=0.01, momentum=0.9, weight_decay=1e-4),
                                dict(lr=0.013, momentum=0.9, nesterov=True),
                                dict(lr=0.05, momentum=0.5, dampening=0.1)])
def test_sgd_float32_trajectory_is_bit_exact(kw):
    # PyTorch's CPU add_/lerp_ with a scalar are fused multiply-adds (one rounding)
    rng = np.random.default_rng(0)
    shapes = [(37, 29), (1000,), (4, 3, 5, 5)]
    start = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(20)]
    out = []
    for m in (ember, torch):
        ps = [m.tensor(p.copy(), requires_grad=True) for p in start]
        opt = m.optim.SGD(ps, **kw)
        for gs in grads:
            for p, g in zip(ps, gs):
                p.grad = m.tensor(g)
            opt.step()
        out.append([p.detach().numpy() for p in ps])
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)
