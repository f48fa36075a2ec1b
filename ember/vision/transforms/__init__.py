"""``torchvision.transforms``: image transforms for PIL images and tensors.

``transforms.functional`` has the stateless functions; the classes here wrap them and
draw their random parameters from ember's generator in torchvision's order.
"""
from . import functional
from .transforms import *  # noqa: F401,F403
from .transforms import __all__
