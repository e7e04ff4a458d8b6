"""Pixel checks of the processing options: where the picture sits, what a filter did to it,
against the case's baseline (the same source served without the option)."""

from __future__ import annotations

import pyvips

from tests.integration import pixels
from tests.integration.core_checks import like_baseline
from tests.integration.core_options import WATERMARK, Check, Served
from tests.support import CORPUS


def _ratio(found: float, baseline: float) -> str:
    return f"{found:.2f} against the baseline's {baseline:.2f}"


def blurred(served: Served) -> None:
    found, baseline = pixels.sharpness(served.image), pixels.sharpness(served.baseline)
    assert found < 0.6 * baseline, _ratio(found, baseline)


def sharpened(served: Served) -> None:
    found, baseline = pixels.sharpness(served.image), pixels.sharpness(served.baseline)
    assert found > 1.15 * baseline, _ratio(found, baseline)


def black(served: Served) -> None:
    brightest = pixels.colour(served.image).max()
    assert brightest == 0, f"brightest value {brightest}"


def white(served: Served) -> None:
    darkest = pixels.colour(served.image).min()
    assert darkest == 255, f"darkest value {darkest}"


def brighter(served: Served) -> None:
    found, baseline = served.image.avg(), served.baseline.avg()
    assert found > baseline + 15, _ratio(found, baseline)


def more_contrast(served: Served) -> None:
    found, baseline = pixels.spread(served.image), pixels.spread(served.baseline)
    assert found > 1.3 * baseline, _ratio(found, baseline)


def grey(served: Served) -> None:
    found = pixels.colourfulness(served.image)
    assert found < 1, f"colourfulness {found:.2f}"


def more_saturated(served: Served) -> None:
    found, baseline = pixels.colourfulness(served.image), pixels.colourfulness(served.baseline)
    assert found > 1.5 * baseline, _ratio(found, baseline)


def red_monochrome(served: Served) -> None:
    """Shades of pure red: no green or blue at all, the red varying with the picture."""
    red, green, blue = (pixels.colour(served.image)[band] for band in range(3))
    assert (green.max(), blue.max()) == (0, 0), f"green up to {green.max()}, blue {blue.max()}"
    assert red.deviate() > 10, f"red deviates by {red.deviate():.2f}"


def half_monochrome(served: Served) -> None:
    found, baseline = pixels.colourfulness(served.image), pixels.colourfulness(served.baseline)
    assert 0.25 < found / baseline < 0.75, _ratio(found, baseline)


def pixelated_by_8(served: Served) -> None:
    for left, top in ((0, 0), (8, 8), (24, 16)):
        assert pixels.uniform(served.image.crop(left, top, 8, 8)), f"block at {left}, {top}"
    assert not pixels.uniform(served.baseline.crop(0, 0, 8, 8))


def nearest_neighbour_doubled(served: Served) -> None:
    """Each source pixel became a 2x2 block: what lanczos3 (the baseline) never gives."""

    def blocky(image: pyvips.Image) -> bool:
        return bool((image - image.subsample(2, 2).zoom(2, 2)).abs().max() == 0)

    assert blocky(served.image), "not 2x2 blocks"
    assert not blocky(served.baseline)


def flattened_over(red: int, green: int, blue: int, tolerance: float) -> Check:
    return like_baseline(lambda image: image.flatten(background=[red, green, blue]), tolerance)


def green_corner(served: Served) -> None:
    """The transparent top-left corner is filled with the background colour."""
    corner = pixels.colour(served.image.crop(0, 0, 20, 20))
    found = [round(corner[band].avg()) for band in range(3)]
    assert all(abs(value - want) <= 3 for value, want in zip(found, (0, 255, 0), strict=True)), (
        found
    )


def half_transparent_red_background(served: Served) -> None:
    """A transparent pixel (0, 16) becomes red at half opacity; an opaque one (14, 2) stays."""
    assert served.baseline.getpoint(0, 16)[3] == 0
    red, green, blue, alpha = served.image.getpoint(0, 16)
    assert (red, green, blue) == (255, 0, 0) and abs(alpha - 127.5) <= 1, (red, green, blue, alpha)
    assert served.image.getpoint(14, 2) == served.baseline.getpoint(14, 2)


def placed(left: int, top: int, width: int, height: int) -> Check:
    """The picture sits at left, top with its size, the rest transparent."""

    def check(served: Served) -> None:
        box = pixels.opaque_box(served.image)
        assert box == (left, top, width, height), f"the picture is at {box}"

    return check


