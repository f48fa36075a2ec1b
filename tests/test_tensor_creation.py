"""torch.tensor's errors on strings, and the strides PyTorch gives empty tensors."""
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
