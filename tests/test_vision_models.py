"""ember.vision.models against torchvision's architectures.

torchvision is not installed here, so the reference is (a) torch "twins" of the smaller
architectures written in this file from torchvision's sources (same module names, creation
order and initialisation), built with the same seed: state dicts must be bit-identical
(within 1e-6 for the few tensors of over 2**20 normal draws, which ember's generator
computes in float64) and outputs close; and (b) data taken from torchvision's sources and
docs: parameter counts, state-dict keys and shapes, weights URLs.

Building the big models with real random initialisation is slow in ember (the exact
PyTorch generator is NumPy code), so structure-only tests build them with the ``nn.init``
functions replaced by zero-fills (``no_random_init``).
"""
import math
import os
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.vision.models as models
from ember.vision.models import densenet as em_densenet
from ember.vision.models import resnet as em_resnet

torch = pytest.importorskip("torch")
tnn = torch.nn


# --------------------------------------------------------------------------------------
# torch twins, transcribed from torchvision's sources
# --------------------------------------------------------------------------------------

class BasicBlock(tnn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = tnn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.relu = tnn.ReLU(inplace=True)
        self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        identity = x if self.downsample is None else self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(tnn.Module):
    def __init__(self, layers, num_classes=1000, zero_init_residual=False):
        super().__init__()
        self.inplanes = 64
        self.conv1 = tnn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = tnn.BatchNorm2d(64)
        self.relu = tnn.ReLU(inplace=True)
        self.maxpool = tnn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], 2)
        self.layer3 = self._make_layer(256, layers[2], 2)
        self.layer4 = self._make_layer(512, layers[3], 2)
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(512, num_classes)
        for m in self.modules():
            if isinstance(m, tnn.Conv2d):
                tnn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, tnn.BatchNorm2d):
                tnn.init.constant_(m.weight, 1)
                tnn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, BasicBlock):
                    tnn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = tnn.Sequential(tnn.Conv2d(self.inplanes, planes, 1, stride, bias=False),
                                        tnn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return tnn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Fire(tnn.Module):
    def __init__(self, inplanes, squeeze, e1, e3):
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = tnn.Conv2d(inplanes, squeeze, kernel_size=1)
        self.squeeze_activation = tnn.ReLU(inplace=True)
        self.expand1x1 = tnn.Conv2d(squeeze, e1, kernel_size=1)
        self.expand1x1_activation = tnn.ReLU(inplace=True)
        self.expand3x3 = tnn.Conv2d(squeeze, e3, kernel_size=3, padding=1)
        self.expand3x3_activation = tnn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


class SqueezeNet(tnn.Module):
    """Version 1_1."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.num_classes = num_classes
        pool = lambda: tnn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)  # noqa: E731
        self.features = tnn.Sequential(
            tnn.Conv2d(3, 64, kernel_size=3, stride=2), tnn.ReLU(inplace=True), pool(),
            Fire(64, 16, 64, 64), Fire(128, 16, 64, 64), pool(),
            Fire(128, 32, 128, 128), Fire(256, 32, 128, 128), pool(),
            Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256),
            Fire(512, 64, 256, 256))
        final_conv = tnn.Conv2d(512, num_classes, kernel_size=1)
        self.classifier = tnn.Sequential(tnn.Dropout(p=0.5), final_conv, tnn.ReLU(inplace=True),
                                         tnn.AdaptiveAvgPool2d((1, 1)))
        for m in self.modules():
            if isinstance(m, tnn.Conv2d):
                if m is final_conv:
                    tnn.init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    tnn.init.kaiming_uniform_(m.weight)
                tnn.init.constant_(m.bias, 0)

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


class Conv2dNormActivation(tnn.Sequential):
    def __init__(self, cin, cout, kernel_size=3, stride=1, groups=1):
        super().__init__(tnn.Conv2d(cin, cout, kernel_size, stride, (kernel_size - 1) // 2,
                                    groups=groups, bias=False),
                         tnn.BatchNorm2d(cout), tnn.ReLU6(inplace=True))
        self.out_channels = cout


class InvertedResidual(tnn.Module):
    def __init__(self, inp, oup, stride, expand_ratio):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.stride = stride
        self.use_res_connect = stride == 1 and inp == oup
        layers = [] if expand_ratio == 1 else [Conv2dNormActivation(inp, hidden, kernel_size=1)]
        layers += [Conv2dNormActivation(hidden, hidden, stride=stride, groups=hidden),
                   tnn.Conv2d(hidden, oup, 1, 1, 0, bias=False), tnn.BatchNorm2d(oup)]
        self.conv = tnn.Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


def _divisible(v, d=8):
    new_v = max(d, int(v + d / 2) // d * d)
    return new_v + d if new_v < 0.9 * v else new_v


class MobileNetV2(tnn.Module):
    def __init__(self, num_classes=1000, width_mult=1.0):
        super().__init__()
        cin = _divisible(32 * width_mult)
        self.last_channel = _divisible(1280 * max(1.0, width_mult))
        features = [Conv2dNormActivation(3, cin, stride=2)]
        for t, c, n, s in [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2],
                           [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]:
            cout = _divisible(c * width_mult)
            for i in range(n):
                features.append(InvertedResidual(cin, cout, s if i == 0 else 1, t))
                cin = cout
        features.append(Conv2dNormActivation(cin, self.last_channel, kernel_size=1))
        self.features = tnn.Sequential(*features)
        self.classifier = tnn.Sequential(tnn.Dropout(p=0.2),
                                         tnn.Linear(self.last_channel, num_classes))
        for m in self.modules():
            if isinstance(m, tnn.Conv2d):
                tnn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, tnn.BatchNorm2d):
                tnn.init.ones_(m.weight)
                tnn.init.zeros_(m.bias)
            elif isinstance(m, tnn.Linear):
                tnn.init.normal_(m.weight, 0, 0.01)
                tnn.init.zeros_(m.bias)

    def forward(self, x):
        x = torch.flatten(tnn.functional.adaptive_avg_pool2d(self.features(x), (1, 1)), 1)
        return self.classifier(x)


class _DenseLayer(tnn.Module):
    def __init__(self, cin, growth_rate, bn_size):
        super().__init__()
        self.norm1 = tnn.BatchNorm2d(cin)
        self.relu1 = tnn.ReLU(inplace=True)
        self.conv1 = tnn.Conv2d(cin, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = tnn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = tnn.ReLU(inplace=True)
        self.conv2 = tnn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1,
                                padding=1, bias=False)

    def forward(self, inputs):
        out = self.conv1(self.relu1(self.norm1(torch.cat(inputs, 1))))
        return self.conv2(self.relu2(self.norm2(out)))


class _DenseBlock(tnn.ModuleDict):
    def __init__(self, num_layers, cin, bn_size, growth_rate):
        super().__init__()
        for i in range(num_layers):
            self.add_module("denselayer%d" % (i + 1),
                            _DenseLayer(cin + i * growth_rate, growth_rate, bn_size))

    def forward(self, x):
        features = [x]
        for _, layer in self.items():
            features.append(layer(features))
        return torch.cat(features, 1)


class _Transition(tnn.Sequential):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm = tnn.BatchNorm2d(cin)
        self.relu = tnn.ReLU(inplace=True)
        self.conv = tnn.Conv2d(cin, cout, kernel_size=1, stride=1, bias=False)
        self.pool = tnn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(tnn.Module):
    def __init__(self, growth_rate, block_config, num_init_features, bn_size=4, num_classes=1000):
        super().__init__()
        self.features = tnn.Sequential(OrderedDict([
            ("conv0", tnn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3,
                                 bias=False)),
            ("norm0", tnn.BatchNorm2d(num_init_features)),
            ("relu0", tnn.ReLU(inplace=True)),
            ("pool0", tnn.MaxPool2d(kernel_size=3, stride=2, padding=1))]))
        n = num_init_features
        for i, num_layers in enumerate(block_config):
            self.features.add_module("denseblock%d" % (i + 1),
                                     _DenseBlock(num_layers, n, bn_size, growth_rate))
            n += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module("transition%d" % (i + 1), _Transition(n, n // 2))
                n //= 2
        self.features.add_module("norm5", tnn.BatchNorm2d(n))
        self.classifier = tnn.Linear(n, num_classes)
        for m in self.modules():
            if isinstance(m, tnn.Conv2d):
                tnn.init.kaiming_normal_(m.weight)
            elif isinstance(m, tnn.BatchNorm2d):
                tnn.init.constant_(m.weight, 1)
                tnn.init.constant_(m.bias, 0)
            elif isinstance(m, tnn.Linear):
                tnn.init.constant_(m.bias, 0)

    def forward(self, x):
        out = tnn.functional.relu(self.features(x), inplace=True)
        return self.classifier(torch.flatten(tnn.functional.adaptive_avg_pool2d(out, (1, 1)), 1))


# (ember builder, torch twin builder): same seed, small enough to initialise for real
TWINS = {
    "resnet_1111": (lambda: em_resnet.ResNet(em_resnet.BasicBlock, [1, 1, 1, 1], num_classes=10,
                                             zero_init_residual=True),
                    lambda: ResNet([1, 1, 1, 1], num_classes=10, zero_init_residual=True)),
    "squeezenet1_1": (lambda: models.squeezenet1_1(), lambda: SqueezeNet()),
    "mobilenet_v2_x0.25": (lambda: models.mobilenet_v2(width_mult=0.25, num_classes=10),
                           lambda: MobileNetV2(num_classes=10, width_mult=0.25)),
    "densenet_small": (lambda: em_densenet.DenseNet(8, (2, 3), 16, num_classes=10),
                       lambda: DenseNet(8, (2, 3), 16, num_classes=10)),
}


@pytest.fixture(scope="module")
def twins():
    """name -> (ember model, torch model), both in eval mode, built after seed 0."""
    built = {}
    for name, (make_ember, make_torch) in TWINS.items():
        ember.manual_seed(0)
        e = make_ember()
        torch.manual_seed(0)
        t = make_torch()
        built[name] = (e.eval(), t.eval())
    return built


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


@pytest.mark.parametrize("name", list(TWINS))
def test_twin_state_dict_matches_torch(twins, name):
    e, t = twins[name]
    es, ts = e.state_dict(), t.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        assert tuple(es[k].shape) == tuple(ts[k].shape), k
        assert str(es[k].dtype) == str(ts[k].dtype), k
        if ts[k].numel() <= 2 ** 20:
            np.testing.assert_array_equal(_np(es[k]), ts[k].numpy(), err_msg=k)
        else:  # ember draws float32 normals of > 2**20 values with a float64 Box-Muller
            np.testing.assert_allclose(_np(es[k]), ts[k].numpy(), rtol=1e-6, atol=1e-9,
                                       err_msg=k)


@pytest.mark.parametrize("name", list(TWINS))
def test_twin_repr_and_forward(twins, name):
    e, t = twins[name]
    assert repr(e) == repr(t)
    x = np.random.default_rng(1).standard_normal((2, 3, 64, 64)).astype(np.float32)
    with ember.no_grad():
        ye = e(ember.tensor(x))
        ye2 = e(ember.tensor(x))
    with torch.no_grad():
        yt = t(torch.tensor(x))
    assert tuple(ye.shape) == tuple(yt.shape)
    np.testing.assert_allclose(_np(ye), yt.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(_np(ye), _np(ye2))  # eval mode is deterministic


def test_twin_train_mode_gradients(twins):
    e, t = twins["densenet_small"]
    x = np.random.default_rng(2).standard_normal((2, 3, 32, 32)).astype(np.float32)
    e.train(), t.train()
    try:
        e(ember.tensor(x)).sum().backward()
        t(torch.tensor(x)).sum().backward()
        tp = dict(t.named_parameters())
        for k, p in e.named_parameters():
            np.testing.assert_allclose(_np(p.grad), tp[k].grad.numpy(), rtol=1e-3, atol=1e-4,
                                       err_msg=k)
        np.testing.assert_allclose(_np(e.features.norm0.running_mean),
                                   t.features.norm0.running_mean.numpy(), rtol=1e-4, atol=1e-6)
    finally:
        e.eval(), t.eval()


# --------------------------------------------------------------------------------------
# structure of the full-size models (random initialisation replaced by zero-fill)
# --------------------------------------------------------------------------------------

@pytest.fixture
def no_random_init(monkeypatch):
    def zero_fill(tensor, *args, **kwargs):
        tensor.detach().zero_()
        return tensor
    for name in ("kaiming_uniform_", "kaiming_normal_", "normal_", "uniform_",
                 "xavier_uniform_", "xavier_normal_", "trunc_normal_"):
        monkeypatch.setattr(ember.nn.init, name, zero_fill)


PARAM_COUNTS = {  # torchvision's documented numbers (weights meta "num_params")
    "resnet18": 11689512, "resnet34": 21797672, "resnet50": 25557032, "resnet101": 44549160,
    "resnet152": 60192808, "alexnet": 61100840, "vgg11": 132863336, "vgg11_bn": 132868840,
    "vgg13": 133047848, "vgg13_bn": 133053736, "vgg16": 138357544, "vgg16_bn": 138365992,
    "vgg19": 143667240, "vgg19_bn": 143678248, "squeezenet1_0": 1248424,
    "squeezenet1_1": 1235496, "mobilenet_v2": 3504872, "densenet121": 7978856,
    "densenet161": 28681000, "densenet169": 14149480, "densenet201": 20013928,
    "resnext50_32x4d": 25028904, "wide_resnet50_2": 68883240,
}

# forward on 1x3x64x64 for these (cheap enough); the rest are only counted
FORWARD_ON_64 = {"resnet18", "resnet50", "alexnet", "vgg11_bn", "squeezenet1_0",
                 "mobilenet_v2", "densenet121"}


@pytest.mark.parametrize("name", list(PARAM_COUNTS))
def test_parameter_counts_and_weights_meta(no_random_init, name):
    model = models.get_model(name)
    n = sum(p.numel() for p in model.parameters())
    assert n == PARAM_COUNTS[name]
    weights_enum = models.get_model_weights(name)
    for w in weights_enum:
        assert w.meta["num_params"] == n
    if name in FORWARD_ON_64:
        model.eval()
        with ember.no_grad():
            y = model(ember.zeros(1, 3, 64, 64))
        assert tuple(y.shape) == (1, 1000) and y.dtype == ember.float32


def _expand(table):
    """'key: d0 d1 ...' lines -> [(key, shape)]."""
    rows = []
    for line in table.strip().splitlines():
        key, shape = line.split(":")
        rows.append((key.strip(), tuple(int(s) for s in shape.split())))
    return rows


# from torchvision's alexnet.py
ALEXNET_KEYS = _expand("""
features.0.weight: 64 3 11 11
features.0.bias: 64
features.3.weight: 192 64 5 5
features.3.bias: 192
features.6.weight: 384 192 3 3
features.6.bias: 384
features.8.weight: 256 384 3 3
features.8.bias: 256
features.10.weight: 256 256 3 3
features.10.bias: 256
classifier.1.weight: 4096 9216
classifier.1.bias: 4096
classifier.4.weight: 4096 4096
classifier.4.bias: 4096
classifier.6.weight: 1000 4096
classifier.6.bias: 1000
""")

# from torchvision's vgg.py (configuration "D" with batch norm)
VGG16_BN_CONVS = [(0, 3, 64), (3, 64, 64), (7, 64, 128), (10, 128, 128), (14, 128, 256),
                  (17, 256, 256), (20, 256, 256), (24, 256, 512), (27, 512, 512), (30, 512, 512),
                  (34, 512, 512), (37, 512, 512), (40, 512, 512)]
VGG16_BN_KEYS = []
for _i, _cin, _cout in VGG16_BN_CONVS:
    VGG16_BN_KEYS += [(f"features.{_i}.weight", (_cout, _cin, 3, 3)),
                      (f"features.{_i}.bias", (_cout,))]
    VGG16_BN_KEYS += [(f"features.{_i + 1}.{s}", (_cout,))
                      for s in ("weight", "bias", "running_mean", "running_var")]
    VGG16_BN_KEYS += [(f"features.{_i + 1}.num_batches_tracked", ())]
VGG16_BN_KEYS += [("classifier.0.weight", (4096, 25088)), ("classifier.0.bias", (4096,)),
                  ("classifier.3.weight", (4096, 4096)), ("classifier.3.bias", (4096,)),
                  ("classifier.6.weight", (1000, 4096)), ("classifier.6.bias", (1000,))]

# from torchvision's resnet.py: ResNet-50's first bottleneck and the head
RESNET50_SOME_KEYS = _expand("""
conv1.weight: 64 3 7 7
bn1.running_var: 64
layer1.0.conv1.weight: 64 64 1 1
layer1.0.conv2.weight: 64 64 3 3
layer1.0.conv3.weight: 256 64 1 1
layer1.0.bn3.weight: 256
layer1.0.downsample.0.weight: 256 64 1 1
layer1.0.downsample.1.running_mean: 256
layer2.0.conv2.weight: 128 128 3 3
layer2.0.downsample.0.weight: 512 256 1 1
layer4.2.conv3.weight: 2048 512 1 1
layer4.2.bn3.num_batches_tracked:
fc.weight: 1000 2048
fc.bias: 1000
""")

# from torchvision's densenet.py
DENSENET121_SOME_KEYS = _expand("""
features.conv0.weight: 64 3 7 7
features.norm0.weight: 64
features.denseblock1.denselayer1.norm1.weight: 64
features.denseblock1.denselayer1.conv1.weight: 128 64 1 1
features.denseblock1.denselayer1.conv2.weight: 32 128 3 3
features.denseblock1.denselayer6.norm1.running_mean: 224
features.transition1.conv.weight: 128 256 1 1
features.denseblock4.denselayer16.conv2.weight: 32 128 3 3
features.norm5.running_var: 1024
classifier.weight: 1000 1024
classifier.bias: 1000
""")


def _shapes(model):
    return [(k, tuple(v.shape)) for k, v in model.state_dict().items()]


def test_state_dict_keys_alexnet_vgg16_bn(no_random_init):
    assert _shapes(models.alexnet()) == ALEXNET_KEYS
    vgg = models.vgg16_bn()
    assert _shapes(vgg) == VGG16_BN_KEYS
    assert len(vgg.features) == 44 and len(vgg.classifier) == 7
    assert str(vgg.avgpool) == "AdaptiveAvgPool2d(output_size=(7, 7))"
    assert str(vgg.classifier[1]) == "ReLU(inplace=True)"


def test_state_dict_keys_resnet50_densenet121(no_random_init):
    for model, rows, total in ((models.resnet50(), RESNET50_SOME_KEYS, 320),
                               (models.densenet121(), DENSENET121_SOME_KEYS, 727)):
        shapes = dict(_shapes(model))
        assert len(shapes) == total
        for key, shape in rows:
            assert shapes[key] == shape, key


def test_vgg_init_weights_false_and_num_classes(no_random_init):
    m = models.vgg11(num_classes=7, init_weights=False, dropout=0.25)
    assert m.classifier[6].out_features == 7 and m.classifier[2].p == 0.25
    assert models.resnet18(num_classes=3).fc.out_features == 3
    assert models.alexnet(num_classes=5).classifier[6].out_features == 5


# --------------------------------------------------------------------------------------
# weights enums, the registry, the legacy interface, checkpoints from the local cache
# --------------------------------------------------------------------------------------

WEIGHT_FILES = {
    models.AlexNet_Weights: "alexnet-owt-7be5be79.pth",
    models.VGG16_Weights: "vgg16-397923af.pth",
    models.VGG16_BN_Weights: "vgg16_bn-6c64b313.pth",
    models.ResNet18_Weights: "resnet18-f37072fd.pth",
    models.ResNet34_Weights: "resnet34-b627a593.pth",
    models.ResNet50_Weights: "resnet50-11ad3fa6.pth",
    models.SqueezeNet1_0_Weights: "squeezenet1_0-b66bff10.pth",
    models.SqueezeNet1_1_Weights: "squeezenet1_1-b8a52dc0.pth",
    models.MobileNet_V2_Weights: "mobilenet_v2-7ebf99e0.pth",
    models.DenseNet121_Weights: "densenet121-a639ec97.pth",
}


def test_weights_enums():
    for enum, file_name in WEIGHT_FILES.items():
        assert enum.DEFAULT.url == "https://download.pytorch.org/models/" + file_name
        assert repr(enum.IMAGENET1K_V1) == f"{enum.__name__}.IMAGENET1K_V1"
        assert len(enum.DEFAULT.meta["categories"]) == 1000
    w = models.ResNet50_Weights
    assert w.DEFAULT is w.IMAGENET1K_V2 and str(w.DEFAULT) == "ResNet50_Weights.IMAGENET1K_V2"
    assert [m.name for m in w] == ["IMAGENET1K_V1", "IMAGENET1K_V2"]
    cats = w.DEFAULT.meta["categories"]
    assert (cats[0], cats[281], cats[999]) == ("tench", "tabby", "toilet tissue")
    assert models.VGG16_Weights.IMAGENET1K_FEATURES.meta["categories"] is None
    assert w.verify("IMAGENET1K_V1") is w.IMAGENET1K_V1
    assert w.verify("ResNet50_Weights.IMAGENET1K_V2") is w.IMAGENET1K_V2
    assert w.verify(None) is None
    with pytest.raises(TypeError, match="expected ResNet50_Weights but received ResNet18_Weights"):
        w.verify(models.ResNet18_Weights.DEFAULT)
    with pytest.raises(KeyError):
        w.verify("IMAGENET1K_V9")
    t = models.ResNet50_Weights.DEFAULT.transforms()
    assert (t.crop_size, t.resize_size) == ([224], [232])
    assert t.mean == [0.485, 0.456, 0.406] and t.std == [0.229, 0.224, 0.225]
    assert repr(t).startswith("ImageClassification(\n    crop_size=[224]\n")


def test_registry():
    names = models.list_models()
    for n in ("alexnet", "vgg16_bn", "resnet152", "squeezenet1_1", "mobilenet_v2",
              "densenet121"):
        assert n in names
    assert names == sorted(names)
    assert models.list_models(module=models, include="resnet1*") == \
        ["resnet101", "resnet152", "resnet18"]
    assert models.list_models(include="vgg*", exclude="*_bn") == \
        ["vgg11", "vgg13", "vgg16", "vgg19"]
    assert models.get_model_weights("resnet18") is models.ResNet18_Weights
    assert models.get_model_weights(models.vgg16) is models.VGG16_Weights
    assert models.get_weight("ResNet50_Weights.IMAGENET1K_V1") is \
        models.ResNet50_Weights.IMAGENET1K_V1
    with pytest.raises(ValueError, match="Unknown model"):
        models.get_model("no_such_net")
    m = models.get_model("squeezenet1_0", num_classes=4, dropout=0.1)
    assert m.classifier[1].out_channels == 4 and m.classifier[0].p == 0.1


def _warned(record):
    return [str(w.message) for w in record]


def test_legacy_pretrained_false():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        m = models.squeezenet1_1(pretrained=False)
    msgs = _warned(rec)
    assert "The parameter 'pretrained' is deprecated since 0.13 and may be removed in the " \
           "future, please use 'weights' instead." in msgs
    assert any("equivalent to passing `weights=None`" in s for s in msgs)
    assert isinstance(m, models.SqueezeNet)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        models.squeezenet1_1(False)
    assert any("Using 'weights' as positional parameter(s) is deprecated" in s
               for s in _warned(rec))
    with warnings.catch_warnings(record=True) as rec:  # the new interface is silent
        warnings.simplefilter("always")
        models.squeezenet1_1(weights=None)
    assert _warned(rec) == []


def test_missing_checkpoint_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    w = models.SqueezeNet1_1_Weights.DEFAULT
    path = os.path.join(str(tmp_path), "hub", "checkpoints", "squeezenet1_1-b8a52dc0.pth")
    with pytest.raises(RuntimeError) as info:
        models.squeezenet1_1(weights=w)
    assert path in str(info.value) and w.url in str(info.value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="squeezenet1_1-b8a52dc0.pth"):
            models.squeezenet1_1(pretrained=True)
    with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but "
                                         "got 10 instead."):
        models.resnet18(weights="DEFAULT", num_classes=10)


def test_checkpoint_round_trip_through_cache(tmp_path, monkeypatch):
    """A state dict saved by torch (as torchvision's files are) or by ember into
    $TORCH_HOME/hub/checkpoints/<file of the url> loads with weights=... / pretrained=True."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    torch.manual_seed(5)
    t = SqueezeNet().eval()
    # torchvision's older files (squeezenet, alexnet, vgg, densenet) use the legacy format
    torch.save(t.state_dict(), folder / "squeezenet1_1-b8a52dc0.pth",
               _use_new_zipfile_serialization=False)
    e = models.squeezenet1_1(weights=models.SqueezeNet1_1_Weights.DEFAULT)
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(_np(e.state_dict()[k]), v.numpy(), err_msg=k)
    x = np.random.default_rng(3).standard_normal((1, 3, 64, 64)).astype(np.float32)
    with ember.no_grad():
        ye = e.eval()(ember.tensor(x))
    with torch.no_grad():
        yt = t(torch.tensor(x))
    np.testing.assert_allclose(_np(ye), yt.numpy(), rtol=1e-4, atol=1e-5)

    # ember.save into the cache, loaded back with the legacy pretrained=True
    e2 = models.squeezenet1_1()
    ember.save(e2.state_dict(), str(folder / "squeezenet1_1-b8a52dc0.pth"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e3 = models.squeezenet1_1(pretrained=True)
    for k, v in e2.state_dict().items():
        assert ember.equal(e3.state_dict()[k], v), k


def test_densenet_old_checkpoint_keys_are_renamed(twins):
    """torchvision's DenseNet files use 'norm.1'-style keys; loading renames them."""
    e, _ = twins["densenet_small"]
    old = OrderedDict()
    for k, v in e.state_dict().items():
        if "denselayer" in k and k.endswith("num_batches_tracked"):
            continue  # those files predate num_batches_tracked; BatchNorm fills it in
        for new, legacy in (("norm1", "norm.1"), ("norm2", "norm.2"), ("conv1", "conv.1"),
                            ("conv2", "conv.2")):
            if "denselayer" in k and f".{new}." in k:
                k = k.replace(f".{new}.", f".{legacy}.")
        old[k] = v.clone() + 1
    assert any(".norm.1." in k for k in old)

    class FakeWeights:
        def get_state_dict(self, **kwargs):
            return OrderedDict(old)

    ember.manual_seed(0)
    fresh = em_densenet.DenseNet(8, (2, 3), 16, num_classes=10)
    em_densenet._load_state_dict(fresh, FakeWeights(), progress=False)
    for k, v in e.state_dict().items():
        kept = k.endswith("num_batches_tracked") and "denselayer" in k  # the fresh model's 0
        expected = ember.tensor(0) if kept else v + 1
        assert ember.equal(fresh.state_dict()[k], expected), k


def test_zero_init_residual_and_frozen_backbone(twins):
    e, _ = twins["resnet_1111"]
    for block in (e.layer1[0], e.layer4[0]):
        assert float(block.bn2.weight.abs().sum()) == 0.0
    assert math.isclose(float(e.bn1.weight.sum()), 64.0)


def test_weights_transforms_preprocess_like_torchvision():
    """ImageClassification on a uint8 tensor: antialiased bilinear resize of the short side
    (rounded back to uint8), center crop, [0, 1] scaling, normalization."""
    t = models.ResNet50_Weights.DEFAULT.transforms()
    img = np.random.default_rng(0).integers(0, 256, (3, 300, 400), dtype=np.uint8)
    y = t(ember.tensor(img))
    x = torch.nn.functional.interpolate(torch.tensor(img)[None].float(), size=(232, 309),
                                        mode="bilinear", antialias=True, align_corners=False)
    x = x.round().clamp(0, 255).to(torch.uint8)[0, :, 4:228, 42:266].float() / 255
    mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
    std = torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    assert tuple(y.shape) == (3, 224, 224) and y.dtype == ember.float32
    # compare in uint8 levels: the resize may round a near-tie (x.5) the other way
    levels = (_np(y) * std.numpy() + mean.numpy()) * 255
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-3)
    diff = np.abs(np.round(levels) - (x * 255).round().numpy())
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-4
