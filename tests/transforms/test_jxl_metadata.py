"""A JPEG XL container's EXIF and XMP (`Exif` and `xml ` boxes, or brotli-compressed in `brob`
ones): kept or stripped by the render as a JPEG's are and listed by `/info` from the header;
the pixels come upright, so no EXIF orientation goes with them."""

from __future__ import annotations

import imagecodecs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from imgproxy.url.info_path import InfoPathParser
from tests.transforms import images as im
from tests.transforms.exif_cases import STRIP_CASES, kept_fields
from transforms.decoders.jxl_boxes import CONTAINER_SIGNATURE, MAX_EXPANDED_BYTES, metadata
from transforms.info import describe
from transforms.sources import WholeSource, open_source

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
    b' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description'
    b' xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Tester"/></rdf:RDF></x:xmpmeta>'
)


def codestream() -> bytes:
    """A bare 64x32 codestream: blue on the left quarter, red elsewhere."""
    pixels = np.zeros((32, 64, 3), np.uint8)
    pixels[:, :16] = (0, 0, 255)
    pixels[:, 16:] = (200, 10, 10)
    return bytes(imagecodecs.jpegxl_encode(pixels, lossless=True))


def box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def tiff_exif(orientation: int = 1) -> bytes:
    """TIFF data naming an artist, a copyright holder, a camera and `orientation`."""
    exif = Image.Exif()
    exif[0x013B], exif[0x8298], exif[0x010F], exif[0x0112] = "Jane", "ACME 2024", "Cam", orientation
    return exif.tobytes().removeprefix(b"Exif\0\0")


def container(*extra: bytes, before: bool = True) -> bytes:
    """The codestream in a container, with `extra` boxes before (or after) its `jxlc`."""
    ftyp = box(b"ftyp", b"jxl \0\0\0\0jxl ")
    code = box(b"jxlc", codestream())
    middle = (*extra, code) if before else (code, *extra)
    return CONTAINER_SIGNATURE + ftyp + b"".join(middle)


def exif_box(tiff: bytes, offset: int = 0) -> bytes:
    return box(b"Exif", offset.to_bytes(4, "big") + bytes(offset) + tiff)


def brob(kind: bytes, payload: bytes) -> bytes:
    return box(b"brob", kind + bytes(imagecodecs.brotli_encode(payload)))


TAGGED = {
    "plain": container(exif_box(tiff_exif()), box(b"xml ", XMP)),
    "after the codestream": container(exif_box(tiff_exif()), box(b"xml ", XMP), before=False),
    "compressed": container(brob(b"Exif", bytes(4) + tiff_exif()), brob(b"xml ", XMP)),
    "offset": container(exif_box(tiff_exif(), offset=6), box(b"xml ", XMP)),
}


@pytest.mark.parametrize("data", TAGGED.values(), ids=TAGGED)
@pytest.mark.parametrize(("path", "kept"), STRIP_CASES)
def test_the_render_keeps_and_strips_a_containers_exif_as_a_jpegs(
    data: bytes, path: str, kept: set[str]
) -> None:
    assert kept_fields(data, path) == kept


@pytest.mark.parametrize("data", TAGGED.values(), ids=TAGGED)
def test_the_xmp_box_is_kept_with_the_metadata(data: bytes) -> None:
    image = im.decode(im.run(data, "sm:0", extension="png"))
    assert image.get("xmp-data").rstrip(b"\0") == XMP


def test_info_lists_the_boxes_without_decoding() -> None:
    data = container(exif_box(tiff_exif(orientation=6)), box(b"xml ", XMP))
    source = open_source(data, max_pixels=0)
    assert isinstance(source, WholeSource)
    document = describe(source, data, InfoPathParser().parse("plain/x").options)
    assert source.decoded is None
    found = document["exif"]
    assert isinstance(found, dict)
    assert (found["Make"], found["Artist"]) == ("Cam", "Jane") and "Orientation" not in found
    assert (document["width"], document["height"], document["orientation"]) == (64, 32, 1)
    assert document["xmp"] == {"xmp": {"CreatorTool": "Tester"}}


def test_an_exif_orientation_is_not_applied_to_the_upright_pixels() -> None:
    data = container(exif_box(tiff_exif(orientation=6)))
    rendered = im.decode(im.run(data, "sm:0", extension="png"))
    assert (rendered.width, rendered.height) == (64, 32)
    assert rendered(4, 16)[:3] == [0, 0, 255]


@pytest.mark.parametrize(
    "data",
    [
        codestream(),
        container(),
        container(brob(b"Exif", b"not brotli")),
        container(
            box(b"brob", b"Exif" + bytes(imagecodecs.brotli_encode(bytes(MAX_EXPANDED_BYTES + 1))))
        ),
        container(box(b"Exif", b"\0\0")),
        container(box(b"Exif", (1 << 30).to_bytes(4, "big") + tiff_exif())),
        container(box(b"xml ", b""), before=False),
    ],
    ids=["bare", "no boxes", "bad brotli", "over the cap", "short", "offset past the end", "empty"],
)
def test_no_metadata_where_the_boxes_hold_none_usable(data: bytes) -> None:
    assert metadata(data) == ()
    assert kept_fields(data, "sm:0") <= {"Make"}  # libvips writes a fresh block of its own


def test_damage_past_the_header_leaves_the_metadata_before_it() -> None:
    # a codestream longer than the header reader's 4 KB: it stops before the damaged box
    noise = np.random.default_rng(7).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    code = box(b"jxlc", bytes(imagecodecs.jpegxl_encode(noise, lossless=True)))
    damaged = (4).to_bytes(4, "big") + b"xml "
    data = CONTAINER_SIGNATURE + exif_box(tiff_exif()) + code + damaged
    assert len(code) > 4096
    assert [name for name, _ in metadata(data)] == ["exif-data"]  # libjxl refuses the pixels


@given(st.binary(max_size=200))
def test_any_bytes_after_the_signature_give_a_tuple_of_blocks(tail: bytes) -> None:
    found = metadata(CONTAINER_SIGNATURE + tail)
    assert all(name in ("exif-data", "xmp-data") and block for name, block in found)
