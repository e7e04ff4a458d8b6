"""imgproxy-py: an image transformation proxy speaking imgproxy's URL dialect.

Importing this package loads only the standard library: web apps use `imgproxy.UrlBuilder`
to sign `<img src>` and `srcset` URLs without the server's dependencies.
"""

from imgproxy.client import UrlBuilder
from imgproxy.url.options import (
    Extend,
    Gravity,
    GravityType,
    ImageFormat,
    Options,
    ResizingType,
)

__version__ = "0.1.0"
__all__ = [
    "Extend",
    "Gravity",
    "GravityType",
    "ImageFormat",
    "Options",
    "ResizingType",
    "UrlBuilder",
]
