"""The renderer and the service in process: an origin in memory whose downloads can be held
on an event, the in-memory tiers, the parts wired by `imgproxy.building.assemble`, no server."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest
import pyvips

from cache.http import Conditions
from config.settings import Settings
from imgproxy.admission import Admission
from imgproxy.building import Parts, Shared, assemble
from imgproxy.caching import build_caches
from imgproxy.downloads import DownloadingOrigin, Downloads
from imgproxy.errors import SourceNotFound, TooManyRequests
from imgproxy.fallback import FallbackImage, FallbackResult
from imgproxy.origins import Original
from imgproxy.renderer import Renderer, defaults_from
from imgproxy.results import ImageResult, Variant
from imgproxy.security.allowed_sources import AllowedSources
from imgproxy.telemetry.metrics import Metrics
from tests.transforms import images as im
from transforms.executor import ProcessingPool

ORIGIN = "http://origin.test/"
BLUE_40x30 = im.png(im.solid(40, 30, im.BLUE))
RED_10x10 = im.png(im.solid(10, 10, im.RED))
GREEN_80x60 = im.png(im.solid(80, 60, im.GREEN))


class MemoryOrigin:
    """Originals from a dict. A held source waits until its event is set; every fetch says it
    started, so a test knows a download is under way without sleeping."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.held: dict[str, asyncio.Event] = {}
        self.started: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.fetched: list[str] = []

    def hold(self, source: str) -> asyncio.Event:
        self.held[source] = asyncio.Event()
        return self.held[source]

    async def fetch(self, source: str, max_bytes: int = 0) -> Original:
        self.fetched.append(source)
        self.started[source].set()
        if source in self.held:
            await self.held[source].wait()
        if source not in self.files:
            raise SourceNotFound(detail=source)
        return Original(self.files[source], "image/png", etag='"stored"')

    async def close(self) -> None:
        return None


def build(origin: MemoryOrigin, fallback: FallbackImage | None = None, **settings: object) -> Parts:
    """One worker, one download slot, no queues."""
    fixed = {"workers": 1, "requests_queue_size": 0, "thumbor_allow_unsafe": True}
    config = Settings(**{**fixed, **settings})  # type: ignore[arg-type]
    metrics = Metrics(process_metrics=False)
    shared = Shared(ProcessingPool(1), AllowedSources(()), origin, build_caches(config, metrics))
    return assemble(config, metrics, shared, fallback_image=fallback)


@pytest.fixture
async def origin() -> MemoryOrigin:
    return MemoryOrigin(
        {f"{ORIGIN}photo.png": BLUE_40x30, f"{ORIGIN}mark.png": RED_10x10}
        | {f"{ORIGIN}{name}.png": GREEN_80x60 for name in ("ready", "slow", "other")}
    )


@pytest.fixture
async def parts(origin: MemoryOrigin) -> AsyncIterator[Parts]:
    built = build(origin)
    yield built
    built.shared.pool.shutdown()


def imgproxy(parts: Parts, options: str, name: str) -> Variant:
    return parts.reader.read(f"/unsafe/{options}/plain/{ORIGIN}{name}.png", "")


async def answer(parts: Parts, variant: Variant) -> ImageResult:
    return await parts.service.process(variant, Conditions())


def size_of(result: ImageResult) -> tuple[int, int]:
    image = pyvips.Image.new_from_buffer(result.data, "")
    return image.width, image.height


async def test_a_miss_is_rendered_and_stored_and_the_next_one_hits(
    parts: Parts, origin: MemoryOrigin
) -> None:
    variant = imgproxy(parts, "w:20", "photo")
    first = await answer(parts, variant)
    assert (first.cache_status, size_of(first)) == ("MISS", (20, 15))
    second = await answer(parts, variant)
    assert (second.cache_status, second.data, second.etag) == ("HIT", first.data, first.etag)
    assert origin.fetched == [f"{ORIGIN}photo.png"]


