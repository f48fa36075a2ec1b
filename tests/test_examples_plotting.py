"""ember.examples.plotting: tensors go to matplotlib and visdom as arrays (`__array__`)."""
import sys
import types

import numpy as np
import pytest

from ember.examples import plotting


def test_matplotlib_takes_tensors(tmp_path):
    pytest.importorskip("matplotlib")
    from PIL import Image
    out = tmp_path / "sine.png"
    plotting.main(["--out", str(out)])
    assert Image.open(out).size == (640, 480)


def test_visdom_receives_the_curves_as_arrays(monkeypatch, tmp_path):
    calls = []

    class FakeVisdom:   # records what a visdom client would send to the server
        def __init__(self, env):
            self.env = env

        def line(self, X, Y, win, opts):
            calls.append(("line", np.asarray(X), np.asarray(Y)))

        def image(self, img, win):
            calls.append(("image", np.asarray(img)))

    monkeypatch.setitem(sys.modules, "visdom", types.SimpleNamespace(Visdom=FakeVisdom))
    plotting.plot_visdom()
    (_, x, y), (_, img) = calls
    np.testing.assert_allclose(y, np.sin(x), rtol=1e-6, atol=1e-6)
    assert img.shape == (3, 64, 64) and img.dtype == np.float32
