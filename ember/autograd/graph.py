"""The backward graph and the engine that runs it.

Every differentiable op that records itself creates a `Node` (the result's ``grad_fn``).
A node knows the nodes of its inputs (``next_functions``) and how to turn the gradient of
its outputs into gradients of its inputs (``backward``, written with ember ops so that
running it with ``create_graph=True`` records a graph of its own: higher-order gradients
come free). Leaves that require grad end in an `AccumulateGrad` node that adds into
``.grad``.
"""
import weakref

from .._device import array_module
from . import grad_mode

FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
         "after they have already been freed). Saved intermediate values of the graph are freed "
         "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
         "backward through the graph a second time or if you need to access saved tensors after "
         "calling backward.")


# in a node's _in_meta: "this input has the shape and dtype of the node's output" (a string,
# so that tuples of markers hold no object the garbage collector must track)
SAME = "same as the output"


def _tensor_cls():
    from .._tensor import Tensor
    return Tensor


def _version(t):
    vc = t._vc
    return vc[0] if vc is not None else 0


class Node:
    """A function of the backward graph. Subclasses implement ``backward(*grads)``."""

    # set when the node is recorded: the edges to the inputs' nodes, and [(shape, dtype)] of
    # each input that needs a gradient (else None). Slots keep a simple node free of __dict__.
    __slots__ = ("next_functions", "_in_meta", "__dict__", "__weakref__")
    _n_outputs = 1          # outputs of the forward op that made this node
    _out_meta = None        # [(shape, dtype, device)] of those outputs, for multi-output nodes
    _saved = ()             # [(tensor, version)] from save_for_backward
    _saved_out = None       # (data, version counter, version, output_nr) when an output is saved
    _pre_hooks = None       # {output_nr: [fn]} from Tensor.register_hook on non-leaves
    _hooks = None           # [fn(grad_inputs, grad_outputs)] from Node.register_hook
    _released = False
    metadata = None

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return "<%s object at %#x>" % (self.name().split("::")[-1], id(self))

    # --- saved tensors --------------------------------------------------------------------
    def save_for_backward(self, *tensors):
        self._saved = [(t, _version(t)) if t is not None else (None, 0) for t in tensors]

    def save_output(self, out, output_nr=0):
        """Saves an output of this node; unpacking gives it back with this node as grad_fn."""
        if out._vc is None:
            out._vc = [0]
        self._saved_out = (out._data, out._vc, out._vc[0], output_nr, out._dtype)

    def _check(self, t, version, output_nr, node):
        if self._released:
            raise RuntimeError(FREED)
        if _version(t) != version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                "inplace operation: [%s %s], which is output %d of %s, is at version %d; expected "
                "version %d instead. Hint: enable anomaly detection to find the operation that "
                "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True)."
                % (t.type(), list(t.shape), output_nr, node.name() if node else "AccumulateGrad",
                   _version(t), version))

    @property
    def saved_tensors(self):
        if self._released:
            raise RuntimeError(FREED)
        for t, v in self._saved:
            if t is not None:
                self._check(t, v, t._output_nr, t.grad_fn)
        return tuple(t for t, _ in self._saved)

    @property
    def saved_output(self):
        if self._released:
            raise RuntimeError(FREED)
        data, vc, version, nr, dt = self._saved_out
        t = _tensor_cls()._make(data, dt)
        t._vc, t.grad_fn, t._output_nr, t.requires_grad = vc, self, nr, True
        self._check(t, version, nr, self)
        return t

    def _release(self):
        self._released = True
        self._saved = ()
        self._saved_out = None

    # --- hooks ----------------------------------------------------------------------------
    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node computed its gradients."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        return self._add_pre_hook(0, lambda g: fn((g,)))

    def _add_pre_hook(self, output_nr, fn):
        if self._pre_hooks is None:
            self._pre_hooks = {}
        hooks = self._pre_hooks.setdefault(output_nr, [])
        hooks.append(fn)
        return RemovableHandle(hooks, fn)

    def __call__(self, *grads):
        """Calls the backward function directly, as ``z.grad_fn(grad)`` / ``.apply`` do."""
        return self.backward(*grads)

    apply = __call__


