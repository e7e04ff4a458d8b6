"""The renderer and the service in process: an origin in memory whose downloads can be held
on an event, the in-memory tiers, the parts wired by `imgproxy.building.assemble`, no server."""

from __future__ import annotations

import asyncio
import base64
from collections import defaultdict
from collections.abc import AsyncIterator, Callable

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
from imgproxy.origins.ranges import Head, Span, Stops
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
        await asyncio.sleep(0)  # as every download does, it lets the loop run
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


async def test_a_miss_with_no_room_to_wait_is_refused_at_once(
    parts: Parts, origin: MemoryOrigin
) -> None:
    """One worker, no queue: an original on its way takes the only place, so another miss is
    refused before it downloads anything, as when downloads held workers."""
    release = origin.hold(f"{ORIGIN}slow.png")
    slow = asyncio.ensure_future(answer(parts, imgproxy(parts, "w:10", "slow")))
    await origin.started[f"{ORIGIN}slow.png"].wait()

    with pytest.raises(TooManyRequests) as refused:
        await answer(parts, imgproxy(parts, "w:10", "other"))

    assert refused.value.detail == "processing queue full (0 waiting)"
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


async def settled(condition: Callable[[], bool]) -> bool:
    """Whether the other tasks reach `condition` within a few hundred turns of the loop (they
    wait on nothing else)."""
    for _ in range(500):
        if condition():
            return True
        await asyncio.sleep(0)
    return condition()


async def test_originals_are_fetched_no_further_ahead_than_the_read_ahead(
    origin: MemoryOrigin,
) -> None:
    """One worker, busy; a read-ahead of one: the first miss fetches its original and queues
    for the worker, the next two wait without fetching theirs, counted in the queue depth."""
    parts = build(origin, requests_queue_size=10)
    admission = parts.renderer.admission
    try:
        names = ("ready", "slow", "other")
        async with admission.slot():  # the only worker, busy
            misses = [
                asyncio.ensure_future(answer(parts, imgproxy(parts, "w:8", n))) for n in names
            ]
            assert await settled(lambda: admission.queued == 1 and admission.pacing == 2)

            assert origin.fetched == [f"{ORIGIN}ready.png"]
            assert depth(parts) == 3

        answers = await asyncio.gather(*misses)

        assert [a.cache_status for a in answers] == ["MISS"] * 3
        assert sorted(origin.fetched) == sorted(f"{ORIGIN}{n}.png" for n in names)
        assert (admission.fetching, admission.pacing, depth(parts)) == (0, 0, 0)
    finally:
        parts.shared.pool.shutdown()


def depth(parts: Parts) -> float:
    registry = parts.service.metrics.registry
    return registry.get_sample_value("imgproxy_queue_depth") or 0.0


async def test_a_waiting_miss_that_gives_up_leaves_its_turn_to_the_next(
    origin: MemoryOrigin,
) -> None:
    parts = build(origin, requests_queue_size=10)
    admission = parts.renderer.admission
    try:
        async with admission.slot():
            first = asyncio.ensure_future(answer(parts, imgproxy(parts, "w:8", "ready")))
            assert await settled(lambda: admission.queued == 1)
            leaving = asyncio.ensure_future(answer(parts, imgproxy(parts, "w:8", "slow")))
            staying = asyncio.ensure_future(answer(parts, imgproxy(parts, "w:8", "other")))
            assert await settled(lambda: admission.pacing == 2)
            leaving.cancel()
            assert await settled(lambda: admission.pacing == 1)
        assert [(await first).cache_status, (await staying).cache_status] == ["MISS", "MISS"]
        assert leaving.cancelled()
        assert f"{ORIGIN}slow.png" not in origin.fetched
    finally:
        parts.shared.pool.shutdown()


