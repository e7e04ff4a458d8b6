"""A HEIF's EXIF and XMP: kept or stripped by the render as a JPEG's are, and listed by `/info`
from the header alone; the pixels come upright, so no orientation goes with them."""

from __future__ import annotations

import io

import pillow_heif
import pytest
from PIL import Image

from imgproxy.url.info_path import InfoPathParser
from tests.transforms import images as im
from tests.transforms.exif_cases import STRIP_CASES, kept_fields
from transforms.decoders.pillow_fallback import read_header
from transforms.info import describe
from transforms.sources import WholeSource, open_source

IPHONE = im.corpus("heic-iphone-12mp.heic")
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'


def tagged_heif(orientation: int = 1, *, xmp: bytes = b"") -> bytes:
    """A 64x32 HEIF whose EXIF names an artist, a copyright holder, a camera and `orientation`."""
    exif = Image.Exif()
    exif[0x013B], exif[0x8298], exif[0x010F], exif[0x0112] = "Jane", "ACME 2024", "Cam", orientation
    buffer = io.BytesIO()
    picture = pillow_heif.from_pillow(Image.new("RGB", (64, 32), (200, 10, 10)))
    picture.save(buffer, format="HEIF", exif=exif.tobytes(), xmp=xmp or None)
    return buffer.getvalue()


@pytest.mark.parametrize("extension", ["jpg", "png", "webp"])
@pytest.mark.parametrize(("path", "kept"), STRIP_CASES)
def test_the_render_keeps_and_strips_a_heifs_exif_as_a_jpegs(
    extension: str, path: str, kept: set[str]
) -> None:
    assert kept_fields(tagged_heif(), path, extension) == kept


def test_a_camera_heifs_exif_and_xmp_survive_when_metadata_is_kept() -> None:
    kept = im.decode(im.run(IPHONE, "w:200/sm:0", extension="jpg"))
    assert "Apple" in str(kept.get("exif-ifd0-Make"))
    assert b"xmpmeta" in kept.get("xmp-data")
    stripped = im.decode(im.run(IPHONE, "w:200", extension="jpg"))
    assert not stripped.get_typeof("exif-ifd0-Make") and not stripped.get_typeof("xmp-data")


def test_the_header_carries_the_blocks_pillow_heif_found() -> None:
    assert [name for name, _ in read_header(IPHONE).metadata] == ["exif-data", "xmp-data"]
    assert read_header(im.corpus("heic-small.heic")).metadata == ()
    assert read_header(im.corpus("bmp-rgb24.bmp")).metadata == ()


def test_info_lists_a_heifs_exif_and_xmp_without_decoding_it() -> None:
    asked = InfoPathParser().parse("plain/x").options
    source = open_source(IPHONE, max_pixels=0)
    assert isinstance(source, WholeSource)
    document = describe(source, IPHONE, asked)
    assert source.decoded is None
    found = document["exif"]
    assert isinstance(found, dict)
    assert (found["Make"], found["Model"]) == ("Apple", "iPhone 13 Pro")
    assert document["xmp"]


def test_an_orientation_in_the_exif_is_not_applied_again() -> None:
    # pillow-heif writes the orientation as the container's rotation: the pixels decode upright
    data = tagged_heif(orientation=6)
    rendered = im.decode(im.run(data, "sm:0", extension="png"))
    assert (rendered.width, rendered.height) == (32, 64)
    assert not rendered.get_typeof("orientation") or rendered.get("orientation") == 1
    source = open_source(data, max_pixels=0)
    info = describe(source, data, InfoPathParser().parse("plain/x").options)
    assert (info["width"], info["height"], info["orientation"]) == (32, 64, 1)
    found = info["exif"]
    assert isinstance(found, dict) and found["Make"] == "Cam" and "Orientation" not in found


def test_a_heif_without_exif_or_xmp_has_none() -> None:
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (16, 16))).save(buffer, format="HEIF")
    source = open_source(buffer.getvalue(), max_pixels=0)
    image = source.load()
    assert not image.get_typeof("exif-data") and not image.get_typeof("xmp-data")


def test_xmp_alone_is_kept() -> None:
    kept = im.decode(im.run(tagged_heif(xmp=XMP), "sm:0", extension="png"))
    assert kept.get("xmp-data").rstrip(b"\0") == XMP


@pytest.mark.parametrize("path", ["", "sm:0"])
def test_a_heif_whose_exif_block_is_garbage_still_renders(path: str) -> None:
    buffer = io.BytesIO()
    picture = pillow_heif.from_pillow(Image.new("RGB", (16, 16), (0, 0, 255)))
    picture.save(buffer, format="HEIF", exif=b"Exif\0\0garbage, not a TIFF header")
    rendered = im.decode(im.run(buffer.getvalue(), path, extension="jpg"))
    assert (rendered.width, rendered.height) == (16, 16)
    assert not rendered.get_typeof("exif-ifd0-Make")
