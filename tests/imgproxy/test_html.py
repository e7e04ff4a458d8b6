"""`<img srcset>` and `<picture>` markup: its structure, and every URL in it served as said."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
import pyvips

from imgproxy.client import UrlBuilder, parse_options
from imgproxy.dimensions import InfoLookupError, forget_source_sizes, source_size
from imgproxy.html import ResponsiveImage
from imgproxy.url.options import ImageFormat, Options
from tests.support import RequestLog, running_origin, running_proxy

KEY = b"html-key".hex()
SALT = b"html-salt".hex()
BASE = "https://img.example.com"
SOURCE = "https://cdn.example.com/cat.jpg"
LANDSCAPE = "jpeg-exif-orientation-6.jpg"  # stored 1200x1800 with orientation 6: shown 1800x1200
SMALL = "jpeg-baseline-icc.jpg"  # 290x442

Element = tuple[str, dict[str, str]]


class Elements(HTMLParser):
    """Start tags in document order, attribute values unescaped as a browser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[Element] = []
        self.closed: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        self.closed.append(tag)


def parse(markup: str) -> list[Element]:
    parser = Elements()
    parser.feed(markup)
    parser.close()
    return parser.found


def candidates(srcset: str) -> list[tuple[str, str]]:
    return [tuple(entry.split(" ")) for entry in srcset.split(", ")]  # type: ignore[misc]


def builder_url(width: int, extension: str) -> str:
    return UrlBuilder(BASE, KEY, SALT).url(SOURCE, parse_options(f"w:{width}", f"f:{extension}"))


def test_picture_structure() -> None:
    image = ResponsiveImage(
        builder=UrlBuilder(BASE, KEY, SALT),
        source=SOURCE,
        alt='A "cat" & <friends>',
        widths=[640, 320, 640],
        sizes="(min-width: 800px) 50vw, 100vw",
        width=640,
        height=427,
        attributes={"class": "hero", "fetchpriority": "high"},
    )
    markup = image.picture()
    assert markup.startswith("<picture><source ") and markup.endswith("></picture>")
    assert 'alt="A &quot;cat&quot; &amp; &lt;friends&gt;"' in markup
    elements = parse(markup)
    assert [tag for tag, _ in elements] == ["picture", "source", "source", "img"]
    avif, webp, img = (attributes for _, attributes in elements[1:])
    for attributes, (media_type, extension) in (
        (avif, ("image/avif", "avif")),
        (webp, ("image/webp", "webp")),
    ):
        assert attributes == {
            "type": media_type,
            "srcset": f"{builder_url(320, extension)} 320w, {builder_url(640, extension)} 640w",
            "sizes": "(min-width: 800px) 50vw, 100vw",
        }
    assert img == {
        "src": builder_url(640, "jpg"),
        "srcset": f"{builder_url(320, 'jpg')} 320w, {builder_url(640, 'jpg')} 640w",
        "sizes": "(min-width: 800px) 50vw, 100vw",
        "width": "640",
        "height": "427",
        "alt": 'A "cat" & <friends>',
        "loading": "lazy",
        "decoding": "async",
        "class": "hero",
        "fetchpriority": "high",
    }


def test_picture_formats_and_fallback_are_chosen() -> None:
    image = ResponsiveImage(builder=UrlBuilder(BASE), source=SOURCE, alt="", widths=[100])
    elements = parse(image.picture(formats=[ImageFormat.WEBP], fallback=ImageFormat.PNG))
    assert [(tag, attributes.get("type")) for tag, attributes in elements] == [
        ("picture", None),
        ("source", "image/webp"),
        ("img", None),
    ]
    assert elements[-1][1]["src"] == f"{BASE}/unsafe/w:100/plain/{SOURCE}@png"
    assert "width" not in elements[-1][1] and "height" not in elements[-1][1]


