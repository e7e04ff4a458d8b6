"""Every info option `@imgproxy/imgproxy-js-core` 1.9.0 can write for imgproxy Pro's `/info`,
built by that library (generateImageInfoUrl) and answered by the proxy, checked in the JSON and
the headers: `test_info_option_is_served[<the library's option name>]`. The info options this
proxy refuses are in the one table of test_node_core_refusals.py."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator

import pytest

from tests.integration.core_checks import (
    a_new_cache_entry,
    all_of,
    bypassed,
    max_age_at_most,
    refused,
    tagged,
)
from tests.integration.core_options import Case, Check, CoreProxy, Served, core_proxy, ids
from tests.integration.js_core import JsOptions
from tests.support import OriginLog

PHOTO = "jpeg-baseline-icc.jpg"  # 290x442
TRANSPARENT = "gif-transparent.gif"  # 100x100, mostly transparent
PALETTE_ALPHA = "png-palette-trns.png"  # 32x32 with transparency
ANIMATED = "webp-animated-loop3.webp"  # 10 frames
PAGES = "tiff-multipage.tiff"  # 10x10, 10x10, 20x20
TURNED = "jpeg-exif-orientation-6.jpg"  # stored 1200x1800, shown 1800x1200
COPYRIGHTED = "jpeg-grayscale-icc.jpg"  # EXIF Copyright, IPTC
SVG = "svg-basic.svg"
EXPIRES_AT = int(time.time()) + 3600
BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
QUIET = {"exif": False, "iptc": False, "xmp": False}
"""Leaves out the metadata answers that are on by default, to keep documents short."""


def answers(**expected: object) -> Check:
    def check(served: Served) -> None:
        for key, value in expected.items():
            assert served.document.get(key) == value, key

    return check


def one_face(served: Served) -> None:
    (found,) = served.document["objects"]
    assert found["class_id"] == 0 and found["class_name"] == "face"
    assert 0.5 < found["confidence"] <= 1
    assert 0.3 < found["left"] < 0.45 and 0.05 < found["top"] < 0.15
    assert 0.25 < found["width"] < 0.4 and 0.2 < found["height"] < 0.35


def has_keys(*keys: str) -> Check:
    def check(served: Served) -> None:
        assert set(keys) <= set(served.document)

    return check


def lacks_keys(*keys: str) -> Check:
    def check(served: Served) -> None:
        assert not set(keys) & set(served.document)

    return check


def the_baselines_document(served: Served) -> None:
    assert served.baseline_response is not None
    assert served.document == served.baseline_response.json()


def average_near_the_sources(served: Served) -> None:
    original = served.original
    measured = served.document["average"]
    for band, name in enumerate("RGB"):
        assert abs(measured[name] - original.extract_band(band).avg()) <= 6
    assert measured["A"] == 255


def average_alpha(low: int, high: int) -> Check:
    def check(served: Served) -> None:
        assert low <= served.document["average"]["A"] <= high

    return check


def blurhash_of(x: int, y: int) -> Check:
    """A BlurHash's first character says its component counts; its length follows from them."""

    def check(served: Served) -> None:
        found = served.document["blurhash"]
        assert found[0] == BASE83[(x - 1) + (y - 1) * 9]
        assert len(found) == 4 + 2 * x * y

    return check


def hashsums_of_the_source(*kinds: str) -> Check:
    def check(served: Served) -> None:
        expected = {kind: hashlib.new(kind, served.source_bytes).hexdigest() for kind in kinds}
        assert served.document["hashsums"] == expected

    return check


def palette_of(at_most: int) -> Check:
    def check(served: Served) -> None:
        colours = served.document["palette"]
        assert 2 <= len(colours) <= at_most
        assert all(set(colour) == {"R", "G", "B", "A"} for colour in colours)

    return check