def padded(top: int, right: int, bottom: int, left: int, fill: list[float]) -> Check:
    """The baseline inside padding of these widths, filled with `fill` (one pixel of it)."""

    def check(served: Served) -> None:
        inner = served.baseline
        size = (served.image.width, served.image.height)
        assert size == (left + inner.width + right, top + inner.height + bottom), size
        found = pixels.difference(served.image.crop(left, top, inner.width, inner.height), inner)
        assert found <= 3, f"the inside differs by {found:.2f}"
        edge = served.image.getpoint(0, served.image.height // 2)
        assert edge == fill, f"the padding is {edge}"

    return check


def trimmed(equal: bool) -> Check:
    """Cut to the opaque part (the baseline's); with `equal`, the same amount from both sides."""

    def check(served: Served) -> None:
        left, top, width, height = pixels.opaque_box(served.baseline)
        full_width, full_height = served.baseline.width, served.baseline.height
        if equal:
            side = min(left, full_width - left - width)
            end = min(top, full_height - top - height)
            left, top, width, height = side, end, full_width - 2 * side, full_height - 2 * end
        size = (served.image.width, served.image.height)
        assert size == (width, height), f"{size} != {(width, height)}"
        found = pixels.difference(served.image, served.baseline.crop(left, top, width, height))
        assert found == 0, f"differs from the baseline's part by {found:.2f}"

    return check


def _mark(size: int) -> pyvips.Image:
    return pixels.colour(pyvips.Image.new_from_file(str(CORPUS / WATERMARK)).resize(size / 32))


def watermarked(left: int, top: int, size: int) -> Check:
    """The watermark, `size` px square, at left, top; a far corner is the baseline's."""

    def check(served: Served) -> None:
        found = pixels.difference(served.image.crop(left, top, size, size), _mark(size))
        assert found <= 1, f"the watermark's place differs from it by {found:.2f}"
        corner = (0, 0) if (left, top) != (0, 0) else (served.image.width - 40, 410)
        elsewhere = served.image.crop(*corner, 30, 30)
        assert pixels.difference(elsewhere, served.baseline.crop(*corner, 30, 30)) == 0

    return check


def tiled_at_half_opacity(*corners: tuple[int, int]) -> Check:
    """Whole 32 px tiles of the watermark, half blended into the baseline, at `corners`."""

    def check(served: Served) -> None:
        for left, top in corners:
            under = pixels.colour(served.baseline.crop(left, top, 32, 32))
            tile = served.image.crop(left, top, 32, 32)
            found = pixels.difference(tile, _mark(32) * 0.5 + under * 0.5)
            assert found <= 1, f"the tile at {left}, {top} differs by {found:.2f}"

    return check


def frames(count: int) -> Check:
    def check(served: Served) -> None:
        assert pixels.pages(served.image) == count, f"{pixels.pages(served.image)} frames"

    return check


def colours_at(*points: tuple[int, int, tuple[int, int, int]]) -> Check:
    def check(served: Served) -> None:
        for x, y, rgb in points:
            found = tuple(served.image.getpoint(x, y)[:3])
            assert found == rgb, f"{found} at {x}, {y}"

    return check


def green_square_at_the_top_left(served: Served) -> None:
    """The 10x10 green first page of the multi-page TIFF drawn at 0, 0 (`watermark_url`), not
    the server's watermark; the rest is the baseline's."""
    corner = served.image.crop(0, 0, 10, 10)
    square = [round(corner.extract_band(band).avg()) for band in range(3)]
    assert square == [0, 128, 0], f"the top-left 10x10 averages {square}"
    found = pixels.difference(
        served.image.crop(40, 40, 30, 30), served.baseline.crop(40, 40, 30, 30)
    )
    assert found == 0, f"away from the watermark the image differs by {found:.2f}"


def every_other_tile(served: Served) -> None:
    """`wm:1:ch`: the 32 px watermark in the centre cell, its side neighbours left as the
    baseline, its diagonal neighbour a watermark again."""
    width, height = served.image.width, served.image.height
    left, top = (width - 32) // 2, (height - 32) // 2
    for dx, dy, marked in ((0, 0, True), (32, 0, False), (0, 32, False), (32, 32, True)):
        cell = served.image.crop(left + dx, top + dy, 32, 32)
        under = served.baseline.crop(left + dx, top + dy, 32, 32)
        differs = pixels.difference(cell, under) > 1
        assert differs is marked, f"cell {dx // 32},{dy // 32}: marked {differs}"


def shadow_around_the_centred_mark(served: Served) -> None:
    """`wmsh`: darker than the baseline just outside the centred 32 px watermark."""
    width, height = served.image.width, served.image.height
    left, top = (width - 32) // 2, (height - 32) // 2
    outside = served.image.crop(left - 3, top + 8, 2, 16)
    under = served.baseline.crop(left - 3, top + 8, 2, 16)
    assert outside.avg() < under.avg() - 5, (outside.avg(), under.avg())


def green_text_at_the_top_left(served: Served) -> None:
    """`watermark_text` in green markup drawn at 0, 0: green ink there, none far from it."""

    def green_share(left: int, top: int, width: int, height: int) -> float:
        region = pixels.colour(served.image).crop(left, top, width, height)
        red, green, blue = (region.extract_band(band) for band in range(3))
        ink = (green > 180) & (red < 90) & (blue < 90)
        return float(ink.ifthenelse(1, 0).avg())

    assert green_share(0, 0, 80, 20) > 0.05, "no green text at the top left"
    assert green_share(150, 300, 140, 142) == 0, "green far from the text"


def drawn_in_green(served: Served) -> None:
    """`style` made the SVG's shapes green: pure green ink where the baseline has none."""

    def green(image: pyvips.Image) -> float:
        opaque = image.extract_band(3) > 200
        ink = opaque & (image.extract_band(1) > 200) & (image.extract_band(0) < 50)
        return float(ink.ifthenelse(1, 0).avg())

    assert green(served.baseline) == 0, "the baseline is green already"
    assert green(served.image) > 0.01, f"green share {green(served.image):.4f}"
