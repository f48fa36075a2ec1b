"""ember's tensor printing against PyTorch's, by exact string equality.

A tiny fake tensor (NumPy data + ember dtype) stands in for ember's Tensor so that only
`ember._tensor_str` is exercised; torch prints a tensor holding the same values.
"""
import time
from dataclasses import dataclass

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from ember import _dtype  # noqa: E402
from ember import _tensor_str as ts  # noqa: E402


@dataclass(frozen=True)
class FakeDevice:
    type: str = "cpu"
    index: int = None

    def __str__(self):
        return self.type if self.index is None else "%s:%d" % (self.type, self.index)


@dataclass
class FakeNode:
    node_name: str

    def name(self):
        return self.node_name


@dataclass
class FakeTensor:
    _data: np.ndarray
    dtype: object
    requires_grad: bool = False
    grad_fn: object = None
    device: FakeDevice = FakeDevice()

    @property
    def shape(self):
        return self._data.shape

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def __repr__(self):
        return ts.tensor_repr(self)


def pair(array, dtype_name=None):
    """(ember fake tensor, torch tensor) holding the same values of dtype `dtype_name`."""
    t = torch.from_numpy(np.ascontiguousarray(array))
    if dtype_name is not None:
        t = t.to(getattr(torch, dtype_name))
    name = str(t.dtype)[len("torch."):]
    # bfloat16 arrives in ember as float32 arrays of bfloat16-rounded values
    data = t.float().numpy() if name == "bfloat16" else t.numpy()
    return FakeTensor(data, _dtype._dtype_by_name(name)), t


@pytest.fixture(autouse=True)
def reset_options():
    yield
    torch.set_printoptions(profile="default")
    ts.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)
    _dtype.set_default_dtype(_dtype.float32)


def set_both(**options):
    torch.set_printoptions(**options)
    ts.set_printoptions(**options)


rng = np.random.default_rng(0)
nan, inf = float("nan"), float("inf")

