"""Stopping a job: libvips work killed mid-evaluation from another thread, the pool holding its
caller (and so the caller's slot) until the worker thread has returned, work not yet started
never run, the health check beside the pool, and the cost bounds checked before any pixel."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
import pyvips

from cache.singleflight import SingleFlight
from imgproxy.admission import Admission
from imgproxy.telemetry.libvips import tracked_memory
from imgproxy.url.options import Options
from tests.transforms import images as im
from transforms.cancellation import Cancellation, WorkCancelled
from transforms.check_lane import CheckLane
from transforms.costs import MAX_BLUR_WORK, WorkTooLarge, blur_work, largest_sigma
from transforms.executor import ProcessingPool
from transforms.pipeline import render

TINY_PNG = im.png(im.quadrants(20, 20))
HEAVY_PATH = "bl:250/rs:fit:2600:2600:1"
"""Just under the blur bound (4.9 x 10^10 of 5 x 10^10): a minute of one core here."""
THREAD_RETURNS = 30.0
"""Seconds to wait for a killed thread: it returns within a tile; this only keeps a broken
build from hanging the suite."""


def heavy_blur() -> pyvips.Image:
    """A blur that runs for tens of seconds on one core, not yet evaluated."""
    noise = pyvips.Image.gaussnoise(2000, 2000, mean=128, sigma=40).cast("uchar")
    return noise.bandjoin([noise, noise]).copy(interpretation="srgb").copy_memory().gaussblur(250)


def on_first_tile(image: pyvips.Image) -> threading.Event:
    """Set once libvips has computed the first tile of `image` (its work is under way)."""
    started = threading.Event()
    image.set_progress(True)
    image.signal_connect("eval", lambda _image, _progress: started.set())
    return started


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, dict[str, object]]:
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except Exception as error:  # the test reads what the thread raised
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def parsed(path: str) -> Options:
    return im.PARSER.parse(f"{path}/plain/local:///source").options


# The token, on libvips directly ----------------------------------------------------------------


def test_cancel_from_another_thread_stops_an_evaluation_under_way():
    cancellation = Cancellation()
    blurred = heavy_blur()
    started = on_first_tile(blurred)
    thread, outcome = in_thread(lambda: cancellation.in_memory(blurred))

    assert started.wait(THREAD_RETURNS)
    cancellation.cancel()
    thread.join(THREAD_RETURNS)

    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), WorkCancelled)
    assert cancellation.noticed


def test_an_evaluation_is_stopped_through_the_images_made_from_the_watched_one():
    cancellation = Cancellation()
    source = pyvips.Image.gaussnoise(2000, 2000).cast("uchar").copy_memory()
    blurred = source.gaussblur(250)
    started = on_first_tile(blurred)

    def borders() -> object:
        with cancellation.watching(source):
            return blurred.find_trim()

    thread, outcome = in_thread(borders)
    assert started.wait(THREAD_RETURNS)
    cancellation.cancel()
    thread.join(THREAD_RETURNS)

    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), WorkCancelled)


def test_a_fired_cancellation_refuses_to_start_an_evaluation():
    cancellation = Cancellation()
    cancellation.cancel()

    with pytest.raises(WorkCancelled), cancellation.watching(heavy_blur()):
        pytest.fail("the evaluation started")
    assert cancellation.noticed


def test_an_unfired_cancellation_leaves_the_work_alone():
    cancellation = Cancellation()

    rendered = render(
        TINY_PNG, parsed("rs:fit:40:40:1/bl:2"), None, im.defaults(), cancellation=cancellation
    )

    assert (rendered.width, rendered.height) == (40, 40)
    assert not cancellation.fired
    assert not cancellation.noticed


def test_render_stops_when_cancelled_and_says_so():
    cancellation = Cancellation()
    started = threading.Event()

    def work() -> object:
        started.set()
        return render(TINY_PNG, parsed(HEAVY_PATH), None, im.defaults(), cancellation=cancellation)

    thread, outcome = in_thread(work)
    assert started.wait(THREAD_RETURNS)
    cancellation.cancel()
    thread.join(THREAD_RETURNS)

    assert not thread.is_alive()
    error = outcome.get("error")
    assert isinstance(error, WorkCancelled)
    assert error.status == 503
    assert cancellation.noticed


# The pool: the caller is held until its thread has returned -----------------------------------


async def test_a_cancelled_caller_keeps_its_slot_until_the_worker_thread_returns():
    pool = ProcessingPool(1)
    admission = Admission(workers=1, queue_size=1)
    cancellation = Cancellation()
    running, release = threading.Event(), threading.Event()

    def stubborn() -> str:
        """Work that notices nothing (no libvips): it ends when the test says."""
        running.set()
        release.wait(THREAD_RETURNS)
        return "done"

    async def caller() -> str:
        async with admission.slot():
            return await pool.run_cancellable(cancellation, stubborn)

    try:
        task = asyncio.create_task(caller())
        await asyncio.to_thread(running.wait, THREAD_RETURNS)
        task.cancel()
        for _ in range(10):  # a few turns of the loop: the task handles its cancellation
            if cancellation.fired:
                break
            await asyncio.sleep(0)

        assert cancellation.fired
        assert not task.done()
        assert admission.holding == 1

        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert admission.holding == 0
        assert await pool.run(lambda: "free") == "free"
    finally:
        release.set()
        pool.shutdown()


async def test_work_cancelled_before_a_thread_took_it_never_runs():
    pool = ProcessingPool(1)
    running, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def blocker() -> None:
        running.set()
        release.wait(THREAD_RETURNS)

    try:
        first = asyncio.create_task(pool.run(blocker))
        await asyncio.to_thread(running.wait, THREAD_RETURNS)
        queued = asyncio.create_task(pool.run(ran.append, "queued"))
        await asyncio.sleep(0)
        queued.cancel()

        with pytest.raises(asyncio.CancelledError):
            await queued
        assert not first.done()

        release.set()
        await first
        assert await pool.run(ran.append, "later") is None
        assert ran == ["later"]
    finally:
        release.set()
        pool.shutdown()


async def test_the_pool_stops_a_render_whose_caller_is_cancelled_and_libvips_memory_is_back():
    pool = ProcessingPool(1)
    cancellation = Cancellation()
    started = threading.Event()
    memory_before = tracked_memory()

    def work() -> object:
        started.set()
        return render(TINY_PNG, parsed(HEAVY_PATH), None, im.defaults(), cancellation=cancellation)

    try:
        task = asyncio.create_task(pool.run_cancellable(cancellation, work))
        await asyncio.to_thread(started.wait, THREAD_RETURNS)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

        assert cancellation.noticed  # set in the worker thread before it returned
        assert await pool.run(lambda: "free") == "free"
        memory_after = tracked_memory()
        assert memory_before is not None and memory_after is not None
        assert memory_after.bytes <= memory_before.bytes
    finally:
        pool.shutdown()


async def test_a_flight_whose_callers_left_is_not_joined_while_its_thread_winds_down():
    pool = ProcessingPool(2)
    flight: SingleFlight[str] = SingleFlight()
    running, release = threading.Event(), threading.Event()

    def stubborn() -> str:
        running.set()
        release.wait(THREAD_RETURNS)
        return "abandoned"

    async def slow() -> str:
        return await pool.run(stubborn)

    async def fresh() -> str:
        return await pool.run(lambda: "fresh")

    try:
        leaver = asyncio.create_task(flight.do("key", slow))
        await asyncio.to_thread(running.wait, THREAD_RETURNS)
        leaver.cancel()
        await asyncio.wait([leaver])  # it left; the flight's thread still runs

        assert await flight.do("key", fresh) == "fresh"
    finally:
        release.set()
        pool.shutdown()


# The health check's lane -----------------------------------------------------------------------


async def test_a_hung_check_is_a_failure_and_holds_one_thread_however_often_it_is_asked():
    lane = CheckLane(patience=0.05)
    release = threading.Event()
    calls: list[int] = []

    def hanging() -> bool:
        calls.append(1)
        release.wait(THREAD_RETURNS)
        return True

    try:
        answers = [await lane.run(hanging) for _ in range(5)]
        answers += await asyncio.gather(*(lane.run(hanging) for _ in range(5)))

        assert answers == [False] * 10
        assert calls == [1]
    finally:
        release.set()
        lane.shutdown()


async def test_callers_share_one_check_and_a_raising_check_is_a_failure():
    lane = CheckLane(patience=THREAD_RETURNS)
    calls: list[int] = []

    def fine() -> bool:
        calls.append(1)
        return True

    def broken() -> bool:
        raise RuntimeError("libvips is gone")

    try:
        assert await asyncio.gather(lane.run(fine), lane.run(fine), lane.run(fine)) == [True] * 3
        assert calls == [1]
        assert await lane.run(broken) is False
    finally:
        lane.shutdown()


async def test_the_pools_health_check_answers_while_every_worker_is_busy():
    pool = ProcessingPool(1)
    running, release = threading.Event(), threading.Event()

    def busy() -> None:
        running.set()
        release.wait(THREAD_RETURNS)

    try:
        work = asyncio.create_task(pool.run(busy))
        await asyncio.to_thread(running.wait, THREAD_RETURNS)

        assert await pool.health_check(lambda: True) is True
        assert not work.done()
    finally:
        release.set()
        pool.shutdown()


# Cost bounds, before any pixel ----------------------------------------------------------------


def test_the_issues_blur_is_refused_with_the_strongest_one_allowed():
    with pytest.raises(WorkTooLarge) as refused:
        im.run(TINY_PNG, "bl:1000/rs:fit:4000:4000:1")

    assert refused.value.status == 422
    assert refused.value.message == (
        "Expected blur of at most 159.4 for a 4000x4000 result but received 1000"
    )


def test_the_strongest_blur_allowed_is_just_under_the_bound():
    for width, height, frames, fast in (
        (4000, 4000, 1, True),
        (2000, 2000, 1, False),
        (500, 500, 8, True),
    ):
        most = largest_sigma(width, height, frames, fast)
        assert blur_work(most, width, height, frames, fast) <= MAX_BLUR_WORK
        assert blur_work(most + 0.1, width, height, frames, fast) > MAX_BLUR_WORK


def test_the_heavy_test_request_is_just_under_the_bound():
    work = blur_work(250, 2600, 2600, 1, fast=True)
    assert 0.9 * MAX_BLUR_WORK < work <= MAX_BLUR_WORK


def test_slower_pixels_allow_less_blur():
    # alpha is blurred premultiplied, in floats: libvips' plain loop, not its vector path
    rgba = im.png(im.solid(20, 20, (10, 20, 30, 128)))
    with pytest.raises(WorkTooLarge, match=r"at most 71\.9 for a 2000x2000 result"):
        im.run(rgba, "bl:160/rs:fit:2000:2000:1")
    with pytest.raises(WorkTooLarge, match=r"at most 254\.1 for a 2600x2600 result"):
        im.run(TINY_PNG, "bl:260/rs:fit:2600:2600:1")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("rs:fit:8000:8000:1", "Expected a result of at most 50 MP but received 8000x8000"),
        ("rs:fit:100:100/pd:4000", "Expected a result of at most 50 MP but received 8020x8020"),
        (
            "rs:fit:4000:4000:1/msr:0.001",
            "Expected a result of at most 0.001 MP but received 4000x4000",
        ),
    ],
)
def test_a_result_larger_than_a_source_may_be_is_refused(path, message):
    with pytest.raises(WorkTooLarge) as refused:
        im.run(TINY_PNG, path)

    assert refused.value.message == message


def test_frames_count_towards_the_result_and_a_frame_limit_counts_each():
    gif = im.corpus("gif-animated-30frames.gif")
    with pytest.raises(WorkTooLarge, match=r"at most 0.25 MP but received 100x100 x 30 frames"):
        im.run(gif, "maf:30/msr:0.25/rs:fit:100:100:1", extension="gif")
    rendered = im.run(gif, "maf:30/mafr:0.01/rs:fit:100:100:1", extension="gif")
    assert (rendered.width, rendered.height) == (100, 100)
    with pytest.raises(WorkTooLarge, match=r"at most 0.009 MP but received 100x100 per frame"):
        im.run(gif, "maf:30/mafr:0.009/rs:fit:100:100:1", extension="gif")
