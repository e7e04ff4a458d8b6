"""The fallback image (a URL's `fallback_image_url`, else IMGPROXY_FALLBACK_IMAGE_DATA, _PATH or
_URL): answered, processed with the request's options, when the source cannot be fetched or
decoded."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace

from cache.http import digest
from cache.keys import variant_key
from cache.record import new_variant
from cache.variants import VariantCache
from config.settings import Settings, SettingsError
from imgproxy.errors import (
    OriginError,
    OriginTimeout,
    ProxyError,
    SourceNotFound,
    UnprocessableSource,
)
from imgproxy.origins import Origin, Original
from imgproxy.renderer import Renderer
from imgproxy.results import ImageResult, Variant
from imgproxy.url.options import MEDIA_TYPES
from imgproxy.url.source import SourceRewriter
from transforms.executor import ProcessingPool
from transforms.sources import open_source

log = logging.getLogger("imgproxy")

FALLBACK_ERRORS: tuple[type[ProxyError], ...] = (
    SourceNotFound,
    OriginError,
    OriginTimeout,
    UnprocessableSource,
)
"""Failures of the source itself; refusals (403), bad URLs (400) and overload (429, 503) are
answered as they are."""
FALLBACK_MAX_PIXELS = 50_000_000
FALLBACK_URL_SOURCE = "fallback_url:"
"""Before a `fallback_image_url` in the key of its renderings: never the key of that URL
asked for as a source."""


@dataclass(frozen=True)
class FallbackResult(ImageResult):
    status: int = 200
    ttl: int = 0


@dataclass(frozen=True)
class FallbackImage:
    data: bytes
    status: int
    """0: the status of the failure."""
    ttl: int

    @property
    def source(self) -> str:
        """Stands for the failed source in cache keys: every broken source shares the result."""
        return "fallback:" + digest(self.data)

    @property
    def original(self) -> Original:
        return Original(self.data)


def check_decodable(data: bytes) -> None:
    open_source(data, max_pixels=FALLBACK_MAX_PIXELS)


async def load_fallback_image(
    settings: Settings, origins: Origin, pool: ProcessingPool
) -> FallbackImage:
    """Read once at start; a missing or undecodable image stops the server."""
    try:
        if settings.fallback_image_data:
            data = settings.fallback_image_data
        elif settings.fallback_image_path is not None:
            data = await asyncio.to_thread(settings.fallback_image_path.read_bytes)
        else:
            data = (
                await origins.fetch(settings.fallback_image_url, settings.max_src_file_size)
            ).data
        await pool.run(check_decodable, data)
    except OSError as error:
        raise SettingsError(f"IMGPROXY_FALLBACK_IMAGE_PATH cannot be read: {error}") from error
    except ProxyError as error:
        raise SettingsError(f"The fallback image cannot be used: {error.detail}") from error
    return FallbackImage(
        data, settings.fallback_image_http_code, settings.fallback_image_ttl or settings.ttl
    )


class Fallback:
    """Answers a request whose source failed: the URL's `fallback_image_url`, else the server's
    fallback image, rendered like its source would have been (kept in the result cache under a
    key of its own, unless `bypass_cache`); if that fails too, or there is neither, the
    original error. A fallback URL is fetched like a source (allowed sources, address policy,
    size limit, sources cache), so one the policy refuses is that refusal."""

    def __init__(
        self,
        image: FallbackImage | None,
        renderer: Renderer,
        variants: VariantCache,
        *,
        settings_version: str,
        cache_ttl: int,
        status: int = 200,
        ttl: int = 0,
        rewriter: SourceRewriter | None = None,
    ) -> None:
        """`status` and `ttl`: of answers from a `fallback_image_url` (the server's image
        carries its own); `rewriter`: IMGPROXY_FALLBACK_IMAGE_PREPROCESS_URL."""
        self.image = image
        self.renderer = renderer
        self.variants = variants
        self.settings_version = settings_version
        self.cache_ttl = cache_ttl
        self.status = status
        self.ttl = ttl
        self.rewriter = rewriter

    async def answer(self, variant: Variant, error: ProxyError) -> ImageResult:
        url = variant.request.options.fallback_image_url
        if url:
            return await self._from_url(variant, error, url)
        if self.image is None:
            raise error
        log.warning("source failed (%s), answering the fallback image", error.detail)
        image = self.image
        return await self._rendered(
            variant, error, image.source, image.original, status=image.status, ttl=image.ttl
        )

    async def _from_url(self, variant: Variant, error: ProxyError, url: str) -> ImageResult:
        if self.rewriter is not None:
            url = self.rewriter.rewrite(url)
        log.warning("source failed (%s), answering the fallback image %s", error.detail, url)
        bypass = variant.request.options.bypass_cache
        fetch = self.renderer.fetch if bypass else self.renderer.original
        try:
            original = await fetch(replace(variant.request, source=url))
        except FALLBACK_ERRORS as failure:
            log.warning("the fallback image failed too: %s", failure.detail)
            raise error from None
        source = FALLBACK_URL_SOURCE + url
        return await self._rendered(
            variant, error, source, original, status=self.status, ttl=self.ttl
        )

    async def _rendered(
        self,
        variant: Variant,
        error: ProxyError,
        source: str,
        original: Original,
        *,
        status: int,
        ttl: int,
    ) -> ImageResult:
        """`original` rendered for `variant`, kept under a key naming `source`."""
        requested = variant.choice.requested
        label = requested.value if requested is not None else "fallback"
        if variant.choice.candidates:  # format:best: what the client accepts decides
            label += ":" + ",".join(candidate.value for candidate in variant.choice.candidates)
        key = variant_key(variant.request.options, source, label, self.settings_version)
        now = time.time()
        bypass = variant.request.options.bypass_cache
        stored = None if bypass else await self.variants.get(key)
        if stored is None or not stored.is_fresh(now):
            try:
                rendered = await self.renderer.render(variant, original)
            except ProxyError as failure:
                log.warning("the fallback image failed too: %s", failure.detail)
                raise error from None
            stored = new_variant(
                rendered.data,
                media_type=rendered.format.media_type,
                etag="",
                origin_etag=None,
                last_modified=None,
                now=now,
                ttl=self.cache_ttl,
                stale_grace=0,
            )
            if not bypass:
                await self.variants.put(key, stored)
        return FallbackResult(
            variant,
            etag="",
            data=stored.data,
            format=next((f for f, t in MEDIA_TYPES.items() if t == stored.media_type), None),
            media_type=stored.media_type,
            cache_status="FALLBACK",
            status=status or error.status,
            ttl=ttl,
        )
