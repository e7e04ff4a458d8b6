"""generate_path is the inverse of PathParser.parse, for every Options field and both encodings."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from imgproxy.url.generator import generate_options, generate_path
from imgproxy.url.options import (
    Color,
    Crop,
    Extend,
    Gravity,
    GravityType,
    ImageFormat,
    ImageRequest,
    Monochrome,
    Options,
    Padding,
    ResizingAlgorithm,
    ResizingType,
    SecurityLimits,
    Trim,
    Watermark,
)
from imgproxy.url.parser import PathParser

NOW = 1_700_000_000
SPECIAL = {
    GravityType.SMART,
    GravityType.FOCUS_POINT,
    GravityType.REPLICATE,
    GravityType.CHESSBOARD,
    GravityType.OBJECTS,
    GravityType.PROPORTIONAL,
}
COMPASS = [kind for kind in GravityType if kind not in SPECIAL]
URL_SAFE = string.ascii_letters + string.digits + "-_.~"

dimensions = st.integers(0, 65535)
fractions = st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)
offsets = st.one_of(
    st.integers(-500, 500).map(float),
    st.floats(-0.999, 0.999, allow_nan=False, allow_infinity=False),
    st.floats(-65535.0, 65535.0, allow_nan=False, allow_infinity=False),
)


@st.composite
def compass_gravities(draw: st.DrawFn) -> Gravity:
    return Gravity(draw(st.sampled_from(COMPASS)), draw(offsets), draw(offsets))


def gravities(*, smart: bool, objects: bool = False) -> st.SearchStrategy[Gravity]:
    choices = [
        compass_gravities(),
        st.builds(Gravity, st.just(GravityType.FOCUS_POINT), fractions, fractions),
    ]
    if smart:
        choices.append(st.just(Gravity(GravityType.SMART)))
    if objects:
        choices.append(st.just(Gravity(GravityType.OBJECTS)))
    return st.one_of(*choices)


colors = st.builds(Color, st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))
unit = st.floats(0.0, 1.0, allow_nan=False)
positive = st.floats(0.0, 100.0, exclude_min=True, allow_nan=False)
sizes = st.one_of(st.integers(0, 65535).map(float), st.floats(0.0, 0.999, allow_nan=False))
formats = st.sampled_from([name for name in ImageFormat if name is not ImageFormat.BEST])
"""Formats a format list (`skip_processing`, `format_quality`) takes: `best` is no format."""

options_strategy = st.builds(
    Options,
    resizing_type=st.sampled_from(list(ResizingType)),
    resizing_algorithm=st.sampled_from(list(ResizingAlgorithm)),
    width=dimensions,
    height=dimensions,
    min_width=dimensions,
    min_height=dimensions,
    zoom_x=positive,
    zoom_y=positive,
    dpr=st.floats(0.0, 8.0, exclude_min=True, allow_nan=False),
    enlarge=st.booleans(),
    extend=st.builds(Extend, st.booleans(), gravities(smart=False)),
    extend_aspect_ratio=st.builds(Extend, st.booleans(), gravities(smart=False)),
    gravity=gravities(smart=True, objects=True),
    crop=st.builds(Crop, sizes, sizes, st.none() | gravities(smart=True)),
    trim=st.builds(
        Trim,
        st.none() | st.floats(0.0, 255.0, allow_nan=False),
        st.none() | colors,
        st.booleans(),
        st.booleans(),
    ),
    padding=st.builds(Padding, dimensions, dimensions, dimensions, dimensions),
    auto_rotate=st.sampled_from([None, True, False]),
    rotate=st.sampled_from([0, 90, 180, 270]),
    flip_horizontal=st.booleans(),
    flip_vertical=st.booleans(),
    page=st.integers(0, 9999),
    pages=st.integers(1, 10000),
    disable_animation=st.booleans(),
    crop_aspect_ratio=st.floats(0.0, 65535.0, allow_nan=False),
    crop_aspect_ratio_enlarge=st.booleans(),
    background=st.none() | colors,
    background_alpha=unit,
    blur=st.floats(0.0, 1000.0, allow_nan=False),
    sharpen=st.floats(0.0, 1000.0, allow_nan=False),
    pixelate=dimensions,
    brightness=st.integers(-255, 255),
    contrast=st.floats(0.0, 100.0, allow_nan=False),
    saturation=st.floats(0.0, 100.0, allow_nan=False),
    monochrome=st.builds(Monochrome, unit, colors),
    watermark=st.builds(
        Watermark,
        unit,
        st.sampled_from([*COMPASS, GravityType.REPLICATE, GravityType.CHESSBOARD]),
        offsets,
        offsets,
        st.floats(0.0, 100.0, allow_nan=False),
    ),
    quality=st.integers(0, 100),
    format_quality=st.dictionaries(formats, st.integers(0, 100)).map(
        lambda table: tuple(sorted(table.items(), key=lambda item: item[0].value))
    ),
    max_bytes=st.integers(0, 2**31 - 1),
    format=st.none() | st.sampled_from(list(ImageFormat)),
    strip_metadata=st.sampled_from([None, True, False]),
    keep_copyright=st.sampled_from([None, True, False]),
    strip_color_profile=st.sampled_from([None, True, False]),
    preserve_hdr=st.booleans(),
    enforce_thumbnail=st.booleans(),
    skip_processing=st.lists(formats, unique=True).map(tuple),
    raw=st.booleans(),
    cachebuster=st.text(URL_SAFE, max_size=20),
    expires=st.none() | st.integers(NOW + 1, 2**62),
    filename=st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
    return_attachment=st.booleans(),
    limits=st.builds(
        SecurityLimits,
        st.none() | st.floats(0.0, 1e6, exclude_min=True, allow_nan=False),
        st.none() | st.integers(0, 2**62),
        st.none() | st.integers(1, 100_000),
        st.none() | st.floats(0.0, 1e6, allow_nan=False),
        st.none() | dimensions,
    ),
)

path_text = st.text(
    st.characters(blacklist_categories=("Cs",)),  # surrogates cannot be UTF-8 encoded
    max_size=30,
)
http_sources = st.builds(
    lambda scheme, host, path, tail: f"{scheme}://{host}/{path}{tail}",
    st.sampled_from(["http", "https"]),
    st.sampled_from(["example.com", "user@example.com", "例え.jp", "127.0.0.1:8080"]),
    path_text,
    st.sampled_from(["", "?a=1&b=2", "?q=a%20b", "#frag", " with space", "@2x.png", "/é/%zz"]),
)
local_sources = st.builds(lambda path: f"local:///{path}", path_text)
sources = http_sources | local_sources
requests = st.builds(ImageRequest, options_strategy, sources)


def roundtrip(request: ImageRequest, separator: str, *, base64: bool) -> ImageRequest:
    path = generate_path(request, separator, base64=base64)
    assert path.startswith("/")
    parser = PathParser(separator=separator, clock=lambda: NOW, allow_security_options=True)
    return parser.parse(path.lstrip("/"))


@pytest.mark.parametrize("separator", [":", ","])
@pytest.mark.parametrize("base64", [False, True], ids=["plain", "base64"])
@settings(max_examples=300, deadline=None)
@given(request=requests)
@example(request=ImageRequest(Options(), "http://example.com/a b?c=d@e%f"))
@example(request=ImageRequest(Options(format=ImageFormat.JPEG), "local:///dir/ü.png"))
@example(
    request=ImageRequest(
        Options(gravity=Gravity(GravityType.SOUTH_WEST, 0.0, 7.0), dpr=0.1), "http://a/b"
    )
)
def test_parse_inverts_generate(request: ImageRequest, separator: str, base64: bool) -> None:
    assert roundtrip(request, separator, base64=base64) == request


@pytest.mark.parametrize(
    ("request_", "plain", "encoded"),
    [
        (
            ImageRequest(Options(), "http://example.com/a.jpg"),
            "/plain/http://example.com/a.jpg",
            "/aHR0cDovL2V4YW1wbGUuY29tL2EuanBn",
        ),
        (
            ImageRequest(
                Options(
                    resizing_type=ResizingType.FILL, width=300, height=200, format=ImageFormat.PNG
                ),
                "http://example.com/images/curiosity.jpg",
            ),
            "/rt:fill/w:300/h:200/plain/http://example.com/images/curiosity.jpg@png",
            "/rt:fill/w:300/h:200/aHR0cDovL2V4YW1wbGUuY29tL2ltYWdlcy9jdXJpb3NpdHkuanBn.png",
        ),
        (
            ImageRequest(Options(format=ImageFormat.JPEG), "http://x/a b?c@d%e"),
            "/plain/http://x/a%20b%3Fc%40d%25e@jpg",
            "/aHR0cDovL3gvYSBiP2NAZCVl.jpg",
        ),
    ],
)
def test_exact_paths(request_: ImageRequest, plain: str, encoded: str) -> None:
    assert generate_path(request_) == plain
    assert generate_path(request_, base64=True) == encoded


def test_only_non_default_options_in_fixed_order() -> None:
    options = Options(
        quality=75,
        dpr=2.0,
        gravity=Gravity(GravityType.NORTH_EAST, 10.0, 0.0),
        extend=Extend(True, Gravity(GravityType.SOUTH)),
        auto_rotate=False,
        strip_metadata=True,
        cachebuster="v2",
        expires=NOW + 60,
        format=ImageFormat.AVIF,
    )
    assert generate_options(options) == [
        "dpr:2",
        "ex:1:so",
        "g:noea:10",
        "ar:0",
        "q:75",
        "sm:1",
        "cb:v2",
        f"exp:{NOW + 60}",
        "f:avif",
    ]
    assert "f:avif" not in generate_options(options, with_format=False)
    assert generate_options(Options()) == []


def test_full_lists_every_field_and_skips_unset_ones() -> None:
    assert generate_options(Options(), full=True) == [
        "rt:fit", "ra:lanczos3", "w:0", "h:0", "mw:0", "mh:0", "z:1:1", "dpr:1", "el:0", "ex:0",
        "exar:0", "g:ce", "c:0:0", "t:::0:0", "pd:0:0:0:0", "rot:0", "fl:0:0", "pg:0", "bga:1",
        "bl:0", "sh:0", "pix:0", "br:0", "contrast:1", "sa:1", "mc:0:b3b3b3", "wm:0:ce:0:0",
        "q:0", "fq:", "mb:0", "ph:0", "eth:0", "skp:", "raw:0", "cb:", "fn:", "att:0",
    ]  # fmt: skip
    full = "/".join(generate_options(Options(), full=True))
    assert PathParser().parse(full + "/plain/local:///a.jpg").options == Options()
    assert generate_options(Options(dpr=1.5), ",", full=True)[7] == "dpr,1.5"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (Options(cachebuster="a/b"), "cachebuster value 'a/b' cannot be written in a path"),
        (Options(cachebuster="a:b"), "cachebuster value 'a:b' cannot be written in a path"),
    ],
)
def test_unwritable_values_are_refused(options: Options, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_options(options)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("rs:fill:300:200", "rt:fill/w:300/h:200"),
        ("resize:fill-down:0:50:t", "resizing_type:fill-down/height:50/enlarge:1"),
        ("s:10:20:1:1:no:5", "w:10/h:20/el:true/ex:1:no:5"),
        ("g:fp:0.5:0.25/q:80", "gravity:fp:.5:.250/quality:080"),
        ("rs:auto:100:100:0:1:sowe", "rt:auto/w:100/h:100/el:f/extend:1:sowe:0:0"),
    ],
)
@pytest.mark.parametrize("separator", [":", ","])
def test_two_spellings_one_canonical_form(first: str, second: str, separator: str) -> None:
    parser = PathParser(separator=separator, clock=lambda: NOW)

    def spell(text: str) -> str:
        return text.replace(":", separator) + "/plain/http://example.com/a.jpg"

    one, other = parser.parse(spell(first)), parser.parse(spell(second))
    assert one == other
    assert generate_options(one.options, separator, full=True) == generate_options(
        other.options, separator, full=True
    )
    assert generate_path(one, separator) == generate_path(other, separator)
