"""convolution(matrix,columns[,normalize]): correlate the colour channels with a kernel.

Edges repeat the border pixels and results are clipped to 0..255, as in thumbor. The kernel
is divided by its sum unless that sum is zero or normalising is off. Whole-number kernels take
libvips' vectorised integer path (a normalised result rounds where thumbor truncates: at most
one level apart); kernels with fractions are summed in floating point and truncated.
"""

from __future__ import annotations

import pyvips

from imgproxy.url.pixel_filters import PixelFilter
from transforms.pixel_filters.bands import join_alpha, split_alpha


def kernel_of(weights: list[float], columns: int, normalize: bool) -> tuple[pyvips.Image, str]:
    """The mask image and the precision to convolve it with."""
    total = sum(weights)
    scale = total if normalize and total else 1.0
    rows = [weights[start : start + columns] for start in range(0, len(weights), columns)]
    if scale.is_integer() and all(weight.is_integer() for weight in weights):
        whole = [[int(weight) for weight in row] for row in rows]
        return pyvips.Image.new_from_list(whole, scale=int(scale)), "integer"
    scaled = [[weight / scale for weight in row] for row in rows]
    return pyvips.Image.new_from_list(scaled), "float"


def apply(image: pyvips.Image, pixel_filter: PixelFilter, _frame: bytes | None) -> pyvips.Image:
    matrix, columns, normalize = pixel_filter.args
    weights = [float(item) for item in str(matrix).split(";")]
    kernel, precision = kernel_of(weights, int(float(columns)), bool(normalize))
    color, alpha = split_alpha(image)
    margin_x, margin_y = kernel.width // 2, kernel.height // 2
    padded = color.embed(
        margin_x,
        margin_y,
        color.width + 2 * margin_x,
        color.height + 2 * margin_y,
        extend="copy",
    )
    convolved = padded.conv(kernel, precision=precision)
    return join_alpha(convolved.crop(margin_x, margin_y, color.width, color.height), alpha)
