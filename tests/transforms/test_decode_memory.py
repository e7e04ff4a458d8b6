"""Decodes admitted by the memory they hold (`transforms.decode_memory`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from imgproxy.url.options import ImageFormat
from tests.transforms import images as im
from transforms.cancellation import Cancellation, WorkCancelled
from transforms.decode_memory import DecodeMemory, decode_bytes
from transforms.decoders import jxl, pillow_fallback
from transforms.pipeline import Rendered
from transforms.probe import SourceInfo, probe

BENCH_PHOTOS = Path(__file__).resolve().parents[2] / "bench" / "photos"
MB = 1_000_000


def test_what_a_decode_holds() -> None:
    progressive = probe((BENCH_PHOTOS / "jpeg-large-24mp-6000x4000.jpg").read_bytes())
    assert (progressive.interlaced, progressive.chroma_subsampling) == (True, "4:2:0")
    assert decode_bytes(progressive) == 6000 * 4000 * 3  # 1.5 coefficients a pixel, 2 bytes each
    baseline = probe((BENCH_PHOTOS / "jpeg-large-20mp-5470x3646.jpg").read_bytes())
    assert not baseline.interlaced and decode_bytes(baseline) == 0
    avif = probe(im.corpus("avif-photo-exif-icc.avif"))
    assert decode_bytes(avif) == avif.width * avif.height * 4
    assert decode_bytes(probe(im.corpus("png-palette.png"))) == 0
    grey = SourceInfo(ImageFormat.JPEG, 100, 100, 1, False, interlaced=True, bands=1)
    assert decode_bytes(grey) == 100 * 100 * 2


class Job:
    """A job in its own thread, holding its share of `memory` until released."""

    def __init__(self, memory: DecodeMemory, wanted: int, started: list[str], name: str) -> None:
        self.cancellation = Cancellation()
        self.inside = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None

        def run() -> None:
            try:
                with memory.held(wanted, self.cancellation):
                    started.append(name)
                    self.inside.set()
                    self.release.wait(10)
            except BaseException as error:
                self.error = error

        self.thread = threading.Thread(target=run)
        self.thread.start()

    def done(self) -> None:
        self.release.set()
        self.thread.join(10)
        assert not self.thread.is_alive()


def waiting(memory: DecodeMemory, count: int) -> None:
    """Until `count` jobs wait in the budget's queue (it is notified as each one joins)."""
    with memory._changed:
        assert memory._changed.wait_for(lambda: len(memory._waiting) == count, timeout=10)


def test_jobs_wait_for_room_in_arrival_order() -> None:
    memory = DecodeMemory(100 * MB)
    started: list[str] = []
    first = Job(memory, 70 * MB, started, "first")
    first.inside.wait(10)
    large = Job(memory, 60 * MB, started, "large")
    waiting(memory, 1)
    small = Job(memory, 10 * MB, started, "small")  # fits, but waits behind `large`
    waiting(memory, 2)
    assert started == ["first"]
    first.done()
    large.inside.wait(10)
    small.inside.wait(10)
    assert started == ["first", "large", "small"]
    assert memory.in_use == 70 * MB
    large.done()
    small.done()
    assert memory.in_use == 0


def test_streaming_decodes_and_an_unlimited_budget_never_wait() -> None:
    memory = DecodeMemory(10 * MB)
    started: list[str] = []
    holder = Job(memory, 10 * MB, started, "holder")
    holder.inside.wait(10)
    streaming = Job(memory, 0, started, "streaming")
    assert streaming.inside.wait(10)
    unlimited = DecodeMemory(0)
    huge = Job(unlimited, 10**12, started, "huge")
    assert huge.inside.wait(10)
    for job in (holder, streaming, huge):
        job.done()


def test_a_job_larger_than_the_budget_runs_alone() -> None:
    memory = DecodeMemory(50 * MB)
    started: list[str] = []
    huge = Job(memory, 500 * MB, started, "huge")
    assert huge.inside.wait(10)
    assert memory.in_use == 50 * MB
    other = Job(memory, 1 * MB, started, "other")
    waiting(memory, 1)
    huge.done()
    assert other.inside.wait(10)
    other.done()


def test_a_cancelled_job_stops_waiting_and_leaves_the_queue() -> None:
    memory = DecodeMemory(10 * MB)
    started: list[str] = []
    holder = Job(memory, 10 * MB, started, "holder")
    holder.inside.wait(10)
    waiter = Job(memory, 5 * MB, started, "waiter")
    waiting(memory, 1)
    waiter.cancellation.cancel()
    waiter.thread.join(10)
    assert isinstance(waiter.error, WorkCancelled)
    assert started == ["holder"] and len(memory._waiting) == 0
    holder.done()
    assert memory.in_use == 0


@pytest.mark.parametrize("budget", [0, 192 * 1024 * 1024])
def test_renders_go_through_the_budget(budget: int) -> None:
    data = (BENCH_PHOTOS / "jpeg-large-24mp-6000x4000.jpg").read_bytes()
    memory = DecodeMemory(budget)
    settings = replace(im.defaults(), decode_memory=memory)
    rendered = im.decode(im.run(data, "w:300", settings, extension="webp"))
    assert rendered.width == 300
    assert memory.in_use == 0 and len(memory._waiting) == 0


@pytest.mark.parametrize("name", ["heic-iphone-12mp.heic", "jxl-photo-container.jxl"])
def test_a_source_decoded_outside_libvips_waits_for_room_before_decoding(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    decodes: list[str] = []
    for module in (pillow_fallback, jxl):
        real = module.decode

        def counted(*args: Any, real: Callable[..., Any] = real, **kwargs: Any) -> Any:
            decodes.append(name)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, "decode", counted)
    memory = DecodeMemory(10 * MB)
    holder = Job(memory, 10 * MB, [], "holder")
    holder.inside.wait(10)
    settings = replace(im.defaults(), decode_memory=memory)
    rendered: list[Rendered] = []
    source = im.corpus(name)
    render = threading.Thread(target=lambda: rendered.append(im.run(source, "w:30", settings)))
    render.start()
    waiting(memory, 1)
    assert decodes == []
    holder.done()
    render.join(30)
    assert decodes == [name] and rendered[0].width == 30
