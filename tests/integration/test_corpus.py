"""Every corpus file through the real server: resized, or refused with a clear 4xx."""

from __future__ import annotations

import math
from collections.abc import Iterator

import httpx
import pytest
import pyvips

from tests.support import CORPUS, manifest, running_proxy

HOSTILE_WORDS = ("truncated", "corrupt", "bomb", "zero-byte")
# Bombs made harmless rather than refused: only the first of 1024 frames is decoded, and a
# 10,000,000 px square SVG is rasterized no larger than the pixel limit allows.
DEFUSED = {"gif-1024-frames.gif": (1, 1), "svg-giant-dimensions.svg": (120, 120)}
# Animated AVIF is not read by the wheel's libheif; old-style JPEG (TIFF compression 6) is not
# built into its libtiff.
NOT_DECODED = {
    "avif-animated.avifs": "Source image format is not recognised",
    "tiff-ojpeg-strip.tif": "Source image cannot be decoded",
}
VECTOR_FORMATS = {"svg", "svgz"}
OUTPUTS = ["", "jpg", "png", "webp", "avif", "gif", "tiff"]
LOADERS = {
    "jpg": "jpegload",
    "png": "pngload",
    "webp": "webpload",
    "avif": "heifload",
    "gif": "gifload",
    "tiff": "tiffload",
}
BOX = 120

ROWS = manifest()
MAX_PIXELS = 50_000_000


def over_pixel_limit(row: dict[str, str]) -> bool:
    raster = row["format"] not in VECTOR_FORMATS
    return raster and row["width"].isdigit() and int(row["width"]) * int(row["height"]) > MAX_PIXELS


HOSTILE = [
    row
    for row in ROWS
    if (any(word in row["property"] for word in HOSTILE_WORDS) or over_pixel_limit(row))
    and row["file"] not in DEFUSED
]
UNSUPPORTED = [row for row in ROWS if row not in HOSTILE and row["file"] in NOT_DECODED]
DECODABLE = [
    row
    for row in ROWS
    if row not in HOSTILE and row not in UNSUPPORTED and row["file"] not in DEFUSED
]


@pytest.fixture(scope="module")
def proxy() -> Iterator[httpx.Client]:
    env = {"IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(CORPUS), "IMGPROXY_WORKERS": "2"}
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=20) as client:
        yield client


def displayed_size(row: dict[str, str]) -> tuple[int, int]:
    if not row["width"].isdigit() or row["format"] in ("heic", "bmp", "ico", "jxl"):
        return int(row["width"]), int(row["height"])
    header = pyvips.Image.new_from_file(str(CORPUS / row["file"]))
    orientation = header.get("orientation") if header.get_typeof("orientation") else 1
    if orientation in (5, 6, 7, 8):
        return header.height, header.width
    return header.width, header.height


def fitted(width: int, height: int, *, vector: bool = False) -> tuple[int, int]:
    factor = min(BOX / width, BOX / height, math.inf if vector else 1.0)
    return max(1, round(width * factor)), max(1, round(height * factor))


def test_the_corpus_is_split_as_the_manifest_says() -> None:
    assert len(ROWS) == len(HOSTILE) + len(UNSUPPORTED) + len(DECODABLE) + len(DEFUSED)
    assert len(DECODABLE) >= 50
    assert {row["file"] for row in HOSTILE} >= {
        "jpeg-truncated.jpg",
        "png-bomb-16384x16384.png",
        "gif-bomb-65535x66601.gif",
        "heic-empty.heic",
        "svg-nested-use-bomb.svg",
        "bmp-huge-declared.bmp",
    }


@pytest.mark.parametrize(
    ("index", "row"), list(enumerate(DECODABLE)), ids=[row["file"] for row in DECODABLE]
)
def test_decodable_file_is_resized(proxy: httpx.Client, index: int, row: dict[str, str]) -> None:
    extension = OUTPUTS[index % len(OUTPUTS)]
    suffix = f"@{extension}" if extension else ""
    response = proxy.get(f"/unsafe/rs:fit:{BOX}:{BOX}/plain/local:///{row['file']}{suffix}")
    assert response.status_code == 200, response.text
    result = pyvips.Image.new_from_buffer(response.content, "")
    vector = row["format"] in VECTOR_FORMATS
    expected_w, expected_h = fitted(*displayed_size(row), vector=vector)
    assert abs(result.width - expected_w) <= 1 and abs(result.height - expected_h) <= 1
    loader = str(result.get("vips-loader"))
    if extension:
        assert loader.startswith(LOADERS[extension])
        assert (
            response.headers["content-type"]
            == f"image/{'jpeg' if extension == 'jpg' else extension}"
        )
    result.write_to_memory()


