"""The geometry and page options `@imgproxy/imgproxy-js-core` 1.9.0 (imgproxy's official URL
builder, which `@imgproxy/imgproxy-node` wraps) can write, built by that library and served by
the proxy, checked in the pixels: `test_option_is_served[<the library's option name>]`.

The library writes paths (tests/node/generate_core_urls.mjs, one `node` run for the module) and
does not sign them; the test does. test_node_core_options.py has the other processing options,
test_node_core_info.py the info options, and test_node_core_refusals.py the one table of what
this proxy refuses, with the check that every option the library declares is in one of them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import pyvips

from tests.integration.core_checks import (
    all_of,
    image,
    jpeg,
    like_baseline,
    png,
    refused,
    region_of_baseline,
)
from tests.integration.core_options import Case, CoreProxy, core_proxy, ids
from tests.integration.image_checks import (
    colours_at,
    frames,
    nearest_neighbour_doubled,
    padded,
    placed,
    trimmed,
)
from tests.support import OriginLog

SMALL = "png-rgb8-pngsuite.png"  # 32x32, opaque
TRANSPARENT = "gif-transparent.gif"  # 100x100, the opaque part 40x36 at 29,33
ANIMATED = "webp-animated-loop3.webp"  # 370x285, 10 frames
PAGES = "tiff-multipage.tiff"  # 10x10 green, 10x10 red, 20x20 blue
TURNED = "jpeg-exif-orientation-6.jpg"  # stored 1200x1800, shown 1800x1200
GREEN, RED, BLUE = (0, 128, 0), (255, 0, 0), (0, 0, 255)
RESCALED = 8.0
"""A fill crop and its baseline scale the source by slightly different factors."""

CASES: tuple[Case, ...] = (
    Case(
        "resize", {"resize": {"resizing_type": "fill", "width": 100, "height": 100}}, jpeg(100, 100)
    ),
    Case(
        "resize",
        {"rs": {"resizing_type": "fit", "width": 600, "height": 600, "enlarge": True}},
        jpeg(394, 600),
        label="enlarge",
    ),
    Case(
        "resize",
        {
            "resize": {
                "resizing_type": "fit",
                "width": 400,
                "height": 600,
                "extend": {"extend": True, "gravity": {"type": "so"}},
            },
            "format": "png",
        },
        all_of(png(400, 600), placed(56, 158, 290, 442)),
        label="extend south",
    ),
    Case("size", {"size": {"width": 100, "height": 100}}, jpeg(66, 100)),
    Case(
        "size",
        {"s": {"width": 600, "height": 600, "enlarge": True}},
        jpeg(394, 600),
        label="enlarge",
    ),
    Case(
        "size",
        {"size": {"width": 400, "height": 600, "extend": {"extend": True}}, "format": "png"},
        all_of(png(400, 600), placed(56, 80, 290, 442)),
        label="extend",
    ),
    Case("resizing_type", {"resizing_type": "force", "width": 100, "height": 100}, jpeg(100, 100)),
    Case(
        "resizing_type",
        {"rt": "fill-down", "width": 600, "height": 300},
        jpeg(290, 145),
        label="fill-down",
    ),
    Case(
        "resizing_type",
        {"resizing_type": "auto", "width": 100, "height": 200},
        jpeg(100, 200),
        label="auto",
    ),
    Case(
        "resizing_algorithm",
        {"resizing_algorithm": "nearest", "width": 64, "enlarge": True, "format": "png"},
        all_of(png(64, 64), nearest_neighbour_doubled),
        source=SMALL,
        baseline="w:64/el:1/f:png",
    ),
    Case("width", {"width": 100}, jpeg(100, 152)),
    Case("height", {"h": 100}, jpeg(66, 100)),
    Case("min_width", {"min_width": 100, "height": 50}, jpeg(100, 50)),
    Case("min_height", {"mh": 600, "width": 50}, jpeg(50, 600)),
    Case("zoom", {"zoom": 0.5}, jpeg(145, 221)),
    Case("zoom", {"z": {"zoom_x": 0.5, "zoom_y": 0.25}}, jpeg(145, 111), label="x and y"),
    Case("dpr", {"dpr": 2, "width": 50}, jpeg(100, 152)),
    Case("dpr", {"dpr": 8, "width": 10}, jpeg(80, 122), label="8"),
    Case("enlarge", {"enlarge": True, "width": 600}, jpeg(600, 914)),
    Case("enlarge", {"el": False, "width": 600}, jpeg(290, 442), label="off"),
    Case(
        "extend",
        {
            "width": 400,
            "height": 600,
            "extend": {"extend": True, "gravity": {"type": "no"}},
            "format": "png",
        },
        all_of(png(400, 600), placed(56, 0, 290, 442)),
    ),
    Case(
        "extend_aspect_ratio",
        {"width": 400, "height": 400, "exar": {"extend": True}, "format": "png"},
        all_of(png(400, 400), placed(70, 0, 262, 400)),
    ),
    Case(
        "extend_aspect_ratio",
        {
            "width": 400,
            "height": 400,
            "extend_aspect_ratio": {"extend": True, "gravity": {"type": "we"}},
            "format": "png",
        },
        all_of(png(400, 400), placed(0, 0, 262, 400)),
        label="west",
    ),
    Case(
        "gravity",
        {"width": 100, "height": 50, "resizing_type": "fill", "gravity": {"type": "no"}},
        all_of(jpeg(100, 50), region_of_baseline(0, 0)),
        baseline="w:100",
    ),
    Case(
        "gravity",
        {
            "width": 100,
            "height": 50,
            "rt": "fill",
            "g": {"type": "so", "x_offset": 0, "y_offset": 5},
        },
        all_of(jpeg(100, 50), region_of_baseline(0, 97, RESCALED)),
        label="south with offset",
        baseline="w:100",
    ),
    Case(
        "gravity",
        {
            "width": 100,
            "height": 50,
            "resizing_type": "fill",
            "gravity": {"type": "fp", "x": 0.5, "y": 0.8},
        },
        all_of(jpeg(100, 50), region_of_baseline(0, 97, RESCALED)),
        label="focus point",
        baseline="w:100",
    ),
    Case(
        "gravity",
        {"width": 100, "height": 50, "resizing_type": "fill", "gravity": {"type": "sm"}},
        jpeg(100, 50),
        label="smart",
    ),
    Case(
        "gravity",
        {
            "width": 160,
            "height": 60,
            "resizing_type": "fill",
            "gravity": {"type": "obj", "class_names": ["face"]},
        },
        all_of(jpeg(160, 60), region_of_baseline(0, 0)),
        label="objects",
        source="jpeg-face-portrait.jpg",
        baseline="rs:fill:160:60/g:obj",
    ),
    Case(
        "gravity",
        {
            "width": 160,
            "height": 60,
            "resizing_type": "fill",
            "gravity": {"type": "objw", "class_weights": [{"class": "face", "weight": 2}]},
        },
        all_of(jpeg(160, 60), region_of_baseline(0, 0)),
        label="weighted objects",
        source="jpeg-face-portrait.jpg",
        baseline="rs:fill:160:60/g:obj",
    ),
    Case(
        "objects_position",
        {
            "width": 160,
            "height": 60,
            "resizing_type": "fill",
            "gravity": {"type": "obj", "class_names": ["face"]},
            "objects_position": {"type": "prop"},
        },
        all_of(jpeg(160, 60), region_of_baseline(0, 0)),
        source="jpeg-face-portrait.jpg",
        baseline="rs:fill:160:60/g:obj/op:prop",
    ),
    Case(
        "crop_objects",
        {"crop_objects": {"scale_factor": 1.5, "class_names": ["face"]}},
        region_of_baseline(0, 0),
        source="jpeg-faces-two-people.jpg",
        baseline="c_obj:1.5",
    ),
    Case(
        "blur_detections",
        {"width": 200, "blur_detections": {"sigma": 5, "class_names": ["face"]}},
        all_of(jpeg(200, 250), region_of_baseline(0, 0)),
        source="jpeg-face-portrait.jpg",
        baseline="w:200/bd:5",
    ),
    Case(
        "draw_detections",
        {"width": 200, "draw_detections": {"draw": True, "class_names": ["face"]}},
        all_of(jpeg(200, 250), region_of_baseline(0, 0)),
        source="jpeg-face-portrait.jpg",
        baseline="w:200/dd:1",
    ),
    Case(
        "crop",
        {"crop": {"width": 100, "height": 50, "gravity": {"type": "nowe"}}},
        all_of(jpeg(100, 50), region_of_baseline(0, 0)),
        baseline="",
    ),
    Case(
        "crop",
        {"c": {"width": 0.5, "height": 0.5, "gravity": {"type": "soea"}}},
        all_of(jpeg(145, 221), region_of_baseline(145, 221)),
        label="fractions",
        baseline="",
    ),
    Case(
        "crop",
        {"crop": {"width": 100, "height": 100, "gravity": {"type": "fp", "x": 0, "y": 1}}},
        all_of(jpeg(100, 100), region_of_baseline(0, 342)),
        label="focus point",
        baseline="",
    ),
    Case(
        "crop_aspect_ratio",
        {
            "crop": {"width": 100, "height": 200, "gravity": {"type": "nowe"}},
            "crop_aspect_ratio": {"aspect_ratio": 1},
        },
        all_of(jpeg(100, 100), region_of_baseline(0, 0)),
        baseline="",
    ),
    Case(
        "crop_aspect_ratio",
        {
            "crop": {"width": 100, "height": 200, "gravity": {"type": "nowe"}},
            "crop_ar": {"aspect_ratio": 1, "enlarge": True},
        },
        all_of(jpeg(200, 200), region_of_baseline(0, 0)),
        label="enlarge",
        baseline="",
    ),
    Case(
        "trim",
        {"trim": {"threshold": 10}, "format": "png"},
        trimmed(equal=False),
        source=TRANSPARENT,
        baseline="f:png",
    ),
    Case(
        "trim",
        {"t": {"threshold": 10, "equal_hor": True, "equal_ver": True}, "format": "png"},
        trimmed(equal=True),
        label="equal sides",
        source=TRANSPARENT,
        baseline="f:png",
    ),
    Case(
        "padding",
        {"padding": 10, "background": "ff0000", "format": "png"},
        padded(10, 10, 10, 10, [255, 0, 0]),
        baseline="f:png",
    ),
    Case(
        "padding",
        {"pd": {"top": 1, "left": 3}, "format": "png"},
        padded(1, 1, 1, 3, [0, 0, 0, 0]),
        label="top and left",
        baseline="f:png",
    ),
    Case("auto_rotate", {"auto_rotate": False, "width": 120}, jpeg(120, 180), source=TURNED),
    Case("auto_rotate", {"ar": True, "width": 120}, jpeg(120, 80), label="on", source=TURNED),
    Case(
        "rotate",
        {"rotate": 90},
        all_of(jpeg(442, 290), like_baseline(pyvips.Image.rot90)),
        baseline="",
    ),
    Case("rotate", {"rot": 180}, like_baseline(pyvips.Image.rot180), label="180", baseline=""),
    Case("rotate", {"rotate": 270}, like_baseline(pyvips.Image.rot270), label="270", baseline=""),
    Case("flip", {"flip": {"horizontal": True}}, like_baseline(pyvips.Image.fliphor), baseline=""),
    Case(
        "flip",
        {"fl": {"vertical": True}},
        like_baseline(pyvips.Image.flipver),
        label="vertical",
        baseline="",
    ),
    Case(
        "page",
        {"page": 1, "format": "png"},
        all_of(png(10, 10), colours_at((5, 5, RED))),
        source=PAGES,
    ),
    Case(
        "page",
        {"pg": 2, "format": "png"},
        all_of(png(20, 20), colours_at((5, 5, BLUE))),
        label="2",
        source=PAGES,
    ),
    Case(
        "page",
        {"page": 5},
        refused(422, "Page 5 does not exist"),
        label="past the end",
        source=PAGES,
    ),
    Case(
        "pages",
        {"pages": 2, "format": "png"},
        all_of(png(10, 20), colours_at((5, 5, GREEN), (5, 15, RED))),
        source=PAGES,
    ),
    Case(
        "pages",
        {"pgs": 2, "page": 1, "format": "png"},
        all_of(png(20, 30), colours_at((5, 5, RED), (5, 15, BLUE))),
        label="from page 1",
        source=PAGES,
    ),
    Case(
        "pages",
        {"pages": 1, "format": "png"},
        all_of(png(10, 10), colours_at((5, 5, GREEN))),
        label="1",
        source=PAGES,
    ),
    Case(
        "disable_animation",
        {"max_animation_frames": 10, "disable_animation": True},
        all_of(image("image/webp", 370, 285), frames(1)),
        source=ANIMATED,
    ),
    Case(
        "disable_animation",
        {"max_animation_frames": 10, "da": False},
        all_of(image("image/webp", 370, 285), frames(10)),
        label="off",
        source=ANIMATED,
    ),
    Case(
        "disable_animation",
        {"max_animation_frames": 10, "disable_animation": True, "pages": 2},
        all_of(image("image/webp", 370, 570), frames(1)),
        label="with pages",
        source=ANIMATED,
    ),
    Case("enforce_thumbnail", {"enforce_thumbnail": True}, like_baseline(tolerance=0), baseline=""),
)


@pytest.fixture(scope="module")
def proxy(origin: tuple[str, OriginLog]) -> Iterator[CoreProxy]:
    base = origin[0]
    with core_proxy(base, [case.request(base) for case in CASES]) as served:
        yield served


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_option_is_served(proxy: CoreProxy, case: Case) -> None:
    case.check(proxy.serve(case))
