"""TensorBoard ``Summary`` protocol buffers built from tensors, arrays and numbers.

Each function returns a ``Summary`` (TensorBoard's protobuf) that `SummaryWriter` wraps in
an event: scalars as ``simple_value``, histograms as ``HistogramProto``, images as PNG,
text and precision-recall curves as tensors tagged for their plugin, hyperparameters as
the three summaries of the hparams plugin. Values come from ember tensors, NumPy arrays
or Python numbers (`make_np`).
"""
import io

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto


def make_np(x):
    """An ember tensor, NumPy array or Python number as a NumPy array (on the host)."""
    from ..._tensor import Tensor
    if isinstance(x, Tensor):
        a = x.detach()._data
        return a if isinstance(a, np.ndarray) else a.get()
    if isinstance(x, np.ndarray):
        return x
    if np.isscalar(x):
        return np.array([x])
    if hasattr(x, "__array__"):
        return np.asarray(x)
    raise NotImplementedError("Got %s, but numpy array or torch tensor are expected."
                              % type(x))


def scalar(name, value, new_style=False, double_precision=False):
    """A summary holding one number (``simple_value``, or a tensor when `new_style`)."""
    arr = make_np(value).squeeze()
    if arr.ndim != 0:
        raise AssertionError("Tensor should contain one element (0 dimensions). Was given size: "
                             "%d and %d dimensions." % (arr.size, arr.ndim))
    v = float(arr)
    if not new_style:
        return Summary(value=[Summary.Value(tag=name, simple_value=v)])
    proto = (TensorProto(double_val=[v], dtype="DT_DOUBLE") if double_precision else
             TensorProto(float_val=[v], dtype="DT_FLOAT"))
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=name, tensor=proto, metadata=meta)])


def default_bins():
    """TensorFlow's histogram bucket limits: +-1e-12 growing by 10% up to 1e20, and 0."""
    pos = []
    v = 1e-12
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    return [-x for x in reversed(pos)] + [0] + pos


