"""``torch.backends.mps``: Apple GPUs are not supported by ember."""


def is_available():
    return False


def is_built():
    return False
