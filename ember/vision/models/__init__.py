"""``torchvision.models``: classification architectures with torchvision's module names,
initialisation order and state-dict keys, so torchvision checkpoints load as they are.

Pretrained weights (``weights=ResNet18_Weights.DEFAULT``, or the legacy
``pretrained=True``) are read from PyTorch's local cache,
``$TORCH_HOME/hub/checkpoints/<file name of weights.url>``; ember never downloads.
"""
from ._api import (Weights, WeightsEnum, get_model, get_model_builder,  # noqa: F401
                   get_model_weights, get_weight, list_models)
from .alexnet import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from .mobilenetv2 import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
