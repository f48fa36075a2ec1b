"""torch.tensor's errors on strings, the strides PyTorch gives empty tensors, the default
device."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("data", ["a", ["a"], [1, "a"], ["a", 1], [[1], ["a"]], [b"x"],
                                  [[1, 2], "ab"]])
def test_strings_raise_pytorchs_errors(data):
    with pytest.raises(Exception) as t_err:
        torch.tensor(data)
    with pytest.raises(Exception) as e_err:
        ember.tensor(data)
    assert type(e_err.value) is type(t_err.value)
    assert str(e_err.value) == str(t_err.value)


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 3, 1), (2, 0, 3), (1, 0, 1, 4)])
def test_empty_tensors_have_contiguous_strides(shape):
    assert ember.empty(shape).stride() == torch.empty(shape).stride()
    assert ember.zeros(shape).is_contiguous()


def test_default_device_like_torch():
    """set_default_device / get_default_device / ``with device(...)`` on a CPU-only build:
    the default is reported as torch does, CUDA factories raise torch's error, and leaving
    the context restores the previous default."""
    for lib in (torch, ember):
        assert repr(lib.get_default_device()) == "device(type='cpu')"
        lib.set_default_device("cuda")
        try:
            with pytest.raises(AssertionError, match="not compiled with CUDA"):
                lib.zeros(2)
            with pytest.raises(AssertionError, match="not compiled with CUDA"):
                lib.tensor([1.0])
            with pytest.raises(AssertionError, match="not compiled with CUDA"):
                lib.nn.Linear(2, 2)
            assert lib.from_numpy(np.zeros(2)).device.type == "cpu"
        finally:
            lib.set_default_device(None)
        with lib.device("cpu") as d:
            assert d == lib.device("cpu") and lib.get_default_device() == d
            with lib.device("cuda"):
                with pytest.raises(AssertionError):
                    lib.randn(2)
            assert lib.rand(2).device.type == "cpu"
        lib.set_default_device("cpu")
        assert repr(lib.get_default_device()) == "device(type='cpu')"
        lib.set_default_device(None)
        with pytest.raises(TypeError):
            lib.set_default_device(3.0)
