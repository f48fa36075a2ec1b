"""Bounded fuzzing of ``ember.load`` with mutated real checkpoints.

    python fuzz/fuzz_load.py --seconds 60            # atheris (coverage-guided) when installed
    python fuzz/fuzz_load.py --seconds 60 --engine random   # seeded byte/zip/pickle mutations

Every input is loaded with ``ember.load(BytesIO(data))`` (``weights_only=True``, the default).
An input passes when it loads, or raises one of ``ALLOWED`` (the exception types PyTorch's own
``torch.load`` raises on corrupt files). Anything else is a finding: another exception type, a
hang (``--timeout`` seconds per input), a crash of the worker process, or code run by a hostile
pickle (the sentinel file exists afterwards, or an audit hook sees a process being started).
Findings are saved under ``fuzz/findings/`` (input + traceback) and are not committed.

The fuzzing runs in a worker child process so that a hard crash or a hang in C code is seen
by the parent; the parent restarts the worker until the time budget is spent, then prints the
figures: inputs tried, seconds, distinct outcome types with counts, findings.
"""
import argparse
import collections
import hashlib
import io
import json
import os
import pickle
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SEEDS = os.path.join(HERE, "seeds")
FINDINGS = os.path.join(HERE, "findings")
SENTINEL = "/tmp/ember_fuzz_sentinel/pwned"  # the path the hostile seeds try to create

# Exact exception types a corrupt checkpoint may raise (checked against torch.load on the same
# mutated bytes: PyTorch raises these, and also some it should not, e.g. struct.error,
# IndexError, KeyError, TypeError, AttributeError, which ember must not).
ALLOWED = (RuntimeError, pickle.UnpicklingError, EOFError, ValueError, UnicodeDecodeError)

# Audit events that mean a load is starting processes or running code.
_BAD_EVENTS = {"os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn",
               "os.fork", "os.forkpty", "os.startfile", "ctypes.dlopen"}


# collections.namedtuple builds its __new__ with eval(); a lazy import during a load may run it.
_NAMEDTUPLE_CODE = collections.namedtuple.__code__


class Hang(Exception):
    """One input ran past the per-input timeout."""


