"""Client Hints (IMGPROXY_ENABLE_CLIENT_HINTS): the `DPR` and `Width` request headers fill in
`dpr` and `width` when the URL and its presets leave them at their defaults."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from imgproxy.url.args import ArgumentError, integer
from imgproxy.url.options import Options

DPR_HEADERS = ("sec-ch-dpr", "dpr")
WIDTH_HEADERS = ("sec-ch-width", "width")
VARY_HEADERS = ("Sec-CH-DPR", "DPR", "Sec-CH-Width", "Width")
MAX_DPR = 8.0
MAX_WIDTH = 65535
T = TypeVar("T")


@dataclass(frozen=True)
class ClientHints:
    dpr: float | None = None
    width: int | None = None
    """In device pixels, as the browser sends it."""

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> ClientHints:
        """The first usable value of each hint, the `Sec-CH-` name first; values that are not
        numbers or out of range are ignored, as a browser's hint is only a hint."""
        return cls(_first(headers, DPR_HEADERS, _dpr), _first(headers, WIDTH_HEADERS, _width))

    def apply(self, options: Options) -> Options:
        dpr = self.dpr or 1.0
        changes: dict[str, object] = {}
        if self.dpr is not None and options.dpr == 1.0:
            changes["dpr"] = self.dpr
        if self.width is not None and options.width == 0:
            changes["width"] = max(1, math.floor(self.width / dpr + 0.5))  # halves up, as imgproxy
        return replace(options, **changes) if changes else options  # type: ignore[arg-type]


def _first(
    headers: Mapping[str, str], names: tuple[str, ...], parse: Callable[[str], T | None]
) -> T | None:
    for name in names:
        value = parse(headers.get(name, "").strip())
        if value is not None:
            return value
    return None


def _dpr(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 < value <= MAX_DPR else None


def _width(raw: str) -> int | None:
    try:
        return integer("width hint", raw, 1, MAX_WIDTH)
    except ArgumentError:
        return None
