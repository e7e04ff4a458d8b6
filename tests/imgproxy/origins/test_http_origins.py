"""The http(s) origin contract, held by both implementations (IMGPROXY_HTTP_CLIENT): httpx on
the event loop and libcurl on download threads. Same statuses, errors, limits, headers and SSRF
decisions, against real origins on 127.0.0.1.

Refusals are decisions made before dialling: the suite's connect guard turns any attempt at a
non-loopback address into an AssertionError (libcurl's sockets are dialled through Python for
that reason too), and names other than `localhost` are `*.localhost`, which libcurl resolves
to loopback itself, answered by a scripted resolver.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from imgproxy.downloads import DownloadingOrigin, Downloads
from imgproxy.errors import (
    InvalidPath,
    OriginError,
    OriginTimeout,
    SourceNotAllowed,
    SourceNotFound,
    SourceTooLarge,
)
from imgproxy.origins import Origin
from imgproxy.origins.curl import CurlOrigin
from imgproxy.origins.curl_handle import Verification
from imgproxy.origins.http import HttpOrigin
from imgproxy.origins.streaming import ByteCounter, uncounted
from imgproxy.security.addresses import AddressPolicy, IPAddress
from imgproxy.security.allowed_sources import AllowedSources
from imgproxy.security.network import guarded_transport
from imgproxy.telemetry.metrics import Metrics
from tests.guard import ConnectGuard
from tests.imgproxy.origins.contract_server import (
    TRICKLE_HALF,
    VALIDATORS,
    Certificate,
    ContractHandler,
    Seen,
    localhost_certificate,
    running_tls_origin,
)
from tests.support import OriginLog, running_origin

LOOPBACK_OK = AddressPolicy(allow_loopback=True)
CLIENTS = ("httpx", "curl")
Served = tuple[str, OriginLog, Seen]


class ScriptedResolver:
    """Answers each lookup with the next list of addresses (DNS rebinding), or fails."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = [[ipaddress.ip_address(a) for a in answer] for answer in answers]
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
        self.asked.append(host)
        if not self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.answers.pop(0)


@contextlib.asynccontextmanager
async def opened(
    client: str,
    *,
    policy: AddressPolicy = LOOPBACK_OK,
    max_redirects: int = 3,
    connect_timeout: float = 5.0,
    read_timeout: float = 5.0,
    allowed_sources: AllowedSources | None = None,
    counted: ByteCounter = uncounted,
    resolver: ScriptedResolver | None = None,
    ca_file: Path | None = None,
) -> AsyncIterator[Origin]:
    common: dict[str, Any] = {
        "max_redirects": max_redirects,
        "connect_timeout": connect_timeout,
        "read_timeout": read_timeout,
        "user_agent": "contract-agent/1",
        "policy": policy,
        "allowed_sources": allowed_sources,
        "counted": counted,
    }
    origin: Origin
    if client == "curl":
        verification = None if ca_file is None else Verification(ca_file=str(ca_file))
        origin = CurlOrigin(**common, threads=2, resolver=resolver, verification=verification)
    else:
        transport = None
        if resolver is not None or ca_file is not None:
            transport = guarded_transport(
                policy,
                None if resolver is None else asynchronous(resolver),
                verify=True if ca_file is None else ssl.create_default_context(cafile=ca_file),
            )
        origin = HttpOrigin(**common, transport=transport)
    try:
        yield origin
    finally:
        await origin.close()


def asynchronous(resolver: ScriptedResolver) -> Any:
    async def resolve(host: str, port: int) -> Sequence[IPAddress]:
        return resolver(host, port)

    return resolve


