"""Image sizes for `width`/`height` attributes: the source's from `/info`, the result's computed.

Standard library only. `source_size` asks the proxy's `/info` endpoint (one GET with a timeout,
remembered per process); `rendered_size` applies the proxy's own geometry to that size, so the
attributes match the pixels the proxy will send.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from functools import lru_cache

from imgproxy.client import UrlBuilder
from imgproxy.geometry import Orientation, make_plan, result_size
from imgproxy.url.info_options import InfoOptions
from imgproxy.url.options import Options

DEFAULT_TIMEOUT = 2.0
VECTOR_FORMATS = frozenset({"svg"})
TURNING_ORIENTATIONS = frozenset({5, 6, 7, 8})
"""EXIF orientations that turn the image a quarter: displayed width is stored height."""
SIZE_ONLY = InfoOptions(size=False, exif=False, iptc=False, xmp=False, video_meta=False)
"""The info options a size lookup writes: only the format and the dimensions."""


class InfoLookupError(Exception):
    """`/info` could not say how large a source is (unreachable, refused, or an odd answer)."""


@dataclass(frozen=True)
class Size:
    width: int
    height: int


@dataclass(frozen=True)
class SourceSize:
    """What `/info` reports: the size as displayed (EXIF orientation applied, as imgproxy Pro
    reports it), the EXIF orientation and the format."""

    width: int
    height: int
    orientation: int = 1
    format: str = ""

    @property
    def stored(self) -> tuple[int, int]:
        """Width and height as stored, before the EXIF orientation turns them."""
        if self.orientation in TURNING_ORIENTATIONS:
            return self.height, self.width
        return self.width, self.height


def source_size(
    builder: UrlBuilder, source: str, *, timeout: float = DEFAULT_TIMEOUT, base_url: str = ""
) -> SourceSize:
    """The size of `source` as the proxy at `base_url` (default: the builder's) sees it.

    Answers are remembered for the life of the process (`forget_source_sizes()` forgets);
    failures are not. Raises `InfoLookupError` with the reason."""
    if base_url:
        builder = replace(builder, base_url=base_url)
    return _cached_source_size(builder, source, timeout)


def forget_source_sizes() -> None:
    _cached_source_size.cache_clear()


@lru_cache(maxsize=4096)
def _cached_source_size(builder: UrlBuilder, source: str, timeout: float) -> SourceSize:
    try:
        url = builder.info_url(source, SIZE_ONLY)
        with urllib.request.urlopen(url, timeout=timeout) as response:
            document = json.loads(response.read())
    except urllib.error.HTTPError as error:
        message = error.read(200).decode("utf-8", "replace").strip()
        raise InfoLookupError(
            f"/info answered {error.code} for {source}: {message or error.reason}"
        ) from None
    except (urllib.error.URLError, OSError) as error:
        raise InfoLookupError(f"/info unreachable for {source}: {error}") from None
    except ValueError:
        raise InfoLookupError(f"/info sent no JSON for {source}") from None
    return _parse_document(document, source)


def _parse_document(document: object, source: str) -> SourceSize:
    if not isinstance(document, dict):
        raise InfoLookupError(f"/info sent no JSON object for {source}")
    width, height = document.get("width"), document.get("height")
    orientation, format_name = document.get("orientation", 1), document.get("format", "")
    if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
        raise InfoLookupError(f"/info sent no positive width and height for {source}")
    return SourceSize(
        width,
        height,
        orientation if isinstance(orientation, int) else 1,
        format_name if isinstance(format_name, str) else "",
    )


def rendered_size(source: SourceSize, options: Options) -> Size:
    """The size of the image the proxy makes from `source` with `options`.

    Assumes the server's defaults for what the URL does not say (auto-rotation on, no result
    dimension cap); `trim` is data dependent and not accounted for."""
    orientation = Orientation.from_exif(source.orientation, options.auto_rotate is not False)
    stored = source.stored
    plan = make_plan(options, stored, orientation, vector=source.format in VECTOR_FORMATS)
    return Size(*result_size(plan, stored))
