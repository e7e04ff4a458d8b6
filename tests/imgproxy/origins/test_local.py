"""The local origin's reading threads: a read stuck in the kernel (a hung network mount) keeps
its thread, and once every thread is stuck, new reads are refused at once."""

from __future__ import annotations

import asyncio
import shutil
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest

from imgproxy.errors import OriginTimeout
from imgproxy.origins import Original
from imgproxy.origins.local import LocalOrigin
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
