"""Sizing options rendered end to end: resize/size, resizing types, min sizes, zoom, dpr,
enlarge, extend, extend_aspect_ratio, padding, resizing_algorithm, result-size limits.

Expected sizes follow imgproxy's processing/prepare.go: per-axis shrink = source / requested;
`fit` takes the larger shrink, `fill`/`fill-down` the smaller, `force` both; no shrink below 1
without `enlarge` (and then dpr is capped at the remaining shrink); sizes round half away from
zero. The source is 200x100 with red/green/blue/white quadrants unless stated otherwise.
"""

from __future__ import annotations

import pytest

from imgproxy.url.options import ImageFormat
from tests.transforms import images as im

QUAD = im.png(im.quadrants())
UPRIGHT = ("red", "green", "blue", "white")


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("rs:fit:100:100", (100, 50)),
        ("rs:fill:100:100", (100, 100)),
        ("rt:fill/w:100/h:100", (100, 100)),
        ("rs:fill-down:300:300", (100, 100)),  # no enlarge: crop to the asked 1:1 ratio
        ("rs:fill-down:400:100", (200, 50)),
        ("rs:fill-down:400:100:1", (400, 100)),
        ("rs:force:50:100", (50, 100)),
        ("rs:force:100:0", (100, 100)),  # force keeps the original height for 0
        ("rs:force:0:50", (200, 50)),
        ("rs:auto:100:300", (100, 50)),  # orientations differ: fit
        ("rs:auto:100:80", (100, 80)),  # both landscape: fill
        ("rs:fit:0:0", (200, 100)),
        ("s:100:100", (100, 50)),
        ("s:50:0", (50, 25)),
        ("s:0:50", (100, 50)),
        ("w:400", (200, 100)),  # enlarge is off by default
        ("w:400/el:1", (400, 200)),
        ("rs:fill:400:400:1", (400, 400)),
        ("mw:400", (400, 200)),  # min-width enlarges even without enlarge
        ("mh:300/w:100", (100, 300)),  # ... then the width crops it
        ("rs:fit:100:100/mw:150", (100, 75)),
        ("z:0.5", (100, 50)),
        ("z:0.5:0.25", (100, 25)),
        ("w:50/z:2", (100, 50)),
        ("w:100/dpr:2", (200, 100)),
        ("w:100/dpr:3", (200, 100)),  # dpr capped: the source has no more pixels
        ("w:50/dpr:3/el:1", (150, 75)),
        ("w:50/dpr:2/z:2", (200, 100)),
    ],
)
def test_resizing_gives_imgproxy_sizes_and_keeps_the_picture(path, size):
    rendered = im.run(QUAD, path)
    image = im.decode(rendered)
    assert (rendered.width, rendered.height) == size
    assert (image.width, image.height) == size
    assert rendered.format is ImageFormat.PNG
    assert im.corners(image) == UPRIGHT


def test_force_stretches_each_axis_on_its_own():
    image = im.decode(im.run(QUAD, "rs:force:400:50:1"))
    assert (image.width, image.height) == (400, 50)
    assert im.edge_x(image, 10) in (200, 201)  # lanczos blends the pixel on the seam
    assert im.edge_y(image, 10) in (25, 26)


def test_extend_centres_the_image_on_a_transparent_canvas():
    image = im.decode(im.run(QUAD, "rs:fit:300:300/ex:1"))
    assert (image.width, image.height) == (300, 300)
    assert im.alpha(image, 5, 5) == 0
    assert im.alpha(image, 150, 295) == 0
    # left = round((300 - 200 + 1) / 2) = 50, top = 100
    assert im.named(image, 52, 102) == "red"
    assert im.named(image, 247, 197) == "white"
    assert im.alpha(image, 49, 150) == 0
    assert im.alpha(image, 50, 150) == 255


@pytest.mark.parametrize(
    ("gravity", "opaque", "clear"),
    [
        ("no", (150, 5), (150, 295)),
        ("so", (150, 295), (150, 5)),
        ("we:10:0", (12, 150), (8, 150)),
        ("soea", (295, 295), (5, 5)),
        ("ea:20:0", (275, 150), (285, 150)),
    ],
)
def test_extend_gravity_places_the_image(gravity, opaque, clear):
    image = im.decode(im.run(QUAD, f"rs:fit:300:300/ex:1:{gravity}"))
    assert (image.width, image.height) == (300, 300)
    assert im.alpha(image, *opaque) == 255
    assert im.alpha(image, *clear) == 0


def test_extend_does_not_shrink_and_fills_with_background_in_jpeg():
    assert im.run(QUAD, "rs:fit:100:100/ex:1").height == 100
    white = im.decode(im.run(QUAD, "rs:fit:300:300/ex:1", extension="jpg"))
    assert im.close(im.rgb(white, 5, 5), im.WHITE)
    red = im.decode(im.run(QUAD, "rs:fit:300:300/ex:1/bg:ff0000", extension="jpg"))
    assert (red.width, red.height, red.bands) == (300, 300, 3)
    assert im.close(im.rgb(red, 5, 5), im.RED)
    assert im.named(red, 240, 190) == "white"


def test_extend_with_dpr_keeps_the_composition():
    # fit 150x150 without enlarge: shrink 4/3, dpr capped to 4/3, target 150 * 4/3 = 200
    rendered = im.run(QUAD, "rs:fit:150:150/ex:1/dpr:2")
    assert (rendered.width, rendered.height) == (200, 200)


