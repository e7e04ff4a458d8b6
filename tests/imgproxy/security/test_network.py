"""The guarded transport end to end, against real servers on 127.0.0.1 only.

Every refusal is a decision made before dialing: the connect guard (conftest) would turn a
real attempt at a non-loopback address into an AssertionError, and `hits` shows that the
loopback origin was never asked when it should not be.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpcore
import httpx
import pytest

from imgproxy.errors import SourceNotAllowed
from imgproxy.security.addresses import AddressPolicy
from imgproxy.security.allowed_sources import AllowedSources
from imgproxy.security.network import GuardedBackend, guarded_transport, source_check_hook

LOOPBACK_OK = AddressPolicy(allow_loopback=True)


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """The real anyio backend, remembering which hosts it was asked to dial."""

    def __init__(self) -> None:
        self.real = httpcore.AnyIOBackend()
        self.dialed: list[str] = []

    async def connect_tcp(
        self,
        host,
        port,
        timeout=None,  # noqa: ASYNC109 (httpcore's signature)
        local_address=None,
        socket_options=None,
    ):
        self.dialed.append(host)
        return await self.real.connect_tcp(host, port, timeout, local_address, socket_options)

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # noqa: ASYNC109
        # the guarded backend never calls this
        raise AssertionError("not used")

    async def sleep(self, seconds):
        await self.real.sleep(seconds)


class ScriptedResolver:
    """Answers each lookup of a name with the next list of addresses (DNS rebinding)."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = [[ipaddress.ip_address(a) for a in answer] for answer in answers]
        self.asked: list[str] = []

    async def __call__(self, host, port):
        self.asked.append(host)
        return self.answers.pop(0)


def client(policy, resolver=None, inner=None, **options) -> httpx.AsyncClient:
    transport = guarded_transport(policy, resolver, inner=inner)
    return httpx.AsyncClient(transport=transport, timeout=10, **options)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "2130706433",
        "0x7f000001",
        "0x7f.1",
        "127.1",
        "127.0.0.1.",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::127.0.0.1]",
        "[::1]",
        "0.0.0.0",
        "[::]",
        "0",
    ],
)
async def test_loopback_is_refused_without_contacting_it(origin, host):
    async with client(AddressPolicy()) as http:
        with pytest.raises(SourceNotAllowed) as raised:
            await http.get(origin.url("/img", host=host))
    assert raised.value.message == "Source address is not allowed"
    assert origin.hits == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "0x7f.1", "127.1"])
async def test_loopback_is_fetched_when_allowed(origin, host):
    inner = RecordingBackend()
    async with client(LOOPBACK_OK, inner=inner) as http:
        response = await http.get(origin.url("/img", host=host))
    assert (response.status_code, response.content) == (200, b"PNGDATA")
    assert origin.hits == ["/img"]
    assert "127.0.0.1" in inner.dialed  # the checked literal, never the spelling or the name
    assert set(inner.dialed) <= {"127.0.0.1", "::1"}


async def test_redirect_to_metadata_address_is_refused(origin, connect_guard):
    location = "http://169.254.169.254/latest/meta-data"
    origin.routes["/jump"] = (302, {"Location": location}, b"")
    blocked_before = list(connect_guard.blocked)
    async with client(LOOPBACK_OK, follow_redirects=True) as http:
        with pytest.raises(SourceNotAllowed) as raised:
            await http.get(origin.url("/jump"))
    assert raised.value.detail == "169.254.169.254 is link_local"
    assert origin.hits == ["/jump"]
    assert (
        connect_guard.blocked == blocked_before
    )  # decided before dialing, not stopped by the guard


async def test_redirect_outside_allowed_sources_is_refused_by_the_hook(origin):
    allowed = AllowedSources([origin.url("/public/")])
    origin.routes["/public/jump"] = (302, {"Location": "/private/secret"}, b"")
    origin.routes["/public/moved"] = (301, {"Location": "/public/img"}, b"")
    origin.routes["/public/img"] = (200, {}, b"PUBLIC")
    hooks = {"request": [source_check_hook(allowed.check)]}
    async with client(LOOPBACK_OK, follow_redirects=True, event_hooks=hooks) as http:
        with pytest.raises(SourceNotAllowed) as raised:
            await http.get(origin.url("/public/jump"))
        assert raised.value.message == "Source is not allowed"
        assert (await http.get(origin.url("/public/moved"))).content == b"PUBLIC"
    assert origin.hits == ["/public/jump", "/public/moved", "/public/img"]


