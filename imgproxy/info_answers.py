"""`/info` answers, kept in the result tiers like images: a fresh stored document is answered at
once; otherwise the source is fetched and inspected in a worker (one piece of work per key,
across replicas), the JSON stored with its validators, and a stale copy answered while the
origin fails. `bypass_cache` skips the tiers both ways."""

from __future__ import annotations

import logging
import time

import orjson

from cache.http import Conditions, etag_of
from cache.record import CachedVariant
from cache.singleflight import Coalescer
from cache.variants import VariantCache
from config.settings import Settings
from imgproxy.errors import OriginError, OriginTimeout
from imgproxy.info_requests import InfoResult, InfoVariant
from imgproxy.limiting import ClientLimiter
from imgproxy.origins.ranges import fetched_original
from imgproxy.renderer import Renderer
from imgproxy.url.info_options import InfoOptions
from imgproxy.url.options import ImageRequest, Options
from transforms.inspect import inspect
from transforms.limits import Limits
from transforms.video.ranged import VideoBytes
from transforms.video.settings import VIDEO_OFF, VideoDefaults

log = logging.getLogger("imgproxy")
JSON = "application/json"


def render_info(
    data: VideoBytes, limits: Limits, options: InfoOptions, video: VideoDefaults = VIDEO_OFF
) -> tuple[bytes, str]:
    """The document as JSON and its ETag (in a worker thread: hashing included)."""
    body = orjson.dumps(inspect(data, limits, options, video))
    return body, etag_of(body)


class InfoAnswers:
    def __init__(
        self,
        settings: Settings,
        renderer: Renderer,
        variants: VariantCache,
        coalescer: Coalescer[CachedVariant],
        limiter: ClientLimiter,
    ) -> None:
        self.settings = settings
        self.renderer = renderer
        self.variants = variants
        self.coalescer = coalescer
        self.limiter = limiter

    async def answer(
        self, variant: InfoVariant, conditions: Conditions, client: str = ""
    ) -> InfoResult:
        bypass = variant.request.options.bypass_cache
        stored = None if bypass else await self.variants.get(variant.key)
        now = time.time()
        if stored is not None and stored.is_fresh(now):
            return self._result(variant, stored, conditions, "HIT")
        await self.limiter.limit_origin_work(client)
        if bypass:
            return self._result(variant, await self._inspect(variant), conditions, "BYPASS")
        produced_here = False

        async def work() -> CachedVariant:
            nonlocal produced_here
            produced_here = True
            fresh = await self._inspect(variant)
            tags = variant.request.options.cache_tags
            await self.variants.put(variant.key, fresh, variant.source_key, tags)
            return fresh

        try:
            fresh = await self.coalescer.do(
                variant.key, work, lambda: self.variants.get_fresh(variant.key)
            )
        except (OriginError, OriginTimeout):
            if stored is not None and stored.is_servable_stale(now):
                log.warning("origin failed, serving a stale /info of %s", variant.request.source)
                return self._result(variant, stored, conditions, "STALE")
            raise
        return self._result(variant, fresh, conditions, "MISS" if produced_here else "WAIT")

    async def _inspect(self, variant: InfoVariant) -> CachedVariant:
        """From the origin itself, kept nowhere; a video read by ranges as a render reads it,
        unless the URL asks about its bytes."""
        options = variant.request.options
        as_image = ImageRequest(Options(limits=options.limits), variant.request.source)
        video = self.renderer.defaults.video
        ranged = video.enabled and options.hashsum is None and not options.calc_hashsums
        fetched = await (self.renderer.head if ranged else self.renderer.fetch)(as_image)
        limits = self.renderer.limits(as_image.options)
        body, etag = await self.renderer.inspect(
            as_image, fetched, lambda data: render_info(data, limits, options, video)
        )
        return self.renderer.record(fetched_original(fetched), body, JSON, etag)

    @staticmethod
    def _result(
        variant: InfoVariant, stored: CachedVariant, conditions: Conditions, status: str
    ) -> InfoResult:
        not_modified = conditions.satisfied_by(stored.etag, stored.last_modified)
        return InfoResult(variant, stored, status, not_modified=not_modified)
