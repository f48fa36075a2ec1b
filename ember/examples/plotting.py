"""Ember tensors handed straight to matplotlib and visdom (seed 000 §5.3), as NumPy arrays.

    python -m ember.examples.plotting [--out sine.png] [--visdom]

A CPU tensor converts itself through ``__array__``, so ``plt.plot(x, y)`` and
``vis.line(Y=y, X=x)`` take ember tensors as they take PyTorch's. The plot is written to a PNG
file; with ``--visdom`` the same curves go to a running visdom server (``pip install visdom``,
then ``python -m visdom.server``).
"""
import argparse

import ember as t


def curves():
    """x in [0, 2π) and the curves sin(x), cos(x) as ember tensors."""
    x = t.arange(0, 2 * 3.14159265, 0.1)
    return x, t.sin(x), t.cos(x)


def plot_png(path):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    x, y1, y2 = curves()
    fig, ax = plt.subplots()
    ax.plot(x, y1, label="sin")       # ember tensors, no .numpy() needed
    ax.plot(x, y2, label="cos")
    ax.legend()
    fig.savefig(path)
    plt.close(fig)
    print("wrote %s (%d points per curve)" % (path, len(x)))


def plot_visdom():
    try:
        import visdom
    except ImportError:
        raise SystemExit("visdom is not installed: pip install visdom, then run "
                         "`python -m visdom.server` and this example again with --visdom")
    vis = visdom.Visdom(env="ember")
    x, y1, _ = curves()
    vis.line(X=x, Y=y1, win="sinx", opts={"title": "y = sin(x)"})
    vis.image(t.rand(3, 64, 64), win="noise")
    print("sent a line and an image to visdom (env 'ember')")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="sine.png", help="PNG file to write")
    parser.add_argument("--visdom", action="store_true", help="also send the curves to visdom")
    args = parser.parse_args(argv)
    plot_png(args.out)
    if args.visdom:
        plot_visdom()


if __name__ == "__main__":
    main()
