"""A connect guard for the whole test suite: no test may reach beyond loopback.

It patches `socket.socket.connect`/`connect_ex` at the class level, which every Python client
goes through (asyncio's `sock_connect` and `create_connection`, anyio, httpx, redis-py), and
`socket.getaddrinfo`. A connection to anything outside 127.0.0.0/8 and ::1 raises
`AssertionError` *before* the real call, so a broken defence fails its test instead of sending a
packet; a name other than `localhost` is never resolved. Standard library only, independent of
the code under test. It needs asyncio's own event loop (uvloop dials in C), so in-process test
servers run uvicorn with `loop="asyncio"`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

GUARD_MESSAGE = "connect guard: non-loopback destination"
DNS_GUARD_MESSAGE = "DNS guard: only localhost and IP literals may be resolved"
LOCAL_NAMES = frozenset({"localhost", "localhost."})


def is_loopback_host(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


@dataclass
class ConnectGuard:
    blocked: list[Any] = field(default_factory=list)

    def check(self, sock: socket.socket, address: Any) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return  # AF_UNIX and friends never leave the machine
        host = address[0] if isinstance(address, tuple) and address else address
        if not is_loopback_host(host):
            self.blocked.append(address)
            raise AssertionError(f"{GUARD_MESSAGE}: {address!r}")

    def check_name(self, host: object) -> None:
        if host is None or is_loopback_host(host):
            return
        text = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(text.partition("%")[0])
        except ValueError:
            self.blocked.append(host)
            raise AssertionError(f"{DNS_GUARD_MESSAGE}: {host!r}") from None


def assert_stdlib_event_loop() -> None:
    """uvloop dials in C, past `socket.socket.connect`: refuse to run unguarded."""
    policy = type(asyncio.get_event_loop_policy())
    assert policy.__module__.startswith("asyncio"), f"connect guard cannot see {policy!r}"


def guarded() -> Iterator[ConnectGuard]:
    assert_stdlib_event_loop()
    guard = ConnectGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        guard.check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        guard.check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        guard.check_name(host)
        return real_getaddrinfo(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield guard
