"""What Pillow raises on a broken or hostile image, beyond its own documented errors: its
plugins index, unpack and convert the file's fields as they read them."""

from __future__ import annotations

import struct

from PIL import Image

PILLOW_FAILURES: tuple[type[BaseException], ...] = (
    OSError,
    ValueError,
    SyntaxError,  # Pillow's "not a ... file"
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    RuntimeError,
    struct.error,
    Image.DecompressionBombError,
)
