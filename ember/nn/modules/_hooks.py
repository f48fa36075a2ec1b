"""Module hooks: removable handles, the hooks common to all modules
(``register_module_forward_hook`` and friends) and the slow path of ``Module.__call__``
that runs forward pre-hooks, forward hooks and sets up backward hooks."""
import warnings
from collections import OrderedDict

from ..._tensor import Tensor

__all__ = ["RemovableHandle", "register_module_forward_pre_hook", "register_module_forward_hook",
           "register_module_full_backward_hook", "register_module_full_backward_pre_hook",
           "register_module_backward_hook", "register_module_buffer_registration_hook",
           "register_module_module_registration_hook",
           "register_module_parameter_registration_hook"]


class RemovableHandle:
    """What ``register_*_hook`` returns: ``remove()`` deletes the hook from its dicts."""

    next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dicts = [hooks_dict]
        if extra_dict is not None:
            self.hooks_dicts += extra_dict if isinstance(extra_dict, list) else [extra_dict]
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1

    def remove(self):
        for d in self.hooks_dicts:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _add_hook(hooks, hook, prepend=False, extra=()):
    handle = RemovableHandle(hooks, extra_dict=list(extra))
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


# --- hooks that apply to every module -----------------------------------------------------------

_global_buffer_registration_hooks = OrderedDict()
_global_module_registration_hooks = OrderedDict()
_global_parameter_registration_hooks = OrderedDict()
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()
_global_is_full_backward_hook = None


def _has_global_call_hooks():
    return bool(_global_forward_pre_hooks or _global_forward_hooks or _global_backward_hooks
                or _global_backward_pre_hooks)


def register_module_buffer_registration_hook(hook):
    """Runs ``hook(module, name, buffer)`` whenever any module registers a buffer."""
    return _add_hook(_global_buffer_registration_hooks, hook)


def register_module_module_registration_hook(hook):
    """Runs ``hook(module, name, submodule)`` whenever any module registers a submodule."""
    return _add_hook(_global_module_registration_hooks, hook)


def register_module_parameter_registration_hook(hook):
    """Runs ``hook(module, name, param)`` whenever any module registers a parameter."""
    return _add_hook(_global_parameter_registration_hooks, hook)


def register_module_forward_pre_hook(hook):
    """A forward pre-hook common to all modules."""
    return _add_hook(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """A forward hook common to all modules."""
    handle = _add_hook(_global_forward_hooks, hook,
                       extra=[_global_forward_hooks_always_called,
                              _global_forward_hooks_with_kwargs])
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_backward_hook(hook):
    """A (deprecated, non-full) backward hook common to all modules."""
    global _global_is_full_backward_hook
    if _global_is_full_backward_hook is True:
        raise RuntimeError("Cannot use both regular backward hooks and full backward hooks as a "
                           "global Module hook. Please use only one of them.")
    _global_is_full_backward_hook = False
    return _add_hook(_global_backward_hooks, hook)


def register_module_full_backward_pre_hook(hook):
    """A backward pre-hook common to all modules."""
    return _add_hook(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook):
    """A full backward hook common to all modules."""
    global _global_is_full_backward_hook
    if _global_is_full_backward_hook is False:
        raise RuntimeError("Cannot use both regular backward hooks and full backward hooks as a "
                           "global Module hook. Please use only one of them.")
    _global_is_full_backward_hook = True
    return _add_hook(_global_backward_hooks, hook)


def call_with_hooks(module, args, kwargs):
    """``module(*args, **kwargs)`` when some hook is registered (PyTorch's slow path)."""
    from ._backward_hook import BackwardHook
    full_hooks, non_full_hooks, pre_hooks = [], [], []
    if module._backward_pre_hooks or _global_backward_pre_hooks:
        pre_hooks = module._get_backward_pre_hooks()
    if module._backward_hooks or _global_backward_hooks:
        full_hooks, non_full_hooks = module._get_backward_hooks()

    result = None
    called = set()
    try:
        for hook_id, hook in (*_global_forward_pre_hooks.items(),
                              *module._forward_pre_hooks.items()):
            if hook_id in module._forward_pre_hooks_with_kwargs:
                res = hook(module, args, kwargs)
                if res is not None:
                    if isinstance(res, tuple) and len(res) == 2:
                        args, kwargs = res
                    else:
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           "(new_args, new_kwargs), but got %s." % (res,))
            else:
                res = hook(module, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)

        bw_hook = None
        if full_hooks or pre_hooks:
            bw_hook = BackwardHook(module, full_hooks, pre_hooks)
            args = bw_hook.setup_input_hook(args)

        result = module.forward(*args, **kwargs)
        for hook_id, hook in (*_global_forward_hooks.items(), *module._forward_hooks.items()):
            if (hook_id in module._forward_hooks_always_called
                    or hook_id in _global_forward_hooks_always_called):
                called.add(hook_id)
            if (hook_id in module._forward_hooks_with_kwargs
                    or hook_id in _global_forward_hooks_with_kwargs):
                res = hook(module, args, kwargs, result)
            else:
                res = hook(module, args, result)
            if res is not None:
                result = res

        if bw_hook:
            if not isinstance(result, (Tensor, tuple)):
                warnings.warn("For backward hooks to be called, module output should be a Tensor "
                              "or a tuple of Tensors but received %s" % type(result), stacklevel=2)
            result = bw_hook.setup_output_hook(result)

        if non_full_hooks:
            var = result
            while not isinstance(var, Tensor):
                var = next(v for v in var.values() if isinstance(v, Tensor)) \
                    if isinstance(var, dict) else var[0]
            if var.grad_fn is not None:
                for hook in non_full_hooks:
                    var.grad_fn.register_hook(
                        lambda gi, go, _h=hook: _h(module, gi, go))
        return result
    except Exception:
        for hook_id, hook in _global_forward_hooks.items():
            if hook_id in _global_forward_hooks_always_called and hook_id not in called:
                try:
                    res = hook(module, args, result)
                    if res is not None:
                        result = res
                except Exception as e:
                    warnings.warn("global module forward hook with ``always_call=True`` raised an "
                                  "exception that was silenced as another error was raised in "
                                  "forward: %s" % e, stacklevel=2)
        for hook_id, hook in module._forward_hooks.items():
            if hook_id in module._forward_hooks_always_called and hook_id not in called:
                try:
                    if hook_id in module._forward_hooks_with_kwargs:
                        res = hook(module, args, kwargs, result)
                    else:
                        res = hook(module, args, result)
                    if res is not None:
                        result = res
                except Exception as e:
                    warnings.warn("module forward hook with ``always_call=True`` raised an "
                                  "exception that was silenced as another error was raised in "
                                  "forward: %s" % e, stacklevel=2)
        raise