@pytest.mark.parametrize("row", HOSTILE, ids=lambda row: row["file"])
def test_hostile_file_is_refused(proxy: httpx.Client, row: dict[str, str]) -> None:
    response = proxy.get(f"/unsafe/rs:fit:{BOX}:{BOX}/plain/local:///{row['file']}@png")
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.status_code == 422
    assert "public" not in response.headers.get("cache-control", "")


@pytest.mark.parametrize("name", sorted(DEFUSED))
def test_defused_bombs(proxy: httpx.Client, name: str) -> None:
    response = proxy.get(f"/unsafe/rs:fit:{BOX}:{BOX}/plain/local:///{name}@gif")
    assert response.status_code == 200
    result = pyvips.Image.new_from_buffer(response.content, "")
    assert (result.width, result.height) == DEFUSED[name]
    assert result.get_n_pages() == 1


@pytest.mark.parametrize("row", UNSUPPORTED, ids=lambda row: row["file"])
def test_unsupported_source_is_a_clear_422(proxy: httpx.Client, row: dict[str, str]) -> None:
    response = proxy.get(f"/unsafe/rs:fit:{BOX}:{BOX}/plain/local:///{row['file']}")
    assert response.status_code == 422
    assert response.text.strip() == NOT_DECODED[row["file"]]


@pytest.mark.parametrize(
    "name", ["jpeg-huge-20000x14000.jpg", "png-bomb-16384x16384.png", "avif-bomb-17000x17000.avif"]
)
def test_too_many_pixels_is_refused_from_the_header(proxy: httpx.Client, name: str) -> None:
    response = proxy.get(f"/unsafe/rs:fit:{BOX}:{BOX}/plain/local:///{name}")
    assert response.status_code == 422
    assert response.text.strip() == "Source image resolution is too big"


@pytest.mark.parametrize(
    "name", ["jpeg-truncated.jpg", "png-truncated.png", "png-bad-crc.png", "gif-truncated.gif"]
)
def test_damaged_pixels_are_an_error_not_a_grey_image(proxy: httpx.Client, name: str) -> None:
    response = proxy.get(f"/unsafe/rs:fit:{BOX}:{BOX}/plain/local:///{name}@png")
    assert response.status_code == 422
    assert response.text.strip() == "Source image cannot be decoded"


def fingerprint(data: bytes) -> list[float]:
    """A coarse perceptual fingerprint: mean grey level of each cell of an 8x8 grid."""
    image = (
        pyvips.Image.new_from_buffer(data, "")
        .colourspace("b-w")
        .resize(8 / 120, vscale=8 / 80, kernel="linear")
    )
    return [float(value) for value in bytes(image.extract_band(0).cast("uchar").write_to_memory())]


def test_every_exif_orientation_shows_the_same_upright_picture(proxy: httpx.Client) -> None:
    prints = []
    for orientation in range(1, 9):
        path = f"/unsafe/rs:force:120:80/plain/local:///jpeg-exif-orientation-{orientation}.jpg@png"
        response = proxy.get(path)
        assert response.status_code == 200
        prints.append(fingerprint(response.content))
    for orientation, candidate in enumerate(prints[1:], start=2):
        pairs = zip(prints[0], candidate, strict=True)
        difference = sum(abs(a - b) for a, b in pairs) / len(candidate)
        assert difference < 6, f"orientation {orientation} differs by {difference:.1f}"


def test_auto_rotate_off_keeps_the_stored_pixels(proxy: httpx.Client) -> None:
    response = proxy.get("/unsafe/ar:0/w:100/plain/local:///jpeg-exif-orientation-6.jpg")
    result = pyvips.Image.new_from_buffer(response.content, "")
    assert (result.width, result.height) == (100, 150)


def test_embedded_colour_profile_is_applied(proxy: httpx.Client) -> None:
    response = proxy.get("/unsafe/rs:fit:100:100/plain/local:///jpeg-icc-nonsrgb.jpg@png")
    image = pyvips.Image.new_from_buffer(response.content, "")
    top = image.crop(0, 0, image.width, image.height // 4)
    red, green, blue = (top.extract_band(band).avg() for band in range(3))
    assert red > 2 * green and red > 2 * blue, (red, green, blue)


def test_alpha_is_kept_in_png_and_flattened_in_jpeg(proxy: httpx.Client) -> None:
    png = proxy.get("/unsafe/w:64/plain/local:///png-rgba8-photo.png")
    assert png.headers["content-type"] == "image/png"
    assert pyvips.Image.new_from_buffer(png.content, "").hasalpha()
    jpeg = proxy.get("/unsafe/w:64/plain/local:///png-rgba8-photo.png@jpg")
    assert pyvips.Image.new_from_buffer(jpeg.content, "").bands == 3
