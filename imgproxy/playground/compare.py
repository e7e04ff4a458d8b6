"""The playground's format comparison: one request rendered as JPEG, WebP, AVIF, JPEG XL and
`best`, each with its bytes, encode time and DSSIM against the same image encoded losslessly.

Every variant goes through the image route's own parts: the reader refuses a format the server
does not write (that refusal becomes the cell's error, not the comparison's), the renderer
fetches the source through the originals cache and renders under a processing slot. Results are
not stored in the result cache, so each figure is a fresh render.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pyvips

from imgproxy.errors import ProxyError
from imgproxy.origins import Original
from imgproxy.reader import RequestReader
from imgproxy.renderer import Renderer
from imgproxy.url.options import ImageFormat, ImageRequest
from transforms.sources import open_source

COMPARED = (
    ImageFormat.JPEG,
    ImageFormat.WEBP,
    ImageFormat.AVIF,
    ImageFormat.JXL,
    ImageFormat.BEST,
)
REFERENCE = ImageFormat.PNG
ACCEPT = "image/jxl,image/avif,image/webp,image/*,*/*;q=0.8"
"""As a browser that displays every modern format: what `best` may choose from, where the
server's IMGPROXY_AUTO_* / ENFORCE_* flags allow it."""

Signer = Callable[[ImageRequest], str]


@dataclass(frozen=True)
class Encoded:
    """One format's rendering: its bytes and how long it took."""

    data: bytes
    format: ImageFormat
    width: int
    height: int
    encode_ms: float
    """The pipeline's own figure: saving, including pulling the pixels through the steps."""
    render_ms: float
    """The whole render as the server ran it: decode, steps and encode, under its slot."""


@dataclass(frozen=True)
class Cell:
    requested: ImageFormat
    url: str
    encoded: Encoded | None = None
    dssim: float | None = None
    smallest: bool = False
    status: int | None = None
    error: str | None = None

    @property
    def size(self) -> int | None:
        return None if self.encoded is None else len(self.encoded.data)

    def as_json(self) -> dict[str, object]:
        answer: dict[str, object] = {
            "format": self.requested.value,
            "url": self.url,
            "ok": self.encoded is not None,
        }
        if self.encoded is None:
            return answer | {"status": self.status, "error": self.error}
        media_type = self.encoded.format.media_type
        return answer | {
            "output": self.encoded.format.value,
            "media_type": media_type,
            "bytes": len(self.encoded.data),
            "width": self.encoded.width,
            "height": self.encoded.height,
            "encode_ms": round(self.encoded.encode_ms, 1),
            "render_ms": round(self.encoded.render_ms, 1),
            "dssim": None if self.dssim is None else round(self.dssim, 6),
            "smallest": self.smallest,
            "data": f"data:{media_type};base64,{base64.b64encode(self.encoded.data).decode()}",
        }


@dataclass(frozen=True)
class Comparison:
    reference: Cell
    cells: tuple[Cell, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "reference": self.reference.as_json(),
            "cells": [cell.as_json() for cell in self.cells],
        }


def as_format(request: ImageRequest, image_format: ImageFormat) -> ImageRequest:
    """The same request in another format; the reference never quantizes its PNG."""
    options = replace(request.options, format=image_format)
    if image_format is REFERENCE:
        options = replace(options, png_options=replace(options.png_options, quantize=False))
    return replace(request, options=options)


def decoded(data: bytes) -> pyvips.Image:
    """Any format the server writes (JPEG XL too), as pixels."""
    return open_source(data, max_pixels=0).load()


def dissimilarities(reference: bytes, candidates: Sequence[bytes | None]) -> list[float | None]:
    """DSSIM of each candidate against the reference; None where there is nothing to compare
    or the sizes differ (an animation, of which the reference keeps one frame)."""
    from transforms.dssim import Reference  # noqa: PLC0415 - numpy only once a comparison runs

    base = decoded(reference)
    against = Reference(base)
    found: list[float | None] = []
    for data in candidates:
        image = None if data is None else decoded(data)
        same_size = image is not None and (image.width, image.height) == (base.width, base.height)
        found.append(against.dssim(image) if same_size else None)
    return found


def marked(cells: Sequence[Cell]) -> tuple[Cell, ...]:
    """Every rendered cell of the fewest bytes gets `smallest` (ties are all marked)."""
    sizes = [cell.size for cell in cells if cell.size is not None]
    least = min(sizes, default=None)
    return tuple(replace(cell, smallest=least is not None and cell.size == least) for cell in cells)


class Comparer:
    def __init__(self, reader: RequestReader, renderer: Renderer) -> None:
        self.reader = reader
        self.renderer = renderer

    async def render(self, request: ImageRequest, original: Original) -> Encoded:
        """Raises the image route's own error for a refused format or a failed render."""
        variant = self.reader.variant(request, ACCEPT)
        started = time.perf_counter()
        rendered = await self.renderer.render(variant, original)
        elapsed = time.perf_counter() - started
        return Encoded(
            rendered.data,
            rendered.format,
            rendered.width,
            rendered.height,
            encode_ms=rendered.encode_seconds * 1000,
            render_ms=elapsed * 1000,
        )

    async def cell(self, request: ImageRequest, original: Original, sign: Signer) -> Cell:
        requested, url = request.options.format or REFERENCE, sign(request)
        try:
            return Cell(requested, url, await self.render(request, original))
        except ProxyError as error:
            return Cell(requested, url, status=error.status, error=error.message)

    async def compare(
        self, request: ImageRequest, sign: Signer, formats: Sequence[ImageFormat] = COMPARED
    ) -> Comparison:
        """A source that cannot be fetched or decoded fails the whole comparison (with the
        image route's error); a format that cannot be written fails only its cell."""
        original = await self.renderer.original(request)
        reference_request = as_format(request, REFERENCE)
        lossless = await self.render(reference_request, original)
        cells = [await self.cell(as_format(request, f), original, sign) for f in formats]
        scores = await self.renderer.decode(
            dissimilarities,
            lossless.data,
            [None if cell.encoded is None else cell.encoded.data for cell in cells],
        )
        scored = [replace(cell, dssim=score) for cell, score in zip(cells, scores, strict=True)]
        reference = Cell(REFERENCE, sign(reference_request), lossless, dssim=0.0)
        return Comparison(reference, marked(scored))
