"""Where the picture is cut: gravity (compass with offsets, smart, focus point), crop, rotate,
flip and EXIF orientation (the crop applies to the image as displayed).

Positions follow imgproxy's processing/calc_position.go: centred = round_half_even((outer -
inner + 1) / 2) + offset; offsets >= 1 are pixels (times dpr), < 1 fractions of the outer side;
`fp:x:y` centres the box on (x * width, y * height). Rotation is clockwise (vips d90).
The source is 200x100 with red/green/blue/white quadrants unless stated otherwise.
"""

from __future__ import annotations

import functools

import pytest
import pyvips

from tests.transforms import images as im

QUAD = im.png(im.quadrants())
TALL = im.png(im.quadrants(100, 200))


@pytest.mark.parametrize(
    ("gravity", "edge", "corners"),
    [
        ("ce", 50, ("red", "green", "blue", "white")),
        ("we", None, ("red", "red", "blue", "blue")),
        ("ea", None, ("green", "green", "white", "white")),
        ("we:10", 90, ("red", "green", "blue", "white")),
        ("ea:10", 10, ("red", "green", "blue", "white")),
        ("ce:30", 20, ("red", "green", "blue", "white")),
        ("ce:0.1", 30, ("red", "green", "blue", "white")),  # 0.1 of 200 px
        ("ce:-30", 80, ("red", "green", "blue", "white")),
        ("nowe", None, ("red", "red", "blue", "blue")),
        ("soea", None, ("green", "green", "white", "white")),
        ("fp:0.6:0.5", 30, ("red", "green", "blue", "white")),
        ("fp:0:0.5", None, ("red", "red", "blue", "blue")),
        ("fp:1:0.5", None, ("green", "green", "white", "white")),
    ],
)
def test_fill_crop_follows_horizontal_gravity(gravity, edge, corners):
    image = im.decode(im.run(QUAD, f"rs:fill:100:100/g:{gravity}"))
    assert (image.width, image.height) == (100, 100)
    assert im.edge_x(image, 25) == edge
    assert im.corners(image) == corners


@pytest.mark.parametrize(
    ("gravity", "edge", "corners"),
    [
        ("no", None, ("red", "green", "red", "green")),
        ("so", None, ("blue", "white", "blue", "white")),
        ("no:0:20", 80, ("red", "green", "blue", "white")),
        ("so:0:20", 20, ("red", "green", "blue", "white")),
        ("fp:0.5:0.3", 90, ("red", "green", "blue", "white")),  # 60 - 50 = 10: rows 10..109
    ],
)
def test_fill_crop_follows_vertical_gravity(gravity, edge, corners):
    image = im.decode(im.run(TALL, f"rs:fill:100:100/g:{gravity}"))
    assert im.edge_y(image, 25) == edge
    assert im.corners(image) == corners


def test_gravity_offsets_follow_dpr():
    # 200x100 into 50x50 at dpr 2 is 100x100 without scaling; the 10 px offset becomes 20
    image = im.decode(im.run(QUAD, "rs:fill:50:50/g:we:10/dpr:2"))
    assert (image.width, image.height) == (100, 100)
    assert im.edge_x(image, 25) == 80


def test_smart_gravity_keeps_the_interesting_region():
    flat = im.solid(300, 100, (128, 128, 128))
    busy = flat.insert(im.solid(40, 40, im.RED), 200, 30).insert(
        im.checkerboard(40, 40, 4), 240, 30
    )
    data = im.png(busy)
    smart = im.decode(im.run(data, "rs:fill:100:100/g:sm"))
    centre = im.decode(im.run(data, "rs:fill:100:100/g:ce"))
    assert (smart.width, smart.height) == (100, 100)
    assert im.share(smart, im.RED) > 0.1
    assert im.share(centre, im.RED) == 0
    cropped = im.decode(im.run(data, "c:100:100:sm"))
    assert im.share(cropped, im.RED) > 0.1


@pytest.mark.parametrize(
    ("path", "size", "corners"),
    [
        ("c:100:50:nowe", (100, 50), ("red",) * 4),
        ("c:0.5:0.5:soea", (100, 50), ("white",) * 4),  # relative
        ("c:0.5:0:ea", (100, 100), ("green", "green", "white", "white")),  # 0 = full height
        ("c:100:50:nowe/g:soea", (100, 50), ("red",) * 4),  # the crop's own gravity wins
        ("c:100:50/g:soea", (100, 50), ("white",) * 4),  # ... else the gravity option
        ("c:100:50:nowe/w:50", (50, 25), ("red",) * 4),  # crop, then resize
        ("c:300:300", (200, 100), ("red", "green", "blue", "white")),  # larger: no-op
    ],
)
def test_crop_cuts_before_resizing(path, size, corners):
    image = im.decode(im.run(QUAD, path))
    assert (image.width, image.height) == size
    assert im.corners(image) == corners


