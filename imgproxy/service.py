"""The image request, end to end: verify, parse, fetch, transform; independent of HTTP framing."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from cache.http import etag_of
from config.settings import Settings
from imgproxy.errors import DeadlineExceeded, NotFound, OriginTimeout, UnsupportedFormat
from imgproxy.negotiation import FormatChoice, choose_format
from imgproxy.origins import Original, OriginRouter
from imgproxy.signing import Verifier
from imgproxy.url.options import ImageFormat, ImageRequest
from imgproxy.url.parser import PathParser, split_signature
from transforms.executor import ProcessingPool
from transforms.formats import WRITABLE
from transforms.pipeline import Defaults, Rendered, render

log = logging.getLogger("imgproxy")


@dataclass(frozen=True)
class ImageResult:
    rendered: Rendered
    etag: str
    choice: FormatChoice
    request: ImageRequest

    @property
    def filename(self) -> str:
        stem = PurePosixPath(urlsplit(self.request.source).path).stem or "image"
        safe = "".join(char for char in stem if char.isalnum() or char in "-_.")[:100]
        return f"{safe or 'image'}.{self.rendered.format.extension}"


def defaults_from(settings: Settings) -> Defaults:
    return Defaults(
        max_src_pixels=settings.max_src_pixels,
        quality=settings.quality,
        format_quality=dict(settings.format_quality),
        auto_rotate=settings.auto_rotate,
        strip_metadata=settings.strip_metadata,
        avif_effort=max(0, min(9, 9 - settings.avif_speed)),
        jpeg_progressive=settings.jpeg_progressive,
    )


def render_tagged(
    data: bytes, request: ImageRequest, requested: ImageFormat | None, defaults: Defaults
) -> tuple[Rendered, str]:
    rendered = render(data, request.options, requested, defaults)
    return rendered, etag_of(rendered.data)


class ImageService:
    def __init__(self, settings: Settings, origins: OriginRouter, pool: ProcessingPool) -> None:
        self.settings = settings
        self.origins = origins
        self.pool = pool
        self.verifier = Verifier(settings.keys, settings.salts, settings.signature_size)
        self.parser = PathParser(settings.arguments_separator, settings.presets)
        self.defaults = defaults_from(settings)

    def parse(self, raw_path: str, accept: str) -> tuple[ImageRequest, FormatChoice]:
        """Everything checked before any I/O: route, signature, options, output format."""
        prefix = self.settings.path_prefix
        if prefix:
            if not raw_path.startswith(prefix + "/"):
                raise NotFound(detail=f"Path outside {prefix}: {raw_path}")
            raw_path = raw_path[len(prefix) :]
        if raw_path.strip("/").count("/") == 0:
            raise NotFound(detail=f"No route for {raw_path}")
        signature, rest = split_signature(raw_path)
        self.verifier.verify(signature, "/" + rest)
        request = self.parser.parse(rest)
        explicit = request.options.format
        if explicit is not None and explicit not in WRITABLE:
            raise UnsupportedFormat(f"Cannot write {explicit.value} images")
        choice = choose_format(
            explicit, accept, auto_webp=self.settings.auto_webp, auto_avif=self.settings.auto_avif
        )
        return request, choice

    async def process(self, request: ImageRequest, choice: FormatChoice) -> ImageResult:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.settings.timeout):
                original = await self._fetch(request.source)
                rendered, etag = await self.pool.run(
                    render_tagged, original.data, request, choice.requested, self.defaults
                )
        except TimeoutError:
            raise DeadlineExceeded(
                detail=f"{request.source}: over {self.settings.timeout}s "
                f"({time.monotonic() - started:.1f}s)"
            ) from None
        return ImageResult(rendered, etag, choice, request)

    async def _fetch(self, source: str) -> Original:
        try:
            async with asyncio.timeout(self.settings.download_timeout):
                return await self.origins.fetch(source)
        except TimeoutError:
            raise OriginTimeout(
                detail=f"{source}: download over {self.settings.download_timeout}s"
            ) from None
