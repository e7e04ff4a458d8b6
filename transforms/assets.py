"""Images a URL names besides its source (thumbor `watermark(url)`, `frame(url)`): fetched
before rendering and handed in beside the options, decoded here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyvips

from imgproxy.errors import ProxyError, UndecodableSource
from transforms.cancellation import Cancellation, WorkCancelled
from transforms.sources import open_source

ASSET_MAX_PIXELS = 50_000_000


@dataclass(frozen=True)
class Assets:
    watermark: bytes | None = None
    """Replaces the configured watermark image (at full opacity)."""
    frame: bytes | None = None
    """The nine-patch `frame` draws around the result."""
    watermarks: Mapping[str, bytes] = field(default_factory=dict)
    """imgproxy's `watermark_url` images, by URL (each pipeline of a chain may name its own);
    they take the server's IMGPROXY_WATERMARK_OPACITY as the configured image does."""


NO_ASSETS = Assets()


def decode_asset(data: bytes, what: str, cancellation: Cancellation | None = None) -> pyvips.Image:
    """An auxiliary image as sRGB pixels in memory."""
    try:
        image = open_source(data, max_pixels=ASSET_MAX_PIXELS).load()
        if image.interpretation not in ("srgb", "b-w"):
            image = image.colourspace("srgb")
        return (cancellation or Cancellation()).in_memory(image)
    except WorkCancelled:
        raise
    except (pyvips.Error, ProxyError) as error:
        raise UndecodableSource(
            f"The {what} image cannot be decoded", detail=f"{what}: {error}"
        ) from None