CASES = {
    "float_small": (np.array([1.5, 2.25, -3.125]), "float32"),
    "float_int_mode": (np.array([1.0, 2.0, -300.0]), "float32"),
    "float_zeros": (np.zeros(4), "float32"),
    "float_neg_zero": (np.array([-0.0, 0.0]), "float32"),
    "float_tiny_sci": (np.array([1e-5, 2.5e-6]), "float32"),
    "float_huge_sci": (np.array([1e9, 3.0]), "float32"),
    "float_ratio_sci": (np.array([0.001, 1.5]), "float32"),
    "float_ratio_fixed": (np.array([0.01, 9.5]), "float32"),
    "float_exp3": (np.array([1e-200, 1.0]), "float64"),
    "float_rounds_up": (np.array([9.99996, 1.0]), "float32"),
    "float_mixed": (np.array([0.1, -22.5, 333.0, 0.0]), "float32"),
    "float_random_2d": (rng.standard_normal((4, 5)), "float32"),
    "float_random_3d": (rng.standard_normal((2, 3, 4)) * 100, "float32"),
    "float_4d": (np.arange(24.0).reshape(1, 2, 3, 4), "float32"),
    "float_nan_inf": (np.array([nan, inf, -inf, 1.5]), "float32"),
    "float_nan_int": (np.array([nan, 1.0, -inf]), "float32"),
    "float_all_nan": (np.array([nan, nan]), "float32"),
    "float_nan_sci": (np.array([nan, 1e-7, inf]), "float32"),
    "float64": (np.array([1.0 / 3, 2.0]), "float64"),
    "float16": (np.array([0.1, 1000.0, -2.5]), "float16"),
    "bfloat16": (np.array([0.1, 1000.0, -2.5, 3.0e38]), "bfloat16"),
    "bfloat16_int": (np.array([1.0, 257.0]), "bfloat16"),
    "int64": (np.array([1, -20, 300]), "int64"),
    "int32": (np.array([[1, 2], [30000, -4]]), "int32"),
    "int8": (np.array([-128, 0, 127]), "int8"),
    "int16": (np.array([5, 6]), "int16"),
    "uint8": (np.array([0, 255, 7]), "uint8"),
    "int64_extreme": (np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max]), "int64"),
    "bool": (np.array([True, False, True]), "bool"),
    "bool_all_true": (np.array([[True], [True]]), "bool"),
    "complex64": (np.array([1 + 2j, -3.5 - 0.25j, 0j]), "complex64"),
    "complex128": (np.array([1e-6 + 1j, 2 - 3j]), "complex128"),
    "complex_int_mode": (np.array([[1 + 1j, 2 - 2j], [3j, -4]]), "complex64"),
    "complex_nan": (np.array([complex(nan, nan), complex(1, -inf)]), "complex64"),
    "scalar_float": (np.array(3.14159), "float32"),
    "scalar_int_mode": (np.array(3.0), "float32"),
    "scalar_nan": (np.array(nan), "float32"),
    "scalar_int": (np.array(-7), "int64"),
    "scalar_int32": (np.array(7), "int32"),
    "scalar_bool": (np.array(True), "bool"),
    "scalar_complex": (np.array(1 - 2j), "complex64"),
    "scalar_sci": (np.array(1e-9), "float64"),
    "empty_float": (np.zeros(0), "float32"),
    "empty_int64": (np.zeros(0), "int64"),
    "empty_bool": (np.zeros(0), "bool"),
    "empty_0x3": (np.zeros((0, 3)), "float32"),
    "empty_2x0x4_int32": (np.zeros((2, 0, 4)), "int32"),
    "empty_float64": (np.zeros((3, 0)), "float64"),
    "wrap_float": (np.linspace(-1, 1, 40), "float32"),
    "wrap_int": (np.arange(100) * 7, "int64"),
    "wrap_int32_suffix": (np.arange(30) * 1000, "int32"),
    "wrap_complex": (rng.standard_normal(12) + 1j * rng.standard_normal(12), "complex64"),
    "wrap_2d": (rng.standard_normal((3, 12)), "float64"),
    "summary_1d": (np.arange(2000.0), "float32"),
    "summary_2d": (rng.standard_normal((40, 50)), "float32"),
    "summary_3d_int": (np.arange(24000).reshape(20, 30, 40), "int32"),
    "summary_narrow": (np.arange(3000).reshape(3000, 1), "int64"),
    "summary_short_rows": (np.arange(4000.0).reshape(2, 2000) / 7, "float32"),
    "summary_complex": (np.arange(2000) * (1 + 1j), "complex128"),
    "summary_sci_only_in_middle": (np.r_[np.ones(3), 1e-9, np.ones(2000)], "float32"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name):
    array, dtype_name = CASES[name]
    ours, theirs = pair(array, dtype_name)
    assert repr(ours) == repr(theirs)


OPTIONS = {
    "precision_10": dict(precision=10),
    "precision_1": dict(precision=1),
    "sci_false": dict(sci_mode=False),
    "sci_true": dict(sci_mode=True),
    "linewidth_40": dict(linewidth=40),
    "linewidth_10": dict(linewidth=10),
    "edgeitems_1": dict(edgeitems=1, threshold=10),
    "edgeitems_0": dict(edgeitems=0, threshold=10),
    "threshold_5": dict(threshold=5),
    "profile_short": dict(profile="short"),
    "profile_full": dict(profile="full"),
    "profile_short_override": dict(profile="short", precision=6),
}
OPTION_ARRAYS = {
    "mixed": (np.array([1e-5, 0.5, 123.456, -7.0]), "float32"),
    "int_mode": (np.array([1.0, 2.0, 1e5]), "float32"),
    "matrix": (rng.standard_normal((5, 9)), "float32"),
    "long_int": (np.arange(1500).reshape(30, 50), "int32"),
    "long_float": (np.arange(1200.0) / 3, "float64"),
    "complex": (np.array([1.5 + 2j, 1e-5j, 3]), "complex64"),
    "scalar": (np.array(2.5), "float32"),
    "zeros": (np.zeros(3), "float32"),
}


