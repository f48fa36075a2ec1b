"""Spatial functional ops: convolution, pooling, interpolation, padding, sampling (being written)."""
__all__ = []
