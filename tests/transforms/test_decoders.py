"""Fallback decoders (HEIC, BMP, ICO) on the shared corpus and on HEIC files built here."""

from __future__ import annotations

import csv
import io
import time
from dataclasses import replace
from pathlib import Path

import pillow_heif
import pytest
import pyvips
from PIL import Image, ImageCms

from tests.transforms import images as im
from transforms.decoders import DecodeError
from transforms.decoders.pillow_fallback import (
    FallbackFormat,
    FallbackHeader,
    decode,
    read_header,
    sniff,
)

CORPUS = Path(__file__).resolve().parents[1] / "images"
HEIC, BMP, ICO = FallbackFormat.HEIC, FallbackFormat.BMP, FallbackFormat.ICO


def corpus_formats() -> dict[str, str]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return {row["file"]: row["format"] for row in csv.DictReader(handle, delimiter="\t")}


def read(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def from_pillow(picture: Image.Image) -> pyvips.Image:
    return pyvips.Image.new_from_memory(
        picture.tobytes(), picture.width, picture.height, len(picture.mode), "uchar"
    )


def difference(a: pyvips.Image, b: pyvips.Image) -> float:
    """Mean absolute difference per pixel and band, in 8-bit steps."""
    assert (a.width, a.height, a.bands) == (b.width, b.height, b.bands)
    return float((a.cast("float") - b.cast("float")).abs().avg())


def heic(picture: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    pillow_heif.from_pillow(picture).save(buffer, format="HEIF", **options)
    return buffer.getvalue()


def marked_picture() -> Image.Image:
    """64x32, a gradient with a red block top left: any rotation or mirror shows."""
    picture = Image.linear_gradient("L").resize((64, 32)).convert("RGB")
    picture.paste((255, 0, 0), (0, 0, 16, 8))
    return picture


@pytest.mark.parametrize(("name", "expected"), sorted(corpus_formats().items()))
def test_sniff_names_exactly_the_fallback_formats(name: str, expected: str) -> None:
    wanted = {"heic": HEIC, "bmp": BMP, "ico": ICO}.get(expected)
    assert sniff(read(name)) is wanted


@pytest.mark.parametrize(
    ("brands", "expected"),
    [
        (b"heic\0\0\0\0mif1heic", HEIC),
        (b"mif1\0\0\0\0mif1heic", HEIC),
        (b"msf1\0\0\0\0msf1hevc", HEIC),
        (b"mif1\0\0\0\0mif1avif", None),
        (b"avif\0\0\0\0avifmif1", None),
        (b"avis\0\0\0\0msf1avis", None),
    ],
)
def test_sniff_leaves_av1_to_libvips(brands: bytes, expected: FallbackFormat | None) -> None:
    box = (8 + len(brands)).to_bytes(4, "big") + b"ftyp" + brands
    assert sniff(box + b"\0\0\0\x08meta") is expected


@pytest.mark.parametrize(
    ("name", "header"),
    [
        # The iPhone photo's irot is 0 and its EXIF orientation 1: landscape as stored.
        ("heic-iphone-12mp.heic", FallbackHeader(HEIC, 4032, 3024, 1, False)),
        ("heic-small.heic", FallbackHeader(HEIC, 256, 256, 1, False)),
        ("bmp-rgb24.bmp", FallbackHeader(BMP, 127, 64, 1, False)),
        ("bmp-pal8-rle.bmp", FallbackHeader(BMP, 127, 64, 1, False)),
        ("ico-favicon.ico", FallbackHeader(ICO, 48, 48, 3, True)),
    ],
)
def test_corpus_decodes_upright_in_srgb(name: str, header: FallbackHeader) -> None:
    data = read(name)
    assert replace(read_header(data), metadata=()) == header  # metadata: test_heif_metadata
    image = decode(data, read_header(data), max_pixels=0)
    assert (image.width, image.height) == (header.width, header.height)
    assert image.bands == (4 if header.has_alpha else 3)
    assert (image.format, image.interpretation) == ("uchar", "srgb")
    assert image.get_typeof("orientation") == 0
    assert image.get_typeof("exif-data") == 0
    assert image.avg() > 0


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("heic-truncated.heic", "HEIF item data lies beyond the end of the file"),
        ("heic-empty.heic", "Expected HEIC, BMP or ICO data but received an empty file"),
        ("bmp-huge-declared.bmp", "BMP pixel data lies beyond the end of the file"),
        ("jpeg-baseline-icc.jpg", "Expected HEIC, BMP or ICO data but received another format"),
    ],
)
def test_hostile_files_fail_fast(name: str, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(DecodeError) as caught:
        read_header(read(name))
    assert caught.value.message == message
    assert time.perf_counter() - started < 5


def test_cut_off_heic_is_refused_not_filled_with_grey() -> None:
    data = read("heic-iphone-12mp.heic")
    with pytest.raises(DecodeError) as caught:
        read_header(data[: len(data) // 2])
    assert caught.value.message == "HEIF item data lies beyond the end of the file"


@pytest.mark.parametrize("name", ["heic-iphone-12mp.heic", "bmp-rgb24.bmp", "ico-favicon.ico"])
def test_pixel_limit_refuses_from_the_header(name: str) -> None:
    header = read_header(read(name))
    with pytest.raises(DecodeError) as caught:
        decode(read(name), header, max_pixels=1000)
    assert caught.value.message == "Source image resolution is too big"
    # The refusal comes before the data is even looked at.
    with pytest.raises(DecodeError) as refused:
        decode(b"", header, max_pixels=1000)
    assert refused.value.message == "Source image resolution is too big"
    assert decode(read(name), header, max_pixels=header.width * header.height).width > 0


def test_header_from_other_data_is_refused() -> None:
    with pytest.raises(DecodeError) as caught:
        decode(read("bmp-rgb24.bmp"), read_header(read("ico-favicon.ico")), max_pixels=0)
    assert caught.value.message == "Expected the header read from this data but received another"


@pytest.mark.parametrize(("name", "mode"), [("bmp-rgb24.bmp", "RGB"), ("bmp-pal8-rle.bmp", "RGB")])
def test_bmp_pixels_match_pillow(name: str, mode: str) -> None:
    data = read(name)
    expected = from_pillow(Image.open(io.BytesIO(data)).convert(mode))
    assert difference(decode(data, read_header(data), max_pixels=0), expected) < 0.5


def test_ico_takes_the_largest_image_with_its_mask() -> None:
    data = read("ico-favicon.ico")
    expected = from_pillow(Image.open(io.BytesIO(data)).convert("RGBA"))
    image = decode(data, read_header(data), max_pixels=0)
    assert difference(image, expected) < 0.5


@pytest.mark.parametrize("entry_format", ["png", "bmp"])
def test_ico_built_here_gives_its_largest_image_with_alpha(entry_format: str) -> None:
    picture = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    picture.paste((0, 200, 0, 255), (16, 16, 48, 48))
    buffer = io.BytesIO()
    sizes = [(16, 16), (64, 64), (32, 32)]
    picture.save(buffer, format="ICO", sizes=sizes, bitmap_format=entry_format)
    data = buffer.getvalue()
    assert (b"\x89PNG" in data) is (entry_format == "png")
    header = read_header(data)
    assert header == FallbackHeader(ICO, 64, 64, 3, True)
    image = decode(data, header, max_pixels=0)
    assert difference(image, from_pillow(picture)) < 0.5


def test_heic_embedded_display_p3_profile_is_kept_and_the_render_converts_through_it() -> None:
    data = read("heic-iphone-12mp.heic")
    primary = pillow_heif.open_heif(data)
    profile = ImageCms.ImageCmsProfile(io.BytesIO(primary.info["icc_profile"]))
    assert ImageCms.getProfileDescription(profile).strip() == "Display P3"
    raw = primary.to_pillow()
    srgb = ImageCms.profileToProfile(raw, profile, ImageCms.createProfile("sRGB"))
    assert isinstance(srgb, Image.Image)
    decoded = decode(data, read_header(data), max_pixels=0)
    assert bytes(decoded.get("icc-profile-data")) == primary.info["icc_profile"]
    assert difference(decoded, from_pillow(raw)) == 0  # converted by the render, not here
    rendered = im.decode(im.run(data, "w:300", extension="png"))
    assert (rendered.width, rendered.get_typeof("icc-profile-data")) == (300, 0)
    scale = rendered.width / raw.width
    assert difference(rendered, from_pillow(srgb).resize(scale)) < 0.1
    assert difference(rendered, from_pillow(raw).resize(scale)) > 0.3
    kept = im.decode(im.run(data, "w:300/scp:0", extension="png"))  # as a JPEG's would be
    assert bytes(kept.get("icc-profile-data")) == primary.info["icc_profile"]


def test_heic_irot_is_applied_once_and_exif_orientation_ignored() -> None:
    # pillow-heif writes EXIF orientation 6 as irot (and keeps the EXIF tag, like cameras do).
    source = marked_picture()
    exif = Image.Exif()
    exif[0x0112] = 6
    data = heic(source, exif=exif.tobytes(), quality=95)
    header = read_header(data)
    assert (header.width, header.height) == (32, 64)
    upright = source.transpose(Image.Transpose.ROTATE_270)
    image = decode(data, header, max_pixels=0)
    assert difference(image, from_pillow(upright)) < 4
    assert difference(image, from_pillow(upright.transpose(Image.Transpose.ROTATE_180))) > 40


def test_heic_deeper_than_8_bits_decodes_to_16_bits() -> None:
    colour = (40000, 20000, 10000)
    pixels = b"".join(value.to_bytes(2, "little") for value in colour) * 64 * 64
    buffer = io.BytesIO()
    pillow_heif.from_bytes("RGB;16", (64, 64), pixels).save(
        buffer, format="HEIF", quality=-1, chroma=444
    )
    data = buffer.getvalue()
    image = decode(data, read_header(data), max_pixels=0)
    assert (image.format, image.interpretation, image.bands) == ("ushort", "rgb16", 3)
    for band, value in enumerate(colour):
        assert image.extract_band(band).avg() == pytest.approx(value, rel=0.01)


def test_heic_alpha_and_page_count() -> None:
    first = Image.new("RGBA", (48, 32), (0, 128, 255, 100))
    container = pillow_heif.from_pillow(first)
    container.add_from_pillow(Image.new("RGBA", (16, 16), (255, 0, 0, 255)))
    buffer = io.BytesIO()
    container.save(buffer, format="HEIF", quality=90)
    data = buffer.getvalue()
    header = read_header(data)
    assert header == FallbackHeader(HEIC, 48, 32, 2, True)
    image = decode(data, header, max_pixels=0)
    assert image.bands == 4
    assert image.extract_band(3).avg() == pytest.approx(100, abs=2)
