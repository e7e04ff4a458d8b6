"""imgproxy Pro's `color_profile`: the result converted to a built-in or configured profile
that it then carries, in the formats that carry one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import pyvips

from imgproxy.errors import InvalidOption
from tests.transforms import images as im
from transforms.pipeline import Rendered

PHOTO = im.corpus("jpeg-baseline-icc.jpg")
WIDE = im.corpus("jpeg-icc-nonsrgb.jpg")


def built_in(name: str) -> bytes:
    pixel = im.solid(1, 1, im.WHITE).icc_transform(name, input_profile="srgb")
    return bytes(pixel.get("icc-profile-data"))


def profile_of(rendered: Rendered) -> bytes | None:
    image = im.decode(rendered)
    return bytes(image.get("icc-profile-data")) if image.get_typeof("icc-profile-data") else None


@pytest.mark.parametrize("extension", ["jpg", "png", "webp", "avif", "tiff"])
@pytest.mark.parametrize("name", ["color_profile", "cp", "icc"])
def test_srgb_is_embedded(extension: str, name: str) -> None:
    assert profile_of(im.run(PHOTO, f"w:60/{name}:srgb", extension=extension)) == built_in("srgb")
    assert profile_of(im.run(PHOTO, "w:60", extension=extension)) is None, "stripped otherwise"


def test_cmyk_converts_a_jpeg() -> None:
    rendered = im.run(PHOTO, "w:60/cp:cmyk", extension="jpg")
    image = im.decode(rendered)
    assert (image.interpretation, image.bands) == ("cmyk", 4)
    assert profile_of(rendered) == built_in("cmyk")


@pytest.mark.parametrize(("path", "extension"), [("cp:cmyk", "png"), ("cp:srgb", "gif")])
def test_formats_that_cannot_carry_it_ignore_it(path: str, extension: str) -> None:
    rendered = im.run(PHOTO, f"w:60/{path}", extension=extension)
    assert profile_of(rendered) is None
    assert im.decode(rendered).interpretation == "srgb"


def _wide_profile(directory: Path, name: str) -> bytes:
    data = bytes(pyvips.Image.new_from_buffer(WIDE, "").get("icc-profile-data"))
    (directory / name).write_bytes(data)
    return data


@pytest.mark.parametrize(
    ("file_name", "argument"),
    [("wide.icc", "wide"), ("wide.icc", "wide.icc"), ("my wide.icm", "my%20wide")],
)
def test_a_profile_from_the_directory(tmp_path: Path, file_name: str, argument: str) -> None:
    data = _wide_profile(tmp_path, file_name)
    server = replace(im.defaults(), color_profiles_dir=tmp_path)
    converted = im.run(PHOTO, f"w:60/cp:{argument}", server, extension="jpg")
    assert profile_of(converted) == data
    plain = im.decode(im.run(PHOTO, "w:60", server, extension="jpg"))
    assert (im.decode(converted) - plain).abs().max() > 10, "the pixels are converted"


def test_unknown_and_broken_profiles_are_a_400(tmp_path: Path) -> None:
    (tmp_path / "broken.icc").write_bytes(b"not a profile")
    server = replace(im.defaults(), color_profiles_dir=tmp_path)
    for path, message in [
        ("cp:nope", "Unknown color profile: nope"),
        ("cp:broken", "Invalid color profile: broken.icc"),
    ]:
        with pytest.raises(InvalidOption) as refused:
            im.run(PHOTO, f"w:60/{path}", server, extension="jpg")
        assert (str(refused.value), refused.value.status) == (message, 400)
    with pytest.raises(InvalidOption, match="Unknown color profile: wide"):
        im.run(PHOTO, "w:60/cp:wide", extension="jpg")


@pytest.mark.parametrize("argument", ["..%2Fetc%2Fpasswd", ".hidden", "a%2Fb"])
def test_names_outside_the_directory_are_refused(argument: str) -> None:
    with pytest.raises(InvalidOption) as refused:
        im.PARSER.parse(f"cp:{argument}/plain/local:///a.jpg")
    assert str(refused.value).startswith(
        "Expected srgb, cmyk or a profile file name for color_profile but received"
    )
