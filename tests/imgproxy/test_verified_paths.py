"""Verified paths are remembered; failures and expiring URLs are checked on every read."""

from __future__ import annotations

import pytest

from cache.keys import canonical_options
from imgproxy.errors import InvalidSignature, NotFound, ProxyError
from imgproxy.signing import Verifier, sign
from imgproxy.url.parser import PathParser
from imgproxy.url.source import SourceRewriter
from imgproxy.verified_paths import VerifiedPaths

KEY, SALT = b"paths-key", b"paths-salt"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def signed(path: str) -> str:
    return f"/{sign(path, KEY, SALT)}{path}"


def paths(clock: Clock, prefix: str = "") -> VerifiedPaths:
    return VerifiedPaths(
        prefix,
        Verifier((KEY,), (SALT,)),
        PathParser(clock=clock),
        SourceRewriter(base_url="http://origin.test/"),
    )


def test_a_path_is_read_once_and_carries_its_canonical_form() -> None:
    reader = paths(Clock(1_000.0))
    first = reader.read(signed("/rs:fill:300:200/plain/cat.jpg@webp"))
    assert reader.read(signed("/rs:fill:300:200/plain/cat.jpg@webp")) is first
    assert first.request.source == "http://origin.test/cat.jpg"
    assert first.canonical == canonical_options(first.request.options)


def test_bad_signatures_fail_on_every_read() -> None:
    reader = paths(Clock(1_000.0))
    good = signed("/w:100/plain/cat.jpg")
    tampered = good.replace("/w:100/", "/w:101/")
    reader.read(good)
    for _ in range(2):
        with pytest.raises(InvalidSignature):
            reader.read(tampered)


def test_expiring_urls_stop_working_at_their_time() -> None:
    clock = Clock(1_000.0)
    reader = paths(clock)
    path = signed("/exp:1500/w:100/plain/cat.jpg")
    assert reader.read(path).request.options.expires == 1500
    clock.now = 2_000.0
    with pytest.raises(ProxyError) as refused:
        reader.read(path)
    assert (refused.value.status, refused.value.message) == (410, "Expired URL")


def test_prefix_and_route_checks_are_part_of_the_read() -> None:
    reader = paths(Clock(1_000.0), prefix="/img")
    with pytest.raises(NotFound):
        reader.read(signed("/w:100/plain/cat.jpg"))
    assert reader.read("/img" + signed("/w:100/plain/cat.jpg")).request.options.width == 100
