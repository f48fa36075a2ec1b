"""``SummaryWriter``: logs scalars, histograms, images, text, hyperparameters, graphs and
embeddings to TensorBoard event files.

Events go through TensorBoard's own ``EventFileWriter`` (a background thread that appends
length-prefixed, CRC-checked records to ``events.out.tfevents.<time>.<host>...``), so the
files are exactly what ``tensorboard --logdir`` reads.
"""
import os
import socket
import time
from datetime import datetime

from tensorboard.compat.proto import event_pb2
from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import summary as S


class FileWriter:
    """Writes protocol buffers to one event file in `log_dir`."""

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=""):
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs,
                                            filename_suffix)

    def get_logdir(self):
        return self.event_writer.get_logdir()

    def add_event(self, event, step=None, walltime=None):
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None, walltime=None):
        self.add_event(event_pb2.Event(summary=summary), global_step, walltime)

    def add_graph_def(self, graph_def, walltime=None):
        self.add_event(event_pb2.Event(graph_def=graph_def.SerializeToString()), None, walltime)

    def flush(self):
        self.event_writer.flush()

    def close(self):
        self.event_writer.close()

    def reopen(self):
        self.event_writer.reopen()


class SummaryWriter:
    """Writes entries directly to event files in `log_dir` to be consumed by TensorBoard.
    `log_dir` defaults to ``runs/<Mon03_14-05-09>_<hostname><comment>``."""

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()
        self.default_bins = S.default_bins()

    def _get_file_writer(self):
        """The main FileWriter, recreated after ``close()``."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs,
                                          self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                step = self.purge_step
                self.file_writer.add_event(Event(step=step, file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=step, session_log=SessionLog(
                    status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        """The directory where event files are written."""
        return self.log_dir

    # --- numbers --------------------------------------------------------------------------------
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """Logs one number (a Python number or a one-element tensor) under `tag`."""
        self._get_file_writer().add_summary(
            S.scalar(tag, scalar_value, new_style, double_precision), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Logs several numbers on one chart: each goes to its own run folder
        ``<log_dir>/<main_tag>_<tag>``, under the tag `main_tag`."""
        walltime = time.time() if walltime is None else walltime
        logdir = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            key = logdir + "/" + main_tag.replace("/", "_") + "_" + tag
            fw = self.all_writers.get(key)
            if fw is None:
                fw = self.all_writers[key] = FileWriter(key, self.max_queue, self.flush_secs,
                                                        self.filename_suffix)
            fw.add_summary(S.scalar(main_tag, value), global_step, walltime)

    def add_tensor(self, tag, tensor, global_step=None, walltime=None):
        """Logs a whole tensor."""
        self._get_file_writer().add_summary(S.tensor_summary(tag, tensor), global_step,
                                            walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None):
        """Logs the histogram of `values`; ``bins`` is 'tensorflow' (TensorBoard's default
        buckets) or anything ``numpy.histogram`` accepts."""
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._get_file_writer().add_summary(S.histogram(tag, values, bins, max_bins),
                                            global_step, walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits,
                          bucket_counts, global_step=None, walltime=None):
        """Logs a histogram given by its statistics and buckets."""
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        self._get_file_writer().add_summary(
            S.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts),
            global_step, walltime)

    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127,
                     weights=None, walltime=None):
        """Logs a precision-recall curve from binary `labels` and `predictions` in [0, 1]."""
        self._get_file_writer().add_summary(
            S.pr_curve(tag, labels, predictions, num_thresholds, weights), global_step,
            walltime)

    def add_pr_curve_raw(self, tag, true_positive_counts, false_positive_counts,
                         true_negative_counts, false_negative_counts, precision, recall,
                         global_step=None, num_thresholds=127, weights=None, walltime=None):
        """Logs a precision-recall curve from precomputed counts."""
        import numpy as np
        rows = [S.make_np(x).astype(np.float64) for x in (
            true_positive_counts, false_positive_counts, true_negative_counts,
            false_negative_counts, precision, recall)]
        self._get_file_writer().add_summary(
            S.pr_curve_raw_summary(tag, np.stack(rows), min(num_thresholds, 127)),
            global_step, walltime)

    # --- images and text ------------------------------------------------------------------------
    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """Logs an image (CHW by default; HWC, HW... via `dataformats`); floats in [0, 1],
        uint8 in [0, 255]. Needs Pillow."""
        self._get_file_writer().add_summary(S.image(tag, img_tensor, dataformats), global_step,
                                            walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """Logs a batch of images, tiled into one grid image."""
        self._get_file_writer().add_summary(S.image(tag, img_tensor, dataformats), global_step,
                                            walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """Renders a matplotlib figure (or a list of them) and logs it as an image."""
        from .figure import figure_to_image
        fmt = "NCHW" if isinstance(figure, list) else "CHW"
        self.add_image(tag, figure_to_image(figure, close), global_step, walltime,
                       dataformats=fmt)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """Logs a string (Markdown) for TensorBoard's text tab."""
        self._get_file_writer().add_summary(S.text(tag, text_string), global_step, walltime)

    # --- runs, graphs, embeddings ---------------------------------------------------------------
    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        """Logs hyperparameters and their metrics for the HPARAMS tab, in a sub-run
        `run_name` (default: the current time)."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        exp, ssi, sei = S.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=logdir) as w:
            for summ in (exp, ssi, sei):
                w.file_writer.add_summary(summ, global_step)
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """Logs the graph of ``model(input_to_model)``, read from the autograd graph of its
        output (ember has no tracer: one node per backward function and parameter). Without
        an input, nothing is written."""
        if input_to_model is None:
            return
        from .graph import graph_def_of
        self._get_file_writer().add_graph_def(graph_def_of(model, input_to_model, verbose))

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None):
        """Writes the files of TensorBoard's embedding projector: ``tensors.tsv``, optional
        ``metadata.tsv`` and ``sprite.png``, and ``projector_config.pbtxt``."""
        from .embedding import add_embedding
        add_embedding(self, mat, metadata, label_img, global_step, tag, metadata_header)

    def add_custom_scalars(self, layout):
        """Lays out the custom-scalars dashboard: ``{category: {title: [kind, tags]}}`` where
        kind is 'Multiline' (tags: a list of tags) or 'Margin' (tags: [value, lower, upper])."""
        self._get_file_writer().add_summary(S.custom_scalars(layout))

    def add_custom_scalars_multilinechart(self, tags, category="default", title="untitled"):
        self.add_custom_scalars({category: {title: ["Multiline", tags]}})

    def add_custom_scalars_marginchart(self, tags, category="default", title="untitled"):
        if len(tags) != 3:
            raise AssertionError("Expected 3 tags, got %d." % len(tags))
        self.add_custom_scalars({category: {title: ["Margin", tags]}})

    # --- lifetime -------------------------------------------------------------------------------
    def flush(self):
        """Writes pending events to disk."""
        if self.all_writers is None:
            return
        for w in self.all_writers.values():
            w.flush()

    def close(self):
        """Flushes and closes every event file (a later add_* call opens a new one)."""
        if self.all_writers is None:
            return
        for w in self.all_writers.values():
            w.flush()
            w.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
