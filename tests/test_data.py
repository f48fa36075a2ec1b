"""ember.utils.data in the main process (num_workers=0) against torch.utils.data: datasets,
samplers, random_split, collation and DataLoader orders, lengths and errors."""
import collections
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.utils.data as ed  # noqa: E402
import torch.utils.data as td  # noqa: E402

LIBS = [(ember, ed), (torch, td)]
Point = collections.namedtuple("Point", ["x", "y"])


def plain(x):
    """A comparable Python structure: tensors become (dtype name, shape, values)."""
    if isinstance(x, (ember.Tensor, torch.Tensor)):
        return ("T", str(x.dtype).split(".")[-1], tuple(x.shape), x.tolist())
    if isinstance(x, np.ndarray):
        return ("A", str(x.dtype), x.shape, x.tolist())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__,) + tuple(plain(v) for v in x)
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(plain(v) for v in x)
    return x


def both(fn):
    """fn(lib, data_module) for ember and torch, as comparable structures."""
    return [plain(fn(lib, d)) for lib, d in LIBS]


def raised(fn):
    """(type name, message) of what fn raises, for ember and torch."""
    out = []
    for lib, d in LIBS:
        try:
            fn(lib, d)
        except Exception as e:  # noqa: BLE001
            out.append((type(e).__name__, str(e).replace("torch.", "")))
        else:
            out.append(None)
    return out


def _seeded_epochs(lib, d, seed=0, epochs=2, **kw):
    lib.manual_seed(seed)
    ds = d.TensorDataset(lib.arange(23), lib.arange(23) * 10)
    loader = d.DataLoader(ds, **kw)
    return [[b[0].tolist() for b in loader] for _ in range(epochs)] + [len(loader)]


@pytest.mark.parametrize("kw", [
    dict(batch_size=4, shuffle=True),
    dict(batch_size=4, shuffle=True, drop_last=True),
    dict(batch_size=5),
    dict(batch_size=5, drop_last=True),
    dict(batch_size=None, shuffle=True),
    dict(batch_size=1, shuffle=True),
])
def test_loader_orders_match_torch(kw):
    a, b = both(lambda lib, d: _seeded_epochs(lib, d, **kw))
    assert a == b


def test_loader_generator_and_rng_stream():
    def run(lib, d):
        g = lib.Generator().manual_seed(7)
        loader = d.DataLoader(list(range(12)), batch_size=5, shuffle=True, generator=g)
        lib.manual_seed(3)
        orders = [[b.tolist() for b in loader] for _ in range(2)]
        return orders, lib.rand(3).tolist()  # the default stream after two iterators
    a, b = both(run)
    assert a == b


def test_samplers_in_loader():
    def run(lib, d):
        lib.manual_seed(11)
        data = list(range(40))
        out = []
        samplers = [
            d.RandomSampler(data, replacement=True, num_samples=70),
            d.RandomSampler(data, num_samples=50),
            d.RandomSampler(data, generator=lib.Generator().manual_seed(5)),
            d.SubsetRandomSampler([1, 5, 9, 13, 17], generator=lib.Generator().manual_seed(2)),
            d.WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 9, replacement=True,
                                    generator=lib.Generator().manual_seed(1)),
            d.WeightedRandomSampler([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5, replacement=False),
            d.SequentialSampler(data[:7]),
        ]
        for s in samplers:
            loader = d.DataLoader(data, batch_size=8, sampler=s)
            out.append(([b.tolist() for b in loader], len(s), len(loader)))
        return out
    a, b = both(run)
    assert a == b


def test_batch_sampler_argument():
    def run(lib, d):
        bs = d.BatchSampler(d.SequentialSampler(range(10)), batch_size=3, drop_last=False)
        bs2 = d.BatchSampler(range(10), batch_size=3, drop_last=True)
        loader = d.DataLoader(list(range(100, 110)), batch_sampler=bs)
        return [list(bs), list(bs2), len(bs), len(bs2), [b.tolist() for b in loader],
                len(loader)]
    a, b = both(run)
    assert a == b