async def test_dns_rebinding_is_checked_on_the_address_actually_dialed(origin):
    resolver = ScriptedResolver(["127.0.0.1"], ["10.0.0.1"])
    inner = RecordingBackend()
    policy = AddressPolicy(allow_loopback=True, allow_private=False)
    async with client(policy, resolver, inner) as http:
        first = await http.get(origin.url("/img", host="rebind.test"))
        with pytest.raises(SourceNotAllowed) as raised:  # the origin closes; a new lookup
            await http.get(origin.url("/img", host="rebind.test"))
    assert first.content == b"PNGDATA"
    assert raised.value.detail == "rebind.test resolves to 10.0.0.1 is private"
    assert resolver.asked == ["rebind.test", "rebind.test"]  # once per connection
    assert inner.dialed == ["127.0.0.1"]  # the checked IP, not the name a second time
    assert origin.hits == ["/img"]


async def test_refused_answers_are_skipped_and_allowed_ones_dialed(origin):
    resolver = ScriptedResolver(["10.0.0.1", "169.254.169.254", "127.0.0.1"])
    inner = RecordingBackend()
    policy = AddressPolicy(allow_loopback=True, allow_private=False)
    async with client(policy, resolver, inner) as http:
        assert (await http.get(origin.url("/img", host="mixed.test"))).status_code == 200
    assert inner.dialed == ["127.0.0.1"]


async def test_next_allowed_address_is_tried_when_one_refuses_connections(origin):
    # ::1 has no listener (the origin is on 127.0.0.1 only): refused, then 127.0.0.1 works
    resolver = ScriptedResolver(["::1", "127.0.0.1"])
    inner = RecordingBackend()
    async with client(LOOPBACK_OK, resolver, inner) as http:
        assert (await http.get(origin.url("/img", host="dual.test"))).status_code == 200
    assert inner.dialed == ["::1", "127.0.0.1"]


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.0.0.1", "08.0.0.1", "a.0x1f", "%zz"])
async def test_malformed_hosts_are_refused_without_resolving(host):
    resolver = ScriptedResolver()
    backend = GuardedBackend(LOOPBACK_OK, resolver)
    with pytest.raises(SourceNotAllowed) as raised:
        await backend.connect_tcp(host, 80)
    assert raised.value.detail == f"{host!r} is not a valid host name"
    assert resolver.asked == []


async def test_resolver_failures_are_connect_errors():
    async def failing(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async def silent(host, port):
        await asyncio.Event().wait()  # never answers

    async with httpx.AsyncClient(transport=guarded_transport(AddressPolicy(), failing)) as http:
        with pytest.raises(httpx.ConnectError, match=r"Cannot resolve nowhere\.test"):
            await http.get("http://nowhere.test/")
    transport = guarded_transport(AddressPolicy(), silent)
    async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5, connect=0.05)) as h:
        with pytest.raises(httpx.ConnectTimeout, match=r"Resolving slow\.test timed out"):
            await h.get("http://slow.test/")


async def test_empty_answer_is_refused():
    with pytest.raises(SourceNotAllowed) as raised:
        await GuardedBackend(AddressPolicy(), ScriptedResolver([])).connect_tcp("void.test", 80)
    assert raised.value.detail == "void.test resolves to no address"


async def test_unix_sockets_are_refused():
    with pytest.raises(SourceNotAllowed):
        await GuardedBackend(LOOPBACK_OK).connect_unix_socket("/run/docker.sock")


async def test_tls_verifies_the_hostname_while_dialing_the_ip(tls_origin, localhost_certificate):
    """The certificate names `localhost` only: verification and SNI must use the hostname
    although the socket is opened to the checked IP literal."""
    inner = RecordingBackend()
    transport = guarded_transport(
        LOOPBACK_OK, inner=inner, verify=localhost_certificate.client_context()
    )
    async with httpx.AsyncClient(transport=transport, timeout=10) as http:
        response = await http.get(tls_origin.url("/img", host="localhost"))
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(tls_origin.url("/img", host="127.0.0.1"))  # no IP in the cert
    assert response.content == b"PNGDATA"
    assert tls_origin.server_names[0] == "localhost"
    assert set(inner.dialed) <= {"127.0.0.1", "::1"}
    assert "localhost" not in inner.dialed


async def test_transport_keeps_the_pool_limits():
    limits = httpx.Limits(max_connections=7, max_keepalive_connections=3, keepalive_expiry=9)
    transport = guarded_transport(AddressPolicy(), limits=limits, retries=2)
    pool = transport._pool
    assert isinstance(pool._network_backend, GuardedBackend)
    assert (pool._max_connections, pool._max_keepalive_connections) == (7, 3)
    assert (pool._keepalive_expiry, pool._retries) == (9, 2)
    await transport.aclose()