@pytest.fixture(params=CLIENTS)
def client(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    seen = Seen()
    handler = type("Handler", (ContractHandler,), {"seen": seen})
    with running_origin(handler) as (base, log):
        yield base, log, seen


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return localhost_certificate(tmp_path_factory.mktemp("tls"))


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


# --- what is sent and what is read -------------------------------------------------------


async def test_body_and_validators_are_read(client: str, served: Served) -> None:
    async with opened(client) as origin:
        original = await origin.fetch(f"{served[0]}/described/x", 0)
    assert original.data == b"described"
    assert original.content_type == VALIDATORS["Content-Type"]
    assert original.etag == VALIDATORS["ETag"]
    assert original.last_modified == VALIDATORS["Last-Modified"]
    assert original.expires == VALIDATORS["Expires"]
    assert original.cache_control == "public, max-age=60"


async def test_user_agent_and_identity_encoding_are_sent(client: str, served: Served) -> None:
    async with opened(client) as origin:
        await origin.fetch(f"{served[0]}/echo/{client}", 0)
    headers = served[2].headers[client]
    assert headers["user-agent"] == "contract-agent/1"
    assert headers["accept-encoding"] == "identity"
    assert "proxy-connection" not in headers


@pytest.mark.parametrize("status", [404, 410])
async def test_missing_sources_are_not_found(client: str, served: Served, status: int) -> None:
    async with opened(client) as origin:
        with pytest.raises(SourceNotFound):
            await origin.fetch(f"{served[0]}/status/{status}", 0)


async def test_the_status_decides_before_the_declared_length(client: str, served: Served) -> None:
    async with opened(client) as origin:
        with pytest.raises(SourceNotFound):
            await origin.fetch(f"{served[0]}/missing-large/x", 1000)


@pytest.mark.parametrize("status", [403, 500, 503])
async def test_other_failures_name_the_status(client: str, served: Served, status: int) -> None:
    async with opened(client) as origin:
        with pytest.raises(OriginError) as raised:
            await origin.fetch(f"{served[0]}/status/{status}", 0)
    assert raised.value.message == f"Source answered {status}"


async def test_invalid_source_urls_are_bad_paths(client: str) -> None:
    async with opened(client) as origin:
        with pytest.raises(InvalidPath):
            await origin.fetch("http://256.0.0.1/x.jpg", 0)


# --- redirects ----------------------------------------------------------------------------


async def test_redirects_are_followed_up_to_the_limit(client: str, served: Served) -> None:
    async with opened(client, max_redirects=3) as origin:
        assert (await origin.fetch(f"{served[0]}/redirect/3", 0)).data
        with pytest.raises(OriginError) as raised:
            await origin.fetch(f"{served[0]}/redirect/4", 0)
    assert raised.value.message == "Too many redirects"


async def test_redirects_can_be_disabled(client: str, served: Served) -> None:
    async with opened(client, max_redirects=0) as origin:
        with pytest.raises(OriginError) as raised:
            await origin.fetch(f"{served[0]}/redirect/1", 0)
    assert raised.value.message == "Redirects are disabled"


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x/"])
async def test_redirects_leave_http_never(client: str, served: Served, target: str) -> None:
    async with opened(client) as origin:
        with pytest.raises(OriginError) as raised:
            await origin.fetch(f"{served[0]}/redirect-to/{target}", 0)
    assert raised.value.message == "Source is unreachable"


async def test_redirect_outside_the_allowed_sources_is_never_requested(
    client: str, served: Served
) -> None:
    base, log, _ = served
    allowed = AllowedSources([f"{base}/redirect-to/"])
    before = len(log.paths)
    async with opened(client, allowed_sources=allowed) as origin:
        with pytest.raises(SourceNotAllowed) as raised:
            await origin.fetch(f"{base}/redirect-to/{base}/files/jpeg-baseline-icc.jpg", 0)
    assert raised.value.message == "Source is not allowed"
    assert log.paths[before:] == [f"/redirect-to/{base}/files/jpeg-baseline-icc.jpg"]


async def test_redirect_to_a_metadata_address_is_refused_before_dialling(
    client: str, served: Served, session_connect_guard: ConnectGuard
) -> None:
    blocked_before = list(session_connect_guard.blocked)
    async with opened(client) as origin:
        with pytest.raises(SourceNotAllowed) as raised:
            await origin.fetch(f"{served[0]}/redirect-to/http://169.254.169.254/latest/", 0)
    assert raised.value.detail == "169.254.169.254 is link_local"
    assert session_connect_guard.blocked == blocked_before


# --- the address policy ---------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "2130706433", "0x7f.1", "127.1", "[::ffff:127.0.0.1]", "[::1]", "0"],
)
async def test_loopback_is_refused_without_contacting_it(
    client: str, served: Served, host: str
) -> None:
    base, log, _ = served
    before = len(log.paths)
    async with opened(client, policy=AddressPolicy()) as origin:
        with pytest.raises(SourceNotAllowed) as raised:
            await origin.fetch(f"http://{host}:{port_of(base)}/files/jpeg-baseline-icc.jpg", 0)
    assert raised.value.message == "Source address is not allowed"
    assert len(log.paths) == before


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "0x7f.1"])
async def test_loopback_is_fetched_when_allowed(client: str, served: Served, host: str) -> None:
    async with opened(client) as origin:
        original = await origin.fetch(f"http://{host}:{port_of(served[0])}/described/x", 0)
    assert original.data == b"described"


