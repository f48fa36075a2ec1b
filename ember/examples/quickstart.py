"""Seed 004's quickstart end to end on ember: a dataset through a DataLoader, a small
fully connected network, the train and test loops, TensorBoard logs, saving and reloading the
model, and a prediction.

    python -m ember.examples.quickstart [--data-root DIR] [--epochs N] [--out DIR]

Data: FashionMNIST or MNIST files in torchvision's layout
(``<data-root>/FashionMNIST/raw/train-images-idx3-ubyte[.gz]`` and the three other files)
are used when present; otherwise the UCI handwritten digits shipped in ``examples/data``
(1,797 images of 8x8 pixels, CC BY 4.0), so the example needs no network.
Everything written goes under one output folder, named at the end.
"""
import argparse
import gzip
import os
import sys
import time
from types import SimpleNamespace

import numpy as np

import ember
from ember import nn
from ember.utils.data import DataLoader, Dataset, random_split

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
DIGITS_FILE = os.path.join(DATA_DIR, "digits.csv.gz")

CLASSES = {
    "FashionMNIST": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                     "Sneaker", "Bag", "Ankle boot"],
    "MNIST": ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
              "6 - six", "7 - seven", "8 - eight", "9 - nine"],
    "digits": [str(d) for d in range(10)],
}
IDX_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


# ---------------------------------------------------------------- data

class ImageArray(Dataset):
    """Grayscale images kept in one NumPy array (N, H, W) of integers 0..`max_value` with
    integer labels; an item is (float32 tensor 1xHxW scaled to [0, 1], label as an int),
    which is what torchvision's MNIST gives with ``transform=ToTensor()``."""

    def __init__(self, images, labels, max_value, classes):
        self.images = images
        self.targets = labels
        self.scale = np.float32(1.0 / max_value)
        self.classes = classes

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        image = self.images[index][None].astype(np.float32) * self.scale
        return ember.from_numpy(image), int(self.targets[index])


