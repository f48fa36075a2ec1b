"""The shape of every op: ``forward`` on raw arrays, ``backward`` with ember ops.

An op is a `Node` subclass. Calling ``run(Op(params), x, y)`` computes ``forward`` on the
inputs' arrays; when gradients are being recorded and some input requires grad, the op
instance becomes the result's ``grad_fn`` and remembers what ``backward`` needs:

    class Mul(Op):
        saved_inputs = (0, 1)               # backward needs both inputs
        def forward(self, a, b):
            return a * b
        def backward(self, g):
            a, b = self.saved_tensors
            return g * b, g * a             # ember ops: differentiable again

Gradients for broadcast inputs are summed back to the input's shape by the engine.
"""
import numpy as np

from .. import _dtype as D
from ..autograd import grad_mode
from ..autograd.graph import SAME, Node, edge_of

_state = grad_mode.state
_BY_NP = D._BY_NP


class Op(Node):
    """Base of the built-in ops."""

    saved_inputs = ()       # indices of the inputs that backward reads through saved_tensors
    saves_output = False    # whether backward reads the output (saved_output)
    n_outputs = 1           # forward returns a tuple when > 1
    differentiable_outputs = None   # how many leading outputs carry gradients (None: all)

    def forward(self, *arrays):
        raise NotImplementedError

    def to_save(self, inputs):
        """The tensors backward will read (None where not needed); default: saved_inputs."""
        return [inputs[i] for i in self.saved_inputs]

    def backward(self, *grads):
        raise NotImplementedError("the derivative for '%s' is not implemented." % self.name())


def run(op, *inputs):
    """Runs `op` on tensors `inputs` and records it in the graph when needed."""
    try:
        out = op.forward(*[t._data for t in inputs])
    except TypeError:                 # CuPy refuses host arrays with a TypeError
        moved = cpu_scalars_moved(inputs)
        if moved is not None:
            return run(op, *moved)
        check_same_device(inputs)
        raise
    bf16 = _has_bf16(inputs)
    if _state.enabled:
        for t in inputs:
            if t._rg:
                return _record(op, inputs, out, bf16)
    if op.n_outputs == 1:
        return _wrap_out(out, bf16)
    return tuple(_wrap_out(o, bf16) for o in out)


def run2(op, a, b):
    """`run` for the common two-input case, kept lean: it is the hot path of arithmetic.

    `op` is an op instance, or the class of an op whose ``forward`` is a staticmethod: then
    the node is only created when the result is recorded."""
    try:
        out = op.forward(a._data, b._data)
    except ValueError:
        raise broadcast_error(a._data.shape, b._data.shape) from None
    except TypeError:                 # CuPy refuses host arrays with a TypeError
        moved = cpu_scalars_moved((a, b))
        if moved is not None:
            return run2(op, *moved)
        check_same_device((a, b))
        raise
    if _state.enabled and (a._rg or b._rg):
        return _record2(op() if op.__class__ is type else op, a, b, out)
    if out.__class__ is not _ndarray and isinstance(out, np.generic):
        out = np.asarray(out)
    t = _new(Tensor)
    t._data = out
    dt = t._dtype = _BY_NP[out.dtype]
    if dt is _F32 and (a._dtype is _BF16 or b._dtype is _BF16):
        t._data, t._dtype = _round_bf16(out), _BF16
    return t


def check_same_device(tensors):
    """PyTorch's RuntimeError when tensors of one op live on different devices; it names the
    first device that is not the CPU, then the first other one."""
    devices = [t.device for t in tensors]
    if len(set(devices)) > 1:
        common = next((d for d in devices if d.type != "cpu"), devices[0])
        other = next(d for d in devices if d != common)
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           "two devices, %s and %s!" % (common, other)) from None


def cpu_scalars_moved(tensors):
    """`tensors` with their 0-d CPU tensors copied to the one other device, which PyTorch's
    elementwise kernels accept (``cuda_tensor * torch.tensor(2.0)``); None when that is not
    the mismatch."""
    devices = {t.device for t in tensors if t.device.type != "cpu" or t._data.ndim}
    if len(devices) != 1 or next(iter(devices)).type == "cpu":
        return None
    dev = devices.pop()
    if all(t.device == dev for t in tensors):
        return None
    return [t if t.device == dev else t.to(dev) for t in tensors]


