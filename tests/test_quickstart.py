"""The main job: ``python -m ember.examples.quickstart`` trains, tests, logs, saves, reloads
and predicts; on the shipped digits it learns (and gives PyTorch's numbers for the same
seeds); on MNIST-format files it reads them."""
import contextlib
import gzip
import io
import os
import struct
import sys

import numpy as np
import pytest

import ember
from ember.examples import quickstart

EPOCHS = 3


def _run(argv):
    """quickstart.run on `argv`, returning (result, printed text)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = quickstart.run(quickstart.parse_args(argv))
    return result, out.getvalue()


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quickstart")
    return _run(["--epochs", str(EPOCHS), "--out", str(tmp / "out"), "--no-progress",
                 "--data-root", str(tmp / "no-data-here")])


def test_digits_learns_and_prints_like_the_seed(digits_run):
    result, text = digits_run
    assert result.dataset == "digits"
    assert len(result.test_data) == 359
    assert result.accuracy > 0.80
    assert "Shape of X [N, C, H, W]: torch.Size([32, 1, 8, 8])" in text
    assert "Shape of y: torch.Size([32]) torch.int64" in text
    assert text.count("Test Error: \n Accuracy: ") == EPOCHS
    assert f" Accuracy: {100 * result.accuracy:>0.1f}%, Avg loss: {result.test_loss:>8f}" in text
    assert "<All keys matched successfully>" in text
    assert "Predicted: \"" in text and "\", Actual: \"" in text
    finished = [line for line in text.splitlines() if line.startswith("Finished in ")]
    assert len(finished) == 1 and finished[0].endswith(os.path.abspath(result.out))


def test_model_file_reloads_to_the_same_predictions(digits_run):
    result, _ = digits_run
    assert os.path.isfile(result.model_path)
    state = ember.load(result.model_path, weights_only=True)
    trained = result.model.state_dict()
    assert list(state) == list(trained)
    for key in state:
        assert ember.equal(state[key], trained[key])
    fresh = quickstart.NeuralNetwork(64)
    fresh.load_state_dict(state)
    fresh.eval()
    result.model.eval()
    X = ember.stack([result.test_data[i][0] for i in range(len(result.test_data))])
    with ember.no_grad():
        assert ember.equal(fresh(X), result.model(X))
        assert ember.equal(result.reloaded(X).argmax(1), result.model(X).argmax(1))
    assert result.agree == len(result.test_data)


def test_tensorboard_event_file(digits_run):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    result, _ = digits_run
    files = os.listdir(result.log_dir)
    assert any(name.startswith("events.out.tfevents.") for name in files)
    events = EventAccumulator(result.log_dir)
    events.Reload()
    accuracy = events.Scalars("Accuracy/test")
    assert [e.step for e in accuracy] == list(range(1, EPOCHS + 1))
    assert accuracy[-1].value == pytest.approx(result.accuracy, rel=1e-6)
    assert len(events.Scalars("Loss/train")) == EPOCHS * 45  # 1438 images in batches of 32


def test_same_numbers_as_pytorch(digits_run):
    """The same seeds through real PyTorch give the same test loss and accuracy: the split,
    the initialisation, the shuffling, the loss and SGD all follow PyTorch's streams."""
    torch = pytest.importorskip("torch")
    result, _ = digits_run
    digits = quickstart.load_digits()

    class Digits(torch.utils.data.Dataset):
        def __len__(self):
            return len(digits)

        def __getitem__(self, i):
            return torch.from_numpy(digits[i][0].numpy()), digits[i][1]

    torch.manual_seed(0)
    train_data, test_data = torch.utils.data.random_split(
        Digits(), [0.8, 0.2], generator=torch.Generator().manual_seed(0))
    assert list(test_data.indices) == list(result.test_data.indices)
    train_loader = torch.utils.data.DataLoader(train_data, batch_size=32, shuffle=True)
    test_loader = torch.utils.data.DataLoader(test_data, batch_size=32)
    next(iter(test_loader))  # as the script does; each new iterator draws a base seed
    nn = torch.nn
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512),
                          nn.ReLU(), nn.Linear(512, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(EPOCHS):
        for X, y in train_loader:
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        test_loss, correct = 0.0, 0
        with torch.no_grad():
            for X, y in test_loader:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).sum().item()
    assert result.test_loss == pytest.approx(test_loss / len(test_loader), rel=1e-4)
    assert result.accuracy == correct / len(test_data)


