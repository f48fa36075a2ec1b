"""Started by ``ember run`` through PYTHONPATH, so that child interpreters (DataLoader workers,
multiprocessing spawn) map ``torch`` onto ember too."""
import os

if os.environ.get("EMBER_AS_TORCH") == "1":
    from ember import _alias
    _alias.install()
