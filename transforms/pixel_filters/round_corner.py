"""round_corner(a[|b],r,g,b[,transparent]): elliptical corners with radii a (across) and b (down).

Outside the corners the image is painted with the colour, or made transparent (adding alpha);
the curve is anti-aliased. Radii are clipped to half the width and height, as in thumbor.
"""

from __future__ import annotations

import pyvips

from imgproxy.url.pixel_filters import PixelFilter
from transforms.pixel_filters.bands import as_rgb, join_alpha, split_alpha


def coverage(width: int, height: int, a_radius: int, b_radius: int) -> pyvips.Image:
    """0..1: how much of each pixel lies inside the rounded rectangle."""
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<rect width="{width}" height="{height}" rx="{a_radius}" ry="{b_radius}"/></svg>'
    )
    mask = pyvips.Image.svgload_buffer(svg.encode(), unlimited=True)
    return mask.extract_band(3).cast("float") / 255


def apply(image: pyvips.Image, pixel_filter: PixelFilter, _frame: bytes | None) -> pyvips.Image:
    radii, red, green, blue, transparent = pixel_filter.args
    a_text, b_text = str(radii).split("|")
    a_radius = min(int(a_text), image.width // 2)
    b_radius = min(int(b_text), image.height // 2)
    if not a_radius or not b_radius:
        return image
    inside = coverage(image.width, image.height, a_radius, b_radius)
    color, alpha = split_alpha(image)
    if transparent:
        opaque = alpha if alpha is not None else pyvips.Image.black(image.width, image.height) + 255
        return join_alpha(color, (opaque * inside).cast("uchar"))
    paint = [float(red), float(green), float(blue)]
    painted = as_rgb(color) * inside + (1 - inside) * paint
    return join_alpha(painted, alpha)
