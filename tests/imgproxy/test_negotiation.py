"""The requested format in a variant key: explicit, enforced, or `auto:` plus the Accept class."""

from __future__ import annotations

import pytest

from imgproxy.negotiation import Negotiation, accept_class, negotiated_format, requested_format
from imgproxy.url.options import ImageFormat

AVIF_WEBP = "image/avif,image/webp,image/apng,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "auto_webp", "auto_avif", "expected"),
    [
        (AVIF_WEBP, True, True, "avif"),
        (AVIF_WEBP, True, False, "webp"),
        (AVIF_WEBP, False, True, "avif"),
        ("image/webp,*/*", True, True, "webp"),
        ("image/webp,*/*", False, True, "none"),
        (AVIF_WEBP, False, False, "none"),
        ("", True, True, "none"),
        ("*/*", True, True, "none"),
    ],
)
def test_accept_class(accept: str, auto_webp: bool, auto_avif: bool, expected: str) -> None:
    assert accept_class(accept, auto_webp, auto_avif) == expected


def test_requested_format_is_explicit_or_auto_with_the_accept_class() -> None:
    assert requested_format(ImageFormat.PNG, AVIF_WEBP, auto_webp=True, auto_avif=True) == "png"
    assert requested_format(None, AVIF_WEBP, auto_webp=True, auto_avif=False) == "auto:webp"
    assert requested_format(None, AVIF_WEBP, auto_webp=False, auto_avif=False) == "auto:none"


EVERY_MODERN = "image/jxl,image/avif,image/webp,*/*"


@pytest.mark.parametrize(
    ("negotiation", "accept", "expected"),
    [
        (Negotiation(auto_webp=True, auto_avif=True, auto_jxl=True), EVERY_MODERN, "jxl"),
        (Negotiation(auto_webp=True, auto_avif=True, auto_jxl=True), AVIF_WEBP, "avif"),
        (Negotiation(auto_jxl=True), "image/webp,*/*", "none"),
        (Negotiation(auto_avif=True), EVERY_MODERN, "avif"),
        (Negotiation(enforce_jxl=True, auto_avif=True), EVERY_MODERN, "jxl"),
    ],
)
def test_jpeg_xl_comes_before_avif_and_webp(
    negotiation: Negotiation, accept: str, expected: str
) -> None:
    choice = negotiation.choose(None, accept)
    assert choice.varies
    assert (choice.requested.value if choice.requested else "none") == expected


def test_enforced_jpeg_xl_replaces_an_explicit_format_only_when_accepted() -> None:
    enforce = Negotiation(enforce_jxl=True)
    assert enforce.choose(ImageFormat.PNG, "image/jxl").requested is ImageFormat.JXL
    assert enforce.choose(ImageFormat.PNG, "image/avif").requested is ImageFormat.PNG
    assert enforce.choose(ImageFormat.PNG, "image/avif").varies
    assert Negotiation(auto_jxl=True).choose(ImageFormat.PNG, "image/jxl").varies is False


def test_best_takes_jpeg_xl_as_a_candidate_after_avif_and_webp() -> None:
    negotiation = Negotiation(auto_webp=True, auto_avif=True, auto_jxl=True)
    assert negotiation.best_candidates(EVERY_MODERN) == (
        ImageFormat.AVIF,
        ImageFormat.WEBP,
        ImageFormat.JXL,
    )
    assert negotiation.best_candidates("image/webp") == (ImageFormat.WEBP,)
    assert Negotiation(auto_webp=True).best_candidates(EVERY_MODERN) == (ImageFormat.WEBP,)
    assert negotiated_format(negotiation, ImageFormat.BEST, EVERY_MODERN) == "best:avif,webp,jxl"
