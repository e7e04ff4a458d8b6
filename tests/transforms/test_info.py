"""`describe` on real corpus images and on synthetic images whose answers are known."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import orjson
import pytest
import pyvips

from imgproxy.errors import UndecodableSource
from tests.transforms.test_blurhash import decode, decode83
from transforms.blurhash import BASE83
from transforms.info import describe

CORPUS = Path(__file__).resolve().parents[1] / "images"

TYPES = {
    "width": int,
    "height": int,
    "format": str,
    "mime": str,
    "size": int,
    "orientation": int,
    "color_space": str,
    "bands": int,
    "alpha": bool,
    "pages": int,
    "dominant_color": str,
    "blurhash": str,
}
HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")


def manifest(name: str) -> dict[str, str]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return next(row for row in csv.DictReader(handle, delimiter="\t") if row["file"] == name)


def header_int(image: pyvips.Image, name: str) -> int:
    return int(image.get(name)) if image.get_typeof(name) else 1


def describe_file(name: str, **load_options: object) -> dict[str, object]:
    """What a caller does: decode, read pages and orientation from the header, describe."""
    data = (CORPUS / name).read_bytes()
    image = pyvips.Image.new_from_buffer(data, "", **load_options)
    row = manifest(name)
    return describe(
        image,
        data_size=len(data),
        format_name=row["format"],
        media_type=f"image/{row['format']}",
        pages=header_int(image, "n-pages"),
        orientation=header_int(image, "orientation"),
    )


def check_shape(info: dict[str, object]) -> None:
    assert list(info) == list(TYPES)
    for key, kind in TYPES.items():
        assert type(info[key]) is kind, key
    assert HEX_COLOUR.fullmatch(str(info["dominant_color"]))
    blurhash = str(info["blurhash"])
    assert len(blurhash) == 28
    assert blurhash[0] == "L"
    assert set(blurhash) <= set(BASE83)
    assert orjson.loads(orjson.dumps(info)) == info


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def average_colour(info: dict[str, object]) -> tuple[int, int, int]:
    """The BlurHash DC: the image's average colour, stored exactly as 24-bit sRGB."""
    dc = decode83(str(info["blurhash"])[2:6])
    return dc >> 16, dc >> 8 & 255, dc & 255


@pytest.mark.parametrize(
    ("name", "load_options", "expected"),
    [
        ("jpeg-exif-orientation-6.jpg", {}, {"orientation": 6, "color_space": "srgb", "bands": 3}),
        ("png-rgba8-photo.png", {}, {"alpha": True, "bands": 4, "color_space": "srgb"}),
        ("jpeg-cmyk-icc.jpg", {}, {"color_space": "cmyk", "bands": 4, "alpha": False}),
        ("png-rgb16.png", {}, {"color_space": "rgb16", "bands": 3, "alpha": False}),
        ("jpeg-grayscale-icc.jpg", {}, {"color_space": "b-w", "bands": 1, "alpha": False}),
        ("gif-animated-30frames.gif", {"n": -1}, {"pages": 30, "alpha": True, "bands": 4}),
    ],
)
def test_corpus_images(
    name: str, load_options: dict[str, object], expected: dict[str, object]
) -> None:
    info = describe_file(name, **load_options)
    check_shape(info)
    row = manifest(name)
    assert (info["width"], info["height"]) == (int(row["width"]), int(row["height"]))
    assert info["size"] == int(row["bytes"])
    assert (info["format"], info["mime"]) == (row["format"], f"image/{row['format']}")
    expected = {"orientation": 1, "pages": 1, "alpha": False, **expected}
    assert {key: info[key] for key in expected} == expected


def test_shrunk_on_load_reports_the_passed_source_size_and_similar_colours() -> None:
    name = "jpeg-exif-orientation-1.jpg"
    data = (CORPUS / name).read_bytes()
    full = describe_file(name)
    shrunk = describe(
        pyvips.Image.new_from_buffer(data, "", shrink=4),
        data_size=len(data),
        format_name="jpeg",
        media_type="image/jpeg",
        pages=1,
        orientation=1,
        width=1800,
        height=1200,
    )
    check_shape(shrunk)
    assert (shrunk["width"], shrunk["height"]) == (1800, 1200)
    pairs = zip(average_colour(full), average_colour(shrunk), strict=True)
    assert max(abs(a - b) for a, b in pairs) <= 3


def solid_image(colour: list[int], interpretation: str = "srgb") -> pyvips.Image:
    black = pyvips.Image.black(120, 80, bands=len(colour))
    return black.new_from_image(colour).copy(interpretation=interpretation)


def describe_image(image: pyvips.Image, orientation: int = 1) -> dict[str, object]:
    return describe(
        image,
        data_size=1,
        format_name="png",
        media_type="image/png",
        pages=1,
        orientation=orientation,
    )


def test_solid_red() -> None:
    info = describe_image(solid_image([255, 0, 0]))
    check_shape(info)
    assert info["dominant_color"] == "#ff0000"
    blurhash = str(info["blurhash"])
    assert average_colour(info) == (255, 0, 0)
    pixels = decode(blurhash, 32, 32)
    mean = [sum(pixels[channel::3]) / (32 * 32) for channel in range(3)]
    assert mean[0] > 245
    assert mean[1:] == [0, 0]


def test_fully_transparent_pixels_do_not_count() -> None:
    green_hidden = solid_image([0, 255, 0, 0]).crop(0, 0, 80, 80)
    blue_shown = solid_image([0, 0, 255, 255]).crop(0, 0, 40, 80)
    image = green_hidden.join(blue_shown, "horizontal")
    info = describe_image(image)
    assert (info["alpha"], info["bands"]) == (True, 4)
    assert info["dominant_color"] == "#0000ff"


def test_grey_without_profile_becomes_neutral_srgb() -> None:
    info = describe_image(solid_image([90], interpretation="b-w"))
    assert (info["color_space"], info["bands"]) == ("b-w", 1)
    assert info["dominant_color"] == "#5a5a5a"
    assert average_colour(info) == (90, 90, 90)


def test_cmyk_solid_colour_dominant_colour_matches_its_average() -> None:
    info = describe_file("jpeg-cmyk-icc.jpg")
    dominant = rgb(str(info["dominant_color"]))
    assert max(abs(a - b) for a, b in zip(dominant, average_colour(info), strict=True)) <= 2


@pytest.mark.parametrize("orientation", [0, 9, -1])
def test_orientation_outside_exif_range_is_reported_as_1(orientation: int) -> None:
    assert describe_image(solid_image([1, 2, 3]), orientation)["orientation"] == 1


def test_undecodable_pixels_are_a_client_error() -> None:
    data = (CORPUS / "jpeg-truncated.jpg").read_bytes()
    image = pyvips.Image.new_from_buffer(data, "", fail_on="error")
    with pytest.raises(UndecodableSource) as caught:
        describe(
            image,
            data_size=len(data),
            format_name="jpeg",
            media_type="image/jpeg",
            pages=1,
            orientation=1,
        )
    assert caught.value.message == "Source image cannot be decoded"
    assert caught.value.status == 422
