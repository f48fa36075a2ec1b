"""``torch.linalg`` (being written)."""
