"""`/info` over HTTP, as imgproxy Pro answers it: info options, signed and stored like images
(MISS then HIT, one origin fetch, ETag and 304, Cache-Control), and our own helper reading it
(`size_from_info` on an EXIF-orientation-6 source)."""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import orjson
import pytest
import pyvips

from cache.keys import source_key
from imgproxy.client import UrlBuilder, parse_options
from imgproxy.dimensions import (
    SIZE_ONLY,
    SourceSize,
    forget_source_sizes,
    rendered_size,
    source_size,
)
from imgproxy.html import ResponsiveImage
from imgproxy.signing import sign
from imgproxy.url.info_options import InfoOptions
from imgproxy.url.info_path import InfoPathParser
from imgproxy.url.options import ImageFormat
from tests.support import CORPUS, OriginLog, running_origin, running_proxy

KEY, SALT = b"info-key".hex(), b"info-salt".hex()
TURNED = "jpeg-exif-orientation-6.jpg"  # shows 1800x1200, stored 1200x1800
FULL_CACHE_CONTROL = "public, max-age=31536000, stale-while-revalidate=86400, stale-if-error=604800"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[UrlBuilder, str, OriginLog, httpx.Client]]:
    with (
        running_origin() as (origin, log),
        running_proxy({"IMGPROXY_KEY": KEY, "IMGPROXY_SALT": SALT}) as base,
        httpx.Client(timeout=30) as client,
    ):
        yield UrlBuilder(base, KEY, SALT), origin, log, client
    forget_source_sizes()


def fetches(log: OriginLog, name: str) -> int:
    return sum(path == f"/files/{name}" for path in log.paths)


def test_an_answer_is_stored_and_revalidated_like_an_image(
    served: tuple[UrlBuilder, str, OriginLog, httpx.Client],
) -> None:
    builder, origin, log, client = served
    name = "jpeg-baseline-icc.jpg"
    source = f"{origin}/files/{name}"
    url = builder.info_url(source, InfoOptions(exif=False, average=True, cache_tags=("cats",)))
    first = client.get(url)
    assert first.status_code == 200, first.text
    assert (first.headers["content-type"], first.headers["x-cache"]) == ("application/json", "MISS")
    assert first.headers["cache-control"] == FULL_CACHE_CONTROL
    assert first.headers["surrogate-key"] == f"{source_key(source)} cats"
    assert "age" not in first.headers
    second = client.get(url)
    assert (second.headers["x-cache"], second.content) == ("HIT", first.content)
    assert second.headers["etag"] == first.headers["etag"]
    assert "age" in second.headers
    assert fetches(log, name) == 1
    not_modified = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert (not_modified.status_code, not_modified.content) == (304, b"")
    head = client.head(url)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len(first.content))
    document = orjson.loads(first.content)
    assert set(document) == {"size", "format", "mime_type", "width", "height", "orientation"} | {
        "iptc",
        "xmp",
        "average",
    }


def signed_get(
    client: httpx.Client, base: str, route: str, options: str, source: str
) -> httpx.Response:
    path = f"/{options}/plain/{source}"
    signature = sign(path, bytes.fromhex(KEY), bytes.fromhex(SALT))
    return client.get(f"{base}{route}/{signature}{path}")


def test_two_spellings_share_an_answer_and_images_never_meet_it(
    served: tuple[UrlBuilder, str, OriginLog, httpx.Client],
) -> None:
    builder, origin, _, client = served
    source = f"{origin}/files/png-rgba8-photo.png"
    base = builder.base_url
    first = signed_get(client, base, "/info", "c:50:50/bh:4:3/s:0", source)
    assert (first.status_code, first.headers["x-cache"]) == (200, "MISS")
    again = signed_get(client, base, "/info", "size:false/blurhash:4:3/crop:50:50:ce", source)
    assert (again.headers["x-cache"], again.content) == ("HIT", first.content)
    image = signed_get(client, base, "", "c:50:50", source)
    assert (image.status_code, image.headers["content-type"]) == (200, "image/png")
    assert image.headers["x-cache"] == "MISS"
    assert pyvips.Image.new_from_buffer(image.content, "").width == 50
    info_again = signed_get(client, base, "/info", "c:50:50", source)
    assert (info_again.headers["content-type"], info_again.headers["x-cache"]) == (
        "application/json",
        "MISS",
    )


