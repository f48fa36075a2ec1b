"""``torch.nn.utils.skip_init``."""
import inspect

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """Builds ``module_cls(*args, **kwargs)`` without its initialisation drawing from the
    random generator (ember initialises anyway, then restores the generator's state, so the
    values are arbitrary as in PyTorch and later draws are unaffected)."""
    from ...random import default_generator
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    state = default_generator.get_state()
    try:
        return module_cls(*args, **kwargs)
    finally:
        default_generator.set_state(state)
