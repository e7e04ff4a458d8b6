"""convolution(matrix,columns[,normalize]): correlate the colour channels with a kernel.

Edges repeat the border pixels; sums are truncated and clipped to 0..255, as in thumbor. The
kernel is normalised by its sum unless that sum is zero or normalising is off.
"""

from __future__ import annotations

import pyvips

from transforms.pixel_filters.bands import join_alpha, split_alpha
from transforms.pixel_filters.spec import PixelFilter


def apply(image: pyvips.Image, pixel_filter: PixelFilter, _frame: bytes | None) -> pyvips.Image:
    matrix, columns, normalize = pixel_filter.args
    weights = [float(item) for item in str(matrix).split(";")]
    total = sum(weights)
    if normalize and total:
        weights = [weight / total for weight in weights]
    width = int(float(columns))
    rows = [weights[start : start + width] for start in range(0, len(weights), width)]
    kernel = pyvips.Image.new_from_list(rows)
    color, alpha = split_alpha(image)
    margin_x, margin_y = width // 2, len(rows) // 2
    padded = color.embed(
        margin_x,
        margin_y,
        color.width + 2 * margin_x,
        color.height + 2 * margin_y,
        extend="copy",
    )
    convolved = padded.conv(kernel, precision="float")
    return join_alpha(convolved.crop(margin_x, margin_y, color.width, color.height), alpha)
