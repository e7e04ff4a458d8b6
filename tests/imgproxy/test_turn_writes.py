"""A connection's writes of one loop turn leave together, on a real socket pair, under asyncio's
loop and uvloop; what ends the connection sends what is queued, an abort drops it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import pytest
import uvloop

from imgproxy.turn_writes import SEND_AT, TurnWritesTransport

LoopFactory = Callable[[], asyncio.AbstractEventLoop]
LOOPS = pytest.mark.parametrize(
    "new_loop", [asyncio.new_event_loop, uvloop.new_event_loop], ids=["asyncio", "uvloop"]
)


@contextmanager
def socket_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, peer = socket.socketpair()
    peer.setblocking(False)
    try:
        yield ours, peer
    finally:
        ours.close()
        peer.close()


def received(peer: socket.socket) -> bytes | None:
    """What the peer can read now; None when nothing has arrived yet, b"" at end of stream."""
    try:
        return peer.recv(1 << 20)
    except BlockingIOError:
        return None


Scenario = Callable[[TurnWritesTransport, socket.socket], Awaitable[None]]


def run(new_loop: LoopFactory, scenario: Scenario) -> None:
    async def main() -> None:
        with socket_pair() as (ours, peer):
            loop = asyncio.get_running_loop()
            transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
            wrapped = TurnWritesTransport(transport, loop)  # type: ignore[arg-type]
            try:
                await scenario(wrapped, peer)
            finally:
                transport.abort()

    loop = new_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


async def next_turns() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


@LOOPS
def test_the_writes_of_one_turn_leave_together_after_it(new_loop: LoopFactory) -> None:
    async def scenario(transport: TurnWritesTransport, peer: socket.socket) -> None:
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(bytearray(b"body"))
        assert received(peer) is None
        assert transport.get_write_buffer_size() == len(b"HTTP/1.1 200 OK\r\n\r\nbody")
        await next_turns()
        assert received(peer) == b"HTTP/1.1 200 OK\r\n\r\nbody"
        transport.writelines([b"next ", memoryview(b"turn")])
        await next_turns()
        assert received(peer) == b"next turn"

    run(new_loop, scenario)


@LOOPS
def test_a_long_stream_of_writes_goes_out_without_waiting_for_the_turn(
    new_loop: LoopFactory,
) -> None:
    async def scenario(transport: TurnWritesTransport, peer: socket.socket) -> None:
        transport.write(b"head")
        assert received(peer) is None
        transport.write(b"x" * SEND_AT)
        assert transport.get_write_buffer_size() < SEND_AT
        first = received(peer)
        assert first is not None
        assert first.startswith(b"headxx")

    run(new_loop, scenario)


@LOOPS
@pytest.mark.parametrize("end", ["close", "write_eof"])
def test_what_ends_the_connection_sends_what_is_queued_first(
    new_loop: LoopFactory, end: str
) -> None:
    async def scenario(transport: TurnWritesTransport, peer: socket.socket) -> None:
        assert transport.can_write_eof()
        transport.write(b"last words")
        getattr(transport, end)()
        await next_turns()
        assert received(peer) == b"last words"
        assert received(peer) == b""

    run(new_loop, scenario)


@LOOPS
def test_abort_drops_what_is_queued(new_loop: LoopFactory) -> None:
    async def scenario(transport: TurnWritesTransport, peer: socket.socket) -> None:
        transport.write(b"never sent")
        transport.abort()
        await next_turns()
        assert received(peer) in (b"", None)
        assert transport.is_closing()

    run(new_loop, scenario)


@LOOPS
def test_reading_is_paused_and_resumed_on_the_socket(new_loop: LoopFactory) -> None:
    async def scenario(transport: TurnWritesTransport, peer: socket.socket) -> None:
        transport.pause_reading()
        assert not transport.is_reading()
        transport.resume_reading()
        assert transport.is_reading()
        assert transport.get_extra_info("socket") is not None

    run(new_loop, scenario)
