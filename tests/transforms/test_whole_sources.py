"""Sources decoded whole outside libvips (HEIC, BMP and ICO; JPEG XL's samples in
`test_jxl_samples`): opened from their header alone, decoded on the first load, and described by
`/info` from the header without a decode."""

from __future__ import annotations

import io

import pillow_heif
import pytest
from PIL import Image

from imgproxy.errors import SourceResolutionTooLarge, UndecodableSource
from imgproxy.url.info_path import InfoPathParser
from tests.transforms.test_decoders import read
from tests.transforms.test_jxl_samples import facts
from transforms.decoders.pillow_fallback import read_header
from transforms.info import describe
from transforms.sources import WholeSource, open_source

CORPUS_FILES = [
    "heic-iphone-12mp.heic",
    "heic-small.heic",
    "bmp-rgb24.bmp",
    "bmp-pal8-rle.bmp",
    "ico-favicon.ico",
]


def heif(mode: str, size: tuple[int, int] = (48, 32)) -> bytes:
    """A HEIF of `mode` (pillow-heif's: `L`, `RGBA`, `RGB;16`, ...), flat mid-grey samples."""
    channels, _, depth = mode.partition(";")
    sample = (1 << (int(depth) - 1) if depth else 128).to_bytes(2 if depth else 1, "little")
    pixels = sample * (len(channels) * size[0] * size[1])
    buffer = io.BytesIO()
    pillow_heif.from_bytes(mode, size, pixels).save(buffer, format="HEIF", quality=-1)
    return buffer.getvalue()


BUILT = {mode: heif(mode) for mode in ("L", "LA", "I;16", "RGB", "RGBA", "RGB;16", "RGBA;16")}


def whole_source(data: bytes, max_pixels: int = 0) -> WholeSource:
    source = open_source(data, max_pixels=max_pixels)
    assert isinstance(source, WholeSource)
    return source


@pytest.mark.parametrize(
    "data", [*map(read, CORPUS_FILES), *BUILT.values()], ids=[*CORPUS_FILES, *BUILT]
)
def test_opening_reads_the_header_and_the_header_image_is_what_the_decode_gives(
    data: bytes,
) -> None:
    source = whole_source(data)
    header = source.header_image()
    assert source.decoded is None
    decoded = source.load()
    assert (facts(header), header.hasalpha()) == (facts(decoded), decoded.hasalpha())
    assert (source.info.width, source.info.height) == (decoded.width, decoded.height)
    assert source.info.has_alpha is bool(decoded.hasalpha())


def test_a_deep_heif_is_known_deep_from_its_header() -> None:
    assert read_header(BUILT["RGB;16"]).deep
    assert not read_header(BUILT["RGB"]).deep


def test_the_pixel_limit_refuses_on_opening() -> None:
    data = read("heic-iphone-12mp.heic")
    with pytest.raises(SourceResolutionTooLarge, match="resolution is too big"):
        open_source(data, max_pixels=4032 * 3024 - 1)
    assert whole_source(data, max_pixels=4032 * 3024).load().width == 4032


def test_pixels_that_do_not_decode_are_refused_on_loading() -> None:
    data = bytearray(read("heic-small.heic"))
    coded = data.find(b"mdat") + 4
    data[coded:] = b"\xff" * (len(data) - coded)  # the container intact, its HEVC data not
    source = whole_source(bytes(data))
    with pytest.raises(UndecodableSource, match="Cannot decode HEIC"):
        source.load()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("heic-iphone-12mp.heic", (4032, "srgb", 3, "uchar")),
        ("jxl-orientation-7-alpha.jxl", (924, "rgb16", 4, "ushort")),
    ],
)
def test_info_answers_from_the_header_what_the_decode_would(
    name: str, expected: tuple[object, ...]
) -> None:
    asked = InfoPathParser().parse("cs:1/b:1/sf:1/a:1/plain/x").options
    data = read(name)
    from_header = whole_source(data)
    answered = describe(from_header, data, asked)
    assert from_header.decoded is None
    decoded = whole_source(data)
    decoded.load()
    assert answered == describe(decoded, data, asked)
    keys = ("width", "colorspace", "bands", "sample_format")
    assert tuple(answered[key] for key in keys) == expected


def test_an_image_open_does_not_decode_before_the_render_asks() -> None:
    grey = Image.linear_gradient("L").resize((40, 30))
    buffer = io.BytesIO()
    pillow_heif.from_pillow(grey).save(buffer, format="HEIF", quality=90)
    source = whole_source(buffer.getvalue())
    assert source.decoded is None
    assert (source.load(shrink=2).width, source.load().bands) == (20, 3)
