"""Functional forms for sequences: attention (``scaled_dot_product_attention``,
``multi_head_attention_forward``). The recurrent layers' computations live in
`_sequence_rnn` (PyTorch has no public functional RNN either)."""
from . import _sequence_attention
from ._sequence_attention import *  # noqa: F401,F403

__all__ = list(_sequence_attention.__all__)
