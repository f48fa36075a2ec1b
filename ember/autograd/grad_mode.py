"""Whether operations record the autograd graph: no_grad, enable_grad, set_grad_enabled,
inference_mode. Each works as a context manager and as a decorator."""
import functools


class _State:
    enabled = True
    inference = False


state = _State()


def is_grad_enabled():
    return state.enabled


def is_inference_mode_enabled():
    return state.inference


class _Mode:
    """Base of the grad-mode context managers: set a flag on enter, restore it on exit."""

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()

    def __enter__(self):
        self.prev = state.enabled
        state.enabled = self._value()

    def __exit__(self, *exc):
        state.enabled = self.prev
        return False


class no_grad(_Mode):
    """Disables gradient recording inside its block: results have ``requires_grad=False``."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)  # used as @no_grad without parentheses

    def _value(self):
        return False


class enable_grad(_Mode):
    """Enables gradient recording inside its block, even within ``no_grad``."""

    def _value(self):
        return True


class set_grad_enabled(_Mode):
    """Sets gradient recording on or off; works as a plain call too."""

    def __init__(self, mode):
        self.prev = state.enabled
        self.mode = bool(mode)
        state.enabled = self.mode

    def clone(self):
        return set_grad_enabled(self.mode)

    def __repr__(self):
        return "%s.%s(mode=%s)" % (type(self).__module__, type(self).__qualname__, self.mode)

    def _value(self):
        return self.mode

    def __enter__(self):
        state.enabled = self.mode


class inference_mode(_Mode):
    """Like ``no_grad`` (ember keeps no separate inference tensors)."""

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def clone(self):
        return inference_mode(self.mode)

    def _value(self):
        return not self.mode if self.mode else state.enabled

    def __enter__(self):
        self.prev_inf = state.inference
        state.inference = self.mode
        super().__enter__()

    def __exit__(self, *exc):
        state.inference = self.prev_inf
        return super().__exit__(*exc)