@pytest.mark.parametrize("host", ["1.2.3.4.5", "a.0x1f", "%zz", "bad_.-name"])
async def test_malformed_hosts_are_refused_without_resolving(client: str, host: str) -> None:
    resolver = ScriptedResolver()
    async with opened(client, resolver=resolver) as origin:
        with pytest.raises(SourceNotAllowed) as raised:
            await origin.fetch(f"http://{host}/x.jpg", 0)
    assert raised.value.detail == f"{host!r} is not a valid host name"
    assert resolver.asked == []


async def test_dns_rebinding_is_checked_on_the_address_dialled(
    client: str, served: Served, session_connect_guard: ConnectGuard
) -> None:
    base, log, _ = served
    blocked_before = list(session_connect_guard.blocked)
    resolver = ScriptedResolver(["127.0.0.1"], ["10.0.0.1"])
    policy = AddressPolicy(allow_loopback=True, allow_private=False)
    url = f"http://rebind.localhost:{port_of(base)}/described/x"
    async with opened(client, policy=policy, resolver=resolver) as origin:
        first = await origin.fetch(url, 0)
        before = len(log.paths)
        with pytest.raises(SourceNotAllowed) as raised:  # the origin closed; a new lookup
            await origin.fetch(url, 0)
    assert first.data == b"described"
    assert raised.value.detail == "rebind.localhost resolves to 10.0.0.1 is private"
    assert len(log.paths) == before
    assert session_connect_guard.blocked == blocked_before


async def test_refused_answers_are_skipped_and_allowed_ones_dialled(
    client: str, served: Served, session_connect_guard: ConnectGuard
) -> None:
    blocked_before = list(session_connect_guard.blocked)
    resolver = ScriptedResolver(["10.0.0.1", "169.254.169.254", "127.0.0.1"])
    policy = AddressPolicy(allow_loopback=True, allow_private=False)
    url = f"http://mixed.localhost:{port_of(served[0])}/described/x"
    async with opened(client, policy=policy, resolver=resolver) as origin:
        assert (await origin.fetch(url, 0)).data == b"described"
    assert session_connect_guard.blocked == blocked_before


async def test_the_next_address_is_tried_when_one_refuses_connections(
    client: str, served: Served
) -> None:
    # ::1 has no listener (the origin is on 127.0.0.1 only): refused, then 127.0.0.1 works
    resolver = ScriptedResolver(["::1", "127.0.0.1"])
    url = f"http://dual.localhost:{port_of(served[0])}/described/x"
    async with opened(client, resolver=resolver) as origin:
        assert (await origin.fetch(url, 0)).data == b"described"


# --- failures and limits -------------------------------------------------------------------


async def test_a_name_that_does_not_resolve_is_unreachable(client: str) -> None:
    async with opened(client, resolver=ScriptedResolver()) as origin:
        with pytest.raises(OriginError) as raised:
            await origin.fetch("http://nowhere.localhost/x.jpg", 0)
    assert raised.value.message == "Source is unreachable"


async def test_a_refused_connection_is_unreachable(client: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with opened(client) as origin:
        with pytest.raises(OriginError) as raised:
            await origin.fetch(f"http://127.0.0.1:{port}/x.jpg", 0)
    assert raised.value.message == "Source is unreachable"


async def test_a_connection_never_accepted_times_out(client: str) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]  # the accept queue is full: SYNs dropped
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        try:
            async with opened(client, connect_timeout=0.2) as origin:
                with pytest.raises(OriginTimeout) as raised:
                    await origin.fetch(f"http://127.0.0.1:{port}/x.jpg", 0)
        finally:
            for filler in fillers:
                filler.close()
    assert raised.value.message == "Source timed out"


async def test_an_origin_that_stops_sending_times_out(client: str, served: Served) -> None:
    async with opened(client, read_timeout=0.3) as origin:
        with pytest.raises(OriginTimeout) as raised:
            await origin.fetch(f"{served[0]}/hang/1", 0)
    assert raised.value.message == "Source timed out"


