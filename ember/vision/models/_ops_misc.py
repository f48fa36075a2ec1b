"""Convolution + normalization + activation blocks (``torchvision.ops.misc``), used by
MobileNetV2; ``ember.vision.ops`` can re-export them."""
import warnings

from ... import nn


class ConvNormActivation(nn.Sequential):
    """A convolution (padding "same" for odd kernels unless given), then `norm_layer`
    (skipped if None) and `activation_layer` (skipped if None); the convolution has a bias
    only when there is no normalization, unless `bias` says otherwise."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None,
                 groups=1, norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1,
                 inplace=True, bias=None, conv_layer=nn.Conv2d):
        if padding is None:
            if isinstance(kernel_size, int) and isinstance(dilation, int):
                padding = (kernel_size - 1) // 2 * dilation
            else:
                ndim = len(kernel_size) if not isinstance(kernel_size, int) else len(dilation)
                ks = (kernel_size,) * ndim if isinstance(kernel_size, int) else tuple(kernel_size)
                dil = (dilation,) * ndim if isinstance(dilation, int) else tuple(dilation)
                padding = tuple((ks[i] - 1) // 2 * dil[i] for i in range(ndim))
                kernel_size, dilation = ks, dil
        if bias is None:
            bias = norm_layer is None

        layers = [conv_layer(in_channels, out_channels, kernel_size, stride, padding,
                             dilation=dilation, groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            params = {} if inplace is None else {"inplace": inplace}
            layers.append(activation_layer(**params))
        super().__init__(*layers)
        self.out_channels = out_channels

        if self.__class__ == ConvNormActivation:
            warnings.warn("Don't use ConvNormActivation directly, please use Conv2dNormActivation "
                          "and Conv3dNormActivation instead.")


class Conv2dNormActivation(ConvNormActivation):
    """Conv2d, then normalization (BatchNorm2d by default), then activation (ReLU)."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None,
                 groups=1, norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1,
                 inplace=True, bias=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, groups,
                         norm_layer, activation_layer, dilation, inplace, bias, nn.Conv2d)
