"""generate_path is the inverse of PathParser.parse, for every Options field and both encodings."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from imgproxy.url.generator import generate_options, generate_path
from imgproxy.url.options import (
    Extend,
    Gravity,
    GravityType,
    ImageFormat,
    ImageRequest,
    Options,
    ResizingType,
)
from imgproxy.url.parser import PathParser

NOW = 1_700_000_000
COMPASS = [kind for kind in GravityType if kind not in {GravityType.SMART, GravityType.FOCUS_POINT}]
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


def gravities(*, smart: bool) -> st.SearchStrategy[Gravity]:
    choices = [
        compass_gravities(),
        st.builds(Gravity, st.just(GravityType.FOCUS_POINT), fractions, fractions),
    ]
    if smart:
        choices.append(st.just(Gravity(GravityType.SMART)))
    return st.one_of(*choices)


options_strategy = st.builds(
    Options,
    resizing_type=st.sampled_from(list(ResizingType)),
    width=dimensions,
    height=dimensions,
    dpr=st.floats(0.0, 8.0, exclude_min=True, allow_nan=False),
    enlarge=st.booleans(),
    extend=st.builds(Extend, st.booleans(), gravities(smart=False)),
    gravity=gravities(smart=True),
    quality=st.integers(0, 100),
    format=st.none() | st.sampled_from(list(ImageFormat)),
    auto_rotate=st.sampled_from([None, True, False]),
    strip_metadata=st.sampled_from([None, True, False]),
    cachebuster=st.text(URL_SAFE, max_size=20),
    expires=st.none() | st.integers(NOW + 1, 2**62),
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
    return PathParser(separator=separator, clock=lambda: NOW).parse(path.lstrip("/"))


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
                Options(ResizingType.FILL, 300, 200, format=ImageFormat.PNG),
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
        "q:75",
        "ar:0",
        "sm:1",
        "cb:v2",
        f"exp:{NOW + 60}",
        "f:avif",
    ]
    assert "f:avif" not in generate_options(options, with_format=False)
    assert generate_options(Options()) == []


def test_full_lists_every_field_and_skips_unset_ones() -> None:
    assert generate_options(Options(), full=True) == [
        "rt:fit",
        "w:0",
        "h:0",
        "dpr:1",
        "el:0",
        "ex:0",
        "g:ce",
        "q:0",
        "cb:",
    ]
    assert generate_options(Options(dpr=1.5), ",", full=True)[:4] == [
        "rt,fit",
        "w,0",
        "h,0",
        "dpr,1.5",
    ]


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
