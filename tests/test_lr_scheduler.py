"""ember.optim.lr_scheduler against torch.optim.lr_scheduler.

Every scheduler runs 30 steps on a two-group optimizer in both libraries; the learning
rates (and momentum / betas where a schedule cycles them) must agree exactly, since both
compute them with the same Python float arithmetic. State dicts, warnings and errors are
compared too.
"""
import math
import warnings

import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.optim as eoptim  # noqa: E402
from ember.optim import lr_scheduler as elrs  # noqa: E402

tlrs = torch.optim.lr_scheduler
STEPS = 30


def _optimizers(opt_name="SGD"):
    e = [ember.zeros(2, requires_grad=True), ember.zeros(3, requires_grad=True)]
    t = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    kw = dict(momentum=0.9) if opt_name == "SGD" else {}
    e_opt = getattr(eoptim, opt_name)([{"params": [e[0]]}, {"params": [e[1]], "lr": 0.05}],
                                      lr=0.1, **kw)
    t_opt = getattr(torch.optim, opt_name)([{"params": [t[0]]}, {"params": [t[1]], "lr": 0.05}],
                                           lr=0.1, **kw)
    return e_opt, t_opt


def _groups_view(opt):
    keys = ("lr", "momentum", "betas", "initial_lr", "max_lr", "min_lr", "max_momentum",
            "base_momentum")
    return [{k: g[k] for k in keys if k in g} for g in opt.param_groups]


class Halve:
    """A callable object (its __dict__ goes into the state dict)."""

    def __init__(self):
        self.factor = 0.5

    def __call__(self, epoch):
        return self.factor ** (epoch // 7)


def lam(epoch):
    return 0.95 ** epoch


SCHEDULES = {
    "LambdaLR": lambda L, o: L.LambdaLR(o, lr_lambda=lam),
    "LambdaLR-list": lambda L, o: L.LambdaLR(o, lr_lambda=[lam, Halve()]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lr_lambda=lambda e: 0.9),
    "StepLR": lambda L, o: L.StepLR(o, step_size=4, gamma=0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[3, 7, 7, 20], gamma=0.3),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.25, total_iters=6),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=12),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.9),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=20, power=2.0),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=8, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=5),
    "CosineAnnealingWarmRestarts-mult": lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.01),
    "CyclicLR": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-tri2": lambda L, o: L.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.2,
                                             step_size_up=3, step_size_down=5,
                                             mode="triangular2"),
    "CyclicLR-exp": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=5, mode="exp_range",
                                            gamma=0.95, base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-fn": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=2, cycle_momentum=False,
                                           scale_fn=lambda x: 1 / (x + 1),
                                           scale_mode="iterations"),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=STEPS),
    "OneCycleLR-linear3": lambda L, o: L.OneCycleLR(o, max_lr=[0.5, 0.3], epochs=3,
                                                    steps_per_epoch=10, pct_start=0.25,
                                                    anneal_strategy="linear", three_phase=True),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=5),
            L.ExponentialLR(o, gamma=0.9), L.StepLR(o, step_size=3)], milestones=[5, 15]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.5, total_iters=4), L.ExponentialLR(o, gamma=0.9)]),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_lr_sequence_matches_torch(name):
    opt_name = "Adam" if name in ("CyclicLR-exp", "OneCycleLR-linear3") else "SGD"
    e_opt, t_opt = _optimizers(opt_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e_s, t_s = SCHEDULES[name](elrs, e_opt), SCHEDULES[name](tlrs, t_opt)
    assert e_s.get_last_lr() == t_s.get_last_lr()
    assert _groups_view(e_opt) == _groups_view(t_opt)
    steps = STEPS - 1 if name.startswith("OneCycleLR") else STEPS
    for _ in range(steps):
        e_opt.step()
        t_opt.step()
        e_s.step()
        t_s.step()
        assert e_s.get_last_lr() == t_s.get_last_lr(), name
        assert _groups_view(e_opt) == _groups_view(t_opt)
    assert getattr(e_s, "last_epoch", None) == getattr(t_s, "last_epoch", None)
    _compare_state_dicts(e_s.state_dict(), t_s.state_dict())


def _compare_state_dicts(e, t):
    assert sorted(e.keys()) == sorted(t.keys())
    for k in t:
        if k == "_schedulers":
            for es, ts in zip(e[k], t[k]):
                _compare_state_dicts(es, ts)
        elif callable(t[k]) or k == "_scale_fn_ref":
            continue
        else:
            assert e[k] == t[k], k


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
                                  "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
                                  "CosineAnnealingWarmRestarts-mult", "LambdaLR"])
