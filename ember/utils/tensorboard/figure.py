"""Rendering matplotlib figures to image arrays for ``SummaryWriter.add_figure``."""
import numpy as np


def figure_to_image(figures, close=True):
    """A figure as a (3, H, W) uint8 array, or a list of figures as (N, 3, H, W); closes
    them unless `close` is False. Needs matplotlib."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def render(fig):
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        w, h = fig.canvas.get_width_height()
        rgba = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8).reshape(h, w, 4)
        if close:
            plt.close(fig)
        return np.moveaxis(rgba[:, :, :3], 2, 0)

    if isinstance(figures, list):
        return np.stack([render(f) for f in figures])
    return render(figures)
