"""ember.utils.tensorboard.SummaryWriter against torch.utils.tensorboard.SummaryWriter: both
log the same data, TensorBoard's own EventAccumulator reads both runs back, and tags,
steps and values must agree (histogram buckets, image sizes and pixels, text, hparams)."""
import io
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402

import ember  # noqa: E402
from ember.utils.tensorboard import SummaryWriter  # noqa: E402

RNG = np.random.default_rng(0)
HIST = RNG.standard_normal(500).astype(np.float32)
IMG_CHW = RNG.random((3, 6, 5)).astype(np.float32)
IMG_HWC = (RNG.random((4, 7, 3)) * 255).astype(np.uint8)
BATCH = RNG.random((5, 1, 4, 4)).astype(np.float32)
LABELS = RNG.integers(0, 2, 50)
PREDS = RNG.random(50).astype(np.float32)


def log_everything(lib, writer):
    """The same calls for torch and ember (`lib` makes the tensors)."""
    t = lambda a: lib.tensor(a)
    for step in range(4):
        writer.add_scalar("loss/train", 1.0 / (step + 1), step)
        writer.add_scalar("acc", t(step * 0.25), global_step=step)
    writer.add_scalars("run", {"a": 1.5, "b": t(2.5)}, 7)
    writer.add_histogram("weights", t(HIST), 3)
    writer.add_histogram("auto_bins", t(HIST), 3, bins="auto")
    writer.add_histogram("max_bins", t(HIST), 4, bins=20, max_bins=7)
    writer.add_image("chw", t(IMG_CHW), 1)
    writer.add_image("hwc", IMG_HWC, 1, dataformats="HWC")
    writer.add_image("hw", t(IMG_CHW[0]), 2, dataformats="HW")
    writer.add_images("batch", t(BATCH), 0)
    writer.add_text("notes", "**bold** text", 5)
    writer.add_pr_curve("pr", t(LABELS), t(PREDS), 2, num_thresholds=20)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("tb")
    out = {}
    for name, lib, cls in (("torch", torch, TorchWriter), ("ember", ember, SummaryWriter)):
        with cls(log_dir=str(base / name), flush_secs=1) as w:
            log_everything(lib, w)
        acc = EventAccumulator(str(base / name), size_guidance={"tensors": 0, "images": 0})
        acc.Reload()
        out[name] = (acc, base / name)
    return out


def test_tags_match(runs):
    et, tt = runs["ember"][0].Tags(), runs["torch"][0].Tags()
    for kind in ("scalars", "histograms", "images", "tensors"):
        assert sorted(et[kind]) == sorted(tt[kind]), kind


def test_scalars_steps_and_values(runs):
    e, t = runs["ember"][0], runs["torch"][0]
    for tag in ("loss/train", "acc"):
        ev, tv = e.Scalars(tag), t.Scalars(tag)
        assert [x.step for x in ev] == [x.step for x in tv] == [0, 1, 2, 3]
        assert [x.value for x in ev] == [x.value for x in tv]


def test_add_scalars_subruns(runs):
    for sub in ("run_a", "run_b"):
        accs = []
        for name in ("ember", "torch"):
            acc = EventAccumulator(str(runs[name][1] / sub))
            acc.Reload()
            accs.append([(s.step, s.value) for s in acc.Scalars("run")])
        assert accs[0] == accs[1]


def test_histograms(runs):
    e, t = runs["ember"][0], runs["torch"][0]
    for tag in ("weights", "auto_bins", "max_bins"):
        eh, th = e.Histograms(tag)[0], t.Histograms(tag)[0]
        assert eh.step == th.step
        a, b = eh.histogram_value, th.histogram_value
        assert (a.num, a.bucket_limit, a.bucket) == (b.num, b.bucket_limit, b.bucket)
        np.testing.assert_allclose([a.min, a.max, a.sum, a.sum_squares],
                                   [b.min, b.max, b.sum, b.sum_squares], rtol=1e-6)


def test_images_decode_to_same_pixels(runs):
    from PIL import Image
    e, t = runs["ember"][0], runs["torch"][0]
    for tag in ("chw", "hwc", "hw", "batch"):
        ei, ti = e.Images(tag)[0], t.Images(tag)[0]
        assert (ei.step, ei.width, ei.height) == (ti.step, ti.width, ti.height)
        pe = np.asarray(Image.open(io.BytesIO(ei.encoded_image_string)))
        pt = np.asarray(Image.open(io.BytesIO(ti.encoded_image_string)))
        np.testing.assert_array_equal(pe, pt)


def test_text_and_pr_curve(runs):
    e, t = runs["ember"][0], runs["torch"][0]
    et, tt = e.Tensors("notes/text_summary")[0], t.Tensors("notes/text_summary")[0]
    assert et.step == tt.step == 5
    assert et.tensor_proto.string_val == tt.tensor_proto.string_val == [b"**bold** text"]
    ep, tp = e.Tensors("pr")[0].tensor_proto, t.Tensors("pr")[0].tensor_proto
    assert [d.size for d in ep.tensor_shape.dim] == [d.size for d in tp.tensor_shape.dim]
    np.testing.assert_allclose(ep.float_val, tp.float_val, rtol=1e-6)
    assert e.SummaryMetadata("pr").plugin_data.content == \
        t.SummaryMetadata("pr").plugin_data.content


