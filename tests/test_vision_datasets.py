"""ember.vision.datasets on small files written here in the exact on-disk formats that
torchvision reads: MNIST-family IDX files (raw and gzipped) under ``root/<Name>/raw``,
CIFAR python pickles with their MD5 check, an SVHN .mat file, ImageFolder trees, and
FakeData's seeded generation (replayed on PyTorch's generator)."""
import gzip
import hashlib
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")
Image = pytest.importorskip("PIL.Image")

import ember  # noqa: E402
import ember.vision.transforms as T  # noqa: E402
from ember.vision import datasets  # noqa: E402
from ember.utils.data import DataLoader  # noqa: E402


def write_idx(path, array, raw=True, gz=True):
    """IDX file: 0, 0, type code, ndim, big-endian dims, big-endian data."""
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C}
    header = struct.pack(">HBB", 0, codes[array.dtype], array.ndim)
    header += struct.pack(">" + "I" * array.ndim, *array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    if raw:
        with open(path, "wb") as f:
            f.write(payload)
    if gz:
        with gzip.open(path + ".gz", "wb") as f:
            f.write(payload)


def make_mnist(root, name, n_train=12, n_test=5, raw=True, gz=True, seed=0):
    folder = os.path.join(root, name, "raw")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.RandomState(seed)
    made = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.randint(0, 256, (n, 28, 28)).astype(np.uint8)
        labels = rng.randint(0, 10, n).astype(np.uint8)
        write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), images, raw, gz)
        write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), labels, raw, gz)
        made[prefix] = (images, labels)
    return made


@pytest.mark.parametrize("name", ["MNIST", "FashionMNIST", "KMNIST"])
@pytest.mark.parametrize("layout", [dict(raw=True, gz=True), dict(raw=True, gz=False), dict(raw=False, gz=True)])
def test_mnist_family_reads_idx(tmp_path, name, layout):
    made = make_mnist(str(tmp_path), name, **layout)
    cls = getattr(datasets, name)
    for train, key in ((True, "train"), (False, "t10k")):
        ds = cls(str(tmp_path), train=train)
        images, labels = made[key]
        assert len(ds) == len(images)
        assert ds.data.dtype == ember.uint8 and tuple(ds.data.shape) == images.shape
        assert ds.targets.dtype == ember.int64
        np.testing.assert_array_equal(ds.data.numpy(), images)
        np.testing.assert_array_equal(ds.targets.numpy(), labels)
        img, target = ds[3]
        assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
        np.testing.assert_array_equal(np.asarray(img), images[3])
        assert type(target) is int and target == labels[3]
    assert ds.class_to_idx == {c: i for i, c in enumerate(cls.classes)}
    assert len(ds.classes) == 10


def test_mnist_transforms_and_repr(tmp_path):
    made = make_mnist(str(tmp_path), "FashionMNIST")
    ds = datasets.FashionMNIST(str(tmp_path), train=False, download=False, transform=T.ToTensor(),
                               target_transform=T.Lambda(lambda y: ember.zeros(10).scatter_(0, ember.tensor(y), value=1)))
    x, y = ds[0]
    assert x.dtype == ember.float32 and tuple(x.shape) == (1, 28, 28)
    np.testing.assert_array_equal(x.numpy()[0], made["t10k"][0][0] / np.float32(255))
    assert y.tolist() == [1.0 if k == made["t10k"][1][0] else 0.0 for k in range(10)]
    assert repr(ds) == (
        "Dataset FashionMNIST\n"
        "    Number of datapoints: 5\n"
        f"    Root location: {tmp_path}\n"
        "    Split: Test\n"
        "    StandardTransform\n"
        "Transform: ToTensor()\n"
        "Target transform: Lambda()")
    ds2 = datasets.FashionMNIST(str(tmp_path), transform=T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))]))
    assert repr(ds2).endswith("    Split: Train\n    StandardTransform\nTransform: Compose(\n"
                              "               ToTensor()\n"
                              "               Normalize(mean=(0.5,), std=(0.5,))\n"
                              "           )")
    assert repr(datasets.FashionMNIST(str(tmp_path))) == (
        f"Dataset FashionMNIST\n    Number of datapoints: 12\n    Root location: {tmp_path}\n    Split: Train")
    assert ds2.transforms.transform is ds2.transform
    with pytest.raises(ValueError, match="Only transforms or transform/target_transform can be passed"):
        datasets.VisionDataset(str(tmp_path), transform=T.ToTensor(), transforms=lambda a, b: (a, b))


