"""Responsive image markup: `<img srcset>` and `<picture>` with AVIF/WebP/JPEG sources.

Standard library only.

    builder = UrlBuilder("https://img.example.com", key="943b...", salt="520f...")
    ResponsiveImage(builder=builder, source="https://cdn.example.com/cat.jpg", alt="A cat",
                    widths=[320, 640, 1280], sizes="(min-width: 800px) 50vw, 100vw",
                    size_from_info=True).picture()

With `widths`, each URL is described by the width of the image it returns (`640w`) and `sizes`
tells the browser how wide the image is shown; with `dprs`, by its device pixel ratio (`2x`).
The `width`/`height` attributes (so the browser reserves the space before the image arrives)
are the explicit values given, or come from the proxy's `/info` endpoint when
`size_from_info=True`: then they and every `w` descriptor are the pixel sizes the proxy will
send, and widths beyond what the source can give collapse into one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape
from typing import Literal

from imgproxy.client import UrlBuilder
from imgproxy.dimensions import DEFAULT_TIMEOUT, Size, SourceSize, rendered_size, source_size
from imgproxy.url.options import ImageFormat, Options

Loading = Literal["lazy", "eager"]
Decoding = Literal["async", "sync", "auto"]
MODERN_FORMATS = (ImageFormat.AVIF, ImageFormat.WEBP)
JPEG = ImageFormat.JPEG
ATTRIBUTE_NAME = re.compile(r"[^\s\"'<>/=\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Candidate:
    """One URL of a srcset: its options (format aside) and its descriptor (`640w`, `2x`)."""

    options: Options
    descriptor: str
    size: Size | None


@dataclass(frozen=True)
class ImageSet:
    """The variants of one picture, shared by every format."""

    candidates: tuple[Candidate, ...]
    sizes: str | None
    """The `sizes` attribute: only for width descriptors."""
    width: int | None
    height: int | None


@dataclass(frozen=True, kw_only=True)
class ResponsiveImage:
    """One image as the page shows it; `.img()` and `.picture()` write the markup."""

    builder: UrlBuilder
    source: str
    alt: str
    widths: Sequence[int] = ()
    dprs: Sequence[float] = ()
    sizes: str = "100vw"
    """How wide the image is shown, for width descriptors (`(min-width: 800px) 50vw, 100vw`)."""
    options: Options | None = None
    width: int | None = None
    height: int | None = None
    size_from_info: bool = False
    info_timeout: float = DEFAULT_TIMEOUT
    loading: Loading = "lazy"
    decoding: Decoding = "async"
    attributes: Mapping[str, str] = field(default_factory=dict)
    """More attributes for the `<img>` (`class`, `style`, `fetchpriority`, ...)."""

    def img(self, format: ImageFormat | None = None) -> str:
        """`<img src srcset sizes width height alt loading decoding>` in one format; `None`
        leaves it to the proxy, which picks AVIF or WebP from the browser's `Accept` when set
        to."""
        return self._img_tag(self._image_set(), format)

    def picture(
        self, formats: Sequence[ImageFormat] = MODERN_FORMATS, fallback: ImageFormat = JPEG
    ) -> str:
        """`<picture>`: one `<source type srcset sizes>` per format in `formats` (best first),
        then the `<img>` in `fallback` for browsers that take none of them."""
        found = self._image_set()
        sources = [
            _tag(
                "source",
                {"type": chosen.media_type, "srcset": self._srcset(found, chosen)}
                | _optional("sizes", found.sizes),
            )
            for chosen in formats
        ]
        return "<picture>" + "".join(sources) + self._img_tag(found, fallback) + "</picture>"

    def srcset(self, format: ImageFormat | None = None) -> str:
        return self._srcset(self._image_set(), format)

    def _image_set(self) -> ImageSet:
        self._check()
        base = replace(self.options or Options(), format=None)
        known = (
            source_size(self.builder, self.source, timeout=self.info_timeout)
            if self.size_from_info
            else None
        )
        if self.widths:
            candidates = _by_width(base, sorted(set(self.widths)), known)
            shown = candidates[-1].size
        else:
            candidates = _by_dpr(base, sorted(set(self.dprs)), known)
            shown = _size_at(replace(base, dpr=1.0), known)
        width, height = _attribute_size(self.width, self.height, shown)
        return ImageSet(candidates, self.sizes if self.widths else None, width, height)

    def _check(self) -> None:
        if bool(self.widths) == bool(self.dprs):
            raise ValueError("Expected either widths or dprs but received both or neither")
        for width in self.widths:
            if isinstance(width, bool) or not isinstance(width, int) or width <= 0:
                raise ValueError(f"Expected positive integer widths but received {width!r}")
        for dpr in self.dprs:
            if isinstance(dpr, bool) or not isinstance(dpr, int | float) or not 0 < dpr <= 8:
                raise ValueError(f"Expected dprs in (0, 8] but received {dpr!r}")
        for name, value in (("width", self.width), ("height", self.height)):
            if value is not None and (not isinstance(value, int) or value <= 0):
                raise ValueError(f"Expected a positive integer {name} but received {value!r}")

    def _url(self, options: Options, chosen: ImageFormat | None) -> str:
        return self.builder.url(self.source, replace(options, format=chosen))

    def _srcset(self, found: ImageSet, chosen: ImageFormat | None) -> str:
        return ", ".join(
            f"{self._url(candidate.options, chosen)} {candidate.descriptor}"
            for candidate in found.candidates
        )

    def _img_tag(self, found: ImageSet, chosen: ImageFormat | None) -> str:
        shown = found.candidates[-1] if found.sizes else found.candidates[0]
        tag = {"src": self._url(shown.options, chosen), "srcset": self._srcset(found, chosen)}
        tag |= _optional("sizes", found.sizes)
        tag |= _optional("width", found.width) | _optional("height", found.height)
        tag |= {"alt": self.alt, "loading": self.loading, "decoding": self.decoding}
        return _tag("img", tag | dict(self.attributes))


def _size_at(options: Options, known: SourceSize | None) -> Size | None:
    return rendered_size(known, options) if known else None


def _by_width(base: Options, widths: list[int], known: SourceSize | None) -> tuple[Candidate, ...]:
    """One candidate per distinct width the proxy returns: with the source size known, widths
    the source cannot reach collapse into one, described by the width actually sent."""
    chosen: dict[int, Candidate] = {}
    for requested in widths:
        options = replace(base, width=requested)
        size = _size_at(options, known)
        actual = size.width if size else requested
        chosen.setdefault(actual, Candidate(options, f"{actual}w", size))
    return tuple(chosen.values())


def _by_dpr(base: Options, dprs: list[float], known: SourceSize | None) -> tuple[Candidate, ...]:
    """One candidate per ratio; with the source size known, ratios the source is too small for
    (the proxy does not enlarge unless asked) are left out rather than served blurry."""
    one = _size_at(replace(base, dpr=1.0), known)
    candidates = []
    for dpr in dprs:
        options = replace(base, dpr=float(dpr))
        size = _size_at(options, known)
        if size and one and abs(size.width - one.width * dpr) > 1:
            continue
        candidates.append(Candidate(options, f"{dpr:g}x", size))
    if not candidates:
        raise ValueError(f"None of the dprs {dprs} fits the source of {one}")
    return tuple(candidates)


def _attribute_size(
    width: int | None, height: int | None, rendered: Size | None
) -> tuple[int | None, int | None]:
    """Explicit values win; a missing one follows the rendered aspect ratio when it is known."""
    if rendered is None or (width is not None and height is not None):
        return width, height
    if width is not None:
        return width, max(1, round(width * rendered.height / rendered.width))
    if height is not None:
        return max(1, round(height * rendered.width / rendered.height)), height
    return rendered.width, rendered.height


def _optional(name: str, value: str | int | None) -> dict[str, str]:
    return {} if value is None else {name: str(value)}


def _tag(name: str, attributes: Mapping[str, str]) -> str:
    for key in attributes:
        if not ATTRIBUTE_NAME.fullmatch(key):
            raise ValueError(f"Expected an HTML attribute name but received {key!r}")
    rendered = "".join(f' {key}="{escape(value, quote=True)}"' for key, value in attributes.items())
    return f"<{name}{rendered}>"
