"""thumbor's path grammar (the part after the signature), one optional segment at a time:

[debug/][meta/][trim[:top-left|:bottom-right][:TOL]/][AxB:CxD/][[adaptive-][full-]fit-in/]
[[-]W|orig x [-]H|orig/][left|right|center/][top|bottom|middle/][smart/][filters:...)/]IMAGE

Every pattern is anchored and matched against one bounded segment; the filters part ends at
the first `)/`, found with a plain string search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imgproxy.errors import InvalidOption, InvalidPath
from imgproxy.thumbor.calls import FilterCall, parse_calls
from imgproxy.url.args import ArgumentError, integer

MAX_SIDE = 65535
MAX_TOLERANCE = 442
MAX_CROP = 1_000_000
TRIM = re.compile(r"trim(?::(top-left|bottom-right))?(?::([0-9]+))?")
CROP = re.compile(r"([0-9]+)x([0-9]+):([0-9]+)x([0-9]+)")
FIT_IN = re.compile(r"(adaptive-)?(full-)?fit-in")
SIZE = re.compile(r"(-)?([0-9]+|orig)?x(-)?([0-9]+|orig)?")
HALIGN = frozenset({"left", "right", "center"})
VALIGN = frozenset({"top", "bottom", "middle"})
FILTERS = "filters:"


@dataclass(frozen=True)
class Side:
    size: int = 0
    """0: proportional (or the source's, when both are 0)."""
    orig: bool = False
    flip: bool = False


@dataclass(frozen=True)
class ThumborPath:
    image: str
    """As sent: still percent-encoded."""
    debug: bool = False
    meta: bool = False
    trim: str | None = None
    """'top-left' or 'bottom-right'; None: no trim."""
    trim_tolerance: int = 0
    crop: tuple[int, int, int, int] | None = None
    """left, top, right, bottom."""
    fit_in: bool = False
    full: bool = False
    adaptive: bool = False
    width: Side = Side()
    height: Side = Side()
    halign: str = "center"
    valign: str = "middle"
    smart: bool = False
    filters: tuple[FilterCall, ...] = ()


def _bounded(what: str, value: str, most: int) -> int:
    try:
        return integer(what, value, 0, most)
    except ArgumentError as error:
        raise InvalidOption(str(error)) from None


def _side(flip: str | None, value: str | None) -> Side:
    if value == "orig":
        return Side(orig=True, flip=bool(flip))
    return Side(_bounded("size", value, MAX_SIDE) if value else 0, flip=bool(flip))


def parse_path(path: str) -> ThumborPath:
    """Parse `path` (after the signature, no leading slash)."""
    rest = path
    found: dict[str, object] = {}

    def take(segment_test: str) -> bool:
        nonlocal rest
        head, slash, tail = rest.partition("/")
        if slash and head == segment_test:
            rest = tail
            return True
        return False

    def take_match(pattern: re.Pattern[str]) -> re.Match[str] | None:
        nonlocal rest
        head, slash, tail = rest.partition("/")
        match = pattern.fullmatch(head) if slash else None
        if match:
            rest = tail
        return match

    found["debug"] = take("debug")
    found["meta"] = take("meta")
    if trim := take_match(TRIM):
        found["trim"] = trim.group(1) or "top-left"
        found["trim_tolerance"] = _bounded("trim tolerance", trim.group(2) or "0", MAX_TOLERANCE)
    if crop := take_match(CROP):
        found["crop"] = tuple(_bounded("crop", value, MAX_CROP) for value in crop.groups())
    if fit := take_match(FIT_IN):
        found.update(fit_in=True, adaptive=bool(fit.group(1)), full=bool(fit.group(2)))
    if size := take_match(SIZE):
        found["width"] = _side(size.group(1), size.group(2))
        found["height"] = _side(size.group(3), size.group(4))
    for name, words in (("halign", HALIGN), ("valign", VALIGN)):
        head, slash, tail = rest.partition("/")
        if slash and head in words:
            found[name], rest = head, tail
    found["smart"] = take("smart")
    if rest.startswith(FILTERS):
        end = rest.find(")/")
        if end < 0:
            raise InvalidPath("Filters must be followed by '/' and the image URL")
        found["filters"] = parse_calls(rest[len(FILTERS) : end + 1])
        rest = rest[end + 2 :]
    if not rest:
        raise InvalidPath("Image URL is empty")
    return ThumborPath(image=rest, **found)  # type: ignore[arg-type]