def test_img_by_device_pixel_ratio_keeps_other_options() -> None:
    options = Options(width=300, quality=70, format=ImageFormat.PNG)
    markup = ResponsiveImage(
        builder=UrlBuilder(BASE),
        source=SOURCE,
        alt="",
        dprs=[2, 1, 1.5],
        options=options,
        loading="eager",
        decoding="sync",
    ).img()
    [(tag, attributes)] = parse(markup)
    prefix = f"{BASE}/unsafe/w:300"
    assert (tag, attributes) == (
        "img",
        {
            "src": f"{prefix}/q:70/plain/{SOURCE}",
            "srcset": f"{prefix}/q:70/plain/{SOURCE} 1x, {prefix}/dpr:1.5/q:70/plain/{SOURCE} "
            f"1.5x, {prefix}/dpr:2/q:70/plain/{SOURCE} 2x",
            "alt": "",
            "loading": "eager",
            "decoding": "sync",
        },
    )


def test_one_explicit_dimension_without_a_known_aspect_stays_alone() -> None:
    markup = ResponsiveImage(
        builder=UrlBuilder(BASE), source=SOURCE, alt="", widths=[100], height=50
    ).img(ImageFormat.WEBP)
    attributes = parse(markup)[0][1]
    assert (attributes.get("width"), attributes["height"]) == (None, "50")
    assert attributes["src"].endswith("@webp")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "Expected either widths or dprs but received both or neither"),
        ({"widths": [1], "dprs": [1]},
         "Expected either widths or dprs but received both or neither"),
        ({"widths": [0]}, "Expected positive integer widths but received 0"),
        ({"widths": [2.5]}, "Expected positive integer widths but received 2.5"),
        ({"dprs": [9]}, "Expected dprs in (0, 8] but received 9"),
        ({"widths": [5], "width": -1}, "Expected a positive integer width but received -1"),
        ({"widths": [5], "attributes": {"on click": "x"}},
         "Expected an HTML attribute name but received 'on click'"),
    ],
)  # fmt: skip
def test_bad_arguments_are_refused(arguments: dict[str, object], message: str) -> None:
    image = ResponsiveImage(builder=UrlBuilder(BASE), **({"source": SOURCE, "alt": ""} | arguments))  # type: ignore[arg-type]
    with pytest.raises(ValueError) as caught:
        image.picture()
    assert str(caught.value) == message


def test_sources_with_spaces_stay_one_srcset_candidate() -> None:
    markup = ResponsiveImage(
        builder=UrlBuilder(BASE), source="https://e.com/a b,c.jpg", alt="", widths=[5, 10]
    ).img()
    assert [descriptor for _, descriptor in candidates(parse(markup)[0][1]["srcset"])] == [
        "5w",
        "10w",
    ]


# Served by a real proxy.


@pytest.fixture(scope="module")
def proxy() -> Iterator[tuple[UrlBuilder, str, RequestLog]]:
    seen: list[RequestLog] = []
    with (
        running_origin() as (origin, _),
        running_proxy({"IMGPROXY_KEY": KEY, "IMGPROXY_SALT": SALT}, seen) as base,
    ):
        yield UrlBuilder(base, KEY, SALT), origin, seen[0]


@pytest.fixture(autouse=True)
def fresh_sizes() -> Iterator[None]:
    forget_source_sizes()
    yield
    forget_source_sizes()


def fetch(url: str) -> tuple[str, pyvips.Image]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.headers["Content-Type"], pyvips.Image.new_from_buffer(response.read(), "")


def served_widths(srcset: str, media_type: str) -> list[tuple[int, int]]:
    """(advertised, served) width of every candidate, checking the served format."""
    widths = []
    for url, descriptor in candidates(srcset):
        content_type, image = fetch(url)
        assert content_type == media_type, url
        widths.append((int(descriptor.removesuffix("w")), image.width))
    return widths


