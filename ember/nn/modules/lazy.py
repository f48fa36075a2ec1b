"""``LazyModuleMixin``: modules whose parameter shapes come from their first input.

Until the first call a lazy module holds ``UninitializedParameter``/``UninitializedBuffer``
placeholders. A forward pre-hook calls ``initialize_parameters(*args, **kwargs)``, which
materializes them (and draws their initial values, so a seeded lazy module gets the values
its eager twin would get at that point); the hook then removes itself and the module becomes
its ``cls_to_become`` (``LazyConv2d`` becomes ``Conv2d``). A load_state_dict pre-hook lets
an uninitialized module load initialized values, as in PyTorch.
"""
import itertools

from ...autograd import grad_mode
from ..parameter import UninitializedBuffer, is_lazy

__all__ = ["LazyModuleMixin"]


class LazyModuleMixin:
    """Mixin for modules that infer their parameters' shapes from the first input."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        """As Module's, but uninitialized entries go in as they are (not detached)."""
        super()._save_to_state_dict(destination, prefix, keep_vars)
        for name, t in itertools.chain(self._parameters.items(), self._buffers.items()):
            if is_lazy(t) and prefix + name in destination:
                destination[prefix + name] = t

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys,
                        unexpected_keys, error_msgs):
        """Materializes each uninitialized entry whose checkpoint value is initialized, so
        that the value can then be copied in."""
        for name, t in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if t is not None and key in state_dict and is_lazy(t):
                value = state_dict[key]
                if not is_lazy(value):
                    with grad_mode.no_grad():
                        t.materialize(value.shape)

    def initialize_parameters(self, *args, **kwargs):
        """Materializes and initializes the parameters from the first input (per module)."""
        raise NotImplementedError("initialize_parameters is not implemented for %s"
                                  % type(self).__name__)

    def has_uninitialized_params(self):
        """Whether some parameter or buffer is still uninitialized."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(),
                                                       self._buffers.values()))

    def _infer_parameters(self, module, args, kwargs=None):
        """The forward pre-hook: initializes from the input, removes the hooks and turns the
        module into its ``cls_to_become``."""
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError("module %s has not been fully initialized" % self._get_name())
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, "_initialize_hook")
        delattr(module, "_load_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _replicate_for_data_parallel(self):
        raise RuntimeError("Modules with uninitialized parameters can't be used with "
                           "`DataParallel`. Run a dummy forward pass to correctly initialize the "
                           "modules")

    def _apply(self, fn, recurse=True):
        """As Module's; uninitialized buffers stay uninitialized with the new dtype and device
        (PyTorch keeps the subclass through ``__torch_function__``; ember re-wraps them)."""
        lazy = [name for name, b in self._buffers.items() if is_lazy(b)]
        super()._apply(fn, recurse)
        for name in lazy:
            b = self._buffers[name]
            if b is not None and not is_lazy(b):
                self._buffers[name] = UninitializedBuffer(b.requires_grad, b.device, b.dtype)
        return self
