"""The limits our HTTP protocol enforces on the real server: the read timeout, the header size
(431), the connection cap (503), keep-alive left intact, and X-Forwarded-For believed only
from IMGPROXY_TRUSTED_PROXIES. Every wait is on an event: an answer, or the server closing.

"The read timeout has passed" is itself an event here: a second connection that sends nothing
is closed by the server once its timeout runs out (`read_timeout_passes`)."""

from __future__ import annotations

import pickle
import resource
import select
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import pytest
import pyvips

from config.settings import Settings, SettingsError
from imgproxy.http_limits import ConnectionLimits, LimitedHttpProtocol
from imgproxy.server import uvicorn_config
from tests.support import CORPUS, REPO, OriginHandler, running_origin, running_proxy

PHOTO = "jpeg-baseline-icc.jpg"
LARGE_PHOTO = "jpeg-photo-12mp-iphone.jpg"
HIT = f"/_/rs:fit:100:100/plain/local:///{PHOTO}"
LIMITS = {
    "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(CORPUS),
    "IMGPROXY_READ_REQUEST_TIMEOUT": "1",
    "IMGPROXY_MAX_HEADER_SIZE": "16384",
    "IMGPROXY_THUMBOR_ALLOW_UNSAFE": "1",
}
SAFETY_SECONDS = 15
"""How long a socket waits before the test fails; never reached when the server behaves."""


@contextmanager
def connect(base: str, receive_buffer: int = 0) -> Iterator[socket.socket]:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(SAFETY_SECONDS)
    with sock:
        sock.connect((host, int(port)))
        yield sock


