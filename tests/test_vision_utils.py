"""ember.vision.utils (make_grid, save_image, drawing) and ember.vision.io against NumPy and
Pillow references that follow torchvision's documented layout and rounding."""
import io
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
Image = pytest.importorskip("PIL.Image")

import ember  # noqa: E402
from ember.vision import utils as U  # noqa: E402
from ember.vision import io as vio  # noqa: E402

RS = np.random.RandomState(0)


def grid_ref(batch, nrow=8, padding=2, pad_value=0.0):
    """torchvision's layout: min(nrow, n) columns, ceil(n / cols) rows, ``padding`` pixels of
    ``pad_value`` before every cell and after the last one; 1 channel becomes 3."""
    if batch.shape[1] == 1:
        batch = np.concatenate([batch] * 3, 1)
    n, c, h, w = batch.shape
    cols = min(nrow, n)
    rows = int(math.ceil(n / cols))
    out = np.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding), pad_value,
                  dtype=batch.dtype)
    for k in range(n):
        r, q = divmod(k, cols)
        top, left = padding + r * (h + padding), padding + q * (w + padding)
        out[:, top:top + h, left:left + w] = batch[k]
    return out


@pytest.mark.parametrize("shape", [(5, 3, 7, 9), (4, 1, 5, 5), (10, 3, 2, 2), (2, 3, 3, 3)])
@pytest.mark.parametrize("kw", [{}, {"nrow": 2}, {"nrow": 3, "padding": 0}, {"padding": 3, "pad_value": 0.5},
                                {"nrow": 20}])
def test_make_grid_layout(shape, kw):
    x = RS.rand(*shape).astype(np.float32)
    out = U.make_grid(ember.from_numpy(x), **kw)
    np.testing.assert_array_equal(out.numpy(), grid_ref(x, **kw))
    as_list = U.make_grid(list(ember.from_numpy(x)), **kw)
    np.testing.assert_array_equal(as_list.numpy(), out.numpy())


def test_make_grid_single_images():
    x = RS.rand(1, 6, 7).astype(np.float32)
    np.testing.assert_array_equal(U.make_grid(ember.from_numpy(x)).numpy(), np.concatenate([x] * 3))
    np.testing.assert_array_equal(U.make_grid(ember.from_numpy(x[0])).numpy(), np.stack([x[0]] * 3))
    y = RS.rand(1, 3, 6, 7).astype(np.float32)
    np.testing.assert_array_equal(U.make_grid(ember.from_numpy(y), padding=5).numpy(), y[0])


def test_make_grid_normalize():
    x = (RS.randn(4, 3, 5, 5) * 3).astype(np.float32)
    out = U.make_grid(ember.from_numpy(x), normalize=True, padding=0, nrow=4)
    ref = (x - x.min()) / (x.max() - x.min())
    np.testing.assert_allclose(out.numpy(), grid_ref(ref, nrow=4, padding=0), rtol=1e-5, atol=1e-6)
    each = U.make_grid(ember.from_numpy(x), normalize=True, scale_each=True, padding=0, nrow=4)
    ref_each = np.stack([(v - v.min()) / (v.max() - v.min()) for v in x])
    np.testing.assert_allclose(each.numpy(), grid_ref(ref_each, nrow=4, padding=0), rtol=1e-5, atol=1e-6)
    ranged = U.make_grid(ember.from_numpy(x), normalize=True, value_range=(-1, 1), padding=0, nrow=4)
    np.testing.assert_allclose(ranged.numpy(), grid_ref((np.clip(x, -1, 1) + 1) / 2, nrow=4, padding=0),
                               rtol=1e-6, atol=1e-7)
    kept = ember.from_numpy(x.copy())
    U.make_grid(kept, normalize=True)
    np.testing.assert_array_equal(kept.numpy(), x)          # works on a copy
    with pytest.raises(TypeError, match=r"value_range has to be a tuple \(min, max\)"):
        U.make_grid(ember.from_numpy(x), normalize=True, value_range=[-1, 1])


