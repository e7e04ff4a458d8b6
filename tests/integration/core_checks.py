"""Checks the option cases share: each returns a `Check` that asserts on what was served."""

from __future__ import annotations

import io
from collections.abc import Callable

import imagecodecs
import pillow_heif
import pyvips
from PIL import Image

from tests.integration import pixels
from tests.integration.core_options import Check, Served

JPEG_NOISE = 3.0
"""Mean colour difference two encodings of the same JPEG pixels stay under."""


def all_of(*checks: Check) -> Check:
    def check(served: Served) -> None:
        for each in checks:
            each(served)

    return check


def image(media_type: str, width: int, height: int) -> Check:
    def check(served: Served) -> None:
        response = served.response
        assert response.status_code == 200, f"{response.status_code} {response.text[:300]}"
        assert response.headers["content-type"] == media_type, response.headers["content-type"]
        size = (served.image.width, served.image.height)
        assert size == (width, height), f"{size} != {(width, height)}"

    return check


def jpeg(width: int, height: int) -> Check:
    return image("image/jpeg", width, height)


def png(width: int, height: int) -> Check:
    return image("image/png", width, height)


def like_baseline(
    change: Callable[[pyvips.Image], pyvips.Image] = lambda image: image,
    tolerance: float = JPEG_NOISE,
) -> Check:
    """The result's pixels are the baseline's, after `change`, within `tolerance`."""

    def check(served: Served) -> None:
        found = pixels.difference(served.image, change(served.baseline))
        assert found <= tolerance, f"mean difference {found:.2f} > {tolerance}"

    return check


def region_of_baseline(left: int, top: int, tolerance: float = JPEG_NOISE) -> Check:
    """The result is the part of the baseline at left, top, of the result's size (one row or
    column off is a mean difference above 12 on the test photo)."""

    def crop(baseline: pyvips.Image) -> pyvips.Image:
        return baseline.crop(left, top, baseline.width - left, baseline.height - top)

    def check(served: Served) -> None:
        expected = crop(served.baseline).crop(0, 0, served.image.width, served.image.height)
        found = pixels.difference(served.image, expected)
        assert found <= tolerance, f"mean difference {found:.2f} > {tolerance}"

    return check


def header(name: str, value: str) -> Check:
    def check(served: Served) -> None:
        response = served.response
        assert response.status_code == 200, f"{response.status_code} {response.text[:300]}"
        assert response.headers.get(name) == value, f"{name}: {response.headers.get(name)}"

    return check


def refused(status: int, message: str) -> Check:
    def check(served: Served) -> None:
        found = (served.response.status_code, served.response.text)
        assert found == (status, message + "\n"), f"{found} != {(status, message)}"

    return check


def max_age_at_most(seconds: int) -> Check:
    """`Cache-Control` keeps the answer no longer than `seconds` (an `expires` in that time)."""

    def check(served: Served) -> None:
        response = served.response
        assert response.status_code == 200, f"{response.status_code} {response.text[:300]}"
        directives = dict(
            part.strip().partition("=")[::2]
            for part in served.response.headers["cache-control"].split(",")
        )
        assert 0 < int(directives["max-age"]) <= seconds, response.headers["cache-control"]

    return check


def bypassed(served: Served) -> None:
    response = served.response
    assert response.status_code == 200, f"{response.status_code} {response.text[:300]}"
    assert response.headers["x-cache"] == "BYPASS", response.headers["x-cache"]


def tagged(*tags: str) -> Check:
    """The source's key, then `tags`, in `Surrogate-Key` and in Cloudflare's and CloudFront's
    tag headers (`IMGPROXY_CACHE_TAGS_FORMAT=all`, the default)."""

    def check(served: Served) -> None:
        response, headers = served.response, served.response.headers
        assert response.status_code == 200, f"{response.status_code} {response.text[:300]}"
        assert headers["surrogate-key"].split(" ")[1:] == list(tags), headers["surrogate-key"]
        assert headers["cache-tag"].split(",")[1:] == list(tags), headers["cache-tag"]
        assert headers["x-amz-meta-cache-tag"] == headers["cache-tag"]

    return check


def a_new_cache_entry(served: Served) -> None:
    """Stored under a key of its own: a MISS although its baseline was just answered."""
    response = served.response
    assert served.baseline_response is not None, "the case needs a baseline"
    assert response.status_code == 200, f"{response.status_code} {response.text[:300]}"
    assert response.headers["x-cache"] == "MISS", response.headers["x-cache"]


