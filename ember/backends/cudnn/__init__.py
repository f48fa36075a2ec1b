"""``torch.backends.cudnn`` flags, accepted so that PyTorch scripts run unchanged."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    return False


def version():
    return None