@pytest.mark.parametrize("replicas,shuffle,drop_last", [(3, True, False), (3, False, False),
                                                         (4, True, True), (2, False, True)])
def test_distributed_sampler(replicas, shuffle, drop_last):
    def run(lib, d):
        out = []
        for rank in range(replicas):
            s = d.DistributedSampler(range(10), num_replicas=replicas, rank=rank,
                                     shuffle=shuffle, seed=3, drop_last=drop_last)
            s.set_epoch(2)
            out.append((list(s), len(s)))
        return out
    a, b = both(run)
    assert a == b


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.25, 0.25, 0.5], [0.33, 0.33, 0.34],
                                     [10, 0]])
def test_random_split(lengths):
    def run(lib, d):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = d.random_split(range(10), lengths,
                                   generator=lib.Generator().manual_seed(42))
        return [list(p) for p in parts] + [[p.indices for p in parts]]
    a, b = both(run)
    assert a == b
    lib_default = both(lambda lib, d: (lib.manual_seed(1),
                                       [p.indices for p in d.random_split(range(9), [4, 5])])[1])
    assert lib_default[0] == lib_default[1]


def test_random_split_errors_and_warning():
    assert raised(lambda lib, d: d.random_split(range(10), [3, 3])) == \
        [("ValueError", "Sum of input lengths does not equal the length of the input dataset!")] * 2
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        ed.random_split(range(1), [1.0, 0.0])


def test_datasets():
    def run(lib, d):
        x, y = lib.arange(12).view(6, 2), lib.arange(6)
        tds = d.TensorDataset(x, y)
        cat = tds + d.TensorDataset(x[:2] * 10, y[:2])
        sub = d.Subset(cat, [7, 0, 3])
        stack_t = d.StackDataset(x, y)
        stack_d = d.StackDataset(a=x, b=y)
        return [len(tds), tds[2], len(cat), cat[7], cat[-1], cat.cumulative_sizes,
                len(sub), sub[0], sub.__getitems__([0, 2]),
                stack_t[1], stack_d[1], stack_t.__getitems__([0, 5]),
                stack_d.__getitems__([3]), len(stack_d)]
    a, b = both(run)
    assert a == b


def test_dataset_errors():
    assert raised(lambda lib, d: d.TensorDataset(lib.ones(3), lib.ones(4))) == \
        [("AssertionError", "Size mismatch between tensors")] * 2
    assert raised(lambda lib, d: d.StackDataset(lib.ones(3), lib.ones(4))) == \
        [("ValueError", "Size mismatch between datasets")] * 2
    assert raised(lambda lib, d: d.StackDataset()) == \
        [("ValueError", "At least one dataset should be passed")] * 2
    assert raised(lambda lib, d: d.ConcatDataset([])) == \
        [("AssertionError", "datasets should not be an empty iterable")] * 2
    assert raised(lambda lib, d: d.ConcatDataset([[1, 2]])[-3]) == \
        [("ValueError", "absolute value of index should not exceed dataset length")] * 2
    assert raised(lambda lib, d: d.Dataset()[0]) == \
        [("NotImplementedError", "Subclasses of Dataset should implement __getitem__.")] * 2

    def bad_subset(lib, d):
        class S(d.Subset):
            def __getitem__(self, i):
                return 0
        S([1, 2], [0])
    a, b = raised(bad_subset)
    assert a == b and a[0] == "NotImplementedError"


class _Stream:
    """Iterable datasets for both libraries (a stream of 0..n-1)."""

    @staticmethod
    def make(d, n):
        class Stream(d.IterableDataset):
            def __iter__(self):
                return iter(range(n))

            def __len__(self):
                return n
        return Stream()


