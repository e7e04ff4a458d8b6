"""The connect guard itself: non-loopback destinations fail before any packet is sent."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from tests.guard import DNS_GUARD_MESSAGE, GUARD_MESSAGE


def test_blocks_ipv4_before_connecting(connect_guard):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setblocking(False)  # a real attempt would return at once and bind a local port
        with pytest.raises(AssertionError, match=GUARD_MESSAGE):
            sock.connect(("192.0.2.1", 80))
        assert sock.getsockname() == ("0.0.0.0", 0)  # never bound: no SYN went out
        with pytest.raises(OSError):
            sock.getpeername()
    assert ("192.0.2.1", 80) in connect_guard.blocked


def test_blocks_connect_ex_and_ipv6():
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(AssertionError, match=GUARD_MESSAGE),
    ):
        sock.connect_ex(("10.0.0.1", 80))
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        with pytest.raises(AssertionError, match=GUARD_MESSAGE):
            sock.connect(("2001:db8::1", 80, 0, 0))
        with pytest.raises(AssertionError, match=GUARD_MESSAGE):
            sock.connect(("::ffff:192.0.2.1", 80, 0, 0))


def test_blocks_names_other_than_localhost():
    with pytest.raises(AssertionError, match=DNS_GUARD_MESSAGE):
        socket.getaddrinfo("example.com", 80)
    assert socket.getaddrinfo("localhost", 80)
    assert socket.getaddrinfo("127.0.0.1", 80)


def guard_fired(error: BaseException) -> bool:
    """anyio dials inside a task group, so the guard's error may arrive in an ExceptionGroup."""
    if isinstance(error, BaseExceptionGroup):
        return any(guard_fired(inner) for inner in error.exceptions)
    return isinstance(error, AssertionError) and GUARD_MESSAGE in str(error)


async def test_blocks_asyncio_and_httpx():
    assert isinstance(asyncio.get_running_loop(), asyncio.BaseEventLoop)  # not uvloop
    with pytest.raises(AssertionError, match=GUARD_MESSAGE):
        await asyncio.open_connection("192.0.2.1", 80)
    async with httpx.AsyncClient() as client:
        with pytest.raises(BaseException) as raised:
            await client.get("http://192.0.2.1/")
    assert guard_fired(raised.value)


async def test_lets_loopback_through(origin):
    async with httpx.AsyncClient() as client:
        assert (await client.get(origin.url("/img"))).content == b"PNGDATA"
        assert (await client.get(origin.url("/img", host="localhost"))).status_code == 200
    assert origin.hits == ["/img", "/img"]