# --- the worker: load one input and classify it ---------------------------------------------
class Worker:
    """Loads inputs, counts outcomes, saves findings, writes stats to a JSON file."""

    def __init__(self, stats_path, timeout, compare_torch=False):
        self.stats_path = stats_path
        self.timeout = timeout
        self.counts = collections.Counter()
        self.findings = {}
        self.diffs = collections.Counter()
        self.diff_examples = {}
        self.torch = None
        if compare_torch:
            import torch
            self.torch = torch
        self.tried = 0
        self.start = time.time()
        self.last_write = 0.0
        self.loading = False
        self.bad_event = None
        sys.addaudithook(self._audit)
        signal.signal(signal.SIGALRM, self._alarm)
        import ember
        import ember.nn  # noqa: F401  a load imports it lazily (Parameter); importing it runs
        self.ember = ember  # generated code (dataclasses), which must not count as the load's

    def _audit(self, event, args):
        if not self.loading or self.bad_event is not None:
            return
        # 'exec' also fires when a module is imported; only code compiled from a string counts
        code_from_string = (event == "exec" and getattr(args[0], "co_filename", "<")[:1] == "<"
                            and sys._getframe(1).f_code is not _NAMEDTUPLE_CODE)
        if event in _BAD_EVENTS or code_from_string:
            self.bad_event = "%s%r\n%s" % (event, tuple(str(a)[:80] for a in args),
                                            "".join(traceback.format_stack()[-8:-1]))

    def _alarm(self, signum, frame):
        self.timed_out = True
        raise Hang("input took more than %s s" % self.timeout)

    def one(self, data):
        """Loads ``data``; returns the outcome name ('ok' or the exception type)."""
        self.tried += 1
        self.bad_event = None
        self.timed_out = False
        err = None
        self.loading = True
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.ember.load(io.BytesIO(data))
            outcome = "ok"
        except Exception as e:  # every exception is classified below
            err = e
            outcome = "%s.%s" % (type(e).__module__, type(e).__qualname__)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.loading = False
        self.counts[outcome] += 1
        problem = None
        if err is not None and type(err) not in ALLOWED:
            problem = "".join(traceback.format_exception(err))
        if self.timed_out:
            problem = "timeout (%s s)\n" % self.timeout + (problem or "")
            outcome = "HANG"
        if self.bad_event is not None:
            problem = "code ran during load: %s\n" % self.bad_event + (problem or "")
            outcome = "CODE-RUN"
        if os.path.exists(SENTINEL):
            os.remove(SENTINEL)
            problem = "sentinel file created by the load\n" + (problem or "")
            outcome = "CODE-RUN"
        if problem is not None:
            self._save_finding(outcome, data, problem)
        if self.torch is not None:
            self._compare(data, outcome)
        now = time.time()
        if now - self.last_write > 0.5:
            self.write_stats()
        return outcome

    def _compare(self, data, outcome):
        """Counts inputs where torch.load and ember.load disagree on loading or failing."""
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.torch.load(io.BytesIO(data))
            theirs = "ok"
        except Exception as e:
            theirs = "%s.%s" % (type(e).__module__, type(e).__qualname__)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if (outcome == "ok") != (theirs == "ok"):
            key = "ember %s / torch %s" % (outcome, theirs)
            self.diffs[key] += 1
            if key not in self.diff_examples:
                name = "diff-%s" % hashlib.sha1(data).hexdigest()[:12]
                os.makedirs(FINDINGS, exist_ok=True)
                with open(os.path.join(FINDINGS, name + ".ckpt"), "wb") as f:
                    f.write(data)
                self.diff_examples[key] = name

    def _save_finding(self, outcome, data, problem):
        digest = hashlib.sha1(data).hexdigest()[:12]
        key = "%s-%s" % (outcome.rsplit(".", 1)[-1], digest)
        # keep one input per distinct (type, raising line) so the folder stays small
        where = problem.strip().splitlines()
        site = next((l for l in reversed(where) if l.strip().startswith("File ")), "")
        sig = outcome + "|" + site.strip()
        if sig in self.findings:
            return
        os.makedirs(FINDINGS, exist_ok=True)
        with open(os.path.join(FINDINGS, key + ".ckpt"), "wb") as f:
            f.write(data)
        with open(os.path.join(FINDINGS, key + ".txt"), "w") as f:
            f.write(problem)
        self.findings[sig] = key
        print("FINDING %s: %s" % (key, where[-1] if where else outcome), flush=True)

    def write_stats(self):
        self.last_write = time.time()
        tmp = self.stats_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"tried": self.tried, "counts": dict(self.counts),
                       "findings": self.findings,
                       "diffs": dict(self.diffs), "diff_examples": self.diff_examples, "seconds": time.time() - self.start}, f)
        os.replace(tmp, self.stats_path)


# --- mutations for the atheris-free engine (also used as atheris' custom mutator) -------------
_PICKLE_OPS = b"(.0123IJKLMNPQRSVXabcdeghijklopqrstu}~\x80\x81\x82\x83\x84\x85\x86\x87\x88" \
              b"\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98"
_INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 2 ** 63 - 1]


def _mutate_bytes(d, rng):
    """One random byte-level change of ``d`` (a bytearray)."""
    if not d:
        return bytearray(rng.randbytes(rng.randint(1, 64)))
    k = rng.randrange(7)
    p = rng.randrange(len(d))
    if k == 0:
        for _ in range(rng.randint(1, 8)):
            d[rng.randrange(len(d))] = rng.randrange(256)
    elif k == 1:
        d[p] ^= 1 << rng.randrange(8)
    elif k == 2:
        del d[rng.randrange(len(d)):]
    elif k == 3:
        d[p:p] = rng.randbytes(rng.randint(1, 16))
    elif k == 4:
        del d[p:p + rng.randint(1, 32)]
    elif k == 5:
        d[p:p + 8] = struct.pack("<Q", rng.choice(_INTERESTING) & (2 ** 64 - 1))
    else:
        q = rng.randrange(len(d))
        d[p:p] = d[q:q + rng.randint(1, 64)]
    return d


