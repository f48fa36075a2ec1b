"""Helpers of `ember.serialization`: the zip container, the picklers and unpicklers, tensor
rebuild functions, the pre-1.6 format and safetensors files."""