def test_main_entry_point(tmp_path, capsys):
    out = tmp_path / "run"
    assert quickstart.main(["--epochs", "1", "--out", str(out), "--no-progress",
                            "--data-root", str(tmp_path / "none")]) == 0
    assert str(out) in capsys.readouterr().out
    assert (out / "model.pth").is_file()


# ---------------------------------------------------------------- MNIST-format files

def _write_idx(path, array, gz):
    data = struct.pack(">BBBB", 0, 0, 8, array.ndim)
    data += struct.pack(">" + "i" * array.ndim, *array.shape) + array.astype(np.uint8).tobytes()
    if gz:
        data, path = gzip.compress(data), path + ".gz"
    with open(path, "wb") as f:
        f.write(data)


def _fake_mnist(root, name):
    """Learnable images in torchvision's raw layout: class k has a bright band at row 2k."""
    rng = np.random.default_rng(0)
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw)
    arrays = {}
    for split, n, gz in (("train", 320, True), ("t10k", 64, False)):
        labels = rng.integers(0, 10, n)
        images = rng.integers(0, 60, (n, 28, 28))
        for image, k in zip(images, labels):
            image[2 * k:2 * k + 6, 4:24] = 250
        _write_idx(os.path.join(raw, f"{split}-images-idx3-ubyte"), images, gz)
        _write_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte"), labels, gz)
        arrays[split] = images, labels
    return arrays


@pytest.mark.parametrize("name", ["FashionMNIST", "MNIST"])
def test_mnist_format_files_are_used(tmp_path, name):
    arrays = _fake_mnist(str(tmp_path / "data"), name)
    result, text = _run(["--epochs", "2", "--out", str(tmp_path / "out"), "--no-progress",
                         "--data-root", str(tmp_path / "data")])
    assert result.dataset == name
    assert len(result.test_data) == 64
    assert "Shape of X [N, C, H, W]: torch.Size([32, 1, 28, 28])" in text
    images, labels = arrays["t10k"]
    x, y = result.test_data[5]
    assert y == labels[5]
    assert x.shape == (1, 28, 28) and x.dtype == ember.float32
    np.testing.assert_allclose(x.numpy()[0], images[5] / 255, rtol=1e-6)
    assert result.accuracy > 0.5
    actual = quickstart.CLASSES[name][labels[0]]
    assert f'Actual: "{actual}"' in text


def test_read_idx(tmp_path):
    array = np.arange(24).reshape(2, 3, 4)
    for gz in (False, True):
        path = str(tmp_path / f"a{gz}")
        _write_idx(path, array, gz)
        np.testing.assert_array_equal(quickstart.read_idx(path + (".gz" if gz else "")), array)
    (tmp_path / "bad").write_bytes(b"\x00\x00\x0d\x01\x00\x00\x00\x01abcd")
    with pytest.raises(ValueError, match="not an IDX file"):
        quickstart.read_idx(str(tmp_path / "bad"))


def test_incomplete_files_fall_back_to_digits(tmp_path):
    _fake_mnist(str(tmp_path), "MNIST")
    os.remove(tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte")
    assert quickstart.find_idx_dataset(str(tmp_path)) is None
    assert quickstart.find_idx_dataset(None) is None


# ---------------------------------------------------------------- optional packages

def test_without_tqdm_no_bar(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    assert quickstart._progress_bar([1, 2], 1, enabled=True) is None


def test_with_tqdm_a_bar():
    pytest.importorskip("tqdm")
    bar = quickstart._progress_bar([1, 2], 1, enabled=True)
    try:
        assert list(bar) == [1, 2]
    finally:
        bar.close()
    assert quickstart._progress_bar([1, 2], 1, enabled=False) is None


def test_without_tensorboard_a_note(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "ember.utils.tensorboard", None)
    assert quickstart.open_summary_writer(str(tmp_path)) is None
    assert "no TensorBoard logs" in capsys.readouterr().out