def encoded_as(loader: str) -> Check:
    def check(served: Served) -> None:
        found = served.image.get("vips-loader")
        assert found.startswith(loader), found

    return check


def resolution(dpi: float) -> Check:
    def check(served: Served) -> None:
        found = round(served.image.xres * 25.4, 1)
        assert found == dpi, f"{found} dpi"

    return check


def _sizes(served: Served) -> tuple[int, int]:
    assert served.baseline_response is not None, "the case needs a baseline"
    return len(served.response.content), len(served.baseline_response.content)


def smaller_than_baseline(served: Served) -> None:
    found, baseline = _sizes(served)
    assert found < 0.6 * baseline, f"{found} bytes against the baseline's {baseline}"


def larger_than_baseline(served: Served) -> None:
    found, baseline = _sizes(served)
    assert found > 1.3 * baseline, f"{found} bytes against the baseline's {baseline}"


def the_baselines_bytes(served: Served) -> None:
    assert served.baseline_response is not None, "the case needs a baseline"
    assert served.response.content == served.baseline_response.content


def at_most_bytes(limit: int) -> Check:
    def check(served: Served) -> None:
        found = len(served.response.content)
        assert served.response.status_code == 200, served.response.text[:300]
        assert found <= limit, f"{found} bytes"

    return check


def the_source_bytes(served: Served) -> None:
    assert served.response.status_code == 200, served.response.text[:300]
    assert served.response.content == served.source_bytes, "not the source's bytes"


def has_field(name: str, present: bool) -> Check:
    """The result's metadata has (or lacks) the libvips field `name`."""

    def check(served: Served) -> None:
        fields = served.image.get_fields()
        assert (name in fields) is present, fields

    return check


def sample_format(name: str) -> Check:
    def check(served: Served) -> None:
        assert served.image.format == name, served.image.format

    return check


def from_fallback(served: Served) -> None:
    """The fallback image (the 32x32 watermark file) answered in place of the source."""
    response = served.response
    assert response.status_code == 200, f"{response.status_code} {response.text[:300]}"
    assert response.headers["x-cache"] == "FALLBACK", response.headers["x-cache"]
    assert (served.image.width, served.image.height) == (32, 32)


def field_is(name: str, value: object) -> Check:
    """The result's libvips field `name` holds `value`."""

    def check(served: Served) -> None:
        fields = served.image.get_fields()
        assert name in fields, fields
        assert served.image.get(name) == value, served.image.get(name)

    return check


def webp_chunk(chunk: bytes) -> Check:
    """The WebP's first chunk: `VP8 ` lossy, `VP8L` lossless."""

    def check(served: Served) -> None:
        assert served.response.content[12:16] == chunk, served.response.content[12:16]

    return check


def avif_chroma_subsampled(expected: bool) -> Check:
    """The av1C box's chroma_subsampling_x bit (set for 4:2:0, clear for 4:4:4)."""

    def check(served: Served) -> None:
        content = served.response.content
        config = content.index(b"av1C") + 4
        assert bool(content[config + 2] >> 3 & 1) is expected

    return check


def written_by_pillow(media_type: str, magic: bytes, width: int, height: int) -> Check:
    """A format pyvips does not read here (HEIC, BMP, ICO): its type, its signature at the
    start (after the box size, for HEIC) and its size as Pillow and pillow-heif read it."""

    def check(served: Served) -> None:
        response = served.response
        assert response.status_code == 200, f"{response.status_code} {response.text[:300]}"
        assert response.headers["content-type"] == media_type, response.headers["content-type"]
        assert magic in response.content[:12], response.content[:12]
        pillow_heif.register_heif_opener()
        picture = Image.open(io.BytesIO(response.content))
        assert picture.size == (width, height), picture.size

    return check


def written_as_jxl(width: int, height: int) -> Check:
    """JPEG XL, which pyvips does not read here: its type, its signature and its size as libjxl
    decodes it."""

    def check(served: Served) -> None:
        response = served.response
        assert response.status_code == 200, f"{response.status_code} {response.text[:300]}"
        assert response.headers["content-type"] == "image/jxl", response.headers["content-type"]
        assert response.content[:2] == b"\xff\x0a", response.content[:12]
        pixels = imagecodecs.jpegxl_decode(response.content)
        assert pixels.shape[:2] == (height, width), pixels.shape

    return check
