"""SSRF guard at the socket: every outgoing connection of the http origin passes `check`.

`GuardedBackend` is an httpcore network backend. For each new connection it resolves the host
exactly once, drops every address the policy refuses, and connects to the *checked IP literal*,
so no second lookup can rebind the name to another address. TLS is untouched: httpcore calls
`start_tls(server_hostname=<the URL's host>)` on the stream this returns, so SNI and certificate
verification still use the hostname, never the IP.

Several addresses (A + AAAA, round robin): the allowed ones are tried in resolver order and the
refused ones are never contacted; when none is allowed the connection is refused. A name that
resolves to both a public and a private address therefore still works through its public
address, as in imgproxy, whose check runs per dial attempt; it can never reach the private one.

Redirects: every hop opens connections through the same backend, so addresses are checked on
each hop; `source_check_hook` also runs the allowed-sources check on every hop's URL.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore
import httpx

from imgproxy.errors import SourceNotAllowed
from imgproxy.security.addresses import (
    AddressPolicy,
    IPAddress,
    check,
    is_plain_hostname,
    parse_host_ip,
)

Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
NOT_ALLOWED = "Source address is not allowed"
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The operating system's resolver (`getaddrinfo`, run off the event loop by asyncio)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    families = (socket.AF_INET, socket.AF_INET6)
    return [ipaddress.ip_address(info[4][0]) for info in infos if info[0] in families]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(
        self,
        policy: AddressPolicy,
        resolver: Resolver | None = None,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.policy = policy
        self.resolver = resolver or system_resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def allowed_addresses(
        self, host: str, port: int, resolve_seconds: float | None = None
    ) -> list[IPAddress]:
        """The addresses of `host` the policy allows, in resolver order; raises
        `SourceNotAllowed` when there is none, httpcore errors when resolution fails."""
        literal = parse_host_ip(host)
        if literal is not None:
            check(literal, self.policy)
            return [literal]
        if not is_plain_hostname(host):
            raise SourceNotAllowed(NOT_ALLOWED, detail=f"{host!r} is not a valid host name")
        try:
            async with asyncio.timeout(resolve_seconds):
                resolved = list(dict.fromkeys(await self.resolver(host, port)))
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"Resolving {host} timed out") from None
        except OSError as error:
            raise httpcore.ConnectError(f"Cannot resolve {host}: {error}") from None
        allowed, refused = [], []
        for address in resolved:
            try:
                check(address, self.policy)
                allowed.append(address)
            except SourceNotAllowed as error:
                refused.append(error.detail)
        if not allowed:
            reasons = "; ".join(refused) or "no address"
            raise SourceNotAllowed(NOT_ALLOWED, detail=f"{host} resolves to {reasons}")
        return allowed

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        options = list(socket_options or ())
        failure: httpcore.ConnectError | None = None
        for address in await self.allowed_addresses(host, port, timeout):
            try:
                return await self.inner.connect_tcp(
                    str(address), port, timeout, local_address, options
                )
            except httpcore.ConnectError as error:  # refused/unreachable: try the next one
                failure = error
        assert failure is not None  # allowed_addresses never returns an empty list
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise SourceNotAllowed(NOT_ALLOWED, detail=f"Unix socket {path} is not a source")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_transport(
    policy: AddressPolicy,
    resolver: Resolver | None = None,
    *,
    verify: ssl.SSLContext | str | bool = True,
    trust_env: bool = True,
    http1: bool = True,
    http2: bool = False,
    limits: httpx.Limits = DEFAULT_LIMITS,
    local_address: str | None = None,
    retries: int = 0,
    inner: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncHTTPTransport:
    """An `httpx.AsyncHTTPTransport` whose connection pool dials through `GuardedBackend`.

    Takes `AsyncHTTPTransport`'s own arguments except `proxy` and `uds`, which would dial
    something other than the source, and `cert` (pass an `SSLContext` as `verify` instead).
    Give the pool `limits` here: an `AsyncClient` ignores its own `limits` (and environment
    proxies) once it is handed a transport."""
    context = httpx.create_ssl_context(verify=verify, trust_env=trust_env)
    transport = httpx.AsyncHTTPTransport(
        verify=context, trust_env=trust_env, http1=http1, http2=http2, limits=limits
    )
    # httpx builds its pool without a way to pass a network backend; swap in an identical pool
    # that has one (the transport only maps requests, responses and errors around `_pool`).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        http1=http1,
        http2=http2,
        local_address=local_address,
        retries=retries,
        network_backend=GuardedBackend(policy, resolver, inner),
    )
    return transport


def source_check_hook(
    check_url: Callable[[str], None],
) -> Callable[[httpx.Request], Awaitable[None]]:
    """An httpx *request* event hook that runs `check_url` on the URL of every request the
    client sends, including each redirect hop (httpx calls request hooks once per hop, with the
    URL it resolved from `Location`), before any connection is made for it."""

    async def hook(request: httpx.Request) -> None:
        check_url(str(request.url))

    return hook
