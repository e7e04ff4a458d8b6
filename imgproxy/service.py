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

import pyvips

from cache.http import Conditions, digest, etag_of, variant_etag
from cache.keys import OUTPUT_SETTINGS, requested_format, settings_version, source_key, variant_key
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
from transforms.pipeline import Defaults, render

log = logging.getLogger("imgproxy")
T = TypeVar("T")
OUTPUT_FORMATS = WRITABLE | {ImageFormat.SVG}


@dataclass(frozen=True)
class Variant:
    """A parsed request plus what identifies its result in every cache."""

    request: ImageRequest
    choice: FormatChoice
    key: str
    source_key: str


@dataclass(frozen=True)
class ImageResult:
    variant: Variant
    etag: str
    data: bytes = b""
    format: ImageFormat | None = None
    """None: passed through unprocessed (`raw`) with a sniffed or the origin's content type."""
    media_type: str = "application/octet-stream"
    last_modified: str | None = None
    not_modified: bool = False

    @property
    def request(self) -> ImageRequest:
        return self.variant.request

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


def output_settings(settings: Settings) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(settings, name) for name in OUTPUT_SETTINGS}
    values["libvips"] = ".".join(str(pyvips.version(part)) for part in range(3))
    return values


def source_validator(original: Original) -> str:
    """The origin's ETag or Last-Modified, else a digest of the bytes (worker thread)."""
    return original.etag or original.last_modified or digest(original.data)


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
        self.settings_version = settings_version(output_settings(settings))

    def parse(self, raw_path: str, accept: str) -> Variant:
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
        auto = {"auto_webp": self.settings.auto_webp, "auto_avif": self.settings.auto_avif}
        choice = choose_format(explicit, accept, **auto)
        requested = requested_format(explicit, accept, **auto)
        key = variant_key(request.options, request.source, requested, self.settings_version)
        return Variant(request, choice, key, source_key(request.source))

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

    async def process(self, variant: Variant, conditions: Conditions) -> ImageResult:
        return await self.within_deadline(
            self._process(variant, conditions), variant.request.source
        )

    async def _process(self, variant: Variant, conditions: Conditions) -> ImageResult:
        request = variant.request
        original = await self.fetch(request)
        if request.options.raw:
            found = sniff_format(original.data)
            media_type = (
                found.media_type if found else (original.content_type or "application/octet-stream")
            )
            etag = await self.pool.run(etag_of, original.data)
            return ImageResult(
                variant, etag, original.data, found, media_type, original.last_modified
            )
        validator = await self.pool.run(source_validator, original)
        etag = variant_etag(variant.key, validator)
        if conditions.satisfied_by(etag, original.last_modified):
            return ImageResult(
                variant, etag, last_modified=original.last_modified, not_modified=True
            )
        rendered = await self.pool.run(
            render, original.data, request.options, variant.choice.requested, self.defaults
        )
        return ImageResult(
            variant,
            etag,
            rendered.data,
            rendered.format,
            rendered.format.media_type,
            original.last_modified,
        )