def test_iterable_datasets():
    def run(lib, d):
        chain = _Stream.make(d, 3) + _Stream.make(d, 4)
        return [list(chain), len(chain),
                [b.tolist() for b in d.DataLoader(chain, batch_size=3)],
                [b.tolist() for b in d.DataLoader(chain, batch_size=3, drop_last=True)],
                list(d.DataLoader(_Stream.make(d, 3), batch_size=None)),
                len(d.DataLoader(chain, batch_size=2)),
                len(d.DataLoader(chain, batch_size=2, drop_last=True))]
    a, b = both(run)
    assert a == b


COLLATE_CASES = {
    "ints": [0, 1, 2],
    "floats": [0.5, 1.5],
    "bools": [True, False],
    "strings": ["a", "b"],
    "bytes": [b"a", b"b"],
    "numpy": [np.arange(3, dtype=np.float32), np.ones(3, dtype=np.float32)],
    "numpy_int": [np.arange(2), np.arange(2) + 1],
    "numpy_scalars": [np.float32(1.5), np.float32(2)],
    "numpy_int64_scalars": [np.int64(1), np.int64(2)],
    "nested": [{"x": (1, 2.0), "y": [np.ones(2), "s"], "z": Point(1, [2, 3])},
               {"x": (3, 4.0), "y": [np.zeros(2), "t"], "z": Point(4, [5, 6])}],
    "tuples": [(1, "a"), (2, "b"), (3, "c")],
    "ordered": [collections.OrderedDict(b=1, a=2), collections.OrderedDict(b=3, a=4)],
}


@pytest.mark.parametrize("name", sorted(COLLATE_CASES))
def test_default_collate(name):
    batch = COLLATE_CASES[name]
    a, b = both(lambda lib, d: d.default_collate(batch))
    assert a == b
    a, b = both(lambda lib, d: d.default_convert(batch))
    assert a == b


def test_collate_tensors_and_types():
    def run(lib, d):
        batch = [(lib.ones(2, 3), lib.tensor(1)), (lib.zeros(2, 3), lib.tensor(2))]
        out = d.default_collate(batch)
        dicts = d.default_collate([{"a": lib.ones(2, dtype=lib.float64)},
                                   {"a": lib.zeros(2, dtype=lib.float64)}])
        mixed = d.default_collate([lib.ones(2, dtype=lib.int32), lib.ones(2)])
        ordered = d.default_collate([collections.OrderedDict(q=lib.ones(1))] * 2)
        return [type(out).__name__, out, dicts, mixed, type(ordered).__name__, ordered]
    a, b = both(run)
    assert a == b


def test_collate_errors():
    msg = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
           "lists; found <class 'NoneType'>")
    assert raised(lambda lib, d: d.default_collate([None, None])) == [("TypeError", msg)] * 2
    a, b = raised(lambda lib, d: d.default_collate([np.array(["a"]), np.array(["b"])]))
    assert a == b and a[0] == "TypeError"
    assert raised(lambda lib, d: d.default_collate([[1, 2], [1]])) == \
        [("RuntimeError", "each element in list of batch should be of equal size")] * 2
    assert raised(lambda lib, d: d.default_collate([lib.ones(2), lib.ones(3)])) == \
        [("RuntimeError", "stack expects each tensor to be equal size, but got [2] at entry "
          "0 and [3] at entry 1")] * 2
    assert raised(lambda lib, d: next(iter(d.DataLoader([object()], batch_size=1))))[0][0] == \
        "TypeError"


def test_collate_fn_filters_none():
    """The seed's pattern: a dataset returns (None, None) for a bad sample and a custom
    collate_fn drops it."""
    def run(lib, d):
        class Data(d.Dataset):
            def __getitem__(self, i):
                return (None, None) if i % 3 == 1 else (lib.full((2,), float(i)), i)

            def __len__(self):
                return 7

        def collate(batch):
            batch = [b for b in batch if b[0] is not None]
            if len(batch) == 0:
                return lib.Tensor()
            return d.default_collate(batch)
        return [b for b in d.DataLoader(Data(), 2, collate_fn=collate)]
    a, b = both(run)
    assert a == b


