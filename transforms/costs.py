"""What one job may cost, settled from the plan and the image's header before any of its pixels
are made: the result's pixels, every frame together, and the work of its Gaussian blur.

Both sit far beyond what a page shows, and refuse with a 422. The result is held to the limits
a source is (IMGPROXY_MAX_SRC_RESOLUTION, 50 MP by default). The blur is held to about half a
minute of one core: a sigma of 10 over 2 MP costs 1/500 of that, a sigma of 100 over 16 MP
under half; the sigma of 1000 over 4000x4000 that once ran for hours costs over 500 times
it. Sharpening needs no bound of its own: libvips takes sigmas up to 10 only. A PNG's palette
quantization (`png_options`, IMGPROXY_PNG_QUANTIZE) is held to 16 MP: 12 s of one core for a
12 MP photo at libvips' effort 7, 4 s for 0.8 MP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pyvips

from imgproxy.errors import UnprocessableSource
from imgproxy.geometry import Plan, result_size
from imgproxy.url.options import ImageFormat
from transforms.job import Job
from transforms.limits import Limits

GAUSSIAN_REACH = math.sqrt(2 * math.log(5))
"""libvips' blur mask reaches this many sigmas each side (to an amplitude of 0.2)."""
TILE = 128
"""libvips computes in tiles this wide; each reads a mask's width more than it writes."""
MAX_REACH = 4096
"""Mask half-widths `largest_sigma` searches: past any sigma a URL may give (1000 reaches 1794)."""
VECTOR_MASK = 1024
"""Mask widths libvips' 8-bit vector path takes."""
SLOW_PATH = 16
"""How much slower libvips blurs wider masks, or 16-bit, float or premultiplied pixels."""
MAX_BLUR_WORK = 5e10
"""Weighted mask taps (`blur_work`): 10 to 40 s of one core of the 2-vCPU bench machine."""
MAX_QUANTIZED_PIXELS = 16_000_000


class WorkTooLarge(UnprocessableSource):
    """The request would cost more than any image is allowed to."""


def mask_width(sigma: float) -> int:
    return 2 * math.floor(sigma * GAUSSIAN_REACH) + 1


def blur_work(sigma: float, width: int, height: int, frames: int, fast: bool) -> float:
    """libvips' separable blur, in mask taps: every pixel reads a mask's width, every tile a
    margin as tall as the mask (or the image, when that is shorter); measured within a factor
    of three of 2 x 10^9 taps per second on one core, for widths 10..3600 and sides 100..2000."""
    return _mask_work(mask_width(sigma), width, height, frames, fast)


def _mask_work(mask: int, width: int, height: int, frames: int, fast: bool) -> float:
    margin = 1 + min(mask, height) / TILE
    slow = 1 if fast and mask <= VECTOR_MASK else SLOW_PATH
    return width * height * frames * mask * margin * slow


def largest_sigma(
    width: int, height: int, frames: int, fast: bool, budget: float = MAX_BLUR_WORK
) -> float:
    """The strongest blur, to one decimal, that `budget` allows on this image."""
    low, high = -1, MAX_REACH
    while high - low > 1:
        reach = (low + high) // 2
        if _mask_work(2 * reach + 1, width, height, frames, fast) <= budget:
            low = reach
        else:
            high = reach
    if low < 0:
        return 0.0
    return (math.ceil((low + 1) / GAUSSIAN_REACH * 10) - 1) / 10


def _blurred_size(plan: Plan, loaded: tuple[int, int]) -> tuple[int, int]:
    """The size the filters step sees: the result before extend and padding."""
    bare = replace(
        plan, extend=False, extend_ratio_width=0, extend_ratio_height=0, padding=(0, 0, 0, 0)
    )
    return result_size(bare, loaded)


@dataclass(frozen=True)
class Spent:
    """What the earlier pipelines of a chain (`/-/`) took of the budgets: one URL gets one
    budget however many pipelines it chains."""

    pixels: int = 0
    """Result pixels, counted as `_check_result` counts them."""
    blur: float = 0.0
    """Mask taps (`blur_work`)."""

    @property
    def pixels_note(self) -> str:
        return f" after {self.pixels / 1e6:g} MP in earlier pipelines" if self.pixels else ""

    @property
    def blur_note(self) -> str:
        return " after the blurs of earlier pipelines" if self.blur else ""


def _shadow_work(job: Job, result: tuple[int, int], frames: int) -> float:
    """A watermark's shadow blurs one alpha band no larger than the result (a tiled one:
    each tile's, together no more than the result)."""
    sigma = job.options.watermark_shadow
    if not sigma or not job.options.watermark.opacity or job.watermark is None:
        return 0.0
    return blur_work(sigma, *result, frames, fast=True)


def _check_result(width: int, height: int, frames: int, limits: Limits, spent: Spent) -> int:
    """The result is held to the limits a source is: every frame together, or each frame when
    animations have a limit of their own. Returns the pixels counted."""
    if limits.max_animation_frame_pixels and frames > 1:
        limit, pixels, counted = limits.max_animation_frame_pixels, width * height, " per frame"
    else:
        limit, pixels = limits.max_src_pixels, width * height * frames
        counted = f" x {frames} frames" if frames > 1 else ""
    if limit and spent.pixels + pixels > limit:
        raise WorkTooLarge(
            f"Expected a result of at most {limit / 1e6:g} MP "
            f"but received {width}x{height}{counted}{spent.pixels_note}"
        )
    return pixels


def _check_quantization(job: Job, width: int, height: int) -> None:
    if job.output is not ImageFormat.PNG or not job.encoding.png.quantize:
        return
    if width * height > MAX_QUANTIZED_PIXELS:
        raise WorkTooLarge(
            f"Expected a result of at most {MAX_QUANTIZED_PIXELS / 1e6:g} MP to quantize "
            f"(png_options) but received {width}x{height}"
        )


def bound_work(image: pyvips.Image, job: Job, limits: Limits, spent: Spent = Spent()) -> Spent:
    """Refuse a job whose result has more pixels than a source may have, or whose blur costs
    more than `MAX_BLUR_WORK`, together with what `spent` says earlier pipelines took. `image`
    is the loaded (lazy) source. Returns `spent` with this job's share added."""
    frames = job.frames
    loaded = (image.width, image.height // frames)
    result = result_size(job.plan, loaded)
    pixels = _check_result(*result, frames, limits, spent)
    _check_quantization(job, *result)
    shadow = _shadow_work(job, result, frames)
    sigma = job.options.blur
    if not sigma and not shadow:
        return replace(spent, pixels=spent.pixels + pixels)
    width, height = _blurred_size(job.plan, loaded)
    fast = image.format == "uchar" and not image.hasalpha()
    work = (blur_work(sigma, width, height, frames, fast) if sigma else 0.0) + shadow
    if shadow and spent.blur + work > MAX_BLUR_WORK:
        left = MAX_BLUR_WORK - spent.blur - (work - shadow)
        most = largest_sigma(*result, frames, True, left) if left > 0 else 0.0
        raise WorkTooLarge(
            f"Expected watermark_shadow of at most {most:g} for a {result[0]}x{result[1]} "
            f"result but received {job.options.watermark_shadow:g}{spent.blur_note}"
        )
    if spent.blur + work > MAX_BLUR_WORK:
        most = largest_sigma(width, height, frames, fast, MAX_BLUR_WORK - spent.blur)
        raise WorkTooLarge(
            f"Expected blur of at most {most:g} for a {width}x{height} result "
            f"but received {sigma:g}{spent.blur_note}"
        )
    return Spent(spent.pixels + pixels, spent.blur + work)