def test_make_grid_errors():
    with pytest.raises(TypeError, match="tensor or list of tensors expected, got <class 'int'>"):
        U.make_grid(3)
    with pytest.raises(TypeError, match="tensor or list of tensors expected, got a list containing <class 'int'>"):
        U.make_grid([3])


def test_save_image_rounding(tmp_path):
    x = RS.rand(6, 1, 8, 9).astype(np.float32) * 1.2 - 0.1     # values outside [0, 1] get clamped
    U.save_image(ember.from_numpy(x), str(tmp_path / "a.png"), nrow=3)
    saved = np.asarray(Image.open(tmp_path / "a.png"))
    grid = grid_ref(x, nrow=3)
    ref = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(saved, ref)
    buf = io.BytesIO()
    U.save_image(ember.from_numpy(x[0]), buf, format="png")
    np.testing.assert_array_equal(np.asarray(Image.open(buf)),
                                  np.clip(np.concatenate([x[0]] * 3) * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0))


def test_save_image_with_grad_tensor(tmp_path):
    x = ember.rand(2, 3, 4, 4, requires_grad=True)
    U.save_image(x * 1, str(tmp_path / "g.png"))
    assert Image.open(tmp_path / "g.png").size == (14, 8)


def test_draw_bounding_boxes():
    img = (RS.rand(3, 40, 50) * 255).astype(np.uint8)
    boxes = ember.tensor([[1, 2, 20, 30], [10, 5, 45, 38]], dtype=ember.float32)
    out = U.draw_bounding_boxes(ember.from_numpy(img), boxes, colors=["red", (0, 255, 0)], width=1)
    assert out.dtype == ember.uint8 and tuple(out.shape) == (3, 40, 50)
    o = out.numpy()
    assert tuple(o[:, 2, 5]) == (255, 0, 0) and tuple(o[:, 30, 1]) == (255, 0, 0)       # red edges
    assert tuple(o[:, 5, 30]) == (0, 255, 0)                                             # green top edge
    np.testing.assert_array_equal(o[:, 10:20, 3:9], img[:, 10:20, 3:9])                 # interior untouched
    canvas = Image.fromarray(img.transpose(1, 2, 0).copy())
    from PIL import ImageDraw
    draw = ImageDraw.Draw(canvas)
    draw.rectangle([1, 2, 20, 30], outline=(255, 0, 0), width=1)
    draw.rectangle([10, 5, 45, 38], outline=(0, 255, 0), width=1)
    np.testing.assert_array_equal(o, np.asarray(canvas).transpose(2, 0, 1))
    gray = U.draw_bounding_boxes(ember.from_numpy(img[:1]), boxes, labels=["a", "b"])
    assert tuple(gray.shape) == (3, 40, 50)
    flt = U.draw_bounding_boxes(ember.from_numpy(img / np.float32(255)), boxes, fill=True)
    assert flt.dtype == ember.float32 and 0 <= float(flt.min()) and float(flt.max()) <= 1
    with pytest.raises(ValueError, match=r"Boxes need to be in \(xmin, ymin, xmax, ymax\) format"):
        U.draw_bounding_boxes(ember.from_numpy(img), ember.tensor([[5.0, 5, 1, 1]]))
    with pytest.raises(ValueError, match="Pass individual images, not batches"):
        U.draw_bounding_boxes(ember.from_numpy(img)[None], boxes)
    with pytest.raises(ValueError, match=r"Number of boxes \(2\) and labels \(1\) mismatch"):
        U.draw_bounding_boxes(ember.from_numpy(img), boxes, labels=["a"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        same = U.draw_bounding_boxes(ember.from_numpy(img), ember.zeros(0, 4))
    assert "No box was drawn" in str(caught[0].message) and np.array_equal(same.numpy(), img)


def test_draw_segmentation_masks():
    img = (RS.rand(3, 10, 12) * 255).astype(np.uint8)
    masks = RS.rand(2, 10, 12) > 0.5
    out = U.draw_segmentation_masks(ember.from_numpy(img), ember.from_numpy(masks), alpha=0.3,
                                    colors=["red", (0, 0, 255)])
    painted = img.astype(np.float64).copy()
    painted[:, masks[0]] = np.array([255, 0, 0])[:, None]
    painted[:, masks[1]] = np.array([0, 0, 255])[:, None]
    painted[:, masks.sum(0) > 1] = 0
    ref = torch.from_numpy(img) * 0.7 + torch.from_numpy(painted.astype(np.uint8)) * 0.3
    np.testing.assert_array_equal(out.numpy(), ref.to(torch.uint8).numpy())
    with pytest.raises(ValueError, match="The masks must be of dtype bool"):
        U.draw_segmentation_masks(ember.from_numpy(img), ember.zeros(10, 12))


# --- io -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "LA", "P"])
def test_read_image_png(tmp_path, mode):
    base = Image.fromarray(RS.randint(0, 256, (9, 11, 3)).astype(np.uint8))
    img = base.convert(mode) if mode != "P" else base.quantize(16)
    path = str(tmp_path / "x.png")
    img.save(path)
    out = vio.read_image(path)
    expected_mode = {"P": "RGB"}.get(mode, mode)
    ref = np.asarray(img.convert(expected_mode)).reshape(9, 11, -1).transpose(2, 0, 1)
    assert out.dtype == ember.uint8
    np.testing.assert_array_equal(out.numpy(), ref)
    for read_mode, pil_mode in [(vio.ImageReadMode.RGB, "RGB"), (vio.ImageReadMode.GRAY, "L"),
                                (vio.ImageReadMode.RGB_ALPHA, "RGBA"), ("gray_alpha", "LA")]:
        got = vio.decode_image(vio.read_file(path), mode=read_mode)
        ref = np.asarray(img.convert(pil_mode)).reshape(9, 11, -1).transpose(2, 0, 1)
        assert np.abs(got.numpy().astype(int) - ref.astype(int)).max() <= 1


def test_png_jpeg_round_trips(tmp_path):
    x = ember.from_numpy(RS.randint(0, 256, (3, 16, 20)).astype(np.uint8))
    vio.write_png(x, str(tmp_path / "a.png"))
    np.testing.assert_array_equal(vio.read_image(str(tmp_path / "a.png")).numpy(), x.numpy())
    np.testing.assert_array_equal(vio.decode_png(vio.encode_png(x[:1])).numpy(), x[:1].numpy())
    smooth = ember.from_numpy(np.tile(np.linspace(0, 255, 20).astype(np.uint8), (3, 16, 1)))
    vio.write_jpeg(smooth, str(tmp_path / "a.jpg"), quality=95)
    back = vio.decode_jpeg(vio.read_file(str(tmp_path / "a.jpg")))
    assert tuple(back.shape) == (3, 16, 20) and np.abs(back.numpy().astype(int) - smooth.numpy()).max() < 12
    data = vio.read_file(str(tmp_path / "a.png"))
    assert data.dtype == ember.uint8 and data.dim() == 1
    assert bytes(data.numpy()) == open(tmp_path / "a.png", "rb").read()
    vio.write_file(str(tmp_path / "copy.png"), data)
    assert open(tmp_path / "copy.png", "rb").read() == open(tmp_path / "a.png", "rb").read()


def test_io_errors():
    with pytest.raises(RuntimeError):
        vio.decode_image(ember.tensor([1, 2, 3], dtype=ember.uint8))
    with pytest.raises(RuntimeError, match="Expected a non empty 1-dimensional tensor"):
        vio.decode_png(ember.zeros(2, 2, dtype=ember.uint8))
    with pytest.raises(ValueError, match="Image quality should be a positive number between 1 and 100"):
        vio.encode_jpeg(ember.zeros(3, 4, 4, dtype=ember.uint8), quality=0)
    assert vio.ImageReadMode.RGBA is vio.ImageReadMode.RGB_ALPHA