def test_loader_argument_errors():
    cases = [
        dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
        dict(persistent_workers=True), dict(shuffle=True, sampler=[0, 1]),
        dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], drop_last=True),
        dict(batch_size=None, drop_last=True), dict(batch_size=0), dict(batch_size=True),
        dict(multiprocessing_context="spawn"), dict(num_workers=1, prefetch_factor=-1),
        dict(num_workers=1, multiprocessing_context="nope"),
        dict(num_workers=1, multiprocessing_context=3),
    ]
    for kw in cases:
        a, b = raised(lambda lib, d: d.DataLoader(list(range(4)), **kw))
        assert a == b and a is not None, kw
    for kw in [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])]:
        a, b = raised(lambda lib, d: d.DataLoader(_Stream.make(d, 2), **kw))
        assert a is not None and a[0] == b[0] and a[1].split(",")[0] == b[1].split(",")[0], kw
    loader = ed.DataLoader([1, 2])
    with pytest.raises(ValueError, match="batch_size attribute should not be set after "
                                         "DataLoader is initialized"):
        loader.batch_size = 3


def test_sampler_argument_errors():
    cases = [
        lambda lib, d: d.RandomSampler([1], replacement=1),
        lambda lib, d: d.RandomSampler([1], num_samples=0),
        lambda lib, d: d.RandomSampler([], num_samples=None),
        lambda lib, d: d.WeightedRandomSampler([1.0], 0),
        lambda lib, d: d.WeightedRandomSampler([1.0], 1, replacement=0),
        lambda lib, d: d.WeightedRandomSampler([[1.0]], 1),
        lambda lib, d: d.BatchSampler([1], 0, False),
        lambda lib, d: d.BatchSampler([1], 1, 0),
        lambda lib, d: d.DistributedSampler(range(3), num_replicas=2, rank=2),
        lambda lib, d: d.Sampler([1]),
    ]
    for fn in cases:
        a, b = raised(fn)
        assert a == b and a is not None


def test_pin_memory_and_getitems():
    def run(lib, d):
        class Batched(d.Dataset):
            def __getitems__(self, idx):
                return [{"i": i} for i in idx]

            def __len__(self):
                return 5

        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = list(d.DataLoader(lib.arange(5), batch_size=2, pin_memory=True))
        return out, [str(x.message) for x in w], list(d.DataLoader(Batched(), batch_size=2))
    a, b = both(run)
    assert a == b


def test_worker_info_in_main_process():
    assert ed.get_worker_info() is None


def test_bad_dataset_counter():
    """The seed's BatchDataset: state changed in __getitem__ is seen with num_workers=0."""
    def run(lib, d):
        class Counting(d.Dataset):
            def __init__(self):
                self.num = 0

            def __getitem__(self, i):
                self.num += 1
                return i
        ds = Counting()
        batches = list(d.DataLoader(ds, batch_size=25, sampler=range(100)))
        return len(batches), batches[0][:5], ds.num
    a, b = both(run)
    assert a == b


# --- the batched paths: TensorDataset.__getitems__ and default_collate's NumPy stack ----------

def _layout(t):
    """What a view's memory looks like: shape, strides, storage offset, contiguity."""
    return (tuple(t.shape), t.stride(), t.storage_offset(), t.is_contiguous())


def _tensor_dataset_cases(lib):
    """TensorDatasets over plain tensors, views (a slice, a transpose), 1-D and bool data."""
    x = lib.arange(60, dtype=lib.float32).view(5, 3, 4)
    y = lib.arange(5) * 10
    flags = lib.tensor([True, False, True, True, False])
    return [
        lib.utils.data.TensorDataset(x, y),
        lib.utils.data.TensorDataset(x[1:], y[1:], flags[1:]),
        lib.utils.data.TensorDataset(x.transpose(0, 2).contiguous().transpose(0, 2), flags),
        lib.utils.data.TensorDataset(x.to(lib.float16), y.to(lib.int8)),
    ]


