"""A loopback origin for the http(s) origin contract: tests/support's misbehaving origin plus
routes that show what the client sent, what it kept open and when it let go."""

from __future__ import annotations

import contextlib
import datetime
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support import OriginHandler

TRICKLE_HALF = 256 * 1024
VALIDATORS = {
    "Content-Type": "image/jpeg",
    "ETag": '"v1"',
    "Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT",
    "Expires": "Thu, 22 Oct 2015 07:28:00 GMT",
}


@dataclass
class Hold:
    """A request held by the origin: `arrived` when it came in, `let_go` when the client
    closed the connection."""

    arrived: threading.Event = field(default_factory=threading.Event)
    let_go: threading.Event = field(default_factory=threading.Event)
    proceed: threading.Event = field(default_factory=threading.Event)
    """For /trickle: send the second half."""


@dataclass
class Seen:
    """What the contract routes observed, by the name in their path."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    client_ports: list[int] = field(default_factory=list)
    holds: dict[str, Hold] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hold(self, name: str) -> Hold:
        with self.lock:
            return self.holds.setdefault(name, Hold())


class ContractHandler(OriginHandler):
    seen: ClassVar[Seen]

    def do_GET(self) -> None:  # noqa: N802 (http.server names it)
        route, _, argument = self.path.split("?")[0].lstrip("/").partition("/")
        handler = {
            "described": self.serve_described,
            "echo": self.serve_echo,
            "kept": self.serve_kept,
            "hold": self.serve_hold,
            "bytes": self.serve_bytes,
            "trickle": self.serve_trickle,
            "missing-large": self.serve_missing_large,
        }.get(route)
        if handler is None:
            super().do_GET()
            return
        self.log.paths.append(self.path)
        handler(argument)

    def serve_described(self, _: str) -> None:
        self.send_response(200)
        for name, value in VALIDATORS.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "public")  # twice: read as one joined value
        self.send_header("Cache-Control", "max-age=60")
        self.send_header("Content-Length", "9")
        self.end_headers()
        self.wfile.write(b"described")

    def serve_echo(self, name: str) -> None:
        self.seen.headers[name] = {key.lower(): value for key, value in self.headers.items()}
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def serve_kept(self, _: str) -> None:
        """HTTP/1.1 with a length, and the connection left open for the next request."""
        self.protocol_version = "HTTP/1.1"
        self.close_connection = False
        self.seen.client_ports.append(self.client_address[1])
        self.send_response(200)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"kept")

    def serve_hold(self, name: str) -> None:
        hold = self.seen.hold(name)
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.flush()
        hold.arrived.set()
        self.connection.settimeout(30)
        with contextlib.suppress(OSError):
            self.rfile.read(1)  # b"" once the client has closed its end
        hold.let_go.set()

    def serve_bytes(self, count: str) -> None:
        size = int(count)
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.write(b"\x00" * size)

    def serve_missing_large(self, _: str) -> None:
        """A 404 that declares a body larger than any cap (and sends none)."""
        self.send_response(404)
        self.send_header("Content-Length", str(1 << 40))
        self.end_headers()

    def serve_trickle(self, name: str) -> None:
        """Half the body, then the rest once the test says so."""
        hold = self.seen.hold(name)
        half = b"\x00" * TRICKLE_HALF
        self.send_response(200)
        self.send_header("Content-Length", str(2 * TRICKLE_HALF))
        self.end_headers()
        self.wfile.write(half)
        self.wfile.flush()
        hold.proceed.wait(timeout=30)
        self.wfile.write(half)


@dataclass
class Certificate:
    cert_file: Path
    key_file: Path


def localhost_certificate(folder: Path) -> Certificate:
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


@contextlib.contextmanager
def running_tls_origin(certificate: Certificate) -> Iterator[tuple[int, list[str | None]]]:
    """(port, SNI names seen) of an HTTPS origin on 127.0.0.1 serving `/img`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate.cert_file, certificate.key_file)
    names: list[str | None] = []

    def remember(_connection: ssl.SSLObject, name: str | None, _context: ssl.SSLContext) -> None:
        names.append(name)

    context.sni_callback = remember

    class Handler(OriginHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server names it)
            self.send_response(200)
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"TLS")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1], names
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