async def test_an_endless_body_is_cut_while_streaming(client: str, served: Served) -> None:
    base, log, _ = served
    async with opened(client) as origin:
        with pytest.raises(SourceTooLarge):
            await origin.fetch(f"{base}/endless/{client}", 1024 * 1024)
    assert log.bytes_sent.get(f"/endless/{client}", 0) < 64 * 1024 * 1024


async def test_a_declared_length_over_the_cap_is_refused_before_the_body(
    client: str, served: Served
) -> None:
    """/hang declares 1000 bytes and sends none: only the header can refuse it."""
    async with opened(client, read_timeout=30) as origin:
        with pytest.raises(SourceTooLarge) as raised:
            await origin.fetch(f"{served[0]}/hang/1", 999)
    assert "Content-Length 1000 > 999" in raised.value.detail


async def test_bytes_are_counted_while_they_stream(client: str, served: Served) -> None:
    base, _, seen = served
    name = f"trickle-{client}"
    changes: list[int] = []
    heard = threading.Event()

    def counted(change: int) -> None:
        changes.append(change)
        if change > 0:
            heard.set()

    async with opened(client, counted=counted) as origin:
        fetching = asyncio.create_task(origin.fetch(f"{base}/trickle/{name}", 0))
        heard_before_the_end = await asyncio.to_thread(heard.wait, 10)
        seen.hold(name).proceed.set()
        original = await fetching
    assert heard_before_the_end
    assert len(original.data) == sum(change for change in changes if change > 0)
    assert len(original.data) == 2 * TRICKLE_HALF
    assert sum(changes) == 0  # and let go when the read ended


async def test_connections_are_kept_alive(client: str, served: Served) -> None:
    _, _, seen = served
    seen.client_ports.clear()
    async with opened(client) as origin:
        for _ in range(3):
            assert (await origin.fetch(f"{served[0]}/kept/x", 0)).data == b"kept"
    assert len(seen.client_ports) == 3
    assert len(set(seen.client_ports)) <= 2  # one per download thread at most


async def test_no_proxy_is_taken_from_the_environment(
    client: str, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_origin() as (proxy, proxy_log):
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "all_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy)
        async with opened(client) as origin:
            assert (await origin.fetch(f"{served[0]}/described/x", 0)).data == b"described"
    assert proxy_log.paths == []


# --- cancellation ---------------------------------------------------------------------------


async def started_and_cancelled(origin: Origin, url: str, seen: Seen, name: str) -> None:
    task = asyncio.create_task(origin.fetch(url, 0))
    assert await asyncio.to_thread(seen.hold(name).arrived.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancelled_fetch_lets_go_of_the_origin(client: str, served: Served) -> None:
    base, _, seen = served
    name = f"cancel-{client}"
    async with opened(client) as origin:
        await started_and_cancelled(origin, f"{base}/hold/{name}", seen, name)
        assert await asyncio.to_thread(seen.hold(name).let_go.wait, 10)


async def test_a_cancelled_download_frees_its_slot(client: str, served: Served) -> None:
    base, _, seen = served
    name = f"slot-{client}"
    metrics = Metrics(process_metrics=False)
    downloads = Downloads(1, 0, metrics)
    async with opened(client) as origin:
        bounded = DownloadingOrigin(origin, AllowedSources(), downloads, metrics, timeout=30)
        await started_and_cancelled(bounded, f"{base}/hold/{name}", seen, name)
        assert (downloads.admitted, downloads.holding) == (0, 0)
        original = await asyncio.wait_for(bounded.fetch(f"{base}/described/x"), 10)
    assert original.data == b"described"


# --- TLS -------------------------------------------------------------------------------------


async def test_tls_verifies_the_hostname(client: str, certificate: Certificate) -> None:
    """The certificate names `localhost` only: verification and SNI use the URL's host."""
    with running_tls_origin(certificate) as (port, server_names):
        async with opened(client, ca_file=certificate.cert_file) as origin:
            assert (await origin.fetch(f"https://localhost:{port}/img", 0)).data == b"TLS"
            with pytest.raises(OriginError):
                await origin.fetch(f"https://127.0.0.1:{port}/img", 0)  # no IP in the cert
    assert server_names[0] == "localhost"


async def test_tls_trusts_the_default_authorities_only(
    client: str, certificate: Certificate
) -> None:
    with running_tls_origin(certificate) as (port, _):
        async with opened(client) as origin:
            with pytest.raises(OriginError) as raised:
                await origin.fetch(f"https://localhost:{port}/img", 0)
    assert raised.value.message == "Source is unreachable"
