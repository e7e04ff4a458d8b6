"""thumbor's watermark placement (`x`, `y`, `alpha`, `w_ratio`, `h_ratio`) as a `Watermark`.

x and y: `N` pixels from the left/top, `-N` from the right/bottom, `Np` percent of the image
size, `center`, or `repeat` (tiling; on either axis it tiles both ways).
"""

from __future__ import annotations

import re

from imgproxy.url.args import expected, integer
from imgproxy.url.options import GravityType, Watermark

G = GravityType
POSITION = re.compile(r"(-?)([0-9]{1,5})(p?)")
MOST_FRACTION = 0.999
GRAVITIES = {
    ("start", "start"): G.NORTH_WEST,
    ("center", "start"): G.NORTH,
    ("end", "start"): G.NORTH_EAST,
    ("start", "center"): G.WEST,
    ("center", "center"): G.CENTER,
    ("end", "center"): G.EAST,
    ("start", "end"): G.SOUTH_WEST,
    ("center", "end"): G.SOUTH,
    ("end", "end"): G.SOUTH_EAST,
}


def _axis(name: str, value: str) -> tuple[str, float]:
    """(edge measured from: start, end, center or repeat; offset in px, or a fraction < 1)."""
    if value in ("center", "repeat"):
        return value, 0.0
    match = POSITION.fullmatch(value)
    if match is None:
        raise expected("N, -N, Np, center or repeat", f"watermark {name}", value)
    amount = float(match.group(2))
    if match.group(3):
        amount = min(amount / 100, MOST_FRACTION)
    return ("end" if match.group(1) else "start"), amount


def _ratio(name: str, value: str) -> float:
    if value == "none":
        return 0.0
    return integer(f"watermark {name}", value, 0, 100) / 100


def watermark_options(args: tuple[str, ...]) -> Watermark:
    """From the arguments after the URL: x, y, alpha[, w_ratio[, h_ratio]]."""
    x_edge, x = _axis("x", args[0])
    y_edge, y = _axis("y", args[1])
    alpha = integer("watermark alpha", args[2], 0, 100)
    ratios = [
        _ratio(name, value) for name, value in zip(("w_ratio", "h_ratio"), args[3:], strict=False)
    ]
    scale = min((ratio for ratio in ratios if ratio > 0), default=0.0)
    if "repeat" in (x_edge, y_edge):
        position = G.REPLICATE
        x = y = 0.0
    else:
        position = GRAVITIES[(x_edge, y_edge)]
    return Watermark(opacity=1 - alpha / 100, position=position, x=x, y=y, scale=scale)