def request(path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: proxy.test", *headers, "", ""]
    return "\r\n".join(lines).encode("latin-1")


def read_head(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers, and what came after them."""
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a response: {buffer!r}"
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.lower()] = value.strip()
    return int(status_line.split()[1]), headers, rest


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    status, headers, body = read_head(sock)
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(1 << 20)
        assert chunk, f"closed after {len(body)} of {length} body bytes"
        body += chunk
    return status, headers, body


def get(sock: socket.socket, path: str, *headers: str) -> int:
    sock.sendall(request(path, *headers))
    return read_response(sock)[0]


def until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; a timeout here fails the test."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def read_timeout_passes(base: str) -> None:
    """Return once the server has closed a connection that sent nothing: at least one read
    timeout has passed on the server since the call."""
    with connect(base) as idle:
        assert until_closed(idle) == b""


class GatedOrigin(OriginHandler):
    """`slow/<seconds>/<file>` waits for the test to open the gate, not for a duration."""

    gate: ClassVar[threading.Event]

    def serve_slow(self, argument: str) -> None:
        self.gate.wait(timeout=SAFETY_SECONDS)
        self.serve_file(argument.partition("/")[2])


@pytest.fixture(scope="module")
def proxy() -> Iterator[str]:
    with running_proxy(LIMITS) as base:
        yield base


# Read timeout


def test_a_connection_that_sends_nothing_is_closed(proxy: str) -> None:
    read_timeout_passes(proxy)


def test_a_header_sent_slowly_is_cut_at_the_read_timeout(proxy: str) -> None:
    """A byte now and then does not extend the deadline: it runs from the request's start."""
    with connect(proxy) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: proxy.test\r\n")
        for _ in range(10 * SAFETY_SECONDS):
            readable, _, _ = select.select([sock], [], [], 0.1)
            if readable:
                break
            sock.sendall(b"X-Slow: 1\r\n")
        assert until_closed(sock) == b""


@pytest.mark.parametrize(
    "path",
    [
        "/_/rs:fill:80:80/plain/{origin}/slow/0/" + PHOTO,
        "/thumbor/unsafe/80x80/{origin}/slow/0/" + PHOTO,
    ],
    ids=["imgproxy", "thumbor"],
)
def test_a_request_answered_after_the_read_timeout_keeps_its_connection(path: str) -> None:
    GatedOrigin.gate = threading.Event()
    with (
        running_origin(GatedOrigin) as (origin, _),
        running_proxy(LIMITS) as proxy,
        connect(proxy) as sock,
    ):
        sock.sendall(request(path.format(origin=origin)))
        read_timeout_passes(proxy)  # while the request waits for its origin
        GatedOrigin.gate.set()
        status, _, body = read_response(sock)
        assert status == 200
        image = pyvips.Image.new_from_buffer(body, "")
        assert (image.width, image.height) == (80, 80)
        assert get(sock, "/health") == 200


def test_a_late_pipelined_request_lets_the_answer_before_it_finish() -> None:
    """The next request's header is late while the one before it waits for its origin: that
    answer is still sent whole, then the connection closes."""
    GatedOrigin.gate = threading.Event()
    with (
        running_origin(GatedOrigin) as (origin, _),
        running_proxy(LIMITS) as proxy,
        connect(proxy) as sock,
    ):
        sock.sendall(request(f"/_/rs:fill:80:80/plain/{origin}/slow/0/{PHOTO}"))
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: proxy.")
        read_timeout_passes(proxy)
        GatedOrigin.gate.set()
        status, _, body = read_response(sock)
        assert (status, pyvips.Image.new_from_buffer(body, "").width) == (200, 80)
        assert until_closed(sock) == b""


def test_a_large_answer_read_slowly_keeps_its_connection(proxy: str) -> None:
    """A 2 MB answer to a client with a 4 KiB receive buffer: most of it still waits in the
    server's buffers when a read timeout passes, and the connection then serves another
    request."""
    with connect(proxy, receive_buffer=4096) as sock:
        sock.sendall(request(f"/_/f:tiff/plain/local:///{LARGE_PHOTO}"))
        status, headers, body = read_head(sock)
        assert status == 200
        read_timeout_passes(proxy)
        length = int(headers["content-length"])
        assert length > 1_000_000
        while len(body) < length:
            chunk = sock.recv(1 << 20)
            assert chunk, f"closed after {len(body)} of {length} bytes"
            body += chunk
        assert pyvips.Image.new_from_buffer(body, "").width == 4032
        assert get(sock, HIT) == 200


def test_a_kept_alive_connection_serves_requests_in_a_row(proxy: str) -> None:
    """Idle time between requests is the keep-alive timeout's, not the read timeout's."""
    with connect(proxy) as sock:
        assert get(sock, HIT) == 200
        assert get(sock, "/thumbor/unsafe/60x60/local:///" + PHOTO) == 200
        read_timeout_passes(proxy)
        assert get(sock, HIT) == 200
        assert get(sock, "/health") == 200


# Header size


def test_a_header_under_the_limit_is_served(proxy: str) -> None:
    with connect(proxy) as sock:
        assert get(sock, "/health", "X-Padding: " + "a" * 12_000) == 200
        assert get(sock, "/health") == 200


def test_a_header_over_the_limit_gets_431_and_the_connection_closes(proxy: str) -> None:
    with connect(proxy) as sock:
        sock.sendall(request("/health", "X-Padding: " + "a" * 20_000))
        answer = until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert b"\r\nconnection: close\r\n" in answer
    assert answer.endswith(b"\r\n\r\nRequest header fields too large")


def test_a_large_header_sent_in_pieces_is_refused_once_past_the_limit(proxy: str) -> None:
    """The count spans reads: 1 KiB pieces (up to 10 MB) are refused past 16 KiB."""
    with connect(proxy) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: proxy.test\r\nX-Big: ")
        for _ in range(10_000):
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(b"a" * 1024)
        answer = until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_a_url_over_its_own_limit_is_still_a_414() -> None:
    env = LIMITS | {"IMGPROXY_MAX_URL_LENGTH": "200"}
    with running_proxy(env) as proxy, connect(proxy) as sock:
        assert get(sock, "/_/rs:fit:10:10/plain/local:///" + "a" * 300) == 414


def test_a_url_past_the_header_limit_is_a_414_too(proxy: str) -> None:
    with connect(proxy) as sock:
        sock.sendall(request("/_/rs:fit:10:10/plain/local:///" + "a" * 20_000))
        answer = until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 414 URI Too Long\r\n")
    assert answer.endswith(b"\r\n\r\nURL too long")


# Connection cap


def test_connections_past_the_cap_are_answered_503_while_the_others_stay_open() -> None:
    with (
        running_proxy(LIMITS | {"IMGPROXY_MAX_CLIENTS": "2"}) as proxy,
        connect(proxy) as first,
        connect(proxy) as second,
    ):
        assert get(first, "/health") == 200
        assert get(second, "/health") == 200
        with connect(proxy) as third:
            third.sendall(request("/health"))
            answer = until_closed(third)
        assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        assert b"\r\nretry-after: 1\r\n" in answer
        assert get(first, HIT) == 200
        assert get(second, HIT) == 200
        first.shutdown(socket.SHUT_WR)
        assert until_closed(first) == b""  # the server has let it go
        with connect(proxy) as fourth:
            assert get(fourth, "/health") == 200


# Proxy headers


@pytest.mark.parametrize(("trusted", "believed"), [("", False), ("127.0.0.1/32", True)])
def test_forwarded_for_from_loopback_counts_only_from_a_trusted_proxy(
    trusted: str, believed: bool
) -> None:
    """uvicorn's own proxy-header handling would believe 127.0.0.1 always; it is off."""
    env = LIMITS | {
        "IMGPROXY_RATE_LIMIT": "0.001",
        "IMGPROXY_RATE_LIMIT_BURST": "2",
        "IMGPROXY_RATE_LIMIT_ALL": "1",
        "IMGPROXY_TRUSTED_PROXIES": trusted,
    }
    with running_proxy(env) as proxy, connect(proxy) as sock:
        statuses = [get(sock, HIT, f"X-Forwarded-For: 198.51.100.{n}") for n in range(5)]
    assert statuses == ([200] * 5 if believed else [200, 200, 429, 429, 429])


# Worker processes


def test_the_limits_cross_to_worker_processes() -> None:
    """With IMGPROXY_PROCESSES > 1 uvicorn pickles its config into each worker: the protocol
    and its limits go along, the connection cap split between the workers."""
    settings = Settings(processes=2, max_header_size=16384, read_request_timeout=3.0)
    config = uvicorn_config("imgproxy.server:app_from_environment", settings, factory=True)
    copied = pickle.loads(pickle.dumps(config))
    assert copied.proxy_headers is False
    assert copied.http.func is LimitedHttpProtocol
    assert copied.http.keywords == {"limits": ConnectionLimits(3.0, 16384, 8192, 1024)}


# Open files


def test_the_open_files_limit_is_raised_for_the_connection_cap() -> None:
    """A process starting with a low soft limit: raised to 256 files more than its clients, or
    as far as the hard limit allows. The numbers fit under this machine's own hard limit."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    ceiling = 1300 if hard == resource.RLIM_INFINITY else min(1300, hard)
    clients = ceiling - 300
    low = clients // 2
    start = min(300, low // 2)
    script = (
        "import resource\n"
        "from imgproxy.http_limits import raise_open_files_limit\n"
        f"for hard in ({ceiling}, {low}):\n"
        f"    resource.setrlimit(resource.RLIMIT_NOFILE, ({start}, hard))\n"
        f"    raise_open_files_limit({clients})\n"
        "    print(*resource.getrlimit(resource.RLIMIT_NOFILE))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == [f"{clients + 256} {ceiling}", f"{low} {low}"]


# Settings


def test_the_settings_read_imgproxy_names_and_refuse_a_header_smaller_than_the_url() -> None:
    assert Settings.from_env({"IMGPROXY_READ_TIMEOUT": "4"}).read_request_timeout == 4.0
    both = {"IMGPROXY_READ_TIMEOUT": "4", "IMGPROXY_READ_REQUEST_TIMEOUT": "6"}
    assert Settings.from_env(both).read_request_timeout == 6.0
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"IMGPROXY_MAX_HEADER_SIZE": "8192"})
    assert caught.value.problems == (
        "IMGPROXY_MAX_HEADER_SIZE (8192) must exceed IMGPROXY_MAX_URL_LENGTH (8192): the URL "
        "is part of the header",
    )
