"""One HTTP exchange on a libcurl handle: what the callbacks fill in, how its header block
reads, and which error (as `HttpOrigin` raises them) an exchange that went wrong stands for."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from imgproxy.errors import (
    OriginError,
    OriginTimeout,
    SourceNotAllowed,
    SourceNotFound,
    SourceTooLarge,
)
from imgproxy.origins import Original
from imgproxy.origins.ranges import (
    PREFIX_BYTES,
    Head,
    Span,
    Stops,
    leaves_the_rest,
    parsed_span,
    rangeable,
    whole_span,
)
from imgproxy.origins.streaming import ByteCounter, original_from

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MISSING_STATUSES = frozenset({404, 410})
NOT_ALLOWED = "Source address is not allowed"


class Stop(enum.Enum):
    """Why a callback ended the exchange early."""

    DECLARED_TOO_LARGE = "declared too large"
    BODY_TOO_LARGE = "body too large"
    STATUS_DECIDED = "status decided"
    CANCELLED = "cancelled"
    STALLED = "stalled"
    HEAD = "head"
    """The first bytes made `stops` leave the rest to ranged reads."""
    FAILED = "failed"


@dataclass(frozen=True)
class Wanted:
    """What one fetch asks of the final exchange: a span (`byte_range`, "first-last"), or a
    body `stops` may leave unread."""

    byte_range: str = ""
    stops: Stops | None = None


@dataclass
class Exchange:
    """One request and what came back, filled in by the callbacks."""

    max_bytes: int
    counted: ByteCounter
    stops: Stops | None = None
    """Asked once, when the first PREFIX_BYTES of a rangeable 200 are in."""
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)
    received: int = 0
    """Body bytes `counted` has heard of."""
    stop: Stop | None = None
    failure: BaseException | None = None
    curl_error: tuple[int, str] | None = None
    refused: list[str] = field(default_factory=list)
    """The policy's reason for each address it refused."""
    unreachable: list[str] = field(default_factory=list)
    dialled: bool = False
    connect_timed_out: bool = False
    head_lines: list[bytes] = field(default_factory=list)
    """The header block being received, status line first."""

    @property
    def is_redirect(self) -> bool:
        return self.status in REDIRECT_STATUSES and "location" in self.headers

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def leaves_the_rest(self) -> bool:
        """Asks `stops`, once, when the first bytes of a rangeable answer are in."""
        if self.stops is None or self.status != 200 or self.received < PREFIX_BYTES:
            return False
        stops, self.stops = self.stops, None
        return leaves_the_rest(rangeable(self.headers), self.received, lambda: self.body, stops)

    def fail(self, error: BaseException) -> None:
        self.stop = Stop.FAILED
        self.failure = self.failure or error


def decode_headers(raw: bytes) -> str:
    """httpx's reading of header bytes: ASCII, else UTF-8, else Latin-1."""
    for encoding in ("ascii", "utf-8"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")


def parse_head(block: Sequence[bytes]) -> tuple[int, dict[str, str]]:
    """(status, headers by lower-case name, repeated ones joined with ", ") of one header block,
    status line first."""
    status_line, *lines = decode_headers(b"".join(block)).split("\n")
    parts = status_line.split(None, 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            continue
        key, value = name.strip().lower(), value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return status, headers


class Abandoned(Exception):
    """The fetch was cancelled; nobody waits for its result."""


def raise_for_failure(exchange: Exchange, source: str, host: str) -> None:
    """The error an exchange that did not complete stands for, if any."""
    stop = exchange.stop
    if stop is Stop.FAILED and exchange.failure is not None:
        raise exchange.failure
    if stop is Stop.CANCELLED:
        raise Abandoned
    if stop is Stop.DECLARED_TOO_LARGE:
        declared = exchange.headers.get("content-length")
        raise SourceTooLarge(detail=f"{source}: Content-Length {declared} > {exchange.max_bytes}")
    if stop is Stop.BODY_TOO_LARGE:
        raise SourceTooLarge(detail=f"{source}: body passed {exchange.max_bytes} bytes")
    if stop is Stop.STALLED:
        raise OriginTimeout(detail=f"{source}: ReadTimeout")
    if stop in {Stop.STATUS_DECIDED, Stop.HEAD} or exchange.curl_error is None:
        return
    code, message = exchange.curl_error
    if exchange.refused and not exchange.dialled and not exchange.unreachable:
        reasons = "; ".join(exchange.refused)
        raise SourceNotAllowed(NOT_ALLOWED, detail=f"{host} resolves to {reasons}")
    if exchange.connect_timed_out or code == 28:  # CURLE_OPERATION_TIMEDOUT
        raise OriginTimeout(detail=f"{source}: curl error {code}: {message}")
    raise OriginError(detail=f"{source}: curl error {code}: {message}")


def check_status(exchange: Exchange, source: str) -> None:
    status = exchange.status
    if status in MISSING_STATUSES:
        raise SourceNotFound(detail=f"{source}: origin answered {status}")
    if exchange.is_redirect:
        raise OriginError("Redirects are disabled", detail=f"{source}: origin redirected")
    if not 200 <= status < 300:
        raise OriginError(f"Source answered {status}", detail=f"{source}: origin {status}")


def original_of(exchange: Exchange) -> Original:
    return original_from(exchange.body, exchange.headers)


def head_of(exchange: Exchange) -> Original | Head:
    original = original_of(exchange)
    if exchange.stop is Stop.HEAD:
        return Head(original, rangeable(exchange.headers))
    return original


def span_of(exchange: Exchange, source: str, start: int, end: int) -> Span:
    """A 206's bytes checked against its Content-Range, or a 200's whole body."""
    body, headers = exchange.body, exchange.headers
    if exchange.status == 206:
        return parsed_span(source, headers, body, start, end)
    return whole_span(body, headers)
