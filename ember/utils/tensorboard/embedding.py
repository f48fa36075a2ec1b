"""The files of TensorBoard's embedding projector (``SummaryWriter.add_embedding``).

Under ``<log_dir>/<step:05d>/<tag>/``: ``tensors.tsv`` (one row per point),
``metadata.tsv`` (labels), ``sprite.png`` (thumbnails tiled in a square); and in
``<log_dir>/projector_config.pbtxt`` one entry per embedding logged so far.
"""
import math
import os

import numpy as np

from .summary import make_grid, make_np


def _encode(tag):
    """A tag made safe as a folder name, as PyTorch does it ('/' -> '%2f')."""
    return tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")


def _write_tsv(metadata, path, header):
    if header:
        if len(header) != len(metadata[0]):
            raise AssertionError("len of header must be equal to the number of columns in "
                                 "metadata")
        lines = ["\t".join(str(e) for e in row) for row in [header] + list(metadata)]
    else:
        lines = [str(x) for x in metadata]
    with open(os.path.join(path, "metadata.tsv"), "wb") as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))


def _write_sprite(images, path):
    """Thumbnails (N, C, H, W) in [0, 1] tiled on a square canvas."""
    from PIL import Image
    n = images.shape[0]
    grid = make_grid(images, ncols=math.ceil(n ** 0.5)).transpose(1, 2, 0)
    side = grid.shape[1]
    canvas = np.zeros((side, side, 3))
    canvas[:grid.shape[0]] = grid
    Image.fromarray(np.uint8((canvas * 255).clip(0, 255))).save(os.path.join(path, "sprite.png"))


def add_embedding(writer, mat, metadata, label_img, global_step, tag, metadata_header):
    from google.protobuf import text_format
    from tensorboard.plugins.projector.projector_config_pb2 import (EmbeddingInfo,
                                                                    ProjectorConfig)
    mat = make_np(mat)
    step = 0 if global_step is None else global_step
    subdir = "%s/%s" % (str(step).zfill(5), _encode(tag))
    logdir = writer._get_file_writer().get_logdir()
    path = os.path.join(logdir, subdir)
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise NotADirectoryError("Path: `%s` exists, but is a file. Cannot proceed." % path)
        print("warning: Embedding dir exists, did you set global_step for add_embedding()?")
    else:
        os.makedirs(path)
    if metadata is not None:
        if mat.shape[0] != len(metadata):
            raise AssertionError("#labels should equal with #data points")
        _write_tsv(metadata, path, metadata_header)
    if label_img is not None:
        images = make_np(label_img)
        if mat.shape[0] != images.shape[0]:
            raise AssertionError("#images should equal with #data points")
        _write_sprite(images, path)
    if mat.ndim != 2:
        raise AssertionError("mat should be 2D, where mat.size(0) is the number of data points")
    with open(os.path.join(path, "tensors.tsv"), "wb") as f:
        for row in mat:
            f.write(("\t".join(str(v.item()) for v in row) + "\n").encode("utf-8"))
    info = EmbeddingInfo(tensor_name="%s:%s" % (tag, str(step).zfill(5)),
                         tensor_path=subdir + "/tensors.tsv")
    if metadata is not None:
        info.metadata_path = subdir + "/metadata.tsv"
    if label_img is not None:
        info.sprite.image_path = subdir + "/sprite.png"
        info.sprite.single_image_dim.extend([images.shape[3], images.shape[2]])
    if not hasattr(writer, "_projector_config"):
        writer._projector_config = ProjectorConfig()
    writer._projector_config.embeddings.extend([info])
    with open(os.path.join(logdir, "projector_config.pbtxt"), "wb") as f:
        f.write(text_format.MessageToString(writer._projector_config).encode("utf-8"))
