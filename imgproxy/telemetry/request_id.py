"""Request ids: a caller's sane `X-Request-ID` is kept, anything else is replaced by a new one.

The id of the request being answered is in `current_request_id`, so any log record can carry it
(`RequestIdFilter`); tasks started while answering (shared work) inherit it.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterable
from contextvars import ContextVar

HEADER = b"x-request-id"
SANE = re.compile(r"[A-Za-z0-9._-]{1,128}")

current_request_id: ContextVar[str | None] = ContextVar("imgproxy_request_id", default=None)


def new_request_id() -> str:
    """128 random bits in hex, as `uuid4().hex` spells them but without its version bits.

    An id names a request, it guards nothing, so it comes from `random` (seeded from the OS at
    start and again in each forked process): `os.urandom` is a system call made with the GIL
    let go, on every request."""
    return random.randbytes(16).hex()


def request_id_from(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The first X-Request-ID when it is 1..128 of [A-Za-z0-9._-], else a new id."""
    for name, value in headers:
        if name.lower() == HEADER:
            candidate = value.decode("latin-1")
            return candidate if SANE.fullmatch(candidate) else new_request_id()
    return new_request_id()


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id` ("-" outside a request) for formats such as
    "%(asctime)s %(request_id)s %(message)s"."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get() or "-"
        return True
