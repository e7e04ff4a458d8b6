"""A parsed thumbor path onto `Options`: geometry first, then the filters in URL order."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from imgproxy.errors import ProxyError
from imgproxy.thumbor.draft import Draft
from imgproxy.thumbor.filters import read_filters
from imgproxy.thumbor.grammar import ThumborPath, parse_path
from imgproxy.thumbor.image_url import source_url
from imgproxy.thumbor.signing import split_signature
from imgproxy.url.options import (
    Crop,
    Gravity,
    GravityType,
    Options,
    ResizingType,
    SourceFit,
    Trim,
)

G = GravityType
ALIGNMENTS = {
    ("left", "top"): G.NORTH_WEST,
    ("center", "top"): G.NORTH,
    ("right", "top"): G.NORTH_EAST,
    ("left", "middle"): G.WEST,
    ("center", "middle"): G.CENTER,
    ("right", "middle"): G.EAST,
    ("left", "bottom"): G.SOUTH_WEST,
    ("center", "bottom"): G.SOUTH,
    ("right", "bottom"): G.SOUTH_EAST,
}
MAX_NESTING = 10
DOMAIN = re.compile(r"(?:https?://)?[^/]*/")


@dataclass(frozen=True)
class ThumborRequest:
    options: Options
    source: str
    asset_urls: tuple[tuple[str, str], ...] = ()
    """(role, URL) of the auxiliary images to fetch before processing."""
    max_age: int | None = None
    meta: bool = False
    ignored_filters: tuple[str, ...] = ()
    """Unknown filters, skipped as thumbor skips them; the endpoint logs and counts them."""


def geometry(path: ThumborPath) -> Options:
    width, height = path.width, path.height
    keeps_size = not (width.size or height.size or width.orig or height.orig)
    fills = not path.fit_in and not keeps_size
    gravity = Gravity(G.SMART) if path.smart else Gravity(ALIGNMENTS[(path.halign, path.valign)])
    crop = Crop()
    if path.crop is not None:
        left, top, right, bottom = path.crop
        if right > left and bottom > top:
            crop = Crop(right - left, bottom - top, Gravity(G.NORTH_WEST, left, top))
    return Options(
        resizing_type=ResizingType.FILL if fills else ResizingType.FIT,
        width=width.size,
        height=height.size,
        enlarge=fills or path.full,
        gravity=gravity,
        crop=crop,
        trim=Trim(threshold=float(path.trim_tolerance)) if path.trim else Trim(),
        flip_horizontal=width.flip,
        flip_vertical=height.flip,
    )


def extracted_focal(image: str) -> tuple[str, tuple[int, int, int, int] | None]:
    """`extract_focal()`: the image part is itself a thumbor URL whose manual crop is the focal
    region; returns the innermost image and that region (None when there is none)."""
    current = image
    for _ in range(MAX_NESTING):
        current = DOMAIN.sub("", current, count=1)
        try:
            inner = parse_path(split_signature("/" + current)[1])
        except ProxyError:
            return image, None
        if inner.crop is not None:
            return inner.image, inner.crop
        current = inner.image
    return image, None


def to_request(path: ThumborPath) -> ThumborRequest:
    image, focal = path.image, None
    if any(call.name == "extract_focal" for call in path.filters):
        image, focal = extracted_focal(image)
    fit = SourceFit(
        orig_width=path.width.orig,
        orig_height=path.height.orig,
        cover=path.full,
        adaptive=path.adaptive,
        focal=focal,
        trim_bottom_right=path.trim == "bottom-right",
    )
    draft = Draft(geometry(path), source_url(image), fit, box=(path.width.size, path.height.size))
    read_filters(draft, path.filters)
    options = replace(
        draft.options,
        source_fit=draft.fit if draft.fit != SourceFit() else None,
        pixel_filters=tuple(draft.pixel_filters),
    )
    return ThumborRequest(
        options,
        draft.source,
        tuple(draft.assets.items()),
        draft.max_age,
        path.meta,
        tuple(draft.ignored_filters),
    )
