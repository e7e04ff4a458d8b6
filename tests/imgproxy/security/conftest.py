"""Fixtures for the security tests, and the guard that keeps them on loopback.

`connect_guard` is the suite-wide guard of tests/guard.py (installed for every test by
tests/conftest.py), which patches `socket.socket.connect`/`connect_ex` at the
class level, which every Python client goes through (asyncio's `sock_connect` and
`create_connection`, anyio, httpx, redis-py), and `socket.getaddrinfo`. A connection to anything
outside 127.0.0.0/8 and ::1 raises `AssertionError` *before* the real call, so a broken defence
fails its test instead of sending a packet; a name other than `localhost` is never resolved.
The guard is written with the standard library alone, independent of the code under test.
It needs asyncio's own event loop (uvloop dials in C) and says so instead of running unguarded.
"""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.cache.redis_procs import RedisProcess
from tests.guard import ConnectGuard


@pytest.fixture(scope="package")
def connect_guard(session_connect_guard: ConnectGuard) -> ConnectGuard:
    return session_connect_guard


# --- a real HTTP origin on loopback ------------------------------------------------------


@dataclass
class Origin:
    port: int
    hits: list[str]
    routes: dict[str, tuple[int, dict[str, str], bytes]]
    server_names: list[str | None]
    scheme: str = "http"

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"


class OriginHandler(BaseHTTPRequestHandler):
    origin: Origin

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        self.origin.hits.append(self.path)
        status, headers, body = self.origin.routes.get(self.path, (404, {}, b"missing"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


DEFAULT_ROUTES = {"/img": (200, {"Content-Type": "image/png"}, b"PNGDATA")}


def serve(context: ssl.SSLContext | None = None) -> Iterator[Origin]:
    origin = Origin(0, [], dict(DEFAULT_ROUTES), [])
    handler = type("Handler", (OriginHandler,), {"origin": origin})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
        origin.scheme = "https"
    origin.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def origin_server() -> Iterator[Origin]:
    yield from serve()


@pytest.fixture
def origin(origin_server: Origin) -> Origin:
    """A plain-HTTP origin on 127.0.0.1; `hits` lists every path it was asked for (reset for
    each test, like `routes`)."""
    origin_server.hits.clear()
    origin_server.routes.clear()
    origin_server.routes.update(DEFAULT_ROUTES)
    return origin_server


@dataclass
class Certificate:
    cert_file: Path
    key_file: Path

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert_file))


@pytest.fixture(scope="session")
def localhost_certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """Self-signed, valid for the DNS name `localhost` only (no IP address in it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    certificate = Certificate(folder / "cert.pem", folder / "key.pem")
    certificate.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    certificate.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate


@pytest.fixture
def tls_origin(localhost_certificate: Certificate) -> Iterator[Origin]:
    """An HTTPS origin on 127.0.0.1 with the `localhost` certificate; records the SNI names."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(localhost_certificate.cert_file, localhost_certificate.key_file)
    names: list[str | None] = []

    def remember(_connection, name, _context):
        names.append(name)

    context.sni_callback = remember
    for served in serve(context):
        served.server_names = names
        yield served


# --- a real redis-server on loopback (shared with the cache tests) --------------------------


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path / "redis").start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.resume()
        server.stop()
