"""The image request, end to end: verify, parse, fetch, transform; independent of HTTP framing."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import TypeVar

import pyvips

from cache.http import Conditions, digest, etag_of, variant_etag
from cache.keys import (
    OUTPUT_SETTINGS,
    canonical_options,
    negotiated_format,
    settings_version,
    source_key,
    variant_key_of,
)
from cache.record import CachedVariant, new_variant
from config.settings import Settings
from imgproxy.admission import Admission
from imgproxy.caching import Caches
from imgproxy.client_hints import ClientHints
from imgproxy.errors import (
    DeadlineExceeded,
    OriginError,
    OriginTimeout,
    ProxyError,
    SourceTooLarge,
    UnsupportedFormat,
)
from imgproxy.fallback import FALLBACK_ERRORS, Fallback
from imgproxy.limiting import ClientLimiter
from imgproxy.negotiation import Negotiation
from imgproxy.origins import Original, OriginRouter
from imgproxy.rendering import render_preferred
from imgproxy.results import ImageResult, Variant
from imgproxy.security.allowed_sources import AllowedSources
from imgproxy.signing import Verifier
from imgproxy.telemetry import Metrics, breaker_state_name, error_kind
from imgproxy.url.options import MEDIA_TYPES, ImageFormat, ImageRequest
from imgproxy.url.parser import PathParser
from imgproxy.url.source import SourceRewriter
from imgproxy.verified_paths import VerifiedPaths
from transforms.executor import ProcessingPool
from transforms.formats import WRITABLE
from transforms.limits import Limits
from transforms.passthrough import sniff_format
from transforms.pipeline import Defaults

log = logging.getLogger("imgproxy")
T = TypeVar("T")
OUTPUT_FORMATS = WRITABLE | {ImageFormat.SVG}
FORMATS_BY_MEDIA_TYPE = {
    media_type: image_format for image_format, media_type in MEDIA_TYPES.items()
}


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


class ImageService:
    def __init__(
        self,
        settings: Settings,
        origins: OriginRouter,
        pool: ProcessingPool,
        caches: Caches,
        defaults: Defaults | None = None,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.origins = origins
        self.pool = pool
        self.caches = caches
        self.metrics = metrics or Metrics(process_metrics=False)
        self.admission = Admission(
            settings.workers_per_process, settings.queue_size_per_process, self.metrics
        )
        self.allowed_sources = AllowedSources(settings.allowed_sources)
        self.limiter = ClientLimiter(settings, self.metrics.rate_limited)
        if caches.redis is not None:
            caches.redis.on_failure = self.metrics.redis_error
            caches.redis.on_state = lambda state: self.metrics.breaker(
                breaker_state_name(state.value)
            )
            self.metrics.breaker("closed")
        self.verifier = Verifier(
            settings.keys, settings.salts, settings.signature_size, settings.trusted_signatures
        )
        self.parser = PathParser(
            settings.arguments_separator,
            settings.presets,
            allow_security_options=settings.allow_security_options,
            allowed_options=settings.allowed_processing_options,
            only_presets=settings.only_presets,
            # Unsigned encrypted URLs would be a padding oracle: only with signatures.
            encryption_key=settings.source_url_encryption_key if settings.signing_enabled else None,
        )
        self.defaults = defaults or defaults_from(settings)
        self.settings_version = settings_version(output_settings(settings))
        self.negotiation = Negotiation(
            settings.auto_webp, settings.auto_avif, settings.enforce_webp, settings.enforce_avif
        )
        self.rewriter = SourceRewriter(settings.base_url, settings.url_replacements)
        self.paths = VerifiedPaths(settings.path_prefix, self.verifier, self.parser, self.rewriter)
        self.fallback: Fallback | None = None
        """Set at start when a fallback image is configured."""

    def parse(
        self, raw_path: str, accept: str, headers: Mapping[str, str] | None = None
    ) -> Variant:
        """Everything checked before any I/O: route, signature, options, output format.
        `headers` (lower-case names) carry the Client Hints, when those are enabled."""
        read = self.paths.read(raw_path)
        request, canonical = read.request, read.canonical
        if self.settings.enable_client_hints and headers is not None:
            hints = ClientHints.from_headers(headers)
            hinted = hints.apply(request.options)
            if hinted != request.options:
                request = replace(request, options=hinted)
                canonical = canonical_options(hinted)
        explicit = request.options.format
        if explicit is not None and explicit not in OUTPUT_FORMATS and not request.options.raw:
            raise UnsupportedFormat(f"Cannot write {explicit.value} images")
        choice = self.negotiation.choose(explicit, accept)
        requested = negotiated_format(self.negotiation, explicit, accept)
        key = variant_key_of(canonical, request.source, requested, self.settings_version)
        return Variant(request, choice, key, source_key(request.source))

    async def fetch(self, request: ImageRequest) -> Original:
        try:
            return await self._fetch(request)
        except (ProxyError, OSError) as error:
            self.metrics.origin_error(error_kind(error))
            raise

    async def _fetch(self, request: ImageRequest) -> Original:
        self.allowed_sources.check(request.source)
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
            self.metrics.shed("deadline")
            raise DeadlineExceeded(
                detail=f"{source}: over {self.settings.timeout}s "
                f"({time.monotonic() - started:.1f}s)"
            ) from None

    async def process(
        self, variant: Variant, conditions: Conditions, client: str = ""
    ) -> ImageResult:
        started = time.perf_counter()
        try:
            return await self.within_deadline(
                self._process(variant, conditions, client), variant.request.source
            )
        except FALLBACK_ERRORS as error:
            if self.fallback is None or variant.request.options.raw:
                raise
            answer = self.fallback.answer(variant, error, self.defaults)
            return await self.within_deadline(answer, variant.request.source)
        finally:
            self.metrics.stage("total", time.perf_counter() - started)

    async def _process(self, variant: Variant, conditions: Conditions, client: str) -> ImageResult:
        if variant.request.options.raw:
            return await self._raw(variant)
        now = time.time()
        in_l1 = variant.key in self.caches.variants.l1
        cached = await self.caches.variants.get(variant.key)
        self.metrics.cache("l1", in_l1)
        if not in_l1 and self.caches.variants.l2 is not None:
            self.metrics.cache("l2", cached is not None)
        if cached is not None and cached.is_fresh(now):
            return self._answer(variant, cached, conditions, "HIT", now)
        if not self.limiter.applies_to_all:
            await self.limiter.take(client)  # only work that reaches the origin is limited
        processed_here = False

        async def work() -> CachedVariant:
            nonlocal processed_here
            processed_here = True
            async with self.admission.slot():
                return await self._render(variant)

        try:
            if conditions.present:
                revalidated = await self._revalidate(variant, conditions)
                if revalidated is not None:
                    return revalidated
            fresh = await self.caches.coalescer.do(variant.key, work, self._fresh(variant.key))
        except (OriginError, OriginTimeout):
            if cached is not None and cached.is_servable_stale(now):
                log.warning("origin failed, serving a stale copy of %s", variant.request.source)
                return self._answer(variant, cached, conditions, "STALE", now)
            raise
        status = "MISS" if processed_here else "WAIT"
        if not processed_here:
            self.metrics.coalesced()
        return self._answer(variant, fresh, conditions, status, time.time())

    def _answer(
        self,
        variant: Variant,
        stored: CachedVariant,
        conditions: Conditions,
        status: str,
        now: float,
    ) -> ImageResult:
        return ImageResult(
            variant,
            stored.etag,
            stored.data,
            FORMATS_BY_MEDIA_TYPE.get(stored.media_type),
            stored.media_type,
            stored.last_modified,
            not_modified=conditions.satisfied_by(stored.etag, stored.last_modified),
            cache_status=status,
            age=stored.age(now) if status in ("HIT", "STALE") else None,
            origin_cache_control=stored.origin_cache_control,
            origin_expires=stored.origin_expires,
        )

    def _fresh(self, key: str) -> Callable[[], Awaitable[CachedVariant | None]]:
        async def poll() -> CachedVariant | None:
            found = await self.caches.variants.get(key)
            return found if found is not None and found.is_fresh(time.time()) else None

        return poll

    async def _original(self, request: ImageRequest) -> Original:
        fetches = self.caches.sources.fetches
        started = time.perf_counter()
        original = await self.caches.sources.fetch(request.source, lambda: self.fetch(request))
        self.metrics.stage("download", time.perf_counter() - started)
        self.metrics.cache("sources", self.caches.sources.fetches == fetches)
        self.metrics.source_bytes(len(original.data))
        limit = request.options.limits.max_src_file_size
        max_bytes = self.settings.max_src_file_size if limit is None else limit
        if max_bytes and len(original.data) > max_bytes:
            raise SourceTooLarge(detail=f"{request.source}: {len(original.data)} > {max_bytes}")
        return original

    async def _validator(self, original: Original) -> str:
        """The origin's ETag or Last-Modified; only without both are the bytes hashed, and
        then in a worker thread."""
        if original.etag or original.last_modified:
            return original.etag or original.last_modified or ""
        return await self.pool.run(digest, original.data)

    async def _revalidate(self, variant: Variant, conditions: Conditions) -> ImageResult | None:
        """A 304 without processing when the client's copy still matches the source."""
        original = await self._original(variant.request)
        etag = variant_etag(variant.key, await self._validator(original))
        if not conditions.satisfied_by(etag, original.last_modified):
            return None
        return ImageResult(
            variant,
            etag,
            last_modified=original.last_modified,
            not_modified=True,
            cache_status="REVALIDATED",
            origin_cache_control=original.cache_control,
            origin_expires=original.expires,
        )

    async def _render(self, variant: Variant) -> CachedVariant:
        request = variant.request
        original = await self._original(request)
        validator = await self._validator(original)
        started = time.perf_counter()
        rendered = await self.pool.run(
            render_preferred,
            original.data,
            request.options,
            variant.choice.requested,
            self.defaults,
            self.settings.preferred_formats,
        )
        elapsed = time.perf_counter() - started
        self.metrics.stage("encode", rendered.encode_seconds)
        self.metrics.stage("processing", elapsed - rendered.encode_seconds)
        self.metrics.result_bytes(len(rendered.data))
        stored = new_variant(
            rendered.data,
            media_type=rendered.format.media_type,
            etag=variant_etag(variant.key, validator),
            origin_etag=original.etag,
            last_modified=original.last_modified,
            now=time.time(),
            ttl=self.settings.cache_ttl,
            stale_grace=self.settings.cache_stale_grace,
            origin_cache_control=original.cache_control,
            origin_expires=original.expires,
        )
        await self.caches.variants.put(variant.key, stored, variant.source_key)
        return stored

    async def _raw(self, variant: Variant) -> ImageResult:
        original = await self.fetch(variant.request)
        found = sniff_format(original.data)
        media_type = found.media_type if found else "application/octet-stream"
        etag = await self.pool.run(etag_of, original.data)
        return ImageResult(
            variant,
            etag,
            original.data,
            found,
            media_type,
            original.last_modified,
            cache_status="BYPASS",
        )