def dominant_colours(served: Served) -> None:
    found = served.document["dominant_colors"]
    names = {"vibrant", "light_vibrant", "dark_vibrant", "muted", "light_muted", "dark_muted"}
    assert set(found) == names
    assert all(set(colour) == {"R", "G", "B"} for colour in found.values())


def matches(key: str, pattern: str) -> Check:
    def check(served: Served) -> None:
        assert re.fullmatch(pattern, served.document[key])

    return check


def exif_names(*names: str) -> Check:
    def check(served: Served) -> None:
        assert set(names) <= set(served.document["exif"])

    return check


def size_of_the_source(served: Served) -> None:
    assert served.document["size"] == len(served.source_bytes)


def info(
    option: str,
    options: JsOptions,
    check: Check,
    label: str = "",
    source: str = PHOTO,
    baseline: str | None = None,
) -> Case:
    return Case(option, options, check, label, source, baseline, kind="info")


INFO_CASES: tuple[Case, ...] = (
    info("size", {"size": True, **QUIET}, size_of_the_source),
    info("size", {"s": False}, lacks_keys("size"), label="off"),
    info(
        "format", {"f": True, **QUIET}, answers(format="svg", mime_type="image/svg+xml"), source=SVG
    ),
    info("format", {"format": False}, lacks_keys("format", "mime_type"), label="off"),
    info(
        "dimensions",
        {"dimensions": True, **QUIET},
        answers(width=1800, height=1200, orientation=6),
        source=TURNED,
    ),
    info("dimensions", {"d": False}, lacks_keys("width", "height"), label="off"),
    info("exif", {"exif": True}, exif_names("Copyright", "X Resolution"), source=COPYRIGHTED),
    info(
        "exif",
        {"exif": {"enabled": True, "canonical_names": True}},
        exif_names("Copyright", "XResolution"),
        label="canonical names",
        source=COPYRIGHTED,
    ),
    info("exif", {"exif": False}, lacks_keys("exif"), label="off", source=COPYRIGHTED),
    info("iptc", {"iptc": True}, has_keys("iptc"), source=COPYRIGHTED),
    info("iptc", {"iptc": False}, lacks_keys("iptc"), label="off", source=COPYRIGHTED),
    info("xmp", {"xmp": True}, has_keys("xmp")),
    info("xmp", {"xmp": False}, lacks_keys("xmp"), label="off"),
    info("video_meta", {"video_meta": True}, lacks_keys("video_meta")),
    info(
        "pages_number", {"pages_number": True, **QUIET}, answers(pages_number=10), source=ANIMATED
    ),
    info(
        "average",
        {"average": {"average": True, "ignore_transparent": False}, **QUIET},
        average_near_the_sources,
    ),
    info(
        "average",
        {"avg": {"average": True, "ignore_transparent": True}},
        average_alpha(255, 255),
        label="ignore transparent",
        source=TRANSPARENT,
    ),
    info(
        "average",
        {"average": {"average": True, "ignore_transparent": False}},
        average_alpha(1, 60),
        label="count transparent",
        source=TRANSPARENT,
    ),
    info(
        "blurhash", {"blurhash": {"x_components": 4, "y_components": 3}, **QUIET}, blurhash_of(4, 3)
    ),
    info(
        "blurhash", {"bh": {"x_components": 9, "y_components": 9}}, blurhash_of(9, 9), label="9x9"
    ),
    info(
        "blurhash",
        {"blurhash": {"x_components": 0, "y_components": 0}},
        lacks_keys("blurhash"),
        label="0x0",
    ),
    info("thumb_hash", {"thumb_hash": True, **QUIET}, matches("thumb_hash", "([0-9A-F]{2}){10,}")),
    info(
        "perceptual_hash",
        {"perceptual_hash": True, **QUIET},
        matches("perceptual_hash", "[0-9a-f]{16}"),
    ),
    info("palette", {"palette": 4, **QUIET}, palette_of(4)),
    info("palette", {"p": 2}, palette_of(2), label="2"),
    info("palette", {"palette": 256}, palette_of(256), label="256"),
    info(
        "dominant_colors",
        {"dominant_colors": {"dominant_colors": True, "build_missed": True}, **QUIET},
        dominant_colours,
    ),
    info(
        "calcHashsums",
        {"calcHashsums": ["md5", "sha256"], **QUIET},
        hashsums_of_the_source("md5", "sha256"),
    ),
    info("calcHashsums", {"chs": []}, lacks_keys("hashsums"), label="none"),
    info(
        "crop",
        {"crop": {"width": 100, "height": 50, "gravity": {"type": "nowe"}}, **QUIET},
        answers(crop={"left": 0.0, "top": 0.0, "width": 100 / 290, "height": 50 / 442}),
    ),
    info(
        "crop",
        {"c": {"width": 100, "height": 100, "gravity": {"type": "soea"}}, **QUIET},
        answers(
            crop={"left": 190 / 290, "top": 342 / 442, "width": 100 / 290, "height": 100 / 442}
        ),
        label="south-east",
    ),
    info(
        "page",
        {"page": 2, "pages_number": True, **QUIET},
        answers(width=20, height=20, pages_number=3),
        source=PAGES,
    ),
    info(
        "page", {"pg": 5}, refused(422, "Page 5 does not exist"), label="past the end", source=PAGES
    ),
    info("classify", {"classify": {"top_k": 0}}, has_keys("width"), label="off"),
    info("detect_objects", {"detect_objects": False}, has_keys("width"), label="off"),
    info(
        "detect_objects",
        {"detect_objects": True, **QUIET},
        one_face,
        label="one face",
        source="jpeg-face-portrait.jpg",
    ),
    info("video_thumbnail_second", {"vts": 5}, the_baselines_document, baseline=""),
    info(
        "video_thumbnail_keyframes",
        {"video_thumbnail_keyframes": True},
        the_baselines_document,
        baseline="",
    ),
    info("preset", {"preset": ["colours"], **QUIET}, all_of(has_keys("average"), palette_of(3))),
    info(
        "cachebuster",
        {"cachebuster": "v2"},
        all_of(a_new_cache_entry, the_baselines_document),
        baseline="",
    ),
    info("cache_tags", {"cache_tags": ["cats"]}, tagged("cats")),
    info("bypass_cache", {"bypass_cache": True}, bypassed),
    info("expires", {"expires": EXPIRES_AT}, max_age_at_most(3600)),
    info("expires", {"exp": 1000}, refused(410, "Expired URL"), label="past"),
    info(
        "max_src_resolution",
        {"max_src_resolution": 0.12},
        refused(422, "Source image resolution is too big"),
    ),
    info("max_src_resolution", {"msr": 0.13}, has_keys("width"), label="just enough"),
    info(
        "max_src_file_size",
        {"max_src_file_size": 22950},
        refused(422, "Source image file is too big"),
    ),
    info("max_src_file_size", {"msfs": 22951}, has_keys("width"), label="just enough"),
    info(
        "wild_options",
        {"wild_options": [["cs", 1], ["b", 1], ["sf", 1], ["a", 1, 1]], **QUIET},
        answers(
            colorspace="srgb", bands=4, sample_format="uchar", alpha=True, has_transparency=True
        ),
        label="colorspace, bands, sample_format, alpha",
        source=PALETTE_ALPHA,
    ),
)


@pytest.fixture(scope="module")
def proxy(origin: tuple[str, OriginLog]) -> Iterator[CoreProxy]:
    base = origin[0]
    with core_proxy(base, [case.request(base) for case in INFO_CASES]) as served:
        yield served


@pytest.mark.parametrize("case", INFO_CASES, ids=ids(INFO_CASES))
def test_info_option_is_served(proxy: CoreProxy, case: Case) -> None:
    case.check(proxy.serve(case))