@pytest.mark.parametrize(
    ("options", "status", "message"),
    [
        ("bh2:4", 400, "Unknown info option: bh2"),
        ("rs:fit:10:10", 400, "Unknown info option: rs"),
        ("bh:10:3", 400, "Expected integer 0..9 for blurhash but received '10'"),
        ("p:1", 400, "Expected 0 or integer 2..256 for palette but received '1'"),
        ("cl:5", 400, "Info option classify is not supported: there is no image classification"),
        ("bc:1", 403, "Option bypass_cache is not allowed"),
        ("msr:1", 403, "Security option msr is not allowed"),
        ("pg:2", 422, "Page 2 does not exist"),
        (f"hs:md5:{'0' * 32}", 422, "Source image hashsum mismatch"),
    ],
)
def test_refusals(
    served: tuple[UrlBuilder, str, OriginLog, httpx.Client],
    options: str,
    status: int,
    message: str,
) -> None:
    builder, origin, _, client = served
    source = f"{origin}/files/jpeg-baseline-icc.jpg"
    response = signed_get(client, builder.base_url, "/info", options, source)
    assert (response.status_code, response.text) == (status, message + "\n")
    assert response.headers["cache-control"] == "no-store"


def test_a_tampered_info_url_is_refused(
    served: tuple[UrlBuilder, str, OriginLog, httpx.Client],
) -> None:
    builder, origin, _, client = served
    url = builder.info_url(f"{origin}/files/jpeg-baseline-icc.jpg", InfoOptions(palette=4))
    response = client.get(url.replace("/p:4/", "/p:5/"))
    assert (response.status_code, response.text) == (403, "Invalid signature\n")


def test_expires_caps_cache_control(
    served: tuple[UrlBuilder, str, OriginLog, httpx.Client],
) -> None:
    builder, origin, _, client = served
    far = 4_102_444_800  # 2100-01-01
    response = client.get(
        builder.info_url(f"{origin}/files/jpeg-baseline-icc.jpg", InfoOptions(expires=far))
    )
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert "stale" not in response.headers["cache-control"]
    gone = client.get(
        builder.info_url(f"{origin}/files/jpeg-baseline-icc.jpg", InfoOptions(expires=1000))
    )
    assert (gone.status_code, gone.text) == (410, "Expired URL\n")


def test_hashsums_and_the_colour_options(
    served: tuple[UrlBuilder, str, OriginLog, httpx.Client],
) -> None:
    builder, origin, _, client = served
    name = "gif-animated-30frames.gif"
    asked = parse_info("chs:sha256:md5/pn:1/a:1:1/dc:1:1/p:4/th:1/ph:1/cs:1/b:1/sf:1")
    document = orjson.loads(client.get(builder.info_url(f"{origin}/files/{name}", asked)).content)
    data = (CORPUS / name).read_bytes()
    assert document["hashsums"] == {
        "sha256": hashlib.sha256(data).hexdigest(),
        "md5": hashlib.md5(data).hexdigest(),
    }
    assert (document["pages_number"], document["alpha"], document["has_transparency"]) == (
        30,
        True,
        True,
    )
    assert (document["colorspace"], document["bands"], document["sample_format"]) == (
        "srgb",
        4,
        "uchar",
    )
    assert len(document["dominant_colors"]) == 6
    assert 1 <= len(document["palette"]) <= 4
    assert len(document["perceptual_hash"]) == 16
    assert document["thumb_hash"] == document["thumb_hash"].upper()


def parse_info(written: str) -> InfoOptions:
    return InfoPathParser().parse(f"{written}/plain/x").options


# Our own helper reads /info: sizes as displayed, orientation applied once.


class Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.found = {name: value or "" for name, value in attrs}


def test_size_from_info_on_an_exif_orientation_6_source(
    served: tuple[UrlBuilder, str, OriginLog, httpx.Client],
) -> None:
    builder, origin, _, _ = served
    source = f"{origin}/files/{TURNED}"
    assert source_size(builder, source) == SourceSize(1800, 1200, 6, "jpeg")
    markup = ResponsiveImage(
        builder=builder,
        source=source,
        alt="",
        widths=[300, 900],
        options=parse_options("rs:fit:900:900"),
        size_from_info=True,
    ).img(ImageFormat.JPEG)
    parser = Attributes()
    parser.feed(markup)
    img = parser.found
    with urllib.request.urlopen(img["src"]) as response:
        served_image = pyvips.Image.new_from_buffer(response.read(), "")
    assert (img["width"], img["height"]) == ("900", "600")
    assert (served_image.width, served_image.height) == (900, 600)
    turned = SourceSize(1800, 1200, 6, "jpeg")
    assert rendered_size(turned, parse_options("w:300")) == rendered_size(
        SourceSize(1800, 1200, 1, "jpeg"), parse_options("w:300")
    )


def test_the_helpers_lookup_asks_for_the_size_only(
    served: tuple[UrlBuilder, str, OriginLog, httpx.Client],
) -> None:
    builder, origin, _, client = served
    url = builder.info_url(f"{origin}/files/{TURNED}", SIZE_ONLY)
    assert "/s:0/exif:0:0/iptc:0/xmp:0/vm:0/plain/" in url
    assert set(orjson.loads(client.get(url).content)) == {
        "format",
        "mime_type",
        "width",
        "height",
        "orientation",
    }