def test_every_url_of_a_picture_is_served_as_advertised(
    proxy: tuple[UrlBuilder, str, RequestLog],
) -> None:
    builder, origin, _ = proxy
    markup = ResponsiveImage(
        builder=builder,
        source=f"{origin}/files/{LANDSCAPE}",
        alt="Landscape",
        widths=[320, 960, 2400, 4000],
        options=parse_options("rs:fill:0:0", "q:60"),
        size_from_info=True,
    ).picture()
    elements = parse(markup)
    assert [tag for tag, _ in elements] == ["picture", "source", "source", "img"]
    expected = [(320, 320), (960, 960), (1800, 1800)]  # 2400 and 4000 collapse into the source
    for _, attributes in elements[1:3]:
        assert served_widths(attributes["srcset"], attributes["type"]) == expected
    img = elements[3][1]
    assert served_widths(img["srcset"], "image/jpeg") == expected
    content_type, largest = fetch(img["src"])
    assert content_type == "image/jpeg"
    assert (img["width"], img["height"]) == ("1800", "1200")
    assert (largest.width, largest.height) == (1800, 1200)


def test_fixed_height_fill_gets_the_rendered_height(
    proxy: tuple[UrlBuilder, str, RequestLog],
) -> None:
    builder, origin, _ = proxy
    markup = ResponsiveImage(
        builder=builder,
        source=f"{origin}/files/{LANDSCAPE}",
        alt="",
        widths=[200, 400],
        options=parse_options("rs:fill:0:150"),
        width=300,
        size_from_info=True,
    ).img(ImageFormat.WEBP)
    img = parse(markup)[0][1]
    assert served_widths(img["srcset"], "image/webp") == [(200, 200), (400, 400)]
    assert (img["width"], img["height"]) == ("300", "112")  # 400x150 scaled to the given width


def test_ratios_the_source_cannot_fill_are_left_out(
    proxy: tuple[UrlBuilder, str, RequestLog],
) -> None:
    builder, origin, _ = proxy
    image = ResponsiveImage(
        builder=builder,
        source=f"{origin}/files/{SMALL}",
        alt="",
        dprs=[1, 1.4, 2, 3],
        options=Options(width=200),
        size_from_info=True,
    )
    img = parse(image.img(ImageFormat.PNG))[0][1]
    assert [descriptor for _, descriptor in candidates(img["srcset"])] == ["1x", "1.4x"]
    for url, descriptor in candidates(img["srcset"]):
        content_type, served = fetch(url)
        assert content_type == "image/png"
        assert served.width == round(200 * float(descriptor.removesuffix("x")))
    assert (img["width"], img["height"]) == ("200", "305")
    enlarged = ResponsiveImage(
        builder=builder,
        source=f"{origin}/files/{SMALL}",
        alt="",
        dprs=[1, 2, 3],
        options=Options(width=200, enlarge=True),
        size_from_info=True,
    )
    assert candidates(parse(enlarged.img())[0][1]["srcset"])[-1][1] == "3x"


def test_sizes_are_looked_up_once(proxy: tuple[UrlBuilder, str, RequestLog]) -> None:
    builder, origin, log = proxy
    source = f"{origin}/files/{SMALL}"
    before = len(log.requests)
    for _ in range(3):
        ResponsiveImage(
            builder=builder, source=source, alt="", widths=[100], size_from_info=True
        ).picture()
    info = [path for _, path in log.requests[before:] if path.startswith("/info/")]
    assert len(info) == 1
    assert source_size(builder, source).width == 290


def test_lookup_failures_say_why(proxy: tuple[UrlBuilder, str, RequestLog]) -> None:
    builder, origin, _ = proxy
    with pytest.raises(InfoLookupError) as caught:
        source_size(builder, f"{origin}/status/404")
    assert (
        str(caught.value) == f"/info answered 404 for {origin}/status/404: Source image not found"
    )
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(InfoLookupError) as caught:
        source_size(builder, f"{origin}/files/{SMALL}", base_url=f"http://127.0.0.1:{port}")
    assert str(caught.value).startswith(f"/info unreachable for {origin}/files/{SMALL}: ")
    with pytest.raises(InfoLookupError) as caught:
        source_size(builder, f"{origin}/hang/x", timeout=0.5)
    assert str(caught.value) == f"/info unreachable for {origin}/hang/x: timed out"