class AccumulateGrad(Node):
    """The node of a leaf tensor: adds the incoming gradient into ``variable.grad``."""

    def __init__(self, variable):
        self._variable = weakref.ref(variable)
        self.next_functions = ()
        self._in_meta = ()

    @property
    def variable(self):
        return self._variable()

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad object at %#x>" % id(self)

    def backward(self, grad):  # accumulation itself lives in the engine (it needs create_graph)
        return ()


class RemovableHandle:
    """What ``register_*hook`` returns: ``handle.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, container, item):
        self._container = container
        self._item = item
        RemovableHandle._next_id += 1
        self.id = RemovableHandle._next_id

    def remove(self):
        c, item = self._container, self._item
        if isinstance(c, dict):
            c.pop(item, None)
        else:
            for i, x in enumerate(c):
                if x is item:
                    del c[i]
                    break

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def edge_of(t):
    """The (node, output_nr) that a tensor's gradient flows into, or (None, 0)."""
    if not t.requires_grad:
        return (None, 0)
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    acc = t._accumulator
    if acc is None:
        acc = t._accumulator = AccumulateGrad(t)
        acc._edge = (acc, 0)
    return acc._edge


# --- the engine ---------------------------------------------------------------------------------

def _order(roots):
    """Counts, for every node reachable from `roots`, how many edges point to it; returns
    those counts and the set of roots."""
    deps = {}
    stack = list(roots)
    starts = set(stack)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None:
                n = deps.get(nxt)
                if n is None:
                    deps[nxt] = 1
                    if nxt not in starts:
                        stack.append(nxt)
                else:
                    deps[nxt] = n + 1
    return deps, starts


def _needed(seen, targets):
    """The nodes from which some target node can be reached (only those must run)."""
    parents = {}
    for node in seen:
        for nxt, _ in node.next_functions:
            if nxt is not None:
                parents.setdefault(nxt, []).append(node)
    need = set()
    stack = [t for t in targets if t in seen]
    while stack:
        n = stack.pop()
        if n in need:
            continue
        need.add(n)
        stack.extend(parents.get(n, ()))
    return need


def _fit(grad, meta, node, i):
    """Makes an input gradient match its input's shape (undoing broadcasting) and dtype."""
    shape, dt = meta
    if grad._data.shape != shape:
        if grad.dim() >= len(shape):
            grad = grad.sum_to_size(shape)
        if grad._data.shape != shape:
            raise RuntimeError("Function %s returned an invalid gradient at index %d - got %s but "
                               "expected shape compatible with %s"
                               % (node.name(), i, list(grad.shape), list(shape)))
    if grad._dtype is not dt:
        grad = grad.to(dt)
    return grad


def _sum(a, b, create_graph):
    """Adds two gradients of one input (same shape and dtype). Off the graph the sum is a raw
    array that only the engine holds, so the gradients that follow add into it in place (the
    order of the additions stays PyTorch's); `_wrap_sums` makes it a tensor again."""
    if create_graph or a._dtype.itemsize == 2:   # recorded, or half precision that must round
        return a + b
    total = a._data + b._data
    if total.__class__ is not a._data.__class__:    # NumPy adds 0-d arrays into a scalar
        total = array_module(a._data).asarray(total)
    return total


def _wrap_sums(grads, Tensor):
    for i, g in enumerate(grads):
        if g is not None and not isinstance(g, Tensor):
            grads[i] = Tensor._make(g)


def _any_grad(grads):
    for g in grads:      # not `grads.count(None)`: that would call Tensor.__eq__
        if g is not None:
            return True
    return False


def _run_tensor_hooks(hooks, g):
    for h in list(hooks):
        r = h(g)
        if r is not None:
            g = r
    return g


def _accumulate(var, g, create_graph):
    if var._hooks:
        g = _run_tensor_hooks(var._hooks, g)
    if var._grad is None:
        var._grad = g if create_graph else g.detach().clone()
    elif create_graph or var._grad.requires_grad:
        var._grad = var._grad + g
    else:
        var._grad._data += g._data.astype(var._grad._data.dtype, copy=False)
        var._grad._bump()
    if var._post_hooks:
        for h in list(var._post_hooks):
            h(var)


