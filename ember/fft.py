"""``torch.fft`` (being written)."""
