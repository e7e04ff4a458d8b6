"""The requested format in a variant key: explicit, enforced, or `auto:` plus the Accept class."""

from __future__ import annotations

import pytest

from imgproxy.negotiation import accept_class, requested_format
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
