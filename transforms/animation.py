"""An animation's frames, stacked top to bottom in one image as libvips loads them: apart for
the steps, which run on each frame, and together again for the encoder."""

from __future__ import annotations

import pyvips


def split_frames(image: pyvips.Image, frames: int) -> list[pyvips.Image]:
    height = image.height // frames
    return [image.crop(0, index * height, image.width, height) for index in range(frames)]


def join_frames(parts: list[pyvips.Image], original: pyvips.Image) -> pyvips.Image:
    joined = pyvips.Image.arrayjoin(parts, across=1).copy()
    joined.set_type(pyvips.GValue.gint_type, "page-height", parts[0].height)
    for name in ("delay", "loop"):
        if original.get_typeof(name):
            value = original.get(name)
            value = value[: len(parts)] if isinstance(value, list) else value
            kind = (
                pyvips.GValue.array_int_type if isinstance(value, list) else pyvips.GValue.gint_type
            )
            joined.set_type(kind, name, value)
    return joined