def run_backward(tensors, grads, retain_graph=False, create_graph=False, inputs=None,
                 allow_unused=True, accumulate=True):
    """Runs the graph backwards from `tensors` with the gradients `grads`.

    With ``accumulate=True`` (``backward()``) leaf gradients add into ``.grad`` (only for
    `inputs` when given); otherwise (``autograd.grad``) the gradients of `inputs` are
    returned and nothing is accumulated.
    """
    Tensor = _tensor_cls()
    buffers = {}
    roots = []
    for t, g in zip(tensors, grads):
        node, nr = edge_of(t)
        if node is None:
            raise RuntimeError("element %d of tensors does not require grad and does not have a "
                               "grad_fn" % len(roots))
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._n_outputs
            roots.append(node)
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    deps, starts = _order(roots)

    targets = None
    captured = None
    if inputs is not None:
        targets = {}
        for i, t in enumerate(inputs):
            node, nr = edge_of(t) if t.requires_grad else (None, 0)
            if node is None:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            targets.setdefault(node, []).append((nr, i, t))
        need = _needed(starts.union(deps), targets)   # every node reached
        captured = [None] * len(inputs)
    else:
        need = None

    owned = set()      # nodes with a gradient sum in their buffer that is a raw array
    prev = grad_mode.state.enabled
    grad_mode.state.enabled = create_graph
    try:
        ready = [n for n in roots if deps.get(n, 0) == 0]
        while ready:
            node = ready.pop()
            grads_in = buffers.pop(node, None)
            if node in owned:
                _wrap_sums(grads_in, Tensor)
            nf = node.next_functions
            if grads_in is None or need is not None and node not in need:
                outs = ()
            else:
                if node._pre_hooks:
                    for nr, hooks in node._pre_hooks.items():
                        if grads_in[nr] is not None:
                            grads_in[nr] = _run_tensor_hooks(hooks, grads_in[nr])
                if targets is not None and node in targets:
                    for nr, i, t in targets[node]:
                        g = grads_in[nr]
                        if isinstance(node, AccumulateGrad) and t._hooks and g is not None:
                            g = _run_tensor_hooks(t._hooks, g)
                        captured[i] = g if captured[i] is None or g is None else captured[i] + g
                if isinstance(node, AccumulateGrad):
                    var = node.variable
                    if accumulate and var is not None and grads_in[0] is not None and (
                            targets is None or node in targets):
                        _accumulate(var, grads_in[0], create_graph)
                    continue
                if grads_in[0] is None and not _any_grad(grads_in):
                    outs = ()
                elif node._out_meta is None and node._hooks is None and not node._released:
                    outs = node.backward(*grads_in)     # the common case, without _call's checks
                    if outs.__class__ is not tuple:
                        outs = (outs,)
                else:
                    outs = _call(node, grads_in, Tensor)
                if not retain_graph and (node._saved or node._saved_out is not None):
                    node._release()
            if len(outs) != len(nf):    # a backward may leave out trailing None gradients
                outs = tuple(outs) + (None,) * (len(nf) - len(outs))
            for (nxt, nr), g, meta in zip(nf, outs, node._in_meta):
                if nxt is None:
                    continue
                if g is not None:
                    if meta is not SAME and (g._data.shape != meta[0] or g._dtype is not meta[1]):
                        g = _fit(g, meta, node, nf.index((nxt, nr)))
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * nxt._n_outputs
                        buf[nr] = g
                    else:
                        held = buf[nr]
                        if held is None:
                            buf[nr] = g
                        elif isinstance(held, Tensor):
                            held = buf[nr] = _sum(held, g, create_graph)
                            if not isinstance(held, Tensor):
                                owned.add(nxt)
                        else:       # a sum only the engine holds: add in place
                            held += g._data
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    ready.append(nxt)
    finally:
        grad_mode.state.enabled = prev
    if captured is not None:
        for i, g in enumerate(captured):
            if g is None and not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
    return captured


def _call(node, grads_in, Tensor):
    if node._out_meta is not None:  # multi-output op: missing gradients become zeros
        grads_in = [g if g is not None else Tensor._zeros(*m)
                    for g, m in zip(grads_in, node._out_meta)]
    if node._released:
        raise RuntimeError(FREED)
    outs = node.backward(*grads_in)
    if not isinstance(outs, tuple):
        outs = (outs,)
    if node._hooks:
        for h in node._hooks:
            r = h(outs, tuple(grads_in))
            if r is not None:
                outs = tuple(r)
    return outs
