"""The local origin's reads: whole files, in one piece when they are as fstat said, refused past
the size cap when they grew after it; spans, in one piece; and its reading threads: a read
stuck in the kernel (a hung network mount) keeps its thread, and once every thread is stuck,
new reads are refused at once."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest

from imgproxy.errors import OriginTimeout, SourceTooLarge
from imgproxy.origins import Original, local
from imgproxy.origins.local import LocalOrigin, Opened
from tests.support import CORPUS

PHOTO = "jpeg-baseline-icc.jpg"


class HungMountOrigin(LocalOrigin):
    """Reads of `hung/` block until `answer` is set, as on a mount whose server went away
    (which a test cannot mount); everything else is the real file system."""

    def __init__(self, root: Path, threads: int) -> None:
        super().__init__(root, threads=threads)
        self.answer = threading.Event()
        self.blocked = threading.Semaphore(0)
        self.freed = threading.Semaphore(0)

    def _read(self, source: str, max_bytes: int) -> Original:
        if source.startswith("local:///hung/"):
            self.blocked.release()
            self.answer.wait(timeout=30)
        return super()._read(source, max_bytes)

    def _thread_freed(self, future: Future[Original]) -> None:
        super()._thread_freed(future)
        self.freed.release()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "hung").mkdir()
    shutil.copy(CORPUS / PHOTO, tmp_path / "hung" / PHOTO)
    shutil.copy(CORPUS / PHOTO, tmp_path / PHOTO)
    return tmp_path


async def test_stuck_reads_keep_their_threads_and_later_reads_are_refused_at_once(
    root: Path,
) -> None:
    origin = HungMountOrigin(root, threads=2)
    try:
        for _ in range(2):  # each request gives up (its deadline), its thread stays stuck
            stuck = asyncio.create_task(origin.fetch(f"local:///hung/{PHOTO}"))
            assert await asyncio.to_thread(origin.blocked.acquire, timeout=10)
            stuck.cancel()
            with pytest.raises(asyncio.CancelledError):
                await stuck

        with pytest.raises(OriginTimeout) as refused:
            await origin.fetch(f"local:///{PHOTO}")
        assert refused.value.detail == (
            f"local:///{PHOTO}: all 2 reading threads are taken (a hung mount?)"
        )

        origin.answer.set()  # the mount comes back: both threads finish and are free again
        for _ in range(2):
            assert await asyncio.to_thread(origin.freed.acquire, timeout=10)
        original = await origin.fetch(f"local:///{PHOTO}")
        assert original.data == (CORPUS / PHOTO).read_bytes()
    finally:
        origin.answer.set()
        await origin.close()


@pytest.mark.parametrize("size", [0, 1, 300_000, local.CHUNK + 7])
def test_a_file_is_read_whole_and_its_bytes_counted_while_in_flight(
    tmp_path: Path, size: int
) -> None:
    content = os.urandom(size)
    (tmp_path / "file.bin").write_bytes(content)
    counts: list[int] = []
    origin = LocalOrigin(tmp_path, counted=counts.append)
    try:
        assert origin._read("local:///file.bin", 0).data == content
    finally:
        asyncio.run(origin.close())
    assert sum(counts) == 0
    assert max(counts, default=0) == size


def _opened_as_stated(path: Path, stated_size: int) -> Opened:
    """`path` opened, with fstat's answer replaced by one that gives `stated_size`: what a
    read sees of a file that grew after fstat."""
    descriptor = os.open(path, os.O_RDONLY)
    status = list(os.fstat(descriptor))
    status[6] = stated_size  # st_size
    return Opened(descriptor, os.stat_result(status), path.name)


def test_a_file_that_grew_after_fstat_is_read_to_its_end(tmp_path: Path) -> None:
    content = os.urandom(3 * local.CHUNK + 11)
    (tmp_path / "file.bin").write_bytes(content)
    opened = _opened_as_stated(tmp_path / "file.bin", 1000)
    try:
        assert LocalOrigin(tmp_path)._read_all(opened, "local:///file.bin", 0) == content
    finally:
        os.close(opened.descriptor)


def test_a_file_that_grew_past_the_cap_after_fstat_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file.bin").write_bytes(os.urandom(2 * local.CHUNK))
    opened = _opened_as_stated(tmp_path / "file.bin", 1000)
    counts: list[int] = []
    try:
        with pytest.raises(SourceTooLarge) as refused:
            LocalOrigin(tmp_path, counted=counts.append)._read_all(
                opened, "local:///file.bin", 5000
            )
    finally:
        os.close(opened.descriptor)
    assert refused.value.detail == "local:///file.bin: larger than 5000"
    assert sum(counts) == 0


def test_a_span_is_read_in_one_piece_and_a_tail_stops_at_the_end_of_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = os.urandom(2 * local.CHUNK + 5)
    (tmp_path / "video.bin").write_bytes(content)
    reads: list[int] = []
    real_pread = os.pread

    def counted_pread(descriptor: int, length: int, offset: int) -> bytes:
        reads.append(length)
        return real_pread(descriptor, length, offset)

    monkeypatch.setattr(os, "pread", counted_pread)
    origin = LocalOrigin(tmp_path)
    try:
        span = origin._read_span("local:///video.bin", 100, local.CHUNK + 300)
        assert reads == [local.CHUNK + 200]
        tail = origin._read_span("local:///video.bin", len(content) - 10, len(content) + 100)
        past = origin._read_span("local:///video.bin", len(content) + 1, len(content) + 9)
    finally:
        asyncio.run(origin.close())
    assert (span.data, span.start, span.size) == (
        content[100 : local.CHUNK + 300],
        100,
        len(content),
    )
    assert span.validator == local.etag_of(os.stat(tmp_path / "video.bin"))
    assert (tail.data, tail.start, tail.size) == (content[-10:], len(content) - 10, len(content))
    assert past.data == b""
