"""What only the libcurl origin has: its download threads, the policy applied where libcurl
dials, and the IMGPROXY_HTTP_CLIENT setting that chooses it. The contract both http(s)
origins keep is in test_http_origins.py."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest

from config.settings import Settings, SettingsError
from imgproxy.building import build_origins
from imgproxy.downloads import download_slots
from imgproxy.errors import SourceNotAllowed
from imgproxy.origins.curl import CurlOrigin
from imgproxy.origins.http import HttpOrigin
from imgproxy.security.addresses import AddressPolicy
from imgproxy.security.allowed_sources import AllowedSources
from tests.imgproxy.origins.contract_server import ContractHandler, Seen
from tests.support import OriginLog, running_origin

LOOPBACK_OK = AddressPolicy(allow_loopback=True)
Served = tuple[str, OriginLog, Seen]


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    seen = Seen()
    handler = type("Handler", (ContractHandler,), {"seen": seen})
    with running_origin(handler) as (base, log):
        yield base, log, seen


def curl_origin(
    *,
    policy: AddressPolicy = LOOPBACK_OK,
    threads: int = 1,
    connect_timeout: float = 5.0,
) -> CurlOrigin:
    return CurlOrigin(
        max_redirects=3,
        connect_timeout=connect_timeout,
        read_timeout=30.0,
        user_agent="curl-test",
        policy=policy,
        threads=threads,
    )


async def test_the_policy_judges_the_addresses_libcurl_resolved(served: Served) -> None:
    """`localhost` passes every check on the URL; only the dial can refuse it."""
    base, log, _ = served
    port = base.rsplit(":", 1)[1]
    before = len(log.paths)
    origin = curl_origin(policy=AddressPolicy())
    try:
        with pytest.raises(SourceNotAllowed) as raised:
            await origin.fetch(f"http://localhost:{port}/described/x", 0)
    finally:
        await origin.close()
    assert raised.value.detail.startswith("localhost resolves to ")
    assert "127.0.0.1 is loopback" in raised.value.detail
    assert len(log.paths) == before


async def test_a_cancelled_fetch_returns_once_its_thread_is_free(served: Served) -> None:
    base, _, seen = served
    origin = curl_origin(threads=1)
    try:
        task = asyncio.create_task(origin.fetch(f"{base}/hold/curl-thread", 0))
        assert await asyncio.to_thread(seen.hold("curl-thread").arrived.wait, 10)
        assert origin.running == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert origin.running == 0  # the slot that held this fetch now has a thread too
        assert (await origin.fetch(f"{base}/described/x", 0)).data == b"described"
    finally:
        await origin.close()


async def test_a_cancelled_fetch_stops_dialling(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connect that would hang for the whole connect timeout (the listener's accept queue is
    full, so its SYNs are dropped) is cut when the fetch is cancelled."""
    dialling = threading.Event()
    connect = socket.socket.connect

    def announced_connect(sock: socket.socket, address: object) -> None:
        dialling.set()
        connect(sock, address)

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        monkeypatch.setattr(socket.socket, "connect", announced_connect)
        origin = curl_origin(connect_timeout=60.0)
        try:
            task = asyncio.create_task(origin.fetch(f"http://127.0.0.1:{port}/x", 0))
            assert await asyncio.to_thread(dialling.wait, 10)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert origin.running == 0
        finally:
            await origin.close()
            for filler in fillers:
                filler.close()


def test_the_setting_chooses_the_client_and_defaults_to_curl() -> None:
    assert Settings.from_env({}).http_client == "curl"
    assert Settings.from_env({"IMGPROXY_HTTP_CLIENT": " HTTPX "}).http_client == "httpx"
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"IMGPROXY_HTTP_CLIENT": "aiohttp"})
    assert "IMGPROXY_HTTP_CLIENT must be one of httpx, curl, got 'aiohttp'" in str(raised.value)


async def test_the_curl_origin_has_one_thread_per_download_slot() -> None:
    settings = Settings.from_env(
        {"IMGPROXY_HTTP_CLIENT": "curl", "IMGPROXY_CONCURRENT_DOWNLOADS": "6"}
    )
    router = build_origins(settings, AllowedSources(()))
    chosen = build_origins(Settings.from_env({"IMGPROXY_HTTP_CLIENT": "httpx"}), AllowedSources(()))
    try:
        http, https = router.by_scheme["http"], router.by_scheme["https"]
        assert isinstance(http, CurlOrigin)
        assert http is https
        assert http.threads == download_slots(settings) == 6
        assert isinstance(chosen.by_scheme["http"], HttpOrigin)
    finally:
        await router.close()
        await chosen.close()