def test_hparams(tmp_path):
    from tensorboard.plugins.hparams import plugin_data_pb2
    contents = []
    for name, cls in (("ember", SummaryWriter), ("torch", TorchWriter)):
        with cls(log_dir=str(tmp_path / name)) as w:
            w.add_hparams({"lr": 0.1, "bsize": 16, "opt": "adam", "flag": True},
                          {"hparam/accuracy": 0.75}, run_name="trial")
        acc = EventAccumulator(str(tmp_path / name / "trial"))
        acc.Reload()
        assert acc.Scalars("hparam/accuracy")[0].value == 0.75
        found = {}
        for tag in ("_hparams_/experiment", "_hparams_/session_start_info",
                    "_hparams_/session_end_info"):
            data = plugin_data_pb2.HParamsPluginData.FromString(
                acc.SummaryMetadata(tag).plugin_data.content)
            found[tag] = data
        contents.append(found)
    assert contents[0] == contents[1]


def test_defaults_purge_flush_close_reopen(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_exp")
    assert w.get_logdir().startswith("runs" + os.sep) and w.get_logdir().endswith("_exp")
    w.add_scalar("x", 1.0, 0)
    w.flush()
    acc = EventAccumulator(w.get_logdir())
    acc.Reload()
    assert [s.value for s in acc.Scalars("x")] == [1.0]
    w.close()
    w.add_scalar("x", 2.0, 1)          # a closed writer opens a new event file
    w.close()
    w.close()
    acc = EventAccumulator(w.get_logdir())
    acc.Reload()
    assert [s.value for s in acc.Scalars("x")] == [1.0, 2.0]
    with SummaryWriter("purged", filename_suffix=".sfx") as p:
        for i in range(5):
            p.add_scalar("y", float(i), i)
    with SummaryWriter("purged", purge_step=2, filename_suffix=".sfx") as p:
        p.add_scalar("y", 20.0, 2)
    assert all(f.endswith(".sfx") for f in os.listdir("purged"))
    acc = EventAccumulator("purged")
    acc.Reload()
    assert [(s.step, s.value) for s in acc.Scalars("y")] == [(0, 0.0), (1, 1.0), (2, 20.0)]


def test_scalar_errors_match_torch(tmp_path):
    with SummaryWriter(str(tmp_path / "e")) as w, TorchWriter(str(tmp_path / "t")) as tw:
        with pytest.raises(AssertionError):
            tw.add_scalar("bad", torch.ones(3))
        with pytest.raises(AssertionError):
            w.add_scalar("bad", ember.ones(3))
        with pytest.raises(TypeError):
            w.add_hparams([("lr", 1)], {})


def test_graph_and_embedding(tmp_path):
    from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig
    from google.protobuf import text_format
    model = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.ReLU(), ember.nn.Linear(4, 2))
    with SummaryWriter(str(tmp_path)) as w:
        w.add_graph(model, ember.randn(2, 3))
        w.add_graph(model)                        # no input: nothing to trace, no error
        mat = ember.randn(6, 3)
        w.add_embedding(mat, metadata=list("abcdef"), label_img=ember.rand(6, 3, 4, 4),
                        tag="feat/x")
        w.add_embedding(mat, metadata=[[1, "a"], [2, "b"]] * 3, metadata_header=["n", "l"],
                        global_step=3)
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    graph = acc.Graph()
    names = {n.name: n for n in graph.node}
    assert {"params/0/weight", "params/0/bias", "params/2/weight", "input/input.0",
            "output/output.0"} <= set(names)
    assert "params/0/weight" in {i for n in graph.node for i in n.input}
    config = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(),
                               ProjectorConfig())
    assert [e.tensor_name for e in config.embeddings] == ["feat/x:00000", "default:00003"]
    rows = (tmp_path / "00000" / "feat%2fx" / "tensors.tsv").read_text().splitlines()
    np.testing.assert_allclose([[float(v) for v in r.split("\t")] for r in rows],
                               mat.numpy(), rtol=1e-6)
    assert (tmp_path / "00000" / "feat%2fx" / "metadata.tsv").read_text() == "a\nb\nc\nd\ne\nf\n"
    assert (tmp_path / "00003" / "default" / "metadata.tsv").read_text().splitlines()[0] == \
        "n\tl"
    assert (tmp_path / "00000" / "feat%2fx" / "sprite.png").exists()


def test_add_figure(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    fig = plt.figure(figsize=(2, 1), dpi=20)
    plt.plot([0, 1], [1, 0])
    with SummaryWriter(str(tmp_path)) as w:
        w.add_figure("fig", fig, 0)
        w.add_figure("figs", [plt.figure(figsize=(1, 1), dpi=10) for _ in range(2)], 1)
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    assert (acc.Images("fig")[0].width, acc.Images("fig")[0].height) == (40, 20)
    assert acc.Images("figs")[0].step == 1
