"""``torchvision.datasets``: MNIST family, CIFAR, SVHN, image folders and FakeData.

Readers take the files torchvision would have downloaded, in torchvision's layout; ember
never downloads (``download=True`` extracts archives that are already there, or raises a
RuntimeError saying which files to put where).
"""
from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import EMNIST, FashionMNIST, KMNIST, MNIST, QMNIST
from .svhn import SVHN
from .vision import VisionDataset

__all__ = ("MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST", "CIFAR10", "CIFAR100", "SVHN",
           "ImageFolder", "DatasetFolder", "FakeData", "VisionDataset")
