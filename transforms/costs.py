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
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

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
VECTOR_MASK = 1024
"""Mask widths libvips' 8-bit vector path takes."""
SLOW_PATH = 16
"""How much slower libvips blurs wider masks, or 16-bit, float or premultiplied pixels."""
MAX_BLUR_WORK = 5e10
"""Weighted mask taps (`blur_work`): 10 to 40 s of one core of the 2-vCPU bench machine."""
MAX_QUANTIZED_PIXELS = 16_000_000
MAX_SIGMA = 1000.0
"""The largest sigma any option takes."""
PROGRESSIVE_LEVELS = 3
"""Blurs of a progressive blur, at even steps up to its sigma (`transforms.steps.blurs`)."""


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
    return _largest(partial(_plain_work, (width, height), frames, fast), budget)


def area_box(area: tuple[float, float, float, float], width: int, height: int) -> tuple[int, ...]:
    """A `blur_areas` area: left, top, right, bottom in pixels, within the image."""
    left, top, area_width, area_height = area
    x0, y0 = round(left * width), round(top * height)
    x1 = min(width, round((left + area_width) * width))
    y1 = min(height, round((top + area_height) * height))
    return x0, y0, x1, y1


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


@dataclass(frozen=True)
class BlurCost:
    """One Gaussian blur a job asks for: the option, its sigma, the size it is named by in a
    refusal, and its work at any sigma."""

    option: str
    sigma: float
    size: tuple[int, int]
    work: Callable[[float], float]


def _progressive_work(sigma: float, size: tuple[int, int], frames: int, fast: bool) -> float:
    levels = range(1, PROGRESSIVE_LEVELS + 1)
    return sum(
        blur_work(sigma * level / PROGRESSIVE_LEVELS, *size, frames, fast) for level in levels
    )


def _areas_work(sigma: float, areas: list[tuple[int, int]], frames: int, fast: bool) -> float:
    """Each area is blurred with a margin of the mask's reach around it."""
    margin = 2 * (math.ceil(sigma * GAUSSIAN_REACH) + 1)
    return sum(
        blur_work(sigma, width + margin, height + margin, frames, fast) for width, height in areas
    )


def _blurs(
    job: Job, filtered: tuple[int, int], result: tuple[int, int], frames: int, fast: bool
) -> list[BlurCost]:
    """Every blur of the job, in the order its steps run them."""
    options = job.options
    costs = []
    if options.blur:
        costs.append(
            BlurCost("blur", options.blur, filtered, partial(_plain_work, filtered, frames, fast))
        )
    areas, progressive = options.blur_areas, options.progressive_blur
    if areas.sigma and areas.areas:
        boxes = [area_box(area, *filtered) for area in areas.areas]
        sizes = [(max(0, x1 - x0), max(0, y1 - y0)) for x0, y0, x1, y1 in boxes]
        work = partial(_areas_work, areas=sizes, frames=frames, fast=fast)
        costs.append(BlurCost("blur_areas sigma", areas.sigma, filtered, work))
    if progressive.sigma:
        work = partial(_progressive_work, size=filtered, frames=frames, fast=fast)
        costs.append(BlurCost("progressive_blur sigma", progressive.sigma, filtered, work))
    if options.watermark_shadow and options.watermark.opacity and job.watermark is not None:
        # One alpha band no larger than the result (a tiled one: each tile's, together no more).
        work = partial(_plain_work, result, frames, True)
        costs.append(BlurCost("watermark_shadow", options.watermark_shadow, result, work))
    return costs


def _plain_work(size: tuple[int, int], frames: int, fast: bool, sigma: float) -> float:
    return blur_work(sigma, *size, frames, fast)


def _largest(work: Callable[[float], float], budget: float) -> float:
    """The strongest sigma, to one decimal, whose `work` fits `budget`."""
    low, high = -1, int(MAX_SIGMA * 10) + 1
    while high - low > 1:
        tenths = (low + high) // 2
        if work(tenths / 10) <= budget:
            low = tenths
        else:
            high = tenths
    return max(low, 0) / 10


def _check_blurs(costs: list[BlurCost], spent: Spent) -> float:
    """Refuse the first blur that takes the work past `MAX_BLUR_WORK`; returns the work."""
    works = [cost.work(cost.sigma) for cost in costs]
    total = spent.blur
    for cost, work in zip(costs, works, strict=True):
        total += work
        if total > MAX_BLUR_WORK:
            others = spent.blur + sum(works) - work
            most = _largest(cost.work, MAX_BLUR_WORK - others) if others < MAX_BLUR_WORK else 0.0
            width, height = cost.size
            raise WorkTooLarge(
                f"Expected {cost.option} of at most {most:g} for a {width}x{height} result "
                f"but received {cost.sigma:g}{spent.blur_note}"
            )
    return sum(works)


def bound_work(image: pyvips.Image, job: Job, limits: Limits, spent: Spent = Spent()) -> Spent:
    """Refuse a job whose result has more pixels than a source may have, or whose blurs cost
    more than `MAX_BLUR_WORK`, together with what `spent` says earlier pipelines took. `image`
    is the loaded (lazy) source. Returns `spent` with this job's share added."""
    frames = job.frames
    loaded = (image.width, image.height // frames)
    result = result_size(job.plan, loaded)
    pixels = _check_result(*result, frames, limits, spent)
    _check_quantization(job, *result)
    fast = image.format == "uchar" and not image.hasalpha()
    costs = _blurs(job, _blurred_size(job.plan, loaded), result, frames, fast)
    work = _check_blurs(costs, spent) if costs else 0.0
    return Spent(spent.pixels + pixels, spent.blur + work)