def broadcast_error(sa, sb):
    """PyTorch's RuntimeError for shapes that do not broadcast (NumPy raises ValueError)."""
    n = max(len(sa), len(sb))
    for i in range(1, n + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            return RuntimeError("The size of tensor a (%d) must match the size of tensor b (%d) "
                                "at non-singleton dimension %d" % (x, y, n - i))
    return RuntimeError("shape mismatch: %s and %s" % (list(sa), list(sb)))


def _has_bf16(inputs):
    for t in inputs:
        if t._dtype is _BF16:
            return True
    return False


def _wrap_out(out, bf16):
    """Wraps an op's output; bfloat16 inputs give bfloat16 results (computed in float32)."""
    t = wrap(out)
    if bf16 and t._dtype is _F32:
        t._data, t._dtype = _as_bf16(t._data), _BF16
    return t


def _as_bf16(a):
    # a view of a bfloat16 tensor holds rounded values already: keep sharing its memory
    return a if a.base is not None else _round_bf16(a)


def _round_bf16(a):
    from .convert import round_bfloat16
    return round_bfloat16(a)


def _record(op, inputs, out, bf16=False):
    # few objects per node: each one is work for Python's cyclic garbage collector
    # (plain loops: a comprehension is a function call of its own before Python 3.12)
    edges = []
    meta = []
    for t in inputs:
        if t._rg:
            fn = t.grad_fn
            edges.append((fn, t._output_nr) if fn is not None else _leaf_edge(t))
            meta.append((t._data.shape, t._dtype))
        else:
            edges.append(_NO_EDGE)
            meta.append(None)
    op.next_functions = tuple(edges)
    op._in_meta = meta
    if op.saved_inputs:
        op.save_for_backward(*op.to_save(inputs))
    if op.n_outputs == 1:
        return _output_of(op, out, bf16)
    op._n_outputs = op.n_outputs
    res = tuple(_wrap_out(o, bf16) for o in out)
    op._out_meta = [(r._data.shape, r._dtype, r._data) for r in res]
    n = op.differentiable_outputs or op.n_outputs
    for i, r in enumerate(res[:n]):
        r._rg, r.grad_fn, r._output_nr = True, op, i
    return res


def _record2(op, a, b, out):
    """`_record` unrolled for two inputs: the hot path of arithmetic with autograd. An input
    shaped and typed like the output gets the shared marker SAME instead of its own metadata
    (fewer objects per node to allocate, collect and free)."""
    if out.__class__ is not _ndarray and isinstance(out, np.generic):
        out = np.asarray(out)
    res = _new(Tensor)
    res._data = out
    dt = res._dtype = _BY_NP[out.dtype]
    if dt is _F32 and (a._dtype is _BF16 or b._dtype is _BF16):
        out = res._data = _as_bf16(out)
        dt = res._dtype = _BF16
    res._rg = True
    res.grad_fn = op
    shape = out.shape
    if a._rg:
        fn = a.grad_fn
        ea = (fn, a._output_nr) if fn is not None else _leaf_edge(a)
        ma = SAME if a._dtype is dt and a._data.shape == shape else (a._data.shape, a._dtype)
    else:
        ea, ma = _NO_EDGE, None
    if b._rg:
        fn = b.grad_fn
        eb = (fn, b._output_nr) if fn is not None else _leaf_edge(b)
        mb = SAME if b._dtype is dt and b._data.shape == shape else (b._data.shape, b._dtype)
    else:
        eb, mb = _NO_EDGE, None
    op.next_functions = (ea, eb)
    op._in_meta = _BOTH_SAME if ma is SAME and mb is SAME else (ma, mb)
    if op.saved_inputs:
        op.save_for_backward(*op.to_save((a, b)))
    if op.saves_output:
        op.save_output(res)
    return res


def _output_of(op, out, bf16):
    """The single output of a recorded op: a tensor whose grad_fn is `op`."""
    if out.__class__ is not _ndarray and isinstance(out, np.generic):
        out = np.asarray(out)
    res = _new(Tensor)
    res._data = out
    dt = res._dtype = _BY_NP[out.dtype]
    if bf16 and dt is _F32:
        res._data, res._dtype = _as_bf16(out), _BF16
    res._rg, res.grad_fn = True, op
    if op.saves_output:
        op.save_output(res)
    return res


def _leaf_edge(t):
    acc = t._accumulator
    return acc._edge if acc is not None else edge_of(t)


def as_0d(x):
    """A reduction's result as an array: NumPy returns a scalar where CuPy returns a 0-d array."""
    return np.asarray(x) if isinstance(x, np.generic) else x


def wrap(arr, dtype=None):
    if arr.__class__ is not _ndarray and isinstance(arr, np.generic):
        arr = np.asarray(arr)  # NumPy reductions and indexing return scalars for 0-d results
    t = _new(Tensor)
    t._data = arr
    t._dtype = dtype or _BY_NP[arr.dtype]
    return t


_NO_EDGE = (None, 0)
_BOTH_SAME = (SAME, SAME)
_BF16, _F32 = D.bfloat16, D.float32
Tensor = None  # set by _tensor.py once the class exists (the op layer sits below it)
_new = object.__new__
_ndarray = np.ndarray


def needs_grad(*tensors):
    if not _state.enabled:
        return False
    return any(t._rg for t in tensors)


# --- operands and type promotion ------------------------------------------------------------------

def is_tensor(x):
    return isinstance(x, Tensor)


def result_dtype(*xs):
    """PyTorch's result type of tensors and Python scalars (``torch.result_type``)."""
    dims, zeros, scalars = [], [], []
    for x in xs:
        if is_tensor(x):
            (dims if x._data.ndim else zeros).append(x._dtype)
        elif isinstance(x, (bool, int, float, complex)):
            scalars.append(D.scalar_dtype(x))
        elif isinstance(x, np.ndarray):
            (dims if x.ndim else zeros).append(D.from_numpy(x.dtype))
        elif isinstance(x, np.generic):
            zeros.append(D.from_numpy(x.dtype))
        else:
            raise TypeError("unsupported operand type: %s" % type(x).__name__)
    return D.result_type_of(dims, zeros, scalars)


def as_tensor_like(x, ref, dtype=None):
    """`x` as a tensor on `ref`'s device (Python scalars become 0-d tensors)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray) and not type(x).__module__.startswith("cupy"):
        return Tensor._make(np.asarray(x))      # (raw device arrays go on as ref's module's)
    xp = ref._xp if isinstance(ref, Tensor) else np
    if isinstance(x, np.generic):       # a NumPy scalar goes where ref is, like a number
        return Tensor._make(xp.asarray(x))
    dt = dtype or D.scalar_dtype(x)
    try:
        arr = xp.asarray(x, dtype=dt.np)
    except OverflowError:  # PyTorch wraps out-of-range integers (uint8 + 300)
        arr = xp.asarray(np.asarray(x).astype(dt.np))
    return Tensor._make(arr, dt)


def promote(a, b):
    """Two operands as tensors of their common PyTorch dtype (fast when they already agree)."""
    if isinstance(b, Tensor) and isinstance(a, Tensor) and a._dtype is b._dtype:
        return a, b
    dt = result_dtype(a, b)
    ref = a if is_tensor(a) else b
    a = as_tensor_like(a, ref, dt)
    b = as_tensor_like(b, ref, dt)
    if a._dtype is not dt:
        a = a.to(dt)
    if b._dtype is not dt:
        b = b.to(dt)
    return a, b


def norm_dim(dim, ndim):
    """A dimension index in range, or PyTorch's IndexError."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError("Dimension out of range (expected to be in range of [%d, %d], but got %d)"
                         % (-n, n - 1, dim))
    return dim + n if dim < 0 else dim


def norm_dims(dim, ndim):
    """None, an int or a sequence of ints -> a tuple of non-negative dims (None: all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (norm_dim(int(dim), ndim),)
    dims = tuple(norm_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError("dim %d appears multiple times in the list of dims" % dims[0])
    return dims
