"""LoopFetch: a worker thread's span read runs on the event loop, and a cancelled render stops
waiting for it at once (the origin below holds range requests unanswered)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from imgproxy.errors import OriginError
from imgproxy.origins.http import HttpOrigin
from imgproxy.origins.ranges import Head
from imgproxy.ranged_source import LoopFetch
from imgproxy.security.addresses import AddressPolicy
from tests.imgproxy.origins.ranged_server import ranged_origin
from transforms.cancellation import Cancellation, WorkCancelled

DATA = random.Random(4).randbytes(1 << 20)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "blob.bin").write_bytes(DATA)
    return tmp_path


def origin() -> HttpOrigin:
    return HttpOrigin(
        max_redirects=0,
        connect_timeout=5.0,
        read_timeout=30.0,
        user_agent="test",
        policy=AddressPolicy(allow_loopback=True),
    )


async def fetch_for(source: str, origin: HttpOrigin, cancellation: Cancellation) -> LoopFetch:
    head = await origin.fetch_head(source, 0, lambda _first: True)
    assert isinstance(head, Head)
    loop = asyncio.get_running_loop()
    return LoopFetch(
        origin, source, head, max_bytes=0, loop=loop, timeout=30.0, cancellation=cancellation
    )


async def test_a_span_is_read_on_the_loop_for_the_thread(root: Path) -> None:
    with ranged_origin(root) as (base, exchanges, _):
        http = origin()
        try:
            fetch = await fetch_for(f"{base}/ranged/blob.bin", http, Cancellation())
            offset, data = await asyncio.to_thread(fetch, 1000, 9000)
        finally:
            await http.close()
    assert (offset, data) == (1000, DATA[1000:9000])
    assert [e.range for e in exchanges.at("/ranged/blob.bin")] == [None, "bytes=1000-8999"]


async def test_a_source_that_changed_between_reads_is_an_origin_error(root: Path) -> None:
    with ranged_origin(root) as (base, _, _):
        http = origin()
        try:
            fetch = await fetch_for(f"{base}/ranged/blob.bin", http, Cancellation())
            (root / "blob.bin").write_bytes(DATA + b"grown")
            with pytest.raises(OriginError) as raised:
                await asyncio.to_thread(fetch, 0, 10)
        finally:
            await http.close()
    assert raised.value.message == "Source changed while it was read"


async def test_cancelling_stops_a_thread_waiting_for_its_span(root: Path) -> None:
    cancellation = Cancellation()
    with ranged_origin(root) as (base, exchanges, _):
        http = origin()
        try:
            fetch = await fetch_for(f"{base}/hold/blob.bin", http, cancellation)
            waiting = asyncio.ensure_future(asyncio.to_thread(fetch, 100_000, 200_000))
            assert await asyncio.to_thread(exchanges.held.wait, 10)
            cancellation.cancel()
            async with asyncio.timeout(5):  # far below the 30 s the span may take
                with pytest.raises(WorkCancelled):
                    await waiting
        finally:
            await http.close()
