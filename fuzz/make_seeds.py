"""Writes the seed checkpoints in fuzz/seeds/ (needs PyTorch; run once, the seeds are committed).

Seeds are small real checkpoints: torch.save and ember.save of state dicts, tensors of several
dtypes, nested containers, views sharing a storage, a pre-1.6 (legacy) file, and hostile pickles
that try to run ``touch <SENTINEL>`` through os.system / eval, so the fuzzer can check that a
weights_only load never runs code. Files end in ``.ckpt`` (``*.pt`` is gitignored).
"""
import collections
import io
import os
import pickle
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
SEEDS = os.path.join(HERE, "seeds")
SENTINEL = "/tmp/ember_fuzz_sentinel/pwned"


def _payloads(lib):
    """Small objects of the kinds real checkpoints hold, built with ``lib`` (torch or ember)."""
    t = lib.arange(6, dtype=lib.float32).reshape(2, 3)
    return {
        "state_dict": collections.OrderedDict(
            [("fc.weight", lib.ones(3, 2)), ("fc.bias", lib.zeros(3)),
             ("bn.num_batches_tracked", lib.tensor(5))]),
        "dtypes": {"f64": lib.tensor([1.5, -2.0], dtype=lib.float64),
                   "f16": lib.tensor([0.5, 1.0], dtype=lib.float16),
                   "bf16": lib.tensor([0.25], dtype=lib.bfloat16),
                   "i8": lib.tensor([-3, 4], dtype=lib.int8),
                   "u8": lib.tensor([200], dtype=lib.uint8),
                   "i64": lib.tensor([2 ** 40]), "bool": lib.tensor([True, False]),
                   "c64": lib.tensor([1 + 2j], dtype=lib.complex64)},
        "nested": {"epoch": 3, "lr": 0.1, "name": "run", "shape": lib.Size([2, 3]),
                   "list": [t, (t[0], {"k": [None, True]})], "dtype": lib.float16,
                   "device": lib.device("cpu")},
        "views": {"base": t, "row": t[1], "col": t[:, 1], "tr": t.t()},
        "scalar": lib.tensor(7.0),
        "empty": lib.empty(0, 4),
    }


class _System:
    """Pickles as ``os.system('touch SENTINEL')``."""

    def __reduce__(self):
        return os.system, ("mkdir -p %s && touch %s" % (os.path.dirname(SENTINEL), SENTINEL),)


class _Eval:
    """Pickles as ``builtins.eval(...)`` of code that creates the sentinel."""

    def __reduce__(self):
        code = "__import__('os').makedirs(%r, exist_ok=True) or open(%r, 'w').close()" % (
            os.path.dirname(SENTINEL), SENTINEL)
        return eval, (code,)


def _hostile_zip(obj):
    """A torch zip checkpoint whose data.pkl is a plain pickle of ``obj``."""
    import torch
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("data.pkl"):
                data = pickle.dumps({"w": obj}, protocol=2)
            dst.writestr(info, data)
    return out.getvalue()


def main():
    import torch
    import ember
    os.makedirs(SEEDS, exist_ok=True)
    torch.manual_seed(0)
    for lib, tag in ((torch, "torch"), (ember, "ember")):
        for name, obj in _payloads(lib).items():
            buf = io.BytesIO()
            lib.save(obj, buf)
            with open(os.path.join(SEEDS, "%s_%s.ckpt" % (tag, name)), "wb") as f:
                f.write(buf.getvalue())
    for name in ("state_dict", "nested", "views"):
        buf = io.BytesIO()
        torch.save(_payloads(torch)[name], buf, _use_new_zipfile_serialization=False)
        with open(os.path.join(SEEDS, "legacy_%s.ckpt" % name), "wb") as f:
            f.write(buf.getvalue())
    for name, obj in (("system", _System()), ("eval", _Eval())):
        with open(os.path.join(SEEDS, "hostile_%s_zip.ckpt" % name), "wb") as f:
            f.write(_hostile_zip(obj))
        buf = io.BytesIO()
        torch.save({"w": obj}, buf, _use_new_zipfile_serialization=False)
        with open(os.path.join(SEEDS, "hostile_%s_legacy.ckpt" % name), "wb") as f:
            f.write(buf.getvalue())
    total = sum(os.path.getsize(os.path.join(SEEDS, n)) for n in os.listdir(SEEDS))
    print("%d seeds, %d bytes" % (len(os.listdir(SEEDS)), total))


if __name__ == "__main__":
    main()