@pytest.mark.parametrize(
    ("path", "size", "opaque", "clear"),
    [
        ("rs:fit:100:100/exar:1", (100, 100), (50, 50), (50, 5)),
        ("rs:fill:300:300/exar:1", (200, 200), (100, 100), (100, 5)),
        ("rs:fit:300:100/exar:1:we", (300, 100), (5, 5), (295, 5)),
        ("rs:fit:300:100/exar:1:ea", (300, 100), (295, 5), (5, 5)),
    ],
)
def test_extend_aspect_ratio_grows_to_the_requested_ratio(path, size, opaque, clear):
    image = im.decode(im.run(QUAD, path))
    assert (image.width, image.height) == size
    assert im.alpha(image, *opaque) == 255
    assert im.alpha(image, *clear) == 0


def test_without_extend_aspect_ratio_the_image_keeps_its_ratio():
    rendered = im.run(QUAD, "rs:fit:300:100")
    assert (rendered.width, rendered.height) == (200, 100)


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("pd:10:20:30:40", (260, 140)),
        ("pd:10", (220, 120)),
        ("pd:5:10/w:100", (120, 60)),  # bottom = top, left = right
        ("pd:5:10:15/w:100", (120, 70)),
        ("pd:5/dpr:2/w:100", (220, 120)),  # padding follows dpr
        ("pd:5/z:2/el:1", (410, 210)),  # ... but not zoom
        ("rs:fit:300:300/ex:1/pd:10", (320, 320)),
    ],
)
def test_padding_sizes_follow_css_order_and_dpr(path, size):
    image = im.decode(im.run(QUAD, path))
    assert (image.width, image.height) == size


def test_padding_is_transparent_in_png_and_holds_the_image_at_left_top():
    image = im.decode(im.run(QUAD, "pd:10:20:30:40"))
    assert im.alpha(image, 39, 15) == 0  # left padding is 40
    assert im.named(image, 41, 11) == "red"
    assert im.named(image, 40 + 198, 10 + 98) == "white"
    assert im.alpha(image, 100, 139) == 0  # bottom padding is 30


@pytest.mark.parametrize(
    ("path", "color"),
    [("pd:10", im.WHITE), ("pd:10/bg:00ff00", im.GREEN), ("pd:10/bg:0:0:255", im.BLUE)],
)
def test_padding_is_filled_with_the_background_in_jpeg(path, color):
    image = im.decode(im.run(QUAD, path, extension="jpg"))
    assert (image.width, image.height, image.bands) == (220, 120, 3)
    assert im.close(im.rgb(image, 3, 3), color, tolerance=16)
    assert im.named(image, 15, 15) == "red"


def test_resizing_algorithm_nearest_keeps_pure_pixels_lanczos_blends():
    board = im.png(im.checkerboard(64, 64))
    nearest = im.decode(im.run(board, "w:45/ra:nearest"))
    lanczos = im.decode(im.run(board, "w:45/ra:lanczos3"))
    default = im.decode(im.run(board, "w:45"))
    assert nearest.width == lanczos.width == 45
    assert set(im.levels(nearest)) == {0, 255}
    assert all(100 < level < 160 for level in im.levels(lanczos))
    assert im.mean_abs_difference(default, lanczos) == 0  # lanczos3 is the default
    enlarged = im.decode(im.run(board, "w:160/el:1/ra:nearest"))
    assert set(im.levels(enlarged)) == {0, 255}


@pytest.mark.parametrize(
    ("path", "limit", "size"),
    [
        ("mrd:50", 0, (50, 25)),
        ("mrd:500", 0, (200, 100)),  # the limit never enlarges
        ("w:400/el:1/mrd:100", 0, (100, 50)),
        ("w:400/el:1", 100, (100, 50)),
        ("w:400/el:1/mrd:300", 100, (300, 150)),  # the URL's limit wins
        ("rs:fit:300:300/ex:1/mrd:150", 0, (150, 150)),
        # 400x200 + 2*20 padding = 440 wide: everything scales by 100/440, padding to 5
        ("w:400/el:1/pd:20/mrd:100", 0, (101, 55)),
    ],
)
def test_max_result_dimension_downscales_instead_of_failing(path, limit, size):
    rendered = im.run(QUAD, path, im.defaults(max_result_dimension=limit))
    assert (rendered.width, rendered.height) == size
    image = im.decode(rendered)
    assert (image.width, image.height) == size


@pytest.mark.parametrize(
    ("extension", "size"),
    [
        ("webp", (16383, 82)),
        ("avif", (16384, 82)),
        ("png", (20000, 100)),
        ("jpg", (20000, 100)),
    ],
)
def test_output_format_caps_the_result_side(extension, size):
    wide = im.png(im.solid(2000, 10, im.RED))
    rendered = im.run(wide, "w:20000/el:1", extension=extension)
    assert (rendered.width, rendered.height) == size
    image = im.decode(rendered)
    assert (image.width, image.height) == size
    assert im.named(image, image.width - 3, 5) == "red"


@pytest.mark.parametrize("path", ["w:14", "w:100/el:1"])
def test_resizing_transparent_edges_does_not_darken_them(path):
    # White opaque beside transparent black: resized premultiplied, the seam stays white.
    edge = im.solid(21, 20, (255, 255, 255, 255)).join(im.solid(21, 20, (0, 0, 0, 0)), "horizontal")
    image = im.decode(im.run(im.png(edge), path))
    seam = [x for x in range(image.width) if 0 < im.alpha(image, x, 3) < 255]
    assert seam
    for x in seam:
        assert min(im.rgb(image, x, 3)) >= 250, x
