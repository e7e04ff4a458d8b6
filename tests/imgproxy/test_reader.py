"""The request reader: both dialects to one `Variant`, with one set of checks and one key."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cache.keys import source_key, variant_key
from config.settings import Settings
from imgproxy.errors import InvalidPath, InvalidSignature, ProxyError
from imgproxy.reader import RequestReader
from imgproxy.results import Variant
from imgproxy.thumbor.signing import sign as thumbor_sign
from imgproxy.url.options import Asset, ImageFormat

PHOTO = "http://example.com/photo.jpg"
VERSION = "v1"


def reader(**settings: object) -> RequestReader:
    return RequestReader(Settings(**settings), VERSION)  # type: ignore[arg-type]


def test_an_imgproxy_path_becomes_its_variant() -> None:
    variant = reader().read(f"/unsafe/rs:fill:300:200/plain/{PHOTO}@png", "")
    options = variant.request.options
    assert (options.width, options.height, options.format) == (300, 200, ImageFormat.PNG)
    assert variant.request.source == PHOTO
    assert variant.choice.requested is ImageFormat.PNG
    assert not variant.choice.varies
    assert variant.key == variant_key(options, PHOTO, "png", VERSION)
    assert variant.source_key == source_key(PHOTO)


def test_two_spellings_and_the_thumbor_twin_share_one_key() -> None:
    """thumbor fills and enlarges: `rs:fill:300:200:1` in imgproxy's words."""
    read = reader(thumbor_allow_unsafe=True)
    first = read.read(f"/unsafe/rs:fill:300:200:1/plain/{PHOTO}", "")
    second = read.read(f"/unsafe/rt:fill/w:300/h:200/el:1/plain/{PHOTO}", "")
    thumbor = read.thumbor_variant(read.read_thumbor(f"/thumbor/unsafe/300x200/{PHOTO}"), "")
    assert first.key == second.key == thumbor.key
    assert first.source_key == thumbor.source_key


@pytest.mark.parametrize(
    "path",
    [f"/unsafe/w:10/plain/{PHOTO}@jxl", f"/unsafe/f:jxl/plain/{PHOTO}"],
)
def test_jpeg_xl_is_a_format_this_server_writes(path: str) -> None:
    variant = reader().read(path, "")
    assert variant.choice.requested is ImageFormat.JXL
    assert variant.key != reader().read(path.replace("jxl", "webp"), "").key


def test_thumbor_takes_every_format_its_filter_names() -> None:
    read = reader(thumbor_allow_unsafe=True)
    parsed = read.read_thumbor(f"/thumbor/unsafe/filters:format(heic)/{PHOTO}")
    assert read.thumbor_variant(parsed, "").choice.requested is ImageFormat.HEIC
    parsed = replace(parsed, options=replace(parsed.options, format=ImageFormat.JXL))
    assert read.thumbor_variant(parsed, "").choice.requested is ImageFormat.JXL


def test_raw_passes_any_format() -> None:
    variant = reader().read(f"/unsafe/raw:1/plain/{PHOTO}@bmp", "")
    assert variant.request.options.raw


@pytest.mark.parametrize(
    ("accept", "requested", "key_part"),
    [
        ("image/avif,image/webp,*/*", ImageFormat.AVIF, "auto:avif"),
        ("image/webp,*/*", ImageFormat.WEBP, "auto:webp"),
        ("image/jpeg", None, "auto:none"),
    ],
)
def test_accept_chooses_the_format_and_the_key(
    accept: str, requested: ImageFormat | None, key_part: str
) -> None:
    variant = reader(auto_webp=True, auto_avif=True).read(f"/unsafe/w:10/plain/{PHOTO}", accept)
    assert variant.choice.requested is requested
    assert variant.choice.varies
    assert variant.key == variant_key(variant.request.options, PHOTO, key_part, VERSION)


@pytest.mark.parametrize(("enabled", "width"), [(True, 640), (False, 0)])
def test_client_hints_are_read_only_when_enabled(enabled: bool, width: int) -> None:
    read = reader(enable_client_hints=enabled)
    variant = read.read(f"/unsafe/plain/{PHOTO}", "", {"width": "640"})
    assert variant.request.options.width == width
    plain = read.read(f"/unsafe/plain/{PHOTO}", "", {})
    assert (variant.key == plain.key) is not enabled


def test_thumbor_asset_urls_are_in_the_options_and_the_key_but_no_bytes() -> None:
    read = reader(thumbor_allow_unsafe=True)

    def variant(mark: str) -> Variant:
        path = f"/thumbor/unsafe/filters:watermark({mark},0,0,0)/{PHOTO}"
        return read.thumbor_variant(read.read_thumbor(path), "")

    first, second = variant("http://a.com/w.png"), variant("http://a.com/v.png")
    assert first.request.options.assets == (Asset("watermark", "http://a.com/w.png"),)
    assert first.key != second.key


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        (f"/elsewhere/unsafe/{PHOTO}", InvalidPath, "Invalid URL"),
        (f"/thumbor/unsafe/{PHOTO}", InvalidSignature, "Unsafe URLs are not allowed"),
        (f"/thumbor/AAAA/{PHOTO}", InvalidSignature, "Invalid signature"),
    ],
)
def test_thumbor_paths_are_checked(path: str, error: type[ProxyError], message: str) -> None:
    with pytest.raises(error) as caught:
        reader(thumbor_key="secret").read_thumbor(path)
    assert caught.value.message == message


def test_a_signed_thumbor_path_is_read() -> None:
    rest = f"300x200/{PHOTO}"
    parsed = reader(thumbor_key="secret").read_thumbor(
        f"/thumbor/{thumbor_sign('secret', rest)}/{rest}"
    )
    assert (parsed.options.width, parsed.source) == (300, PHOTO)
