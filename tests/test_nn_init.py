"""nn.init against torch.nn.init: after the same seed every initialiser gives PyTorch's
exact values (same random stream, same order), plus gains, fans and errors."""
import math

import numpy as np
import pytest

import ember
import ember.nn.init as einit

torch = pytest.importorskip("torch")
tinit = torch.nn.init

CASES = [
    ("uniform_", (3, 4), {"a": -2.0, "b": 0.5}),
    ("normal_", (3, 4), {"mean": 1.0, "std": 0.3}),
    ("normal_#big", (20, 30), {}),
    ("constant_", (3, 4), {"val": 0.7}),
    ("ones_", (2, 3), {}),
    ("zeros_", (2, 3), {}),
    ("eye_", (3, 5), {}),
    ("dirac_", (4, 2, 3), {}),
    ("dirac_#groups", (4, 2, 3, 3), {"groups": 2}),
    ("xavier_uniform_", (5, 7), {"gain": 2.0}),
    ("xavier_normal_", (6, 3, 2, 2), {}),
    ("kaiming_uniform_", (8, 5), {"a": math.sqrt(5)}),
    ("kaiming_uniform_#fan_out", (8, 5, 3), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", (8, 5), {"nonlinearity": "tanh"}),
    ("trunc_normal_", (40, 30), {}),
    ("trunc_normal_#narrow", (30, 20), {"mean": 0.5, "std": 2.0, "a": -0.5, "b": 0.7}),
    ("orthogonal_", (4, 6), {"gain": 1.5}),
    ("orthogonal_#tall", (7, 3), {}),
    ("orthogonal_#conv", (4, 2, 3), {}),
    ("sparse_", (10, 4), {"sparsity": 0.3}),
]


def _fn(name, module):
    return getattr(module, name.split("#")[0])


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_initialiser_matches_torch(case):
    name, shape, kwargs = case
    torch.manual_seed(42)
    ember.manual_seed(42)
    t = torch.empty(shape)
    e = ember.empty(shape)
    rt = _fn(name, tinit)(t, **kwargs)
    re = _fn(name, einit)(e, **kwargs)
    assert re is e and rt is t
    rtol = 1e-5 if name.startswith("orthogonal") else 0
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=rtol, atol=1e-6 if rtol else 0)
    # the generator was left where torch left it
    np.testing.assert_array_equal(ember.rand(3).numpy(), torch.rand(3).numpy())


def test_initialisers_on_parameters_keep_requires_grad():
    p = ember.nn.Parameter(ember.empty(3, 4))
    einit.kaiming_uniform_(p, a=math.sqrt(5))
    einit.zeros_(p)
    einit.constant_(p, 2.0)
    assert p.requires_grad and p.grad_fn is None
    assert float(p.sum()) == 24.0


@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",),
                                  ("leaky_relu",), ("leaky_relu", 0.2), ("leaky_relu", 3),
                                  ("selu",)])
def test_calculate_gain(args):
    assert einit.calculate_gain(*args) == tinit.calculate_gain(*args)


def test_fans():
    for shape in [(3, 4), (5, 2, 3, 3), (6, 4, 7)]:
        assert einit._calculate_fan_in_and_fan_out(ember.empty(shape)) == \
            tinit._calculate_fan_in_and_fan_out(torch.empty(shape))


ERRORS = [
    lambda I, L: I.calculate_gain("foo"),
    lambda I, L: I.calculate_gain("leaky_relu", "x"),
    lambda I, L: I.xavier_uniform_(L.empty(3)),
    lambda I, L: I.kaiming_uniform_(L.empty(3, 4), mode="fan_mid"),
    lambda I, L: I.eye_(L.empty(2, 2, 2)),
    lambda I, L: I.dirac_(L.empty(2, 2)),
    lambda I, L: I.dirac_(L.empty(3, 2, 2), groups=2),
    lambda I, L: I.orthogonal_(L.empty(3)),
    lambda I, L: I.sparse_(L.empty(3), 0.1),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_torch(i):
    with pytest.raises(Exception) as te:
        ERRORS[i](tinit, torch)
    with pytest.raises(Exception) as ee:
        ERRORS[i](einit, ember)
    assert type(ee.value).__name__ == type(te.value).__name__
    assert str(ee.value) == str(te.value)


def test_deprecated_aliases_warn():
    with pytest.warns(FutureWarning, match="nn.init.uniform_"):
        einit.uniform(ember.empty(2))


def test_seed_example_xavier_normal():
    """Seed 000's example: manual_seed then xavier_normal_ on a Linear's weight."""
    torch.manual_seed(1)
    ember.manual_seed(1)
    t = torch.nn.Linear(3, 4)
    e = ember.nn.Linear(3, 4)
    tinit.xavier_normal_(t.weight)
    einit.xavier_normal_(e.weight)
    np.testing.assert_array_equal(e.weight.detach().numpy(), t.weight.detach().numpy())