def _mutate_pickle(pkl, rng):
    """Changes a pickle: an opcode swapped, an argument digit changed, or a span duplicated."""
    d = bytearray(pkl)
    if not d:
        return d
    k = rng.randrange(3)
    p = rng.randrange(len(d))
    if k == 0:
        d[p] = rng.choice(_PICKLE_OPS)
    elif k == 1:
        digits = [i for i, c in enumerate(d) if 0x30 <= c <= 0x39]
        if digits:
            d[rng.choice(digits)] = rng.choice(b"0123456789")
    else:
        q = rng.randrange(len(d))
        d[p:p] = d[q:q + rng.randint(1, 24)]
    return d


def _mutate_zip(data, rng):
    """Rewrites a zip checkpoint with one member changed (its pickle mutated, its bytes changed,
    dropped, or renamed), keeping the zip itself valid so the loader's checks are reached."""
    try:
        src = zipfile.ZipFile(io.BytesIO(bytes(data)))
        infos = src.infolist()
        bodies = [src.read(info.filename) for info in infos]
    except Exception:  # not a readable zip: fall back to byte mutations
        return None
    if not infos:
        return None
    target = rng.choice(infos).filename
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info, body in zip(infos, bodies):
            name = info.filename
            if name == target:
                k = rng.randrange(4)
                if name.endswith(".pkl"):
                    body = _mutate_pickle(body, rng)
                elif k == 0:
                    continue
                elif k == 1:
                    name = name + "x"
                else:
                    body = bytes(_mutate_bytes(bytearray(body), rng))
            dst.writestr(name, body)
    return out.getvalue()


def mutate(data, rng):
    """One mutated input from ``data``: byte-level, zip-member or pickle-opcode mutations."""
    if data[:2] == b"PK" and rng.random() < 0.5:
        out = _mutate_zip(data, rng)
        if out is not None:
            return out
    if data[:1] == b"\x80" and rng.random() < 0.4:
        return bytes(_mutate_pickle(data, rng))
    d = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        d = _mutate_bytes(d, rng)
    return bytes(d)


def load_seeds():
    return [open(os.path.join(SEEDS, n), "rb").read() for n in sorted(os.listdir(SEEDS))]


# --- engines ----------------------------------------------------------------------------------
def run_random(worker, seconds, seed):
    """Seeded loop: mutate a seed (or a mutant that loaded) and load it, until time is up."""
    rng = random.Random(seed)
    pool = load_seeds()
    end = time.time() + seconds
    while time.time() < end:
        data = mutate(rng.choice(pool), rng)
        if worker.one(data) == "ok" and len(pool) < 500:
            pool.append(data)


def run_atheris(worker, seconds, seed, corpus):
    """Coverage-guided fuzzing with atheris (libFuzzer) over the instrumented ember package."""
    import atheris
    rng = random.Random(seed)

    def test_one(data):
        worker.one(data)

    def custom_mutator(data, max_size, mut_seed):
        # half libFuzzer's own mutations, half the checkpoint-aware ones above
        if rng.random() < 0.5:
            return atheris.Mutate(data, max_size)
        return mutate(data, random.Random(mut_seed))[:max_size]

    args = [sys.argv[0], corpus, "-max_total_time=%d" % max(1, int(seconds)),
            "-seed=%d" % (seed + 1), "-max_len=65536", "-rss_limit_mb=4096",
            "-timeout=%d" % int(worker.timeout * 3 + 5), "-print_final_stats=1",
            "-artifact_prefix=%s/" % FINDINGS]
    atheris.Setup(args, test_one, custom_mutator=custom_mutator)
    atheris.Fuzz()


