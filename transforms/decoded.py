"""Sources a fallback decoder read whole (Pillow, libjxl, FFmpeg): shrinking them is a resize."""

from __future__ import annotations

import pyvips


def shrunk(image: pyvips.Image, shrink: float) -> pyvips.Image:
    """A whole decoded image at the plan's shrink: a resize, as no decoder shrinks it."""
    return image if shrink <= 1 else image.resize(1 / shrink)
