"""thumbor colour arguments: hex without '#' (`ff0000`, `f00`) or a CSS colour name."""

from __future__ import annotations

from PIL import ImageColor

from imgproxy.url.args import HEX_COLOR, ArgumentError, expected
from imgproxy.url.options import Color


def parse_color(name: str, value: str) -> Color:
    spelled = value.strip().lower()
    candidate = f"#{spelled}" if HEX_COLOR.fullmatch(spelled) else spelled
    if len(candidate) > 32:
        raise expected("colour name or hex colour", name, value[:32])
    try:
        rgb = ImageColor.getrgb(candidate)
    except ValueError:
        raise expected("colour name or hex colour", name, value) from None
    if len(rgb) < 3:
        raise ArgumentError(f"Expected colour for {name} but received '{value}'")
    return Color(rgb[0], rgb[1], rgb[2])
