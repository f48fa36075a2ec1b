"""``torch.nn.utils.stateless.functional_call``: calls a module with some of its parameters
and buffers replaced by given tensors, restoring them afterwards."""
import contextlib

__all__ = ["functional_call"]


def _owner(module, name):
    *path, attr = name.split(".")
    mod = module
    for p in path:
        mod = getattr(mod, p)
    return mod, attr


@contextlib.contextmanager
def _reparametrize(module, tensors, tie_weights=True, strict=False):
    if strict:
        expected = {n for n, _ in module.named_parameters(remove_duplicate=False)} | \
            {n for n, _ in module.named_buffers(remove_duplicate=False)}
        missing = sorted(expected - set(tensors))
        unexpected = sorted(set(tensors) - expected)
        if missing or unexpected:
            msgs = []
            if unexpected:
                msgs.append("Unexpected key(s): %s." % ", ".join(repr(k) for k in unexpected))
            if missing:
                msgs.append("Missing key(s): %s." % ", ".join(repr(k) for k in missing))
            raise RuntimeError("Error(s) in reparametrizing for %s:\n\t%s"
                               % (module._get_name(), "\n\t".join(msgs)))
    tensors = dict(tensors)
    if tie_weights:
        # a tensor given under one name of a tied (shared) parameter replaces all its names
        by_id = {}
        for n, p in list(module.named_parameters(remove_duplicate=False)) + \
                list(module.named_buffers(remove_duplicate=False)):
            by_id.setdefault(id(p), []).append(n)
        for names in by_id.values():
            given = [n for n in names if n in tensors]
            if given:
                for n in names:
                    tensors.setdefault(n, tensors[given[0]])
    saved = []
    try:
        for name, value in tensors.items():
            mod, attr = _owner(module, name)
            for registry in (mod._parameters, mod._buffers):
                if attr in registry:
                    saved.append((registry, attr, registry[attr]))
                    registry[attr] = value
                    break
            else:
                saved.append((mod.__dict__, attr, mod.__dict__.get(attr)))
                mod.__dict__[attr] = value
        yield
    finally:
        for registry, attr, old in reversed(saved):
            registry[attr] = old


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the named parameters and buffers replaced."""
    if isinstance(parameter_and_buffer_dicts, (list, tuple)):
        merged = {}
        for d in parameter_and_buffer_dicts:
            for k, v in d.items():
                if k in merged:
                    raise ValueError("%s appeared in multiple dictionaries; behavior of "
                                     "functional call is ambiguous" % k)
                merged[k] = v
        parameter_and_buffer_dicts = merged
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize(module, parameter_and_buffer_dicts, tie_weights, strict):
        return module(*args, **kwargs)