def test_step_with_epoch_uses_closed_form(name):
    e_opt, t_opt = _optimizers()
    e_s, t_s = SCHEDULES[name](elrs, e_opt), SCHEDULES[name](tlrs, t_opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in [3, 4, 10, 2, 7, 25, 13.5 if "Warm" in name else 13]:
            e_opt.step()
            t_opt.step()
            e_s.step(epoch)
            t_s.step(epoch)
            assert e_s.get_last_lr() == pytest.approx(t_s.get_last_lr(), rel=1e-15, abs=0)
            assert e_s.last_epoch == t_s.last_epoch


def test_reduce_lr_on_plateau():
    metrics = [1.0, 0.9, 0.91, 0.92, 0.93, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 0.5, 0.6, 0.7,
               0.8, 0.9, 1.0, 1.1, 1.2, 1.3]
    for kwargs in [dict(patience=2), dict(mode="max", factor=0.5, patience=1, cooldown=2),
                   dict(threshold_mode="abs", threshold=0.05, patience=0, min_lr=[0.02, 0.001]),
                   dict(mode="max", threshold_mode="abs", patience=1, eps=0.01)]:
        e_opt, t_opt = _optimizers()
        e_s, t_s = elrs.ReduceLROnPlateau(e_opt, **kwargs), tlrs.ReduceLROnPlateau(t_opt, **kwargs)
        for m in metrics:
            e_s.step(ember.tensor(m))
            t_s.step(torch.tensor(m))
            assert e_s.get_last_lr() == t_s.get_last_lr()
            assert (e_s.best, e_s.num_bad_epochs, e_s.cooldown_counter) == \
                (t_s.best, t_s.num_bad_epochs, t_s.cooldown_counter)
        _compare_state_dicts(e_s.state_dict(), t_s.state_dict())


def test_state_dict_roundtrip():
    e_opt, _ = _optimizers()
    s = elrs.LambdaLR(e_opt, lr_lambda=[lam, Halve()])
    for _ in range(5):
        e_opt.step()
        s.step()
    sd = s.state_dict()
    assert sd["lr_lambdas"] == [None, {"factor": 0.5}]
    assert "optimizer" not in sd
    e_opt2, _ = _optimizers()
    halve = Halve()
    halve.factor = 0.1
    s2 = elrs.LambdaLR(e_opt2, lr_lambda=[lam, halve])
    s2.load_state_dict(sd)
    assert halve.factor == 0.5 and s2.last_epoch == 5
    s2.step()
    s.step()
    assert s2.get_last_lr() == s.get_last_lr()

    e_opt3, _ = _optimizers()
    seq = SCHEDULES["SequentialLR"](elrs, e_opt3)
    for _ in range(7):
        e_opt3.step()
        seq.step()
    sd = seq.state_dict()
    assert len(sd["_schedulers"]) == 3 and sd["last_epoch"] == 7


def test_step_before_optimizer_warns():
    e_opt, t_opt = _optimizers()
    e_s, t_s = elrs.StepLR(e_opt, 3), tlrs.StepLR(t_opt, 3)
    with pytest.warns(UserWarning) as ew:
        e_s.step()
    with pytest.warns(UserWarning) as tw:
        t_s.step()
    assert [str(w.message) for w in ew] == [str(w.message) for w in tw]
    assert "Detected call of `lr_scheduler.step()` before `optimizer.step()`" in str(ew[0].message)

    e_opt, _ = _optimizers()
    s = elrs.StepLR(e_opt, 3)
    e_opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.step()
        s.step()

    e_opt, _ = _optimizers()
    s = elrs.StepLR(e_opt, 3)
    e_opt.step = lambda closure=None: None
    with pytest.warns(UserWarning, match="has been overridden after learning rate scheduler"):
        s.step()


def test_get_lr_outside_step_warns_and_deprecated_epoch_warns():
    e_opt, _ = _optimizers()
    s = elrs.ExponentialLR(e_opt, 0.5)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()
    e_opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
        s.step(3)
    assert s.get_last_lr() == [0.1 * 0.5 ** 3, 0.05 * 0.5 ** 3]


def test_errors_match_torch():
    cases = [
        lambda L, o: L.StepLR(object(), 3),
        lambda L, o: L.StepLR(o, 3, last_epoch=5),
        lambda L, o: L.LambdaLR(o, lr_lambda=[lam]),
        lambda L, o: L.MultiplicativeLR(o, lr_lambda=[lam, 3]),
        lambda L, o: L.ConstantLR(o, factor=1.5),
        lambda L, o: L.LinearLR(o, start_factor=0),
        lambda L, o: L.LinearLR(o, end_factor=2),
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0),
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5),
        lambda L, o: L.CyclicLR(o, 0.1, 1.0, mode="bogus"),
        lambda L, o: L.CyclicLR(o, [0.1], 1.0),
        lambda L, o: L.OneCycleLR(o, 1.0),
        lambda L, o: L.OneCycleLR(o, 1.0, total_steps=10, pct_start=1),
        lambda L, o: L.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy="exp"),
        lambda L, o: L.ReduceLROnPlateau(o, factor=1.0),
        lambda L, o: L.ReduceLROnPlateau(o, mode="middle"),
        lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1]),
        lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2)], milestones=[3]),
        lambda L, o: L.SequentialLR(o, [], milestones=[]),
        lambda L, o: L.ChainedScheduler([L.ReduceLROnPlateau(o)]),
    ]
    for make in cases:
        e_opt, t_opt = _optimizers()
        with pytest.raises(Exception) as te:
            make(tlrs, t_opt)
        with pytest.raises(Exception) as ee:
            make(elrs, e_opt)
        assert type(ee.value) is type(te.value)
        assert str(ee.value) == str(te.value)


