"""The image request, end to end: verify, parse, fetch, transform; independent of HTTP framing."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TypeVar
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
from transforms.limits import Limits
from transforms.passthrough import sniff_format
from transforms.pipeline import Defaults, Rendered, render

log = logging.getLogger("imgproxy")
T = TypeVar("T")
OUTPUT_FORMATS = WRITABLE | {ImageFormat.SVG}


@dataclass(frozen=True)
class ImageResult:
    data: bytes
    format: ImageFormat | None
    """None: passed through unprocessed (`raw`) with the origin's content type."""
    media_type: str
    etag: str
    choice: FormatChoice
    request: ImageRequest

    @property
    def filename(self) -> str:
        stem = (
            self.request.options.filename or PurePosixPath(urlsplit(self.request.source).path).stem
        )
        extension = f".{self.format.extension}" if self.format else ""
        return f"{stem or 'image'}{extension}"


def defaults_from(settings: Settings, watermark: object = None) -> Defaults:
    return Defaults(
        limits=Limits(
            max_src_pixels=settings.max_src_pixels,
            max_src_file_size=settings.max_src_file_size,
            max_animation_frames=settings.max_animation_frames,
            max_animation_frame_pixels=int(settings.max_animation_frame_resolution * 1e6),
            max_result_dimension=settings.max_result_dimension,
        ),
        quality=settings.quality,
        format_quality=dict(settings.format_quality),
        auto_rotate=settings.auto_rotate,
        strip_metadata=settings.strip_metadata,
        keep_copyright=settings.keep_copyright,
        strip_color_profile=settings.strip_color_profile,
        avif_effort=max(0, min(9, 9 - settings.avif_speed)),
        jpeg_progressive=settings.jpeg_progressive,
        png_interlaced=settings.png_interlaced,
        watermark=watermark,
        watermark_opacity=settings.watermark_opacity,
    )


def render_tagged(
    data: bytes, request: ImageRequest, requested: ImageFormat | None, defaults: Defaults
) -> tuple[Rendered, str]:
    rendered = render(data, request.options, requested, defaults)
    return rendered, etag_of(rendered.data)


class ImageService:
    def __init__(
        self,
        settings: Settings,
        origins: OriginRouter,
        pool: ProcessingPool,
        defaults: Defaults | None = None,
    ) -> None:
        self.settings = settings
        self.origins = origins
        self.pool = pool
        self.verifier = Verifier(settings.keys, settings.salts, settings.signature_size)
        self.parser = PathParser(
            settings.arguments_separator,
            settings.presets,
            allow_security_options=settings.allow_security_options,
            allowed_options=settings.allowed_processing_options,
            only_presets=settings.only_presets,
        )
        self.defaults = defaults or defaults_from(settings)

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
        if explicit is not None and explicit not in OUTPUT_FORMATS and not request.options.raw:
            raise UnsupportedFormat(f"Cannot write {explicit.value} images")
        choice = choose_format(
            request.options.format,
            accept,
            auto_webp=self.settings.auto_webp,
            auto_avif=self.settings.auto_avif,
        )
        return request, choice

    async def fetch(self, request: ImageRequest) -> Original:
        limit = request.options.limits.max_src_file_size
        max_bytes = self.settings.max_src_file_size if limit is None else limit
        try:
            async with asyncio.timeout(self.settings.download_timeout):
                return await self.origins.fetch(request.source, max_bytes)
        except TimeoutError:
            raise OriginTimeout(
                detail=f"{request.source}: download over {self.settings.download_timeout}s"
            ) from None

    async def within_deadline(self, work: Awaitable[T], source: str) -> T:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.settings.timeout):
                return await work
        except TimeoutError:
            raise DeadlineExceeded(
                detail=f"{source}: over {self.settings.timeout}s "
                f"({time.monotonic() - started:.1f}s)"
            ) from None

    async def process(self, request: ImageRequest, choice: FormatChoice) -> ImageResult:
        return await self.within_deadline(self._process(request, choice), request.source)

    async def _process(self, request: ImageRequest, choice: FormatChoice) -> ImageResult:
        original = await self.fetch(request)
        if request.options.raw:
            found = sniff_format(original.data)
            media_type = (
                found.media_type if found else (original.content_type or "application/octet-stream")
            )
            return ImageResult(
                original.data, found, media_type, etag_of(original.data), choice, request
            )
        rendered, etag = await self.pool.run(
            render_tagged, original.data, request, choice.requested, self.defaults
        )
        return ImageResult(
            rendered.data, rendered.format, rendered.format.media_type, etag, choice, request
        )