def test_mnist_dataloader_batches(tmp_path):
    made = make_mnist(str(tmp_path), "MNIST", n_train=10)
    loader = DataLoader(datasets.MNIST(str(tmp_path), transform=T.ToTensor()), batch_size=4)
    batches = list(loader)
    assert [tuple(x.shape) for x, _ in batches] == [(4, 1, 28, 28), (4, 1, 28, 28), (2, 1, 28, 28)]
    assert batches[0][1].dtype == ember.int64
    assert sum((y.tolist() for _, y in batches), []) == made["train"][1].tolist()


def test_missing_files_never_download(tmp_path):
    for download in (False, True):
        with pytest.raises(RuntimeError) as info:
            datasets.MNIST(str(tmp_path / "none"), download=download)
        msg = str(info.value)
        assert "train-images-idx3-ubyte" in msg and "t10k-labels-idx1-ubyte" in msg
        assert os.path.join("none", "MNIST", "raw") in msg
    with pytest.raises(RuntimeError, match="cifar-10-python.tar.gz"):
        datasets.CIFAR10(str(tmp_path / "none"), download=True)
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        datasets.CIFAR10(str(tmp_path / "none"))
    with pytest.raises(RuntimeError, match="test_32x32.mat"):
        datasets.SVHN(str(tmp_path / "none"), split="test", download=True)


def test_mnist_download_true_uses_present_files(tmp_path):
    made = make_mnist(str(tmp_path), "MNIST", raw=False, gz=True)
    ds = datasets.MNIST(str(tmp_path), train=True, download=True)
    np.testing.assert_array_equal(ds.data.numpy(), made["train"][0])


def test_mnist_legacy_processed_files(tmp_path):
    proc = tmp_path / "MNIST" / "processed"
    proc.mkdir(parents=True)
    data = ember.randint(0, 256, (3, 28, 28), dtype=ember.uint8)
    targets = ember.tensor([1, 2, 3])
    ember.save((data, targets), str(proc / "training.pt"))
    ember.save((data[:1], targets[:1]), str(proc / "test.pt"))
    ds = datasets.MNIST(str(tmp_path))
    assert len(ds) == 3 and ds[2][1] == 3
    assert len(datasets.MNIST(str(tmp_path), train=False)) == 1


def test_emnist_and_qmnist(tmp_path):
    raw = tmp_path / "EMNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.RandomState(1)
    images = rng.randint(0, 256, (4, 28, 28)).astype(np.uint8)
    labels = np.array([1, 5, 26, 3], np.uint8)
    write_idx(str(raw / "emnist-letters-test-images-idx3-ubyte"), images, gz=False)
    write_idx(str(raw / "emnist-letters-test-labels-idx1-ubyte"), labels, gz=False)
    ds = datasets.EMNIST(str(tmp_path), split="letters", train=False)
    assert ds.classes[:3] == ["N/A", "a", "b"] and len(ds.classes) == 27
    assert ds[2][1] == 26 and np.array_equal(np.asarray(ds[0][0]), images[0])
    assert repr(ds).splitlines()[3] == "    Split: Test"
    assert len(datasets.EMNIST.classes_split_dict["byclass"]) == 62
    assert len(datasets.EMNIST.classes_split_dict["balanced"]) == 47
    with pytest.raises(ValueError, match="Unknown value 'nope' for argument split. Valid values are "
                                         "{'byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'}."):
        datasets.EMNIST(str(tmp_path), split="nope")

    raw = tmp_path / "QMNIST" / "raw"
    raw.mkdir(parents=True)
    qlabels = rng.randint(0, 1000, (4, 8)).astype(np.int32)
    write_idx(str(raw / "qmnist-test-images-idx3-ubyte"), images, gz=False)
    write_idx(str(raw / "qmnist-test-labels-idx2-int"), qlabels, gz=False)
    q = datasets.QMNIST(str(tmp_path), what="test")
    assert q[1][1] == qlabels[1, 0] and q.targets.dtype == ember.int64
    full = datasets.QMNIST(str(tmp_path), what="test", compat=False)[1][1]
    assert full.tolist() == qlabels[1].tolist()
    assert repr(q).splitlines()[-1] == "    Split: test"