async def test_a_slow_download_does_not_hold_the_only_worker(
    parts: Parts, origin: MemoryOrigin
) -> None:
    """One worker, no queue: a request whose original is already here renders while another
    request's download hangs (while downloads held workers, it was refused with a 429)."""
    await answer(parts, imgproxy(parts, "w:10", "ready"))  # its original is kept from now on
    release = origin.hold(f"{ORIGIN}slow.png")
    slow = asyncio.ensure_future(answer(parts, imgproxy(parts, "w:10", "slow")))
    await origin.started[f"{ORIGIN}slow.png"].wait()

    ready = await answer(parts, imgproxy(parts, "w:20", "ready"))

    assert (ready.cache_status, size_of(ready)) == ("MISS", (20, 15))
    assert not slow.done()
    release.set()
    assert (await slow).cache_status == "MISS"


async def test_a_full_download_queue_is_refused_at_once(parts: Parts, origin: MemoryOrigin) -> None:
    release = origin.hold(f"{ORIGIN}slow.png")
    slow = asyncio.ensure_future(answer(parts, imgproxy(parts, "w:10", "slow")))
    await origin.started[f"{ORIGIN}slow.png"].wait()

    with pytest.raises(TooManyRequests) as refused:
        await answer(parts, imgproxy(parts, "w:10", "other"))

    assert refused.value.detail == "download queue full (0 waiting)"
    assert f"{ORIGIN}other.png" not in origin.fetched
    release.set()
    await slow


async def test_downloads_have_slots_of_their_own(origin: MemoryOrigin) -> None:
    """Two download slots and one worker: an original that arrives is rendered while the
    other download still hangs."""
    settings = Settings(workers=1, requests_queue_size=0)
    metrics = Metrics(process_metrics=False)
    caches = build_caches(settings, metrics)
    downloads = Downloads(2, 0, metrics)
    pool = ProcessingPool(1)
    renderer = Renderer(
        settings,
        DownloadingOrigin(origin, AllowedSources(()), downloads, metrics, timeout=5),
        originals=caches.sources,
        variants=caches.variants,
        pool=pool,
        admission=Admission(1, 0, metrics),
        defaults=defaults_from(settings),
        metrics=metrics,
    )
    reader = build(origin).reader
    try:
        release = origin.hold(f"{ORIGIN}slow.png")
        slow = asyncio.ensure_future(
            renderer.produce(reader.read(f"/unsafe/plain/{ORIGIN}slow.png", ""))
        )
        await origin.started[f"{ORIGIN}slow.png"].wait()

        other = await renderer.produce(reader.read(f"/unsafe/w:8/plain/{ORIGIN}other.png", ""))

        assert other.media_type == "image/png"
        assert not slow.done()
        assert downloads.admitted == 1
        release.set()
        await slow
        assert downloads.admitted == 0
    finally:
        pool.shutdown()


async def test_the_fallback_is_rendered_as_the_source_would_have_been(
    origin: MemoryOrigin,
) -> None:
    parts = build(origin, FallbackImage(GREEN_80x60, status=0, ttl=60))
    try:
        variant = imgproxy(parts, "w:20", "missing")
        for _ in range(2):  # rendered, then kept
            result = await answer(parts, variant)
            assert isinstance(result, FallbackResult)
            assert (result.status, result.cache_status) == (404, "FALLBACK")
            assert size_of(result) == (20, 15)
        assert origin.fetched == [f"{ORIGIN}missing.png"] * 2  # errors are not kept
    finally:
        parts.shared.pool.shutdown()


async def test_thumbor_assets_are_fetched_on_a_miss_only(
    parts: Parts, origin: MemoryOrigin
) -> None:
    path = f"/thumbor/unsafe/filters:watermark({ORIGIN}mark.png,0,0,0)/{ORIGIN}photo.png"
    variant = parts.reader.thumbor_variant(parts.reader.read_thumbor(path), "")

    first = await answer(parts, variant)
    image = pyvips.Image.new_from_buffer(first.data, "")
    assert im.rgb(image, 2, 2) == im.RED and im.rgb(image, 30, 20) == im.BLUE
    second = await answer(parts, variant)

    assert (first.cache_status, second.cache_status) == ("MISS", "HIT")
    assert sorted(origin.fetched) == [f"{ORIGIN}mark.png", f"{ORIGIN}photo.png"]