@pytest.mark.parametrize(
    ("path", "edges"),
    [
        ("c:60:60:nowe:10:10", (None, 40)),
        ("c:60:60:soea:10:10", (None, 20)),  # left 130, top 30
        ("c:60:60:no:0.1:0.1", (10, 40)),  # left 70 + 20, top 10
        ("c:50:50:ce:-25:-25", (49, 49)),  # left 76 - 25, top 26 - 25
    ],
)
def test_crop_gravity_offsets(path, edges):
    image = im.decode(im.run(QUAD, path))
    assert (image.width, image.height) == (int(path.split(":")[1]),) * 2
    assert (im.edge_x(image, 2), im.edge_y(image, 2)) == edges


@pytest.mark.parametrize(
    ("path", "size", "corners"),
    [
        ("rot:90", (100, 200), ("blue", "red", "white", "green")),
        ("rot:180", (200, 100), ("white", "blue", "green", "red")),
        ("rot:270", (100, 200), ("green", "white", "red", "blue")),
        ("rot:360", (200, 100), ("red", "green", "blue", "white")),
        ("fl:1", (200, 100), ("green", "red", "white", "blue")),
        ("fl:0:1", (200, 100), ("blue", "white", "red", "green")),
        ("fl:1:1", (200, 100), ("white", "blue", "green", "red")),
        ("rot:90/fl:1", (100, 200), ("red", "blue", "green", "white")),  # rotate, then flip
        ("rot:90/w:50", (50, 100), ("blue", "red", "white", "green")),
    ],
)
def test_rotate_turns_clockwise_and_flip_mirrors(path, size, corners):
    image = im.decode(im.run(QUAD, path))
    assert (image.width, image.height) == size
    assert im.corners(image) == corners


@pytest.mark.parametrize(
    ("path", "size", "corners"),
    [
        # displayed after rot:90 is 100x200: blue|red over white|green
        ("c:100:50:nowe/rot:90", (100, 50), ("blue", "red", "blue", "red")),
        ("c:50:100:nowe/rot:90", (50, 100), ("blue",) * 4),
        ("c:50:100:soea/rot:90", (50, 100), ("green",) * 4),
        ("c:100:50:soea/rot:270", (100, 50), ("red", "blue", "red", "blue")),
        ("c:100:50:nowe/fl:1", (100, 50), ("green",) * 4),
        ("c:100:50:sowe/fl:0:1", (100, 50), ("red",) * 4),
        ("c:50:50:fp:0.25:0.75/rot:90", (50, 50), ("white",) * 4),
        ("rs:fill:50:50/g:nowe/rot:90", (50, 50), ("blue", "red", "blue", "red")),
    ],
)
def test_crop_and_gravity_apply_to_the_rotated_image(path, size, corners):
    image = im.decode(im.run(QUAD, path))
    assert (image.width, image.height) == size
    assert im.corners(image) == corners


MARKED = im.quadrants().insert(im.solid(20, 10, im.BLACK), 10, 10)
ORIENTED_PATHS = [
    "",
    "w:100",
    "c:60:40:nowe",
    "c:60:40:nowe/rot:90",
    "c:0.5:0.5:soea/rot:270/fl:1",
    "rs:fill:50:50/g:ea",
    "c:80:60:fp:0.2:0.3/rot:90",
    "c:60:40:we:10:5/fl:0:1",
    "c:70:30:ce:15:-10/rot:90/fl:1",
    "rs:fit:300:300/ex:1:noea/rot:90",
    "exar:1:soea/rs:fill:50:20/rot:90",
]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_before_crop_rotate_and_flip(orientation):
    stored = im.png(im.oriented(MARKED, orientation))
    upright = im.png(MARKED)
    for path in ORIENTED_PATHS:
        got = im.decode(im.run(stored, path))
        want = im.decode(im.run(upright, path))
        assert (got.width, got.height) == (want.width, want.height), path
        assert im.grid(got) == im.grid(want), path


def test_auto_rotate_off_keeps_the_stored_pixels():
    stored = im.png(im.oriented(MARKED, 6))
    image = im.decode(im.run(stored, "ar:0"))
    assert (image.width, image.height) == (100, 200)
    assert im.corners(image) == ("green", "white", "red", "blue")  # turned back 90 degrees
    assert im.corners(im.decode(im.run(stored, "ar:1"))) == ("red", "green", "blue", "white")


LANDSCAPES = {n: im.corpus(f"jpeg-exif-orientation-{n}.jpg") for n in range(1, 9)}


@functools.cache
def upright_landscape(path: str) -> pyvips.Image:
    return im.decode(im.run(LANDSCAPES[1], path))


@pytest.mark.parametrize("orientation", range(2, 9))
@pytest.mark.parametrize("path", ["w:180", "c:900:600:nowe/w:300", "c:0.5:0.5:soea/rot:90/w:120"])
def test_corpus_orientations_display_the_same_picture(orientation, path):
    want = upright_landscape(path)
    got = im.decode(im.run(LANDSCAPES[orientation], path))
    assert (got.width, got.height) == (want.width, want.height)
    assert im.mean_abs_difference(got, want) < 8
    assert im.hamming(im.fingerprint(got), im.fingerprint(want)) <= 3


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_corpus_orientation_ignored_with_auto_rotate_off(orientation):
    want = upright_landscape("rs:fill:120:120")
    got = im.decode(im.run(LANDSCAPES[orientation], "rs:fill:120:120/ar:0"))
    assert im.mean_abs_difference(got, want) > 15
