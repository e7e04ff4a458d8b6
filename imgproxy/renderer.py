"""A miss, from original to stored result: the original (and any asset) fetched under the
download bound, then a processing slot for the pipeline in a worker thread, then the result
stored. The fallback image goes through the same `render`, as just another original."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import pyvips

from cache.http import digest, variant_etag
from cache.record import CachedVariant, new_variant
from cache.variants import VariantCache
from config.settings import Settings
from imgproxy.admission import Admission
from imgproxy.origins import Origin, Original
from imgproxy.origins.caching import CachingOrigin, OriginalsCache
from imgproxy.origins.ranges import Head, fetch_head, fetched_original, size_of
from imgproxy.ranged_source import LoopFetch, is_video, ranged_bytes, wants_ranges
from imgproxy.results import Variant
from imgproxy.telemetry.metrics import Metrics
from imgproxy.url.options import (
    AutoqualityMethod,
    AvifOptions,
    AvifSubsample,
    ImageRequest,
    JpegOptions,
    Options,
    PngOptions,
    UnsharpMasking,
    UnsharpMode,
    WebpCompression,
    WebpOptions,
    WebpPreset,
)
from transforms import pipeline
from transforms.assets import NO_ASSETS, Assets
from transforms.autoquality import AutoqualityDefaults
from transforms.best_format import BestFormatDefaults
from transforms.cancellation import Cancellation
from transforms.decode_memory import DecodeMemory
from transforms.executor import ProcessingPool
from transforms.faces import FaceDefaults
from transforms.info_hashes import check_hashsum
from transforms.limits import Limits
from transforms.pipeline import Defaults, Rendered
from transforms.video.ranged import VideoBytes
from transforms.video.settings import VideoDefaults

P = ParamSpec("P")
R = TypeVar("R")


def defaults_from(settings: Settings, watermark: pyvips.Image | None = None) -> Defaults:
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
        webp_effort=settings.webp_effort,
        jxl_effort=settings.jxl_effort,
        jpeg=JpegOptions(
            progressive=settings.jpeg_progressive,
            no_subsample=settings.jpeg_no_subsample,
            trellis_quant=settings.jpeg_trellis_quant,
            overshoot_deringing=settings.jpeg_overshoot_deringing,
            optimize_scans=settings.jpeg_optimize_scans,
            quant_table=settings.jpeg_quant_table,
        ),
        png=PngOptions(
            interlaced=settings.png_interlaced,
            quantize=settings.png_quantize,
            quantization_colors=settings.png_quantization_colors,
        ),
        webp=WebpOptions(
            compression=WebpCompression(settings.webp_compression),
            smart_subsample=settings.webp_smart_subsample,
            preset=WebpPreset(settings.webp_preset),
        ),
        avif=AvifOptions(subsample=AvifSubsample(settings.avif_subsample)),
        color_profiles_dir=settings.color_profiles_dir,
        best_format=BestFormatDefaults(
            complexity_threshold=settings.best_format_complexity_threshold,
            max_pixels=int(settings.best_format_max_resolution * 1e6),
            by_default=settings.best_format_by_default,
            allow_skips=settings.best_format_allow_skips,
        ),
        autoquality=AutoqualityDefaults(
            method=AutoqualityMethod(settings.autoquality_method),
            target=settings.autoquality_target,
            min_quality=settings.autoquality_min,
            max_quality=settings.autoquality_max,
            format_min=dict(settings.autoquality_format_min),
            format_max=dict(settings.autoquality_format_max),
            allowed_error=settings.autoquality_allowed_error,
            max_pixels=int(settings.autoquality_max_resolution * 1e6),
        ),
        unsharp=UnsharpMasking(
            UnsharpMode(settings.unsharp_masking_mode),
            settings.unsharp_masking_weight,
            settings.unsharp_masking_divider,
        ),
        faces=FaceDefaults(
            smart_crop=settings.smart_crop_face_detection,
            fallback_to_smart_crop=settings.object_detection_fallback_to_smart_crop,
        ),
        watermark=watermark,
        video=VideoDefaults(
            enabled=settings.enable_video_thumbnails,
            second=settings.video_thumbnail_second,
            keyframes=settings.video_thumbnail_keyframes,
            tile_auto_keyframes=settings.video_thumbnail_tile_auto_keyframes,
            probe_size=settings.video_thumbnail_probe_size,
            max_analyze_duration=settings.video_thumbnail_max_analyze_duration,
        ),
        watermark_opacity=settings.watermark_opacity,
        preferred_formats=tuple(settings.preferred_formats),
        decode_memory=DecodeMemory(settings.max_decode_memory_per_process),
    )


class Renderer:
    def __init__(
        self,
        settings: Settings,
        origin: Origin,
        *,
        originals: OriginalsCache,
        variants: VariantCache,
        pool: ProcessingPool,
        admission: Admission,
        defaults: Defaults,
        metrics: Metrics,
    ) -> None:
        """`origin` fetches under the download bound (`imgproxy.downloads`); `originals`
        keeps what it fetched for the next variants of the same source."""
        self.settings = settings
        self.origin = origin
        self.originals = originals
        self.caching = CachingOrigin(origin, originals)
        self.variants = variants
        self.pool = pool
        self.admission = admission
        self.defaults = defaults
        self.metrics = metrics

    def limits(self, options: Options) -> Limits:
        return self.defaults.limits.narrowed_by(options)

    def max_bytes(self, options: Options) -> int:
        limit = options.limits.max_src_file_size
        return self.settings.max_src_file_size if limit is None else limit

    async def fetch(self, request: ImageRequest) -> Original:
        """From the origin itself, kept nowhere (raw answers, `/info`)."""
        return await self.origin.fetch(request.source, self.max_bytes(request.options))

    async def original(self, request: ImageRequest) -> Original:
        """Through the originals cache, timed and counted."""
        fetches = self.originals.fetches
        started = time.perf_counter()
        original = await self.caching.fetch(request.source, self.max_bytes(request.options))
        self.metrics.stage("download", time.perf_counter() - started)
        self.metrics.cache("sources", self.originals.fetches == fetches)
        self.metrics.source_bytes(len(original.data))
        return original

    async def fetched(self, request: ImageRequest) -> Original | Head:
        """`original` (or `fetch` when bypassing the cache), except a video whose origin
        serves ranges: its head, the rest left for the render to read (`ranged_source`)."""
        options = request.options
        if not wants_ranges(options, self.defaults.video):
            return await (self.fetch(request) if options.bypass_cache else self.original(request))
        if options.bypass_cache:
            return await self.head(request)
        fetches = self.originals.fetches
        started = time.perf_counter()
        fetched = await self.caching.fetch_head(request.source, self.max_bytes(options), is_video)
        self.metrics.stage("download", time.perf_counter() - started)
        self.metrics.cache("sources", self.originals.fetches == fetches)
        self.metrics.source_bytes(size_of(fetched))
        return fetched

    async def head(self, request: ImageRequest) -> Original | Head:
        """As `fetch`, except a video whose origin serves ranges: its head."""
        max_bytes = self.max_bytes(request.options)
        return await fetch_head(self.origin, request.source, max_bytes, is_video)

    def source_bytes(
        self, request: ImageRequest, fetched: Original | Head, cancellation: Cancellation
    ) -> VideoBytes:
        """The fetched bytes, or a video's head to be read by ranges from the worker thread
        (until `cancellation` fires)."""
        if isinstance(fetched, Original):
            return fetched.data
        fetch = LoopFetch(
            self.origin,
            request.source,
            fetched,
            max_bytes=self.max_bytes(request.options),
            loop=asyncio.get_running_loop(),
            timeout=self.settings.download_timeout,
            cancellation=cancellation,
        )
        return ranged_bytes(fetch, self.defaults.video)

    async def cached(self, source: str) -> Original:
        """Through the originals cache under the server's size limit (assets, thumbor `meta`)."""
        return await self.caching.fetch(source, self.settings.max_src_file_size)

    async def assets(self, options: Options) -> Assets:
        """The images the URL names besides its source, fetched like sources."""
        pipelines = (options, *options.chained)
        urls = sorted(
            {p.watermark_url for p in pipelines if p.watermark_url and p.watermark.opacity}
        )
        if not options.assets and not urls:
            return NO_ASSETS
        found = {asset.role: (await self.cached(asset.url)).data for asset in options.assets}
        marks = {url: (await self.cached(url)).data for url in urls}
        return Assets(watermark=found.get("watermark"), frame=found.get("frame"), watermarks=marks)

    async def validator(self, original: Original) -> str:
        """The origin's ETag or Last-Modified; only without both are the bytes hashed, and
        then in a worker thread."""
        if original.etag or original.last_modified:
            return original.etag or original.last_modified or ""
        return await self.pool.run(digest, original.data)

    async def decode(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Decoding work other than a render or `/info` (`/meta`), under a processing slot."""
        async with self.admission.slot():
            return await self.pool.run(function, *args, **kwargs)

    async def inspect(
        self, request: ImageRequest, fetched: Original | Head, work: Callable[[VideoBytes], R]
    ) -> R:
        """`work` of the fetched source under a processing slot (`/info`), a video's head
        read by ranges and cancelled as in `render`."""
        with self._cancellable() as cancellation:
            data = self.source_bytes(request, fetched, cancellation)
            async with self.admission.slot():
                return await self.pool.run_cancellable(cancellation, lambda: work(data))

    @contextmanager
    def _cancellable(self) -> Iterator[Cancellation]:
        """A cancellation for one piece of work, counted once it has fired."""
        cancellation = Cancellation()
        try:
            yield cancellation
        finally:
            if cancellation.fired:
                self.metrics.job_cancelled(stopped=cancellation.noticed)

    async def render(self, variant: Variant, original: Original | Head) -> Rendered:
        """`original` (or a video's head, read by ranges) with the variant's options; its
        assets are fetched before a processing slot is taken. Cancelled (deadline, client
        gone), the work stops at its next tile and the slot is let go once the worker thread
        has returned."""
        options = variant.request.options
        assets = await self.assets(options)
        with self._cancellable() as cancellation:
            data = self.source_bytes(variant.request, original, cancellation)
            async with self.admission.slot():
                started = time.perf_counter()
                rendered = await self.pool.run_cancellable(
                    cancellation,
                    lambda: pipeline.render(
                        data,
                        options,
                        variant.choice.requested,
                        self.defaults,
                        assets,
                        cancellation=cancellation,
                        best_of=variant.choice.candidates,
                    ),
                )
                elapsed = time.perf_counter() - started
        self.metrics.stage("encode", rendered.encode_seconds)
        self.metrics.stage("processing", elapsed - rendered.encode_seconds)
        self.metrics.result_bytes(len(rendered.data))
        return rendered

    async def check_hashsum(self, original: Original, options: Options) -> None:
        """The URL's `hashsum`, if any, against the source's bytes (hashed in a worker)."""
        if options.hashsum is not None:
            await self.pool.run(check_hashsum, original.data, options.hashsum)

    def record(self, original: Original, data: bytes, media_type: str, etag: str) -> CachedVariant:
        """What the result tiers keep of an answer made from `original`: its bytes, and the
        origin's validators and caching headers beside the server's TTL."""
        return new_variant(
            data,
            media_type=media_type,
            etag=etag,
            origin_etag=original.etag,
            last_modified=original.last_modified,
            now=time.time(),
            ttl=self.settings.cache_ttl,
            stale_grace=self.settings.cache_stale_grace,
            origin_cache_control=original.cache_control,
            origin_expires=original.expires,
        )

    async def produce(self, variant: Variant) -> CachedVariant:
        """A miss: fetch, check, render, store. With `bypass_cache`: fetched from the origin
        itself, and stored nowhere."""
        request = variant.request
        bypass = request.options.bypass_cache
        fetched = await self.fetched(request)
        original = fetched_original(fetched)
        await self.check_hashsum(original, request.options)
        validator = await self.validator(original)
        rendered = await self.render(variant, fetched)
        stored = self.record(
            original,
            rendered.data,
            rendered.format.media_type,
            variant_etag(variant.key, validator),
        )
        if not bypass:
            await self.variants.put(
                variant.key, stored, variant.source_key, request.options.cache_tags
            )
        return stored
