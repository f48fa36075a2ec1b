"""Anomaly detection: accepted and recorded; ember's errors already name the failing node."""
_enabled = [False]


def is_anomaly_enabled():
    return _enabled[0]


class set_detect_anomaly:
    def __init__(self, mode, check_nan=True):
        self.prev = _enabled[0]
        _enabled[0] = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _enabled[0] = self.prev
        return False


class detect_anomaly(set_detect_anomaly):
    def __init__(self, check_nan=True):
        import warnings
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)
        super().__init__(True, check_nan)

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with set_detect_anomaly(True):
                return fn(*a, **k)
        return wrapper