@pytest.mark.parametrize("indices", [[0, 3, 1], [-1, 0, -4], [2], [], [1, 1, 1]])
def test_tensor_dataset_getitems_is_per_sample_indexing(indices):
    """ember's TensorDataset.__getitems__ gives what indexing sample by sample gives (torch's
    TensorDataset has no __getitems__: the DataLoader indexes it sample by sample)."""
    for ds_e, ds_t in zip(_tensor_dataset_cases(ember), _tensor_dataset_cases(torch)):
        fast = ds_e.__getitems__(indices)
        slow = [ds_e[i] for i in indices]
        reference = [ds_t[i] for i in indices]
        assert plain(fast) == plain(slow) == plain(reference)
        assert type(fast) is list and all(type(s) is tuple for s in fast)
        for f_row, s_row, t_row in zip(fast, slow, reference):
            for f, s, t in zip(f_row, s_row, t_row):
                assert _layout(f) == _layout(s) == _layout(t)
                assert f._base is s._base and f._version == s._version
                assert f.untyped_storage().data_ptr() == s.untyped_storage().data_ptr()


def test_tensor_dataset_getitems_rows_are_views():
    """The rows share memory and the version counter with the dataset's tensor, and an
    in-place op that makes a row part of a graph reaches the base, as x[i] does."""
    def run(lib, d, batched):
        x = lib.zeros(4, 3)
        ds = d.TensorDataset(x, lib.arange(4))
        rows = ds.__getitems__([2, 0]) if batched else [ds[2], ds[0]]
        rows[0][0].add_(5)
        versions = [x._version, rows[0][0]._version]
        w = lib.ones(3, requires_grad=True)
        rows[1][0].copy_(w * 2)
        x.sum().backward()
        return x.tolist(), versions, x.grad_fn.name(), w.grad.tolist()
    reference = run(torch, td, False)
    assert run(ember, ed, True) == run(ember, ed, False) == reference


def test_tensor_dataset_getitems_view_of_view_in_place():
    """Rows of a dataset tensor that is itself a view rebuild through both views."""
    def run(batched):
        base = ember.zeros(5, 3)
        ds = ed.TensorDataset(base[1:])
        row = ds.__getitems__([2])[0][0] if batched else ds[2][0]
        w = ember.ones(3, requires_grad=True)
        row.copy_(w * 3)
        base.sum().backward()
        return base.tolist(), base.grad_fn.name(), row.grad_fn.name(), w.grad.tolist()
    assert run(True) == run(False)


def test_tensor_dataset_getitems_fallbacks():
    """Index types other than int, out-of-range indices, tensors that record gradients and
    subclasses with their own __getitem__ all behave as per-sample indexing."""
    def indexed(lib, d, idx):
        ds = d.TensorDataset(lib.arange(12.).view(6, 2), lib.arange(6))
        return ds.__getitems__(idx) if lib is ember else [ds[i] for i in idx]
    for idx in ([np.int64(1), 2], [True, 0]):
        assert plain(indexed(ember, ed, idx)) == plain(indexed(torch, td, idx))
    assert plain(indexed(ember, ed, [ember.tensor(3)])) == \
        plain(indexed(torch, td, [torch.tensor(3)]))
    assert raised(lambda lib, d: indexed(lib, d, [1, 6])) == \
        raised(lambda lib, d: [d.TensorDataset(lib.ones(6))[i] for i in (1, 6)])

    w = ember.ones(3, 2, requires_grad=True)
    rows = ed.TensorDataset(w).__getitems__([1, 2])
    assert [r[0].grad_fn.name() for r in rows] == [w[1].grad_fn.name()] * 2

    class Column:
        """Not a tensor, but indexable with a size, as TensorDataset needs."""

        def __init__(self, values):
            self.values = values

        def size(self, dim):
            return len(self.values)

        def __getitem__(self, i):
            return self.values[i]
    ds = ed.TensorDataset(Column("abc"), ember.arange(3))
    assert plain(ds.__getitems__([2, 0])) == plain([ds[2], ds[0]])

    def loader(lib, d):
        class Doubled(d.TensorDataset):
            def __getitem__(self, i):
                x, y = super().__getitem__(i)
                return x * 2, y
        return list(d.DataLoader(Doubled(lib.arange(6.).view(3, 2), lib.arange(3)),
                                 batch_size=2))
    a, b = both(loader)
    assert a == b