@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("name", list(OPTION_ARRAYS))
def test_repr_with_options_matches_torch(option, name):
    set_both(**OPTIONS[option])
    array, dtype_name = OPTION_ARRAYS[name]
    ours, theirs = pair(array, dtype_name)
    assert repr(ours) == repr(theirs)


def test_get_printoptions_and_context_manager():
    assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
    set_both(profile="full", sci_mode=True)
    assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
    set_both(precision=3)  # sci_mode goes back to None, as in torch
    assert ts.get_printoptions() == torch._tensor_str.get_printoptions()
    before = ts.get_printoptions()
    ours, theirs = pair(np.array([1.0 / 3]), "float32")
    with ts.printoptions(precision=7), torch._tensor_str.printoptions(precision=7):
        assert ts.PRINT_OPTS.precision == 7
        assert repr(ours) == repr(theirs)
    assert ts.get_printoptions() == before

    @ts.printoptions(precision=1)
    def short_repr(t):
        return repr(t)

    assert short_repr(ours) == "tensor([0.3])"
    assert ts.get_printoptions() == before


def test_default_dtype_float64():
    torch.set_default_dtype(torch.float64)
    _dtype.set_default_dtype(_dtype.float64)
    for array, dtype_name in [(np.array([1.5]), "float64"), (np.array([1.5]), "float32"),
                              (np.array([1j]), "complex128"), (np.array([1j]), "complex64"),
                              (np.zeros((0, 2)), "float64"), (np.zeros(0), "float32")]:
        ours, theirs = pair(array, dtype_name)
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["float_small", "int32", "wrap_float", "scalar_float",
                                  "wrap_int32_suffix", "summary_2d", "complex64"])
def test_autograd_suffixes(name):
    array, dtype_name = CASES[name]
    if dtype_name in ("int32",):
        dtype_name = "float64"  # only floating tensors can require grad
    ours, theirs = pair(array, dtype_name)
    theirs.requires_grad_()
    ours.requires_grad = True
    assert repr(ours) == repr(theirs)
    product = theirs * 1
    ours.grad_fn = FakeNode("MulBackward0")
    assert repr(ours) == repr(product)


def test_device_suffix():
    t = FakeTensor(np.array([1.0, 2.0], dtype=np.float32), _dtype.float32,
                   device=FakeDevice("cuda", 0), requires_grad=True)
    assert repr(t) == "tensor([1., 2.], device='cuda:0', requires_grad=True)"
    t = FakeTensor(np.array([1, 2], dtype=np.int32), _dtype.int32, device=FakeDevice("cuda", 0))
    assert repr(t) == "tensor([1, 2], device='cuda:0', dtype=torch.int32)"


def test_custom_prefix():
    ours, theirs = pair(rng.standard_normal((2, 3)))
    theirs = torch.nn.Parameter(theirs)
    ours.requires_grad = True
    expected = repr(theirs)
    assert "Parameter containing:\n" + ts.tensor_repr(ours) == expected
    assert ts.tensor_repr(ours, prefix="Parameter containing:\ntensor(") == expected


def test_huge_expanded_view_is_fast():
    row = np.arange(10, dtype=np.float32) / 4
    cases = [
        (np.broadcast_to(np.float32(1.5), (10**6, 10**7)), torch.tensor(1.5).expand(10**6, 10**7)),
        (np.broadcast_to(row, (10**6, 10)), torch.from_numpy(row).expand(10**6, 10)),
        (np.broadcast_to(row, (10**4, 10**4, 10)), torch.from_numpy(row).expand(10**4, 10**4, 10)),
    ]
    start = time.perf_counter()
    for data, theirs in cases:
        assert repr(FakeTensor(data, _dtype.float32)) == repr(theirs)
    assert time.perf_counter() - start < 1.0  # includes torch's own printing


def test_non_contiguous_views():
    base = np.arange(3000, dtype=np.float32).reshape(30, 100) / 8
    for data in (base.T, base[::-3, 1::7], base[:4].T[::-1], base[:, 5]):
        assert not data.flags.c_contiguous
        theirs = torch.from_numpy(data.copy())
        assert repr(FakeTensor(data, _dtype.float32)) == repr(theirs)