def make_cifar(root, folder, names, meta, label_key, per_file=6, seed=0):
    base = os.path.join(root, folder)
    os.makedirs(base, exist_ok=True)
    rng = np.random.RandomState(seed)
    made = {}
    for name in names:
        entry = {"batch_label": name, label_key: rng.randint(0, 10, per_file).tolist(),
                 "data": rng.randint(0, 256, (per_file, 3072)).astype(np.uint8),
                 "filenames": [f"{i}.png" for i in range(per_file)]}
        with open(os.path.join(base, name), "wb") as f:
            pickle.dump(entry, f)
        made[name] = entry
    with open(os.path.join(base, meta[0]), "wb") as f:
        pickle.dump({meta[1]: [f"class{i}" for i in range(10)]}, f)
    return made


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def cifar10_with_checksums(root):
    """A CIFAR10 subclass whose published checksums are those of the files written here."""
    base = os.path.join(root, "cifar-10-batches-py")

    class Local(datasets.CIFAR10):
        train_list = [[n, md5(os.path.join(base, n))] for n, _ in datasets.CIFAR10.train_list]
        test_list = [["test_batch", md5(os.path.join(base, "test_batch"))]]
        meta = dict(datasets.CIFAR10.meta, md5=md5(os.path.join(base, "batches.meta")))
    return Local


CIFAR10_NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def test_cifar10_reads_pickles_with_md5_check(tmp_path):
    root = str(tmp_path)
    made = make_cifar(root, "cifar-10-batches-py", CIFAR10_NAMES, ("batches.meta", "label_names"), "labels")
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        datasets.CIFAR10(root)               # synthetic files fail the published checksums
    Local = cifar10_with_checksums(root)
    train = Local(root, train=True, transform=T.ToTensor())
    assert len(train) == 30 and train.data.shape == (30, 32, 32, 3) and train.data.dtype == np.uint8
    first = made["data_batch_1"]["data"][0].reshape(3, 32, 32)
    np.testing.assert_array_equal(train.data[0], first.transpose(1, 2, 0))
    assert train.targets == sum((made[n]["labels"] for n in CIFAR10_NAMES[:5]), [])
    x, y = train[7]
    np.testing.assert_allclose(x.numpy(), made["data_batch_2"]["data"][1].reshape(3, 32, 32) / 255.0, rtol=1e-6)
    assert y == made["data_batch_2"]["labels"][1]
    assert train.classes[3] == "class3" and train.class_to_idx["class9"] == 9
    test = Local(root, train=False)
    img, _ = test[0]
    assert img.mode == "RGB" and img.size == (32, 32)
    assert repr(test) == f"Dataset Local\n    Number of datapoints: 6\n    Root location: {root}\n    Split: Test"
    with open(os.path.join(root, "cifar-10-batches-py", "data_batch_3"), "ab") as f:
        f.write(b"x")                        # corrupt one batch
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        Local(root)