def test_custom_collate_gets_samples_of_tensor_dataset():
    """A user's collate_fn still receives the list of per-sample tuples."""
    def run(lib, d):
        ds = d.TensorDataset(lib.arange(10).view(5, 2), lib.arange(5).float())
        seen = []

        def collate(batch):
            seen.append([type(b).__name__ for b in batch])
            return batch
        g = lib.Generator().manual_seed(0)
        out = list(d.DataLoader(ds, batch_size=2, shuffle=True, generator=g, collate_fn=collate))
        return out, seen
    a, b = both(run)
    assert a == b


def _collate_cases(lib):
    x = lib.arange(24, dtype=lib.float32).view(2, 3, 4)
    return {
        "float32": [x[0], x[1]],
        "float16": [x[0].half(), x[1].half()],
        "bfloat16": [x[0].bfloat16(), x[1].bfloat16()],
        "int8": [x[0].to(lib.int8), x[1].to(lib.int8)],
        "bool": [x[0] > 3, x[1] > 20],
        "complex": [x[0].to(lib.complex64), x[1].to(lib.complex64)],
        "scalars": [lib.tensor(1), lib.tensor(7), lib.tensor(-2)],
        "float_scalars": [lib.tensor(1.5), lib.tensor(2.5)],
        "empty_rows": [lib.ones(0, 3), lib.ones(0, 3)],
        "transposed": [x[0].t(), x[1].t()],
        "strided": [x[0][:, ::2], x[1][:, 1::2]],
        "rows": list(x.view(6, 4)),
        "one": [x[0]],
        "nested": [{"img": x[0], "meta": (lib.tensor(1), 3, "a"), "l": [x[1, 0], 1.5]},
                   {"img": x[1], "meta": (lib.tensor(2), 4, "b"), "l": [x[0, 0], 2.5]}],
        "named": [Point(x[0], lib.tensor(0)), Point(x[1], lib.tensor(1))],
        "tuples": [(x[0], lib.tensor(0)), (x[1], lib.tensor(1))],
    }


@pytest.mark.parametrize("name", sorted(_collate_cases(ember)))
def test_default_collate_tensors_match_torch(name):
    """default_collate's NumPy stack gives torch's values, dtypes, shapes and layouts."""
    out_e = ed.default_collate(_collate_cases(ember)[name])
    out_t = td.default_collate(_collate_cases(torch)[name])
    assert plain(out_e) == plain(out_t)

    def layouts(out):
        if isinstance(out, (ember.Tensor, torch.Tensor)):
            return _layout(out)
        if isinstance(out, dict):
            return {k: layouts(v) for k, v in out.items()}
        if isinstance(out, (list, tuple)):
            return [layouts(v) for v in out]
        return None
    if name != "empty_rows":  # (ember reports NumPy's zero strides for any empty tensor)
        assert layouts(out_e) == layouts(out_t)


def test_default_collate_copies_and_keeps_gradients():
    """The batch owns fresh memory; tensors that need gradients go through stack's graph."""
    def run(lib, d):
        x = lib.zeros(2, 3)
        batch = d.default_collate([x[0], x[1]])
        batch.add_(1)
        w = lib.ones(3, requires_grad=True)
        out = d.default_collate([w * 2, w * 3])
        out.sum().backward()
        return x.tolist(), out.grad_fn.name(), w.grad.tolist()
    a, b = both(run)
    assert a == b
