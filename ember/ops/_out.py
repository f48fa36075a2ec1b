"""The ``out=`` argument: results are written into a given tensor, resized if needed."""


def write_out(out, result):
    if out._rg and out.grad_fn is None:
        from ..autograd import grad_mode
        if grad_mode.state.enabled:
            raise RuntimeError("%s(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad."
                               % "out")
    if out.shape != result.shape:
        out.resize_(result.shape)
    out._data[...] = result._data.astype(out._data.dtype, copy=False)
    out._bump()
    return out
