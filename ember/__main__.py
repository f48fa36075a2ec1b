"""The ``ember`` command.

    ember run script.py [args...]     run an unmodified PyTorch script on ember
    python -m ember run script.py     the same
"""
import os
import runpy
import sys


def _run(argv):
    if not argv:
        print("usage: ember run script.py [args...]", file=sys.stderr)
        return 2
    from . import _alias
    _alias.install()
    site = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_alias_site")
    os.environ["EMBER_AS_TORCH"] = "1"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [site] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    script = argv[0]
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"]:
        return _run(argv[1:])
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
