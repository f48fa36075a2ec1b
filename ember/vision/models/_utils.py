"""Helpers shared by the model builders (``torchvision.models._utils``).

* ``handle_legacy_interface``: the pre-0.13 calling conventions (``pretrained=True``,
  positional arguments) still work, with torchvision's deprecation warnings;
* ``_ovewrite_named_param`` (sic, torchvision's name): pretrained weights fix ``num_classes``;
* ``_make_divisible``: channel counts rounded to a multiple of 8 (MobileNet);
* ``IntermediateLayerGetter``: run a model's children and return chosen intermediate outputs.
"""
import functools
import inspect
import warnings
from collections import OrderedDict

from ... import nn
from ._api import WeightsEnum


def sequence_to_str(seq, separate_last=""):
    """``'a', 'b', and 'c'``-style listing used in torchvision's messages."""
    if not seq:
        return ""
    if len(seq) == 1:
        return f"'{seq[0]}'"
    head = "'" + "', '".join(str(item) for item in seq[:-1]) + "'"
    comma = "" if separate_last and len(seq) == 2 else ","
    return f"{head}{comma} {separate_last}'{seq[-1]}'"


def _ovewrite_named_param(kwargs, param, new_value):
    """Sets ``kwargs[param] = new_value``; raises ValueError if the caller gave another value."""
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} "
                             f"but got {kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def _make_divisible(v, divisor, min_value=None):
    """`v` rounded to the nearest multiple of `divisor` (at least `min_value`), never
    more than 10% below `v` (from the TensorFlow MobileNet code)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def kwonly_to_pos_or_kw(fn):
    """Lets the keyword-only parameters of `fn` also be passed positionally (deprecated,
    with a warning), as the old model builders allowed."""
    params = inspect.signature(fn).parameters
    names = tuple(params)
    try:
        start = next(i for i, p in enumerate(params.values()) if p.kind == p.KEYWORD_ONLY)
    except StopIteration:
        raise TypeError(f"Found no keyword-only parameter on function '{fn.__name__}'") from None
    keyword_only = names[start:]

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        args, extra = args[:start], args[start:]
        if extra:
            moved = dict(zip(keyword_only, extra))
            warnings.warn(
                f"Using {sequence_to_str(tuple(moved), separate_last='and ')} as positional "
                f"parameter(s) is deprecated since 0.13 and may be removed in the future. Please use "
                f"keyword parameter(s) instead.")
            kwargs.update(moved)
        return fn(*args, **kwargs)

    return wrapper


def handle_legacy_interface(**weights):
    """Decorator giving a builder ``f(*, weights=None, ...)`` the old interface.

    Each keyword maps a weights parameter to ``(legacy_name, default)``: ``pretrained=True``
    becomes ``weights=default`` (a WeightsEnum member, or a callable taking the keyword
    arguments), ``pretrained=False`` becomes ``weights=None``; both warn as torchvision does.
    """

    def outer_wrapper(builder):
        @kwonly_to_pos_or_kw
        @functools.wraps(builder)
        def inner_wrapper(*args, **kwargs):
            for weights_param, (pretrained_param, default) in weights.items():
                sentinel = object()
                weights_arg = kwargs.get(weights_param, sentinel)
                if ((weights_param not in kwargs and pretrained_param not in kwargs)
                        or isinstance(weights_arg, WeightsEnum)
                        or (isinstance(weights_arg, str) and weights_arg != "legacy")
                        or weights_arg is None):
                    continue

                # a positional legacy `pretrained` arrives under the new name
                pretrained_positional = weights_arg is not sentinel
                if pretrained_positional:
                    kwargs[pretrained_param] = pretrained_arg = kwargs.pop(weights_param)
                else:
                    pretrained_arg = kwargs[pretrained_param]

                if pretrained_arg:
                    default_weights_arg = default(kwargs) if callable(default) else default
                    if not isinstance(default_weights_arg, WeightsEnum):
                        raise ValueError(f"No weights available for model {builder.__name__}")
                else:
                    default_weights_arg = None

                if not pretrained_positional:
                    warnings.warn(
                        f"The parameter '{pretrained_param}' is deprecated since 0.13 and may be "
                        f"removed in the future, please use '{weights_param}' instead.")

                msg = (f"Arguments other than a weight enum or `None` for '{weights_param}' are "
                       f"deprecated since 0.13 and may be removed in the future. The current "
                       f"behavior is equivalent to passing `{weights_param}={default_weights_arg}`.")
                if pretrained_arg:
                    msg = (f"{msg} You can also use `{weights_param}="
                           f"{type(default_weights_arg).__name__}.DEFAULT` to get the most "
                           f"up-to-date weights.")
                warnings.warn(msg)

                del kwargs[pretrained_param]
                kwargs[weights_param] = default_weights_arg

            return builder(*args, **kwargs)

        return inner_wrapper

    return outer_wrapper


class IntermediateLayerGetter(nn.ModuleDict):
    """Runs `model`'s children in order (up to the last one asked for) and returns an
    OrderedDict of the outputs named in `return_layers` ({child name: output name})."""

    _version = 2

    def __init__(self, model, return_layers):
        if not set(return_layers).issubset([name for name, _ in model.named_children()]):
            raise ValueError("return_layers are not present in model")
        orig_return_layers = return_layers
        remaining = {str(k): str(v) for k, v in return_layers.items()}
        layers = OrderedDict()
        for name, module in model.named_children():
            layers[name] = module
            remaining.pop(name, None)
            if not remaining:
                break
        super().__init__(layers)
        self.return_layers = orig_return_layers

    def forward(self, x):
        out = OrderedDict()
        for name, module in self.items():
            x = module(x)
            if name in self.return_layers:
                out[self.return_layers[name]] = x
        return out
