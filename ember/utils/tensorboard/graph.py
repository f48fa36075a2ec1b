"""A TensorBoard ``GraphDef`` of a model, read from the autograd graph of one forward pass.

PyTorch traces the model with TorchScript; ember has no tracer, so it runs the model once
and walks the backward graph of the outputs: one node per backward function (named after
its op: ``AddmmBackward0`` -> ``Addmm``), one per parameter (under ``params/``) and one per
input and output (``input/``, ``output/``). Ops that do not reach autograd (integer math,
code under ``no_grad``) do not appear.
"""
import re

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef


def _shape_attr(t):
    shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=s) for s in t.shape])
    return {"_output_shapes": AttrValue(list=AttrValue.ListValue(shape=[shape]))}


def _flatten(out):
    from ..._tensor import Tensor
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _flatten(o)]
    return []


def graph_def_of(model, inputs, verbose=False):
    from ...autograd.grad_mode import enable_grad
    if not isinstance(inputs, (list, tuple)):
        inputs = (inputs,)
    fed = []
    for x in inputs:
        if hasattr(x, "detach") and (x.is_floating_point() or x.is_complex()):
            x = x.detach().requires_grad_(True)
        fed.append(x)
    with enable_grad():
        outputs = _flatten(model(*fed))
    leaf_names = {}
    for name, p in model.named_parameters():
        leaf_names[id(p)] = ("params/" + name.replace(".", "/"), p)
    for i, x in enumerate(fed):
        if hasattr(x, "shape"):
            leaf_names[id(x)] = ("input/input.%d" % i, x)

    nodes, names, pending = [], {}, []

    def op_of(fn):
        return re.sub(r"Backward\d*$", "", fn.name())

    def name_of(fn):
        """The graph-node name of autograd node `fn`; new inner nodes are queued."""
        if id(fn) not in names:
            var = getattr(fn, "variable", None)
            if var is not None and id(var) in leaf_names:
                name, t = leaf_names[id(var)]
                op = "Parameter" if name.startswith("params/") else "IO Node"
                nodes.append(NodeDef(name=name, op=op, attr=_shape_attr(t)))
            else:
                name = "%s_%d" % (op_of(fn), len(names))
                pending.append(fn)
            names[id(fn)] = name
        return names[id(fn)]

    for i, out in enumerate(outputs):
        if out.grad_fn is not None:
            src = [name_of(out.grad_fn)]
        else:
            src = [leaf_names[id(out)][0]] if id(out) in leaf_names else []
        while pending:      # a loop, not recursion: deep graphs must not hit the limit
            fn = pending.pop()
            ins = [name_of(nxt) for nxt, _ in getattr(fn, "next_functions", ()) if nxt is not None]
            nodes.append(NodeDef(name=names[id(fn)], op=op_of(fn), input=ins))
        nodes.append(NodeDef(name="output/output.%d" % i, op="IO Node", input=src,
                             attr=_shape_attr(out)))
    if verbose:
        for n in nodes:
            print(n.name, n.op, list(n.input))
    return GraphDef(node=nodes, versions=VersionDef(producer=22))