async def test_a_slow_origin_takes_no_more_of_the_read_ahead_than_its_download_slots(
    origin: MemoryOrigin,
) -> None:
    """Two workers, two download slots, one of them per host: two misses stalled on one
    host hold one place of the read-ahead (one downloads, one waits for its host's slot), so
    another host's miss still fetches and renders."""
    origin.files["http://elsewhere.test/photo.png"] = BLUE_40x30
    parts = build(origin, workers=2, requests_queue_size=10)
    try:
        releases = [origin.hold(f"{ORIGIN}{name}.png") for name in ("slow", "other")]
        stalled = [
            asyncio.ensure_future(answer(parts, imgproxy(parts, "w:8", name)))
            for name in ("slow", "other")
        ]
        await origin.started[f"{ORIGIN}slow.png"].wait()
        downloads = parts.renderer.caching.origin.downloads  # type: ignore[attr-defined]
        assert await settled(lambda: downloads.admitted == 2)

        elsewhere = parts.reader.read("/unsafe/w:20/plain/http://elsewhere.test/photo.png", "")
        async with asyncio.timeout(5):  # had the stalled misses taken the room, for ever
            result = await answer(parts, elsewhere)

        assert (result.cache_status, size_of(result)) == ("MISS", (20, 15))
        assert not any(s.done() for s in stalled)
        for release in releases:
            release.set()
        assert [(await s).cache_status for s in stalled] == ["MISS", "MISS"]
    finally:
        parts.shared.pool.shutdown()


class RangedMemoryOrigin(MemoryOrigin):
    async def fetch_head(self, source: str, max_bytes: int, stops: Stops) -> Original | Head:
        return await self.fetch(source, max_bytes)

    async def fetch_range(self, source: str, start: int, end: int, max_bytes: int) -> Span:
        self.fetched.append(f"{source} {start}-{end}")
        data = self.files[source]
        return Span(data[start:end], start, len(data))


async def test_a_range_read_is_not_held_back_by_the_read_ahead() -> None:
    """A render reads a video's ranges while it holds its processing slot: were they paced
    behind originals that wait for that slot, neither could go on."""
    origin = RangedMemoryOrigin({f"{ORIGIN}a.png": BLUE_40x30, f"{ORIGIN}b.png": RED_10x10})
    metrics = Metrics(process_metrics=False)
    admission = Admission(1, 10, metrics, read_ahead=1)
    downloading = DownloadingOrigin(
        origin,
        AllowedSources(()),
        Downloads(2, 10, metrics),
        metrics,
        timeout=5,
        processing=admission,
    )

    async def miss(source: str) -> Original:
        original = await downloading.fetch(source)
        async with admission.slot():
            return original

    async with admission.slot():
        first = asyncio.ensure_future(miss(f"{ORIGIN}a.png"))
        assert await settled(lambda: admission.queued == 1)
        second = asyncio.ensure_future(miss(f"{ORIGIN}b.png"))
        assert await settled(lambda: admission.pacing == 1)

        async with asyncio.timeout(5):  # paced, it would wait for ever
            span = await downloading.fetch_range(f"{ORIGIN}a.png", 0, 8, 1000)

        assert span.data == BLUE_40x30[:8]
        assert origin.fetched == [f"{ORIGIN}a.png", f"{ORIGIN}a.png 0-8"]
    assert [(await first).data, (await second).data] == [BLUE_40x30, RED_10x10]


async def test_a_miss_fetching_in_its_own_task_fetches_its_watermark_past_its_own_original(
    origin: MemoryOrigin,
) -> None:
    """`bypass_cache` fetches the original in the request's own task, and the watermark after
    it: with a read-ahead of one, were the original still counted there, the watermark would
    wait behind it for ever."""
    parts = build(origin, allow_bypass_cache=True)
    mark = base64.urlsafe_b64encode(f"{ORIGIN}mark.png".encode()).decode().rstrip("=")
    try:
        variant = imgproxy(parts, f"bc:1/wm:1:nowe/wmu:{mark}", "photo")
        async with asyncio.timeout(5):
            result = await answer(parts, variant)
        image = pyvips.Image.new_from_buffer(result.data, "")
        assert im.rgb(image, 2, 2) == im.RED and im.rgb(image, 30, 20) == im.BLUE
        assert sorted(origin.fetched) == [f"{ORIGIN}mark.png", f"{ORIGIN}photo.png"]
    finally:
        parts.shared.pool.shutdown()
