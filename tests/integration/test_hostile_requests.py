"""Hostile URLs through the real server (uvicorn on loopback), each once a 500 or a dropped
connection: bracketed hosts in the source URL, integer options past Python's 4,300-digit limit,
and filenames carrying control characters into `Content-Disposition`."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
import pyvips

from tests.support import (
    OriginHandler,
    OriginLog,
    raw_exchange,
    raw_get,
    running_origin,
    running_proxy,
)

SHORT_MESSAGE = 200
HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
RFC_8187_VALUE = re.compile(r"UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]*)")


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny image made here, served by the origin and from the local folder."""
    root = tmp_path_factory.mktemp("images")
    (root / "a.png").write_bytes(pyvips.Image.black(8, 6, bands=3).pngsave_buffer())
    return root


@pytest.fixture(scope="module")
def origin(images: Path) -> Iterator[tuple[str, OriginLog]]:
    with running_origin(type("Handler", (OriginHandler,), {"root": images})) as served:
        yield served


@pytest.fixture(scope="module")
def proxy(images: Path, origin: tuple[str, OriginLog]) -> Iterator[str]:
    env = {"IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(images), "IMGPROXY_THUMBOR_ALLOW_UNSAFE": "1"}
    with running_proxy(env) as base:
        yield base


@pytest.mark.parametrize("route", ["", "/info"])
@pytest.mark.parametrize(
    "host", ["[127.0.0.1]:{port}", "[::1", "[zz]", "[::1]:{port}]", "127.0.0.1:99999"]
)
def test_a_source_with_an_unreadable_host_is_a_400(
    proxy: str, origin: tuple[str, OriginLog], route: str, host: str
) -> None:
    base, log = origin
    port = base.rpartition(":")[2]
    seen = len(log.paths)
    status, text = raw_get(proxy, f"{route}/unsafe/plain/http://{host.format(port=port)}/a.png")
    assert status == 400
    assert text.startswith("Expected a URL with a valid host and port for source URL")
    assert len(text) <= SHORT_MESSAGE
    assert log.paths[seen:] == []


def test_the_same_source_with_a_plain_host_is_fetched(
    proxy: str, origin: tuple[str, OriginLog]
) -> None:
    """The refusal above is about the brackets, not the origin."""
    base, log = origin
    status, _ = raw_get(proxy, f"/unsafe/plain/{base}/files/a.png")
    assert status == 200
    assert log.paths[-1] == "/files/a.png"


@pytest.mark.parametrize(("option", "name"), [("w", "width"), ("q", "quality"), ("exp", "expires")])
def test_an_integer_of_5000_digits_is_a_400(proxy: str, option: str, name: str) -> None:
    status, text = raw_get(proxy, f"/unsafe/{option}:{'9' * 5000}/plain/local:///a.png")
    assert status == 400
    assert text.startswith("Expected integer 0..")
    assert f"for {name} but received '9999" in text
    assert "(5000 characters)" in text
    assert len(text) <= SHORT_MESSAGE


def test_a_thumbor_size_of_5000_digits_is_a_400(proxy: str) -> None:
    status, text = raw_get(proxy, f"/thumbor/unsafe/{'9' * 5000}x10/local:///a.png")
    assert status == 400
    assert text.startswith("Expected integer 0..65535 for size but received '9999")
    assert len(text) <= SHORT_MESSAGE


NAMES = ["a\rb", "a\nb", "a\r\nSet-Cookie: x=1", "a\x00b", "a\x7fb", "\x01\x1f", 'ü\r\n"\\']


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("spelling", ["fn", "filename"])
def test_a_filename_with_control_characters_is_served_with_a_safe_header(
    proxy: str, name: str, spelling: str
) -> None:
    encoded = base64.urlsafe_b64encode(name.encode("utf-8")).decode("ascii").rstrip("=")
    path = f"/unsafe/{spelling}:{encoded}:1/f:png/plain/local:///a.png"
    status, headers, body = raw_exchange(proxy, path)
    assert status == 200
    assert body.startswith(b"\x89PNG")
    disposition = headers["content-disposition"]
    assert not HEADER_CONTROL.search(disposition)
    assert "set-cookie" not in headers
    fallback = re.search(r'filename="([^"]*)"', disposition)
    assert fallback is not None and not HEADER_CONTROL.search(fallback.group(1))
    extended = RFC_8187_VALUE.search(disposition)
    assert extended is not None, disposition
    assert unquote(extended.group(1), errors="strict") == f"{name}.png"
