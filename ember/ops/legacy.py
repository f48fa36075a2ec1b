"""Entry points PyTorch removed or deprecated: they raise or warn as PyTorch's do."""
import warnings

_REMOVED = ("This function was deprecated since version 1.9 and is now removed. ")
_HINTS = {
    "lstsq": "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` "
             "has reversed arguments and does not return the QR decomposition in the returned "
             "tuple.",
    "eig": "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather than "
           "real tensors mimicking complex tensors.",
    "solve": "`torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` "
             "has its arguments reversed and does not return the LU factorization.",
    "symeig": "The default behavior has changed from using the upper triangular portion of the "
              "matrix by default to using the lower triangular portion.",
    "matrix_rank": "\nPlease use the `torch.linalg.matrix_rank` function instead. The parameter "
                   "'symmetric' was renamed in `torch.linalg.matrix_rank()` to 'hermitian'.",
}


def _removed(name):
    def fn(*args, **kwargs):
        raise RuntimeError(_REMOVED + _HINTS[name])
    fn.__name__ = name
    fn.__doc__ = "Removed in PyTorch 1.9: raises, pointing to ``torch.linalg``."
    return fn


REMOVED = {name: _removed(name) for name in _HINTS}


def resize(self, *sizes):
    """Deprecated out-of-place resize: a resized copy."""
    warnings.warn("non-inplace resize is deprecated")
    return self.clone().resize_(*sizes)


def resize_as(self, tensor):
    warnings.warn("non-inplace resize_as is deprecated")
    return self.clone().resize_(tensor.shape)


def reinforce(self, reward):
    raise RuntimeError("reinforce() was removed.\nUse torch.distributions instead.")


def _volatile(self):
    warnings.warn("volatile was removed (Variable.volatile is always False)", stacklevel=2)
    return False


volatile = property(_volatile)
