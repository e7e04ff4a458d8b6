"""Signed URLs for the playground, built by the same helper web apps use; the key stays here."""

from __future__ import annotations

import html
from dataclasses import dataclass

from config.settings import Settings
from imgproxy.client import UrlBuilder
from imgproxy.url.options import ImageRequest, Options

SRCSET_DPRS = (1, 2, 3)
ORIGINAL_BOX = 1024
"""The original is shown scaled to fit this square, otherwise unprocessed."""


@dataclass(frozen=True)
class SignedExample:
    url: str
    srcset: str
    original: str

    @property
    def snippet(self) -> str:
        return f'<img src="{html.escape(self.url)}" srcset="{html.escape(self.srcset)}" alt="">'

    def as_json(self) -> dict[str, str]:
        return {
            "url": self.url,
            "srcset": self.srcset,
            "snippet": self.snippet,
            "original": self.original,
        }


def builder_for(settings: Settings, origin: str) -> UrlBuilder:
    """Signs with the first key/salt pair, as URLs made with `UrlBuilder.from_env` are."""
    return UrlBuilder(
        base_url=origin.rstrip("/") + settings.path_prefix,
        key=settings.keys[0].hex() if settings.keys else "",
        salt=settings.salts[0].hex() if settings.salts else "",
        signature_size=settings.signature_size,
        separator=settings.arguments_separator,
    )


def sign_example(request: ImageRequest, builder: UrlBuilder) -> SignedExample:
    """The URL as asked, a srcset of the same image at 1x, 2x and 3x, and the original."""
    return SignedExample(
        url=builder.url(request.source, request.options),
        srcset=builder.srcset_dpr(request.source, SRCSET_DPRS, request.options),
        original=builder.url(request.source, Options(width=ORIGINAL_BOX, height=ORIGINAL_BOX)),
    )