def test_one_cycle_too_many_steps():
    e_opt, t_opt = _optimizers()
    e_s, t_s = elrs.OneCycleLR(e_opt, 1.0, total_steps=3), tlrs.OneCycleLR(t_opt, 1.0,
                                                                           total_steps=3)
    for _ in range(3):
        e_opt.step()
        e_s.step()
        t_opt.step()
        t_s.step()
    with pytest.raises(ValueError) as te:
        t_s.step()
    with pytest.raises(ValueError) as ee:
        e_s.step()
    assert str(ee.value) == str(te.value)


def test_tensor_lr_is_filled_in_place():
    p = ember.zeros(2, requires_grad=True)
    lr = ember.tensor(0.1)
    opt = eoptim.SGD([p], lr=lr)
    s = elrs.ExponentialLR(opt, 0.5)
    opt.step()
    s.step()
    assert opt.param_groups[0]["lr"] is lr
    assert math.isclose(lr.item(), 0.05, rel_tol=1e-6)
    assert isinstance(s.get_last_lr()[0], ember.Tensor)


def test_scheduler_class_names_and_module():
    for name in ["LRScheduler", "ReduceLROnPlateau", "CyclicLR", "OneCycleLR", "StepLR"]:
        assert getattr(elrs, name).__module__ == "ember.optim.lr_scheduler"
    assert issubclass(elrs._LRScheduler, elrs.LRScheduler)