def histogram_proto(values, bins, max_bins=None):
    """A ``HistogramProto`` of `values`, trimmed to the buckets that hold data (TensorBoard
    stores right edges, so one empty bucket is kept on the left)."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if values.size == 0:
        raise ValueError("The input has no element.")
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        counts = np.pad(counts, (0, -len(counts) % group)).reshape(-1, group).sum(axis=1)
        limits = np.append(limits[:-1:group][:len(counts)], limits[-1])
    nonzero = np.flatnonzero(counts)
    if nonzero.size == 0:
        raise ValueError("The histogram is empty, please file a bug report.")
    first, last = int(nonzero[0]), int(nonzero[-1]) + 1
    if first > 0:
        counts = counts[first - 1:last]
    else:
        counts = np.concatenate([[0], counts[:last]])
    limits = limits[first:last + 1]
    return HistogramProto(min=values.min(), max=values.max(), num=len(values),
                          sum=values.sum(), sum_squares=values.dot(values),
                          bucket_limit=limits.tolist(), bucket=counts.tolist())


def histogram(name, values, bins, max_bins=None):
    """A summary holding the histogram of `values`."""
    return Summary(value=[Summary.Value(tag=name, histo=histogram_proto(make_np(values), bins,
                                                                        max_bins))])


def histogram_raw(name, min, max, num, sum, sum_squares, bucket_limits, bucket_counts):
    """A summary holding a histogram given by its statistics and buckets."""
    hist = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                          bucket_limit=list(bucket_limits), bucket=list(bucket_counts))
    return Summary(value=[Summary.Value(tag=name, histo=hist)])


def make_grid(images, ncols=8):
    """N images (N, 1 or 3, H, W) tiled into one (3, H*rows, W*cols) image."""
    if images.shape[1] == 1:
        images = np.concatenate([images] * 3, 1)
    if images.ndim != 4 or images.shape[1] != 3:
        raise AssertionError("Input should be a 4D numpy array with 3 channels")
    n, _, h, w = images.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    canvas = np.zeros((3, h * nrows, w * ncols), dtype=images.dtype)
    for i in range(n):
        y, x = divmod(i, ncols)
        canvas[:, y * h:(y + 1) * h, x * w:(x + 1) * w] = images[i]
    return canvas


def convert_to_hwc(arr, dataformats):
    """An image array laid out as `dataformats` (NCHW, CHW, HWC, HW, ...) -> (H, W, 3|4)."""
    fmt = dataformats.upper()
    if len(set(fmt)) != len(fmt):
        raise AssertionError("You can not use the same dimension shorthand twice. "
                             "input_format: %s" % dataformats)
    if arr.ndim != len(fmt):
        raise AssertionError("size of input tensor and input format are different. tensor "
                             "shape: %s, input_format: %s" % (arr.shape, dataformats))
    if len(fmt) == 4:
        return make_grid(arr.transpose([fmt.find(c) for c in "NCHW"])).transpose(1, 2, 0)
    if len(fmt) == 3:
        hwc = arr.transpose([fmt.find(c) for c in "HWC"])
        return np.concatenate([hwc] * 3, 2) if hwc.shape[2] == 1 else hwc
    hw = arr.transpose([fmt.find(c) for c in "HW"])
    return np.stack([hw] * 3, 2)


def encode_png(hwc):
    """PNG bytes of a (H, W, C) uint8 array (needs Pillow)."""
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(hwc).save(buf, format="PNG")
    return buf.getvalue()


def image(tag, img, dataformats="NCHW"):
    """A summary holding one image (batches are tiled into a grid). Floats are taken in
    [0, 1] and uint8 in [0, 255], as in PyTorch."""
    arr = make_np(img)
    hwc = convert_to_hwc(arr, dataformats)
    scale = 1 if hwc.dtype == np.uint8 else 255
    hwc = (hwc.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    h, w, c = hwc.shape
    proto = Summary.Image(height=h, width=w, colorspace=c,
                          encoded_image_string=encode_png(np.ascontiguousarray(hwc)))
    return Summary(value=[Summary.Value(tag=tag, image=proto)])


def _plugin_meta(name, content=b""):
    return SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=name,
                                                                  content=content))


def text(tag, text_string):
    """A summary holding a string for the text plugin (tag ``<tag>/text_summary``)."""
    from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData
    meta = _plugin_meta("text", TextPluginData(version=0).SerializeToString())
    proto = TensorProto(dtype="DT_STRING", string_val=[text_string.encode("utf-8")],
                        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=meta,
                                        tensor=proto)])


def _float_tensor(data):
    return TensorProto(dtype="DT_FLOAT", float_val=data.reshape(-1).tolist(),
                       tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=s)
                                                          for s in data.shape]))


def pr_curve_data(labels, predictions, num_thresholds, weights=None):
    """(6, num_thresholds) rows: TP, FP, TN, FN, precision, recall at each threshold."""
    w = 1.0 if weights is None else weights
    buckets = np.floor(predictions * (num_thresholds - 1)).astype(np.int32)
    labels = labels.astype(np.float64)
    rng = (0, num_thresholds - 1)
    tp_b, _ = np.histogram(buckets, bins=num_thresholds, range=rng, weights=labels * w)
    fp_b, _ = np.histogram(buckets, bins=num_thresholds, range=rng, weights=(1 - labels) * w)
    tp = np.cumsum(tp_b[::-1])[::-1]
    fp = np.cumsum(fp_b[::-1])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def pr_curve(tag, labels, predictions, num_thresholds=127, weights=None):
    """A summary holding a precision-recall curve for the pr_curves plugin."""
    from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData
    num_thresholds = min(num_thresholds, 127)
    data = pr_curve_data(make_np(labels), make_np(predictions), num_thresholds,
                         None if weights is None else make_np(weights))
    return pr_curve_raw_summary(tag, data, num_thresholds, PrCurvePluginData)


def pr_curve_raw_summary(tag, data, num_thresholds, plugin_data_cls=None):
    if plugin_data_cls is None:
        from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData
        plugin_data_cls = PrCurvePluginData
    content = plugin_data_cls(version=0, num_thresholds=num_thresholds).SerializeToString()
    return Summary(value=[Summary.Value(tag=tag, metadata=_plugin_meta("pr_curves", content),
                                        tensor=_float_tensor(data.astype(np.float32)))])


def hparams(hparam_dict, metric_dict, hparam_domain_discrete=None):
    """The experiment, session-start and session-end summaries of the hparams plugin."""
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams import metadata as hp_meta
    from tensorboard.plugins.hparams.api_pb2 import (DataType, Experiment, HParamInfo,
                                                     MetricInfo, MetricName, Status)
    from tensorboard.plugins.hparams.plugin_data_pb2 import (HParamsPluginData,
                                                             SessionEndInfo, SessionStartInfo)
    from ..._tensor import Tensor
    if not isinstance(hparam_dict, dict):
        raise TypeError("parameter: hparam_dict should be a dictionary, nothing logged.")
    if not isinstance(metric_dict, dict):
        raise TypeError("parameter: metric_dict should be a dictionary, nothing logged.")
    discrete = hparam_domain_discrete or {}
    if not isinstance(discrete, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing "
                        "logged.")
    for k, v in discrete.items():
        if k not in hparam_dict or not isinstance(v, list) or \
                not all(isinstance(d, type(hparam_dict[k])) for d in v):
            raise TypeError("parameter: hparam_domain_discrete[%s] should be a list of same "
                            "type as hparam_dict[%s]." % (k, k))
    ssi = SessionStartInfo()
    infos = []
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, Tensor):
            v = float(make_np(v).reshape(-1)[0])
        if isinstance(v, (int, float)):   # bools too: PyTorch logs them as numbers
            field, kind = "number_value", "DATA_TYPE_FLOAT64"
        elif isinstance(v, str):
            field, kind = "string_value", "DATA_TYPE_STRING"
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        setattr(ssi.hparams[k], field, v)
        domain = None
        if k in discrete:
            domain = struct_pb2.ListValue(values=[struct_pb2.Value(**{field: d})
                                                  for d in discrete[k]])
        infos.append(HParamInfo(name=k, type=DataType.Value(kind), domain_discrete=domain))

    def wrap(tag, **content):
        data = HParamsPluginData(version=hp_meta.PLUGIN_DATA_VERSION, **content)
        meta = _plugin_meta(hp_meta.PLUGIN_NAME, data.SerializeToString())
        return Summary(value=[Summary.Value(tag=tag, metadata=meta)])

    exp = Experiment(hparam_infos=infos,
                     metric_infos=[MetricInfo(name=MetricName(tag=k)) for k in metric_dict])
    return (wrap(hp_meta.EXPERIMENT_TAG, experiment=exp),
            wrap(hp_meta.SESSION_START_INFO_TAG, session_start_info=ssi),
            wrap(hp_meta.SESSION_END_INFO_TAG,
                 session_end_info=SessionEndInfo(status=Status.Value("STATUS_SUCCESS"))))


_TENSOR_FIELDS = {"float16": ("DT_HALF", "half_val"), "float32": ("DT_FLOAT", "float_val"),
                  "float64": ("DT_DOUBLE", "double_val"), "int8": ("DT_INT8", "int_val"),
                  "int16": ("DT_INT16", "int_val"), "int32": ("DT_INT32", "int_val"),
                  "int64": ("DT_INT64", "int64_val"), "uint8": ("DT_UINT8", "uint32_val"),
                  "bool": ("DT_BOOL", "bool_val"), "bfloat16": ("DT_BFLOAT16", "half_val"),
                  "complex64": ("DT_COMPLEX64", "scomplex_val"),
                  "complex128": ("DT_COMPLEX128", "dcomplex_val")}


def tensor_summary(tag, tensor):
    """A summary holding a whole tensor (``add_tensor``)."""
    name = tensor.dtype.name
    if name not in _TENSOR_FIELDS:
        raise ValueError("%s has unsupported tensor dtype %s" % (tag, tensor.dtype))
    if tensor.numel() * tensor.element_size() >= 1 << 31:
        raise ValueError("tensor is bigger than protocol buffer's hard limit of 2GB in size")
    dtype, field = _TENSOR_FIELDS[name]
    flat = make_np(tensor).reshape(-1)
    if name == "float16":
        vals = flat.view(np.uint16).tolist()
    elif name == "bfloat16":
        vals = (flat.astype(np.float32).view(np.uint32) >> 16).tolist()
    elif name.startswith("complex"):
        vals = np.stack([flat.real, flat.imag], 1).reshape(-1).tolist()
    else:
        vals = flat.tolist()
    proto = TensorProto(dtype=dtype, tensor_shape=TensorShapeProto(
        dim=[TensorShapeProto.Dim(size=s) for s in tensor.shape]), **{field: vals})
    return Summary(value=[Summary.Value(tag=tag, metadata=_plugin_meta("tensor"),
                                        tensor=proto)])


def custom_scalars(layout):
    """The layout summary of the custom-scalars plugin."""
    from tensorboard.plugins.custom_scalar import layout_pb2
    categories = []
    for category, charts in layout.items():
        items = []
        for title, (kind, tags) in charts.items():
            if kind == "Multiline":
                items.append(layout_pb2.Chart(
                    title=title, multiline=layout_pb2.MultilineChartContent(tag=tags)))
            else:
                series = layout_pb2.MarginChartContent.Series(value=tags[0], lower=tags[1],
                                                              upper=tags[2])
                items.append(layout_pb2.Chart(
                    title=title, margin=layout_pb2.MarginChartContent(series=[series])))
        categories.append(layout_pb2.Category(title=category, chart=items))
    content = layout_pb2.Layout(category=categories).SerializeToString()
    proto = TensorProto(dtype="DT_STRING", string_val=[content],
                        tensor_shape=TensorShapeProto())
    return Summary(value=[Summary.Value(tag="custom_scalars__config__", tensor=proto,
                                        metadata=_plugin_meta("custom_scalars"))])