def test_cifar10_download_true_extracts_present_archive(tmp_path):
    src = tmp_path / "src"
    make_cifar(str(src), "cifar-10-batches-py", CIFAR10_NAMES, ("batches.meta", "label_names"), "labels")
    Local = cifar10_with_checksums(str(src))
    dst = tmp_path / "dst"
    dst.mkdir()
    with tarfile.open(dst / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(src / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    with pytest.warns(UserWarning, match="MD5 differs"):
        ds = Local(str(dst), train=False, download=True)
    assert len(ds) == 6


def test_cifar100_fine_labels(tmp_path, monkeypatch):
    made = make_cifar(str(tmp_path), "cifar-100-python", ["train", "test"], ("meta", "fine_label_names"), "fine_labels")
    import ember.vision.datasets.cifar as cifar_module
    monkeypatch.setattr(cifar_module, "check_integrity", lambda *a, **k: True)
    ds = datasets.CIFAR100(str(tmp_path), train=False)
    assert ds.targets == made["test"]["fine_labels"] and ds.classes[0] == "class0"


def test_svhn_mat(tmp_path):
    sio = pytest.importorskip("scipy.io")
    rng = np.random.RandomState(2)
    X = rng.randint(0, 256, (32, 32, 3, 5)).astype(np.uint8)
    y = np.array([[10], [1], [2], [10], [9]], np.uint8)
    sio.savemat(str(tmp_path / "test_32x32.mat"), {"X": X, "y": y})

    class Local(datasets.SVHN):
        split_list = dict(datasets.SVHN.split_list,
                          test=["", "test_32x32.mat", md5(str(tmp_path / "test_32x32.mat"))])
    ds = Local(str(tmp_path), split="test", transform=T.PILToTensor())
    assert len(ds) == 5 and ds.labels.tolist() == [0, 1, 2, 0, 9]
    x, t = ds[3]
    np.testing.assert_array_equal(x.numpy(), X[:, :, :, 3].transpose(2, 0, 1))
    assert t == 0 and repr(ds).splitlines()[-3] == "    Split: test"


def make_tree(root):
    rng = np.random.RandomState(3)
    layout = {"cat": ["b.jpg", "a.PNG", "notes.txt", "sub/c.png"], "dog": ["z.bmp"], "bird": ["x.txt"]}
    for cls, files in layout.items():
        for name in files:
            path = os.path.join(root, cls, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if name.endswith(".txt"):
                with open(path, "w") as f:
                    f.write("not an image")
            else:
                Image.fromarray(rng.randint(0, 256, (6, 9, 3)).astype(np.uint8)).save(path)
            if name.endswith("PNG"):
                Image.fromarray(rng.randint(0, 256, (6, 9)).astype(np.uint8)).save(path, format="PNG")


def test_image_folder(tmp_path):
    root = str(tmp_path)
    make_tree(root)
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes bird. Supported extensions are: .jpg, .jpeg"):
        datasets.ImageFolder(root)
    ds = datasets.ImageFolder(root, allow_empty=True, transform=T.ToTensor(), target_transform=lambda y: y * 10)
    assert ds.classes == ["bird", "cat", "dog"]
    assert ds.class_to_idx == {"bird": 0, "cat": 1, "dog": 2}
    expected = [(os.path.join(root, "cat", "a.PNG"), 1), (os.path.join(root, "cat", "b.jpg"), 1),
                (os.path.join(root, "cat", "sub", "c.png"), 1), (os.path.join(root, "dog", "z.bmp"), 2)]
    assert ds.samples == expected and ds.imgs is ds.samples and ds.targets == [1, 1, 1, 2]
    x, y = ds[0]
    assert tuple(x.shape) == (3, 6, 9) and y == 10                 # grayscale PNG loaded as RGB
    plain = datasets.ImageFolder(root, allow_empty=True)
    assert plain[0][0].mode == "RGB"
    np.testing.assert_array_equal(np.asarray(plain[3][0]), np.asarray(Image.open(expected[3][0]).convert("RGB")))
    txt = datasets.DatasetFolder(root, loader=lambda p: open(p).read(), extensions=(".txt",), allow_empty=True)
    assert [s for _, s in txt.samples] == [0, 1] and txt[0][0] == "not an image"
    only_sub = datasets.ImageFolder(root, is_valid_file=lambda p: "sub" in p, allow_empty=True)
    assert only_sub.samples == [expected[2]]
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None or not None"):
        datasets.DatasetFolder(root, loader=open, extensions=(".txt",), is_valid_file=bool)
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        datasets.ImageFolder(os.path.join(root, "dog"))
    assert repr(ds).splitlines()[:2] == ["Dataset ImageFolder", "    Number of datapoints: 4"]


def test_image_folder_dataloader_with_workers(tmp_path):
    root = str(tmp_path)
    make_tree(root)
    ds = datasets.ImageFolder(root, allow_empty=True,
                              transform=T.Compose([T.Resize((8, 8)), T.RandomHorizontalFlip(), T.ToTensor()]))
    batches = list(DataLoader(ds, batch_size=2, num_workers=2))
    assert [tuple(x.shape) for x, _ in batches] == [(2, 3, 8, 8), (2, 3, 8, 8)]
    assert sum((y.tolist() for _, y in batches), []) == [1, 1, 1, 2]


@pytest.mark.parametrize("kw", [dict(size=3), dict(size=4, image_size=(1, 5, 6), num_classes=3, random_offset=7)])
def test_fake_data_seeded_like_torchvision(kw):
    ember.manual_seed(123)
    ds = datasets.FakeData(**kw)
    before = ember.get_rng_state().numpy().copy()
    shape = kw.get("image_size", (3, 224, 224))
    for i in range(len(ds)):
        img, target = ds[i]
        torch.manual_seed(i + kw.get("random_offset", 0))
        ref = torch.randn(*shape)
        ref_target = torch.randint(0, kw.get("num_classes", 10), size=(1,), dtype=torch.long)[0].item()
        ref_arr = ref.permute(1, 2, 0).numpy()
        ref_arr = (ref_arr[:, :, 0] if shape[0] == 1 else ref_arr)
        assert target == ref_target and type(target) is int
        np.testing.assert_array_equal(np.asarray(img), (ref_arr * 255).astype(np.uint8))
    np.testing.assert_array_equal(ember.get_rng_state().numpy(), before)   # global state untouched
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[len(ds)]
    assert repr(ds) == f"Dataset FakeData\n    Number of datapoints: {len(ds)}"