def worker_main(opts):
    if opts.engine == "atheris":
        import atheris
        with atheris.instrument_imports(include=["ember"]):
            w = Worker(opts.stats, opts.timeout, opts.compare_torch)
    else:
        w = Worker(opts.stats, opts.timeout, opts.compare_torch)
    import atexit
    atexit.register(w.write_stats)
    try:
        if opts.engine == "atheris":
            run_atheris(w, opts.seconds, opts.seed, opts.corpus)
        else:
            run_random(w, opts.seconds, opts.seed)
    finally:
        w.write_stats()


# --- the parent: run workers until the budget is spent, then report -------------------------
def parent_main(opts):
    os.makedirs(FINDINGS, exist_ok=True)
    if os.path.exists(SENTINEL):
        os.remove(SENTINEL)
    total = collections.Counter()
    findings = {}
    diffs = collections.Counter()
    diff_examples = {}
    tried = 0
    crashes = []
    start = time.time()
    tmp = tempfile.mkdtemp(prefix="ember_fuzz_")
    corpus = os.path.join(tmp, "corpus")
    shutil.copytree(SEEDS, corpus)
    run = 0
    try:
        while time.time() - start < opts.seconds - 1:
            left = opts.seconds - (time.time() - start)
            stats = os.path.join(tmp, "stats%d.json" % run)
            cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--stats", stats,
                   "--seconds", str(left), "--seed", str(opts.seed + run), "--engine",
                   opts.engine, "--timeout", str(opts.timeout), "--corpus", corpus]
            if opts.compare_torch:
                cmd.append("--compare-torch")
            env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
            proc = subprocess.run(cmd, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True,
                                  timeout=left + 10 * opts.timeout + 60)
            if os.path.exists(stats):
                with open(stats) as f:
                    s = json.load(f)
                tried += s["tried"]
                total.update(s["counts"])
                findings.update(s["findings"])
                diffs.update(s["diffs"])
                diff_examples.update(s["diff_examples"])
            if proc.returncode != 0:
                tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
                crashes.append("worker %d exited with %d:\n%s" % (run, proc.returncode, tail))
                print(crashes[-1], file=sys.stderr)
            elif opts.verbose:
                print(proc.stderr, file=sys.stderr)
            run += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.time() - start
    print("\nember.load fuzzing (%s engine, seed %d)" % (opts.engine, opts.seed))
    print("inputs tried: %d in %.0f s (%.0f/s), %d worker run(s)"
          % (tried, seconds, tried / max(seconds, 1e-9), run))
    print("outcomes:")
    for name, n in total.most_common():
        mark = "" if name == "ok" or name in _allowed_names() else "   <-- finding"
        print("  %-40s %8d%s" % (name, n, mark))
    print("findings: %d distinct (type, raising line), %d worker crash(es)/hang(s)"
          % (len(findings), len(crashes)))
    for sig, key in sorted(findings.items()):
        print("  fuzz/findings/%s.txt  %s" % (key, sig))
    if opts.compare_torch:
        print("torch.load disagreements (one loads, the other raises): %d" % sum(diffs.values()))
        for key, n in diffs.most_common():
            print("  %-60s %6d  e.g. fuzz/findings/%s.ckpt" % (key, n, diff_examples[key]))
    return 1 if findings or crashes else 0


def _allowed_names():
    return {"%s.%s" % (t.__module__, t.__qualname__) for t in ALLOWED}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds allowed per input")
    ap.add_argument("--engine", choices=("atheris", "random"), default=None)
    ap.add_argument("--compare-torch", action="store_true",
                    help="also load each input with torch.load and count disagreements")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--stats", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.engine is None:
        try:
            import atheris  # noqa: F401
            opts.engine = "atheris"
        except ImportError:
            opts.engine = "random"
    if opts.worker:
        worker_main(opts)
        return 0
    return parent_main(opts)


if __name__ == "__main__":
    sys.exit(main())
