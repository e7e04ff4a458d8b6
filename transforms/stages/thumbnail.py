"""`enforce_thumbnail`: decode the source's embedded thumbnail instead of the full image."""

from __future__ import annotations

from dataclasses import replace

from transforms.stages.loading import Loading


def enforce_thumbnail(state: Loading) -> Loading:
    """Only a still image, not already loaded; a thumbnail of the full size is no thumbnail
    (the image is then decoded as usual, with shrink-on-load)."""
    if not state.options.enforce_thumbnail or state.frames != 1 or state.image is not None:
        return state
    image = state.source.load(state.shrink, page=state.options.page, thumbnail=True)
    info = state.source.info
    if (image.width, image.height) == (info.width, info.height):
        return state
    return replace(state, image=image, size=(image.width, image.height))
