"""A read `Variant` to its answer, independent of HTTP framing: the result cache, the client's
limit, coalescing, revalidation, stale copies and the fallback around the renderer, all within
the request's deadline; and the other questions the endpoints ask (info, meta, purge)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from cache.http import Conditions, etag_of, variant_etag
from cache.keys import source_key
from cache.record import CachedVariant
from cache.redis_guard import RedisUnavailable
from cache.singleflight import Coalescer
from cache.variants import VariantCache, tag_index
from config.settings import Settings
from imgproxy.errors import DeadlineExceeded, OriginError, OriginTimeout, ServiceUnavailable
from imgproxy.fallback import FALLBACK_ERRORS, Fallback
from imgproxy.health import libvips_works
from imgproxy.info_answers import InfoAnswers
from imgproxy.info_requests import InfoResult, InfoVariant
from imgproxy.limiting import ClientLimiter
from imgproxy.origins.ranges import fetched_original
from imgproxy.renderer import Renderer
from imgproxy.results import ImageResult, Variant
from imgproxy.telemetry.metrics import Metrics
from imgproxy.thumbor.meta import describe
from imgproxy.url.options import MEDIA_TYPES, ImageRequest
from transforms.executor import ProcessingPool
from transforms.passthrough import sniff_format

log = logging.getLogger("imgproxy")
T = TypeVar("T")
FORMATS_BY_MEDIA_TYPE = {
    media_type: image_format for image_format, media_type in MEDIA_TYPES.items()
}


@dataclass(frozen=True)
class Lookup:
    """What the result tiers held for one key when asked."""

    key: str
    found: CachedVariant | None


class ImageService:
    def __init__(
        self,
        settings: Settings,
        renderer: Renderer,
        *,
        variants: VariantCache,
        coalescer: Coalescer[CachedVariant],
        limiter: ClientLimiter,
        pool: ProcessingPool,
        metrics: Metrics,
        fallback: Fallback | None = None,
    ) -> None:
        self.settings = settings
        self.renderer = renderer
        self.variants = variants
        self.coalescer = coalescer
        self.limiter = limiter
        self.pool = pool
        self.metrics = metrics
        self.fallback = fallback
        self.infos = InfoAnswers(settings, renderer, variants, coalescer, limiter)

    async def lookup(self, variant: Variant) -> Lookup:
        """The result tiers' copy of `variant`, counted per tier consulted."""
        cached, in_l1 = await self.variants.find(variant.key)
        self.metrics.cache("l1", in_l1)
        if not in_l1 and self.variants.l2 is not None:
            self.metrics.cache("l2", cached is not None)
        return Lookup(variant.key, cached)

    def hit(
        self, variant: Variant, looked_up: Lookup, conditions: Conditions
    ) -> ImageResult | None:
        """The answer from a fresh stored copy; None when there is none."""
        now = time.time()
        cached = looked_up.found
        if cached is None or not cached.is_fresh(now) or variant.request.options.raw:
            return None
        return self._answer(variant, cached, conditions, "HIT", now)

    async def cached(
        self, variant: Variant, conditions: Conditions
    ) -> tuple[ImageResult | None, Lookup]:
        """The answer from a fresh stored copy, if any, and what the tiers held."""
        if variant.request.options.bypass_cache:
            return None, Lookup(variant.key, None)
        started = time.perf_counter()
        looked_up = await self.lookup(variant)
        result = self.hit(variant, looked_up, conditions)
        if result is not None:
            self.metrics.stage("total", time.perf_counter() - started)
        return result, looked_up

    async def process(
        self,
        variant: Variant,
        conditions: Conditions,
        client: str = "",
        looked_up: Lookup | None = None,
    ) -> ImageResult:
        """`client`: the rate limiter's key for whoever asked. `looked_up`: the result tiers
        were asked already (`lookup`), and are not asked again."""
        started = time.perf_counter()
        try:
            return await self._within_deadline(
                self._process(variant, conditions, client, looked_up), variant.request.source
            )
        except FALLBACK_ERRORS as error:
            if self.fallback is None or variant.request.options.raw:
                raise
            answer = self.fallback.answer(variant, error)
            return await self._within_deadline(answer, variant.request.source)
        finally:
            self.metrics.stage("total", time.perf_counter() - started)

    async def info(
        self, variant: InfoVariant, conditions: Conditions, client: str = ""
    ) -> InfoResult:
        """`/info`: imgproxy Pro's info document, kept in the result tiers like an image."""
        answer = self.infos.answer(variant, conditions, client)
        return await self._within_deadline(answer, variant.request.source)

    async def meta(self, request: ImageRequest, client: str = "") -> dict[str, Any]:
        """thumbor's `meta/`: the source and the operations the request would run on it.
        Limited like a miss, as the original may have to come from the origin."""

        async def work() -> dict[str, Any]:
            await self.limiter.limit_origin_work(client)
            original = await self.renderer.cached(request.source)
            return await self.renderer.decode(
                describe,
                original.data,
                request.options,
                request.source,
                max_pixels=self.settings.max_src_pixels,
                auto_rotate=self.settings.auto_rotate,
                faces=self.settings.smart_crop_face_detection,
            )

        return await self._within_deadline(work(), request.source)

    async def purge(self, source: str) -> int:
        """Drops every cached variant of `source`, on every replica; how many there were."""
        return await self._purge(source_key(source))

    async def purge_tag(self, tag: str) -> int:
        """Drops every cached answer a URL tagged `tag` (`cache_tags`) led to, on every
        replica; how many there were."""
        return await self._purge(tag_index(tag))

    async def _purge(self, index: str) -> int:
        try:
            return len(await self.variants.purge(index))
        except RedisUnavailable:
            raise ServiceUnavailable("Redis is unavailable; nothing was purged") from None

    async def healthy(self) -> bool:
        """libvips' self-check on a thread of its own: never behind image work."""
        return await self.pool.health_check(libvips_works)

    async def _within_deadline(self, work: Awaitable[T], source: str) -> T:
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

    async def _process(
        self, variant: Variant, conditions: Conditions, client: str, looked_up: Lookup | None
    ) -> ImageResult:
        if variant.request.options.raw:
            await self.limiter.limit_origin_work(client)
            return await self._raw(variant)
        if variant.request.options.bypass_cache:
            await self.limiter.limit_origin_work(client)
            produced = await self.renderer.produce(variant)
            return self._answer(variant, produced, conditions, "BYPASS", time.time())
        if looked_up is None or looked_up.key != variant.key:
            looked_up = await self.lookup(variant)
        hit = self.hit(variant, looked_up, conditions)
        if hit is not None:
            return hit
        now = time.time()
        cached = looked_up.found
        await self.limiter.limit_origin_work(client)
        processed_here = False

        async def work() -> CachedVariant:
            nonlocal processed_here
            processed_here = True
            return await self.renderer.produce(variant)

        try:
            if conditions.present:
                revalidated = await self._revalidate(variant, conditions)
                if revalidated is not None:
                    return revalidated
            fresh = await self.coalescer.do(
                variant.key, work, lambda: self.variants.get_fresh(variant.key)
            )
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

    async def _revalidate(self, variant: Variant, conditions: Conditions) -> ImageResult | None:
        """A 304 without processing when the client's copy still matches the source."""
        original = fetched_original(await self.renderer.fetched(variant.request))
        etag = variant_etag(variant.key, await self.renderer.validator(original))
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

    async def _raw(self, variant: Variant) -> ImageResult:
        original = await self.renderer.fetch(variant.request)
        await self.renderer.check_hashsum(original, variant.request.options)
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