def load_digits():
    """The UCI handwritten digits shipped with ember: an ImageArray of 1,797 8x8 images."""
    with gzip.open(DIGITS_FILE, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    images = table[:, :64].reshape(-1, 8, 8).astype(np.uint8)
    return ImageArray(images, table[:, 64], 16, CLASSES["digits"])


def _idx_path(raw_dir, stem):
    """The path of IDX file `stem` in `raw_dir`, plain or gzipped, or None."""
    for name in (stem, stem + ".gz"):
        path = os.path.join(raw_dir, name)
        if os.path.isfile(path):
            return path
    return None


def find_idx_dataset(data_root):
    """The name of the first of FashionMNIST and MNIST whose four IDX files are all under
    ``<data_root>/<name>/raw``, or None."""
    if not data_root:
        return None
    for name in ("FashionMNIST", "MNIST"):
        raw_dir = os.path.join(data_root, name, "raw")
        if all(_idx_path(raw_dir, stem) for pair in IDX_FILES.values() for stem in pair):
            return name
    return None


def read_idx(path):
    """A NumPy array from an IDX file of unsigned bytes (the MNIST file format)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes")
    ndim = data[3]
    shape = tuple(int(n) for n in np.frombuffer(data, ">i4", ndim, offset=4))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_idx_dataset(data_root, name):
    """(train, test) datasets of FashionMNIST or MNIST: through ember.vision when it is
    available, else read directly from the IDX files."""
    try:
        from ember.vision import datasets, transforms
        cls = getattr(datasets, name)
        train = cls(data_root, train=True, download=False, transform=transforms.ToTensor())
        test = cls(data_root, train=False, download=False, transform=transforms.ToTensor())
        return train, test
    except (ImportError, AttributeError, OSError, RuntimeError) as exc:
        print(f"(ember.vision.datasets.{name} unavailable: {exc}; reading the IDX files "
              f"directly)")
    raw_dir = os.path.join(data_root, name, "raw")
    parts = []
    for split in ("train", "test"):
        images, labels = (read_idx(_idx_path(raw_dir, stem)) for stem in IDX_FILES[split])
        parts.append(ImageArray(images, labels.astype(np.int64), 255, CLASSES[name]))
    return tuple(parts)


def load_data(data_root, seed):
    """(name, training_data, test_data, classes): FashionMNIST/MNIST under `data_root` if
    found, else the shipped digits split 80/20 with a generator seeded by `seed`."""
    name = find_idx_dataset(data_root)
    if name is not None:
        training_data, test_data = load_idx_dataset(data_root, name)
        classes = getattr(training_data, "classes", None) or CLASSES[name]
        return name, training_data, test_data, classes
    digits = load_digits()
    training_data, test_data = random_split(digits, [0.8, 0.2],
                                            generator=ember.Generator().manual_seed(seed))
    return "digits", training_data, test_data, digits.classes


# ---------------------------------------------------------------- model

class NeuralNetwork(nn.Module):
    """The seed's network: Flatten, then Linear/ReLU layers of 512 units, then 10 logits;
    `in_features` is H*W of the images (784 for MNIST, 64 for the digits)."""

    def __init__(self, in_features=28 * 28, hidden=512, n_classes=10):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


# ---------------------------------------------------------------- train and test

def _progress_bar(iterable, epoch, enabled):
    """`iterable` wrapped in a tqdm bar when tqdm is installed and `enabled`, else None."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(iterable, desc=f"Epoch {epoch}", unit="batch", leave=False, dynamic_ncols=True)


def train(dataloader, model, loss_fn, optimizer, device, epoch, writer=None, progress=True):
    """One pass over `dataloader` updating `model`; prints the loss as the seed does and
    returns the mean training loss of the epoch."""
    size = len(dataloader.dataset)
    n_batches = len(dataloader)
    log_every = max(1, min(100, n_batches // 4))
    bar = _progress_bar(dataloader, epoch, progress)
    say = bar.write if bar is not None else print
    model.train()
    total = 0.0
    for batch, (X, y) in enumerate(bar if bar is not None else dataloader):
        X, y = X.to(device), y.to(device)

        pred = model(X)
        loss = loss_fn(pred, y)

        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        loss = loss.item()
        total += loss
        if writer is not None:
            writer.add_scalar("Loss/train", loss, (epoch - 1) * n_batches + batch)
        if bar is not None:
            bar.set_postfix(loss=f"{loss:.4f}")
        if batch % log_every == 0:
            current = min((batch + 1) * dataloader.batch_size, size)
            say(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")
    if bar is not None:
        bar.close()
    return total / n_batches


def test(dataloader, model, loss_fn, device):
    """Accuracy (0..1) and mean loss of `model` over `dataloader`, printed as the seed
    does."""
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with ember.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(ember.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return correct, test_loss


def predict_all(model, dataloader, device):
    """The predicted class of every sample of `dataloader`, as one int64 tensor."""
    model.eval()
    with ember.no_grad():
        return ember.cat([model(X.to(device)).argmax(1) for X, _ in dataloader])


def open_summary_writer(log_dir):
    """An ember SummaryWriter on `log_dir`, or None (with a note) when TensorBoard logging
    is unavailable."""
    try:
        from ember.utils.tensorboard import SummaryWriter
    except ImportError as exc:
        print(f"(no TensorBoard logs: {exc})")
        return None
    return SummaryWriter(log_dir=log_dir)


# ---------------------------------------------------------------- the job

def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m ember.examples.quickstart",
        description="Train, test, save, reload and use the quickstart network of PyTorch's "
                    "tutorial, on ember.")
    parser.add_argument("--data-root", default="data",
                        help="folder holding FashionMNIST/raw or MNIST/raw as torchvision "
                             "lays them out (default: ./data); without them the shipped "
                             "handwritten digits are used")
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs (default: 10 on the digits, 5 on MNIST files)")
    parser.add_argument("--out", default=None,
                        help="output folder (default: ./ember-quickstart-<timestamp>)")
    parser.add_argument("--batch-size", type=int, default=32, help="default: 32")
    parser.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (default: 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    return parser.parse_args(argv)


def run(args):
    """Runs the quickstart for parsed `args`; returns a namespace with the final test
    accuracy and loss, the output paths, both models and the test data."""
    start = time.perf_counter()
    out = args.out or "ember-quickstart-" + time.strftime("%Y%m%d-%H%M%S")
    os.makedirs(out, exist_ok=True)
    ember.manual_seed(args.seed)

    name, training_data, test_data, classes = load_data(args.data_root, args.seed)
    print(f"Dataset: {name} ({len(training_data)} training and {len(test_data)} test images)")
    train_dataloader = DataLoader(training_data, batch_size=args.batch_size, shuffle=True)
    test_dataloader = DataLoader(test_data, batch_size=args.batch_size)
    for X, y in test_dataloader:
        print(f"Shape of X [N, C, H, W]: {X.shape}")
        print(f"Shape of y: {y.shape} {y.dtype}")
        break
    in_features = X[0].numel()

    device = ("cuda" if ember.cuda.is_available()
              else "mps" if ember.backends.mps.is_available() else "cpu")
    print(f"Using {device} device")
    model = NeuralNetwork(in_features).to(device)
    print(model)

    loss_fn = nn.CrossEntropyLoss()
    optimizer = ember.optim.SGD(model.parameters(), lr=args.lr)
    log_dir = os.path.join(out, "runs")
    writer = open_summary_writer(log_dir)
    accuracy = test_loss = None
    epochs = args.epochs if args.epochs is not None else 10 if name == "digits" else 5
    for t in range(epochs):
        print(f"Epoch {t+1}\n-------------------------------")
        train_loss = train(train_dataloader, model, loss_fn, optimizer, device, t + 1,
                           writer, progress=not args.no_progress)
        accuracy, test_loss = test(test_dataloader, model, loss_fn, device)
        if writer is not None:
            writer.add_scalar("Loss/train_epoch", train_loss, t + 1)
            writer.add_scalar("Loss/test", test_loss, t + 1)
            writer.add_scalar("Accuracy/test", accuracy, t + 1)
    if writer is not None:
        writer.close()
    print("Done!")

    model_path = os.path.join(out, "model.pth")
    ember.save(model.state_dict(), model_path)
    print(f"Saved ember model state to {model_path}")

    reloaded = NeuralNetwork(in_features).to(device)
    print(reloaded.load_state_dict(ember.load(model_path, weights_only=True)))
    agree = (predict_all(reloaded, test_dataloader, device)
             == predict_all(model, test_dataloader, device)).sum().item()
    print(f"The reloaded model agrees with the trained one on {agree}/{len(test_data)} "
          f"test images")

    reloaded.eval()
    x, y = test_data[0][0], test_data[0][1]
    with ember.no_grad():
        x = x.to(device)
        pred = reloaded(x)
        predicted, actual = classes[pred[0].argmax(0)], classes[y]
        print(f'Predicted: "{predicted}", Actual: "{actual}"')

    elapsed = time.perf_counter() - start
    print(f"Finished in {elapsed:.1f} s. Model and TensorBoard logs are in "
          f"{os.path.abspath(out)}")
    if writer is not None:
        print(f"  view the logs with: tensorboard --logdir {log_dir}")
    return SimpleNamespace(dataset=name, accuracy=accuracy, test_loss=test_loss, out=out,
                           model_path=model_path, log_dir=log_dir if writer else None,
                           model=model, reloaded=reloaded, test_data=test_data,
                           agree=agree, elapsed=elapsed)


def main(argv=None):
    """Console entry point: runs the quickstart and returns 0."""
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
