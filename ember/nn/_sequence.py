"""Functional forms of the recurrent and attention layers (being written)."""
__all__ = []
