"""``torchvision.io``: reading, decoding, encoding and writing images (through Pillow).

torchvision decodes with its own libjpeg/libpng bindings; ember decodes with Pillow, which
uses the same libraries, so pixel values agree for PNG and almost always for JPEG.  Video
reading is not provided.
"""
from .image import (ImageReadMode, decode_gif, decode_image, decode_jpeg, decode_png,
                    decode_webp, encode_jpeg, encode_png, read_file, read_image, write_file,
                    write_jpeg, write_png)

__all__ = ["ImageReadMode", "decode_image", "decode_jpeg", "decode_png", "decode_webp",
           "decode_gif", "encode_jpeg", "encode_png", "read_file", "read_image", "write_file",
           "write_jpeg", "write_png"]
