"""The path grammar: signature split, re-denormalization, options, sources, presets, errors."""

from __future__ import annotations

import pytest

from imgproxy.errors import ExpiredURL, InvalidOption, InvalidPath
from imgproxy.url import args
from imgproxy.url.options import (
    Extend,
    Gravity,
    GravityType,
    ImageFormat,
    Options,
    ResizingType,
)
from imgproxy.url.parser import PathParser, redenormalize, split_signature
from imgproxy.url.presets import PresetError, parse_presets
from imgproxy.url.source import decode_base64, decode_plain, encode_base64, encode_plain

NOW = 1_700_000_000
PARSER = PathParser(clock=lambda: NOW)
SRC = "plain/http://example.com/a.jpg"
FORMATS = "jpeg, png, webp, avif, gif, tiff, heic, bmp, ico, svg, jxl, jpg, tif, heif, best"
GRAVITIES = "ce, no, so, ea, we, noea, nowe, soea, sowe"
RESIZING = "fit, fill, fill-down, force, auto"
BOOLEAN = "boolean (1, t, true, 0, f, false)"
G = GravityType


def options(text: str, parser: PathParser = PARSER) -> Options:
    return parser.parse(f"{text}/{SRC}").options


def test_split_signature_returns_signature_and_redenormalized_rest() -> None:
    assert split_signature("/sig/rs:fill:1:1/plain/x") == ("sig", "rs:fill:1:1/plain/x")
    assert split_signature("/_/rs%3Afill/plain/https:/a.com/b") == (
        "_",
        "rs:fill/plain/https://a.com/b",
    )


@pytest.mark.parametrize("path", ["", "/", "/sig", "/sig/", "//rs:fill/plain/x"])
def test_split_signature_needs_signature_and_rest(path: str) -> None:
    with pytest.raises(InvalidPath) as caught:
        split_signature(path)
    assert caught.value.message == "Invalid URL"
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("w%3A10/h%3a5/plain/https:/a.com/b", "w:10/h:5/plain/https://a.com/b"),
        ("plain/local:/img/a.jpg", "plain/local:///img/a.jpg"),
        ("plain/s3:/bucket/key", "plain/s3://bucket/key"),
        ("plain/http://a.com/b", "plain/http://a.com/b"),
        ("plain/local:///a.jpg", "plain/local:///a.jpg"),
        ("w%3A1/plain/http://a.com/b%3Ac", "w:1/plain/http://a.com/b%3Ac"),
        ("w%3A10/aHR0cDovL2EvYg.png", "w:10/aHR0cDovL2EvYg.png"),
    ],
)
def test_redenormalize(raw: str, fixed: str) -> None:
    assert redenormalize(raw) == fixed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rs:fill:300:200:1:1:no:5:0.5",
            Options(
                resizing_type=ResizingType.FILL,
                width=300,
                height=200,
                enlarge=True,
                extend=Extend(True, Gravity(G.NORTH, 5, 0.5)),
            ),
        ),
        ("rs::300", Options(width=300)),
        ("rs:fill::200", Options(resizing_type=ResizingType.FILL, height=200)),
        ("s:100:50:t", Options(width=100, height=50, enlarge=True)),
        ("s:::1:1", Options(enlarge=True, extend=Extend(True))),
        ("w:1/w:2", Options(width=2)),
        ("ex:1:soea:3:4/ex:0", Options(extend=Extend(False, Gravity(G.SOUTH_EAST, 3, 4)))),
        ("ex:t:fp:0.2:0.8", Options(extend=Extend(True, Gravity(G.FOCUS_POINT, 0.2, 0.8)))),
        ("g:sm", Options(gravity=Gravity(G.SMART))),
        ("g:fp:0.25:1", Options(gravity=Gravity(G.FOCUS_POINT, 0.25, 1.0))),
        ("g:nowe:10:-0.5", Options(gravity=Gravity(G.NORTH_WEST, 10.0, -0.5))),
        ("g:so::7", Options(gravity=Gravity(G.SOUTH, 0.0, 7.0))),
        ("dpr:2.5/q:100", Options(dpr=2.5, quality=100)),
        ("el:TRUE/ar:f/sm:0", Options(enlarge=True, auto_rotate=False, strip_metadata=False)),
        ("cb:v1.2-x_y~/exp:0", Options(cachebuster="v1.2-x_y~")),
        (f"exp:{NOW + 1}", Options(expires=NOW + 1)),
        ("f:JPG", Options(format=ImageFormat.JPEG)),
        ("ext:tif", Options(format=ImageFormat.TIFF)),
    ],
)
def test_option_values(text: str, expected: Options) -> None:
    assert options(text) == expected


@pytest.mark.parametrize(
    ("full", "short"),
    [
        ("resize:fit:1:2", "rs:fit:1:2"),
        ("size:1:2", "s:1:2"),
        ("resizing_type:force", "rt:force"),
        ("width:9", "w:9"),
        ("height:9", "h:9"),
        ("enlarge:1", "el:1"),
        ("extend:1:we", "ex:1:we"),
        ("gravity:ea", "g:ea"),
        ("quality:5", "q:5"),
        ("format:webp", "f:webp"),
        ("auto_rotate:0", "ar:0"),
        ("strip_metadata:1", "sm:1"),
        ("cachebuster:x", "cb:x"),
        (f"expires:{NOW + 9}", f"exp:{NOW + 9}"),
    ],
)
def test_full_and_short_names_agree(full: str, short: str) -> None:
    assert options(full) == options(short) != Options()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("w:abc", "Expected integer 0..65535 for width but received 'abc'"),
        ("w:-1", "Expected integer 0..65535 for width but received '-1'"),
        ("h:65536", "Expected integer 0..65535 for height but received '65536'"),
        ("h:1.5", "Expected integer 0..65535 for height but received '1.5'"),
        ("q:101", "Expected integer 0..100 for quality but received '101'"),
        ("dpr:0", "Expected number >0..8 for dpr but received '0'"),
        ("dpr:8.5", "Expected number >0..8 for dpr but received '8.5'"),
        ("dpr:nan", "Expected number >0..8 for dpr but received 'nan'"),
        ("el:yes", f"Expected {BOOLEAN} for enlarge but received 'yes'"),
        ("rt:crop", f"Expected one of {RESIZING} for resizing_type but received 'crop'"),
        ("rs:x", f"Expected one of {RESIZING} for resizing_type but received 'x'"),
        ("f:bmpx", f"Expected one of {FORMATS} for format but received 'bmpx'"),
        ("g:xx", f"Expected one of {GRAVITIES}, sm, fp, obj, objw for gravity but received 'xx'"),
        ("g:fp:0.5", "Expected 3 arguments for gravity but received 2"),
        ("g:fp:1.5:0", "Expected number 0..1 for gravity x but received '1.5'"),
        ("g:fp:0:-0.1", "Expected number 0..1 for gravity y but received '-0.1'"),
        ("g:sm:1", "Expected 1 arguments for gravity but received 2"),
        ("g:no:1:2:3", "Expected 1..3 arguments for gravity but received 4"),
        ("g:no:abc", "Expected number -65535..inf for gravity x offset but received 'abc'"),
        ("ex:1:sm", f"Expected one of {GRAVITIES}, fp for extend gravity but received 'sm'"),
        ("ex:maybe", f"Expected {BOOLEAN} for extend but received 'maybe'"),
        ("w:1:2", "Expected 1 arguments for width but received 2"),
        ("rs:fit:1:2:0:0:ce:0:0:9", "Expected 1..8 arguments for resize but received 9"),
        ("exp:soon", "Expected integer 0..9223372036854775807 for expires but received 'soon'"),
        ("zz:1", "Unknown option: zz"),
        ("pr:nope", "Unknown preset: nope"),
    ],
)
def test_bad_options_name_the_argument(text: str, message: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        options(text)
    assert caught.value.message == message
    assert caught.value.status == 400


@pytest.mark.parametrize("value", ["1_000", " 5", "5 ", "\u0663", "0x10"])
def test_only_plain_ascii_decimal_integers(value: str) -> None:
    # imgproxy (Go strconv.Atoi) refuses these; a second spelling also splits caches.
    with pytest.raises(InvalidOption) as caught:
        options(f"w:{value}")
    assert caught.value.message == f"Expected integer 0..65535 for width but received '{value}'"


def test_expiry_uses_the_clock() -> None:
    assert options(f"exp:{NOW + 1}").expires == NOW + 1
    with pytest.raises(ExpiredURL) as caught:
        options(f"exp:{NOW - 1}")
    assert (caught.value.message, caught.value.status) == ("Expired URL", 410)


@pytest.mark.parametrize(
    ("path", "source", "image_format"),
    [
        ("plain/http://a.com/x.jpg@png", "http://a.com/x.jpg", ImageFormat.PNG),
        ("f:png/plain/http://a.com/x.jpg@webp", "http://a.com/x.jpg", ImageFormat.WEBP),
        (
            "plain/http://a.com/a%20b%3Fc%40d%25e+f@JPG",
            "http://a.com/a b?c@d%e+f",
            ImageFormat.JPEG,
        ),
        ("plain/http://a.com//x/%C3%A9.jpg", "http://a.com//x/é.jpg", None),
        ("plain/http://a.com/x.jpg?w=1", "http://a.com/x.jpg?w=1", None),
        ("plain/local:///images/a.jpg", "local:///images/a.jpg", None),
        (
            "rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png",
            "http://example.com/images/curiosity.jpg",
            ImageFormat.PNG,
        ),
        ("aHR0cDovL2EvYg==.heif", "http://a/b", ImageFormat.HEIC),
        ("aHR0cDovL2EvYg", "http://a/b", None),
    ],
)
def test_sources(path: str, source: str, image_format: ImageFormat | None) -> None:
    request = PARSER.parse(path)
    assert (request.source, request.options.format) == (source, image_format)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "Image URL is empty"),
        ("w:10/h:5", "Image URL is empty"),
        ("plain/", "Image URL is empty"),
        ("plain/@png", "Image URL is empty"),
        (
            "fill/300/200/sm/0/aHR0cDovL2EvYg",
            "The basic URL format is not supported; use processing options",
        ),
        ("plain/http://a/b@png@jpg", "Multiple formats are specified: http://a/b@png@jpg"),
        ("aHR0cDovL2EvYg.png.jpg", "Multiple formats are specified: aHR0cDovL2EvYg.png.jpg"),
        ("aHR0cDovL2EvYg+.png", "Invalid base64url source URL: aHR0cDovL2EvYg+"),
        ("_w", "Invalid base64url source URL: _w"),
        ("plain/http://a/%zz", "Invalid percent-encoding in source URL: http://a/%zz"),
        ("plain/http://a/b@bmpx", f"Expected one of {FORMATS} for format but received 'bmpx'"),
    ],
)
def test_bad_paths(path: str, message: str) -> None:
    with pytest.raises(InvalidPath) as caught:
        PARSER.parse(path)
    assert caught.value.message == message


def test_comma_separator() -> None:
    parser = PathParser(separator=",", clock=lambda: NOW)
    request = parser.parse("rs,fill,300,200/g,fp,0.5,0.5/plain/http://a.com/x:y.jpg@png")
    assert request.options == Options(
        resizing_type=ResizingType.FILL,
        width=300,
        height=200,
        gravity=Gravity(GravityType.FOCUS_POINT, 0.5, 0.5),
        format=ImageFormat.PNG,
    )
    assert request.source == "http://a.com/x:y.jpg"
    with pytest.raises(InvalidPath):  # with ',' a ':' segment starts the (base64) source
        parser.parse("rs:fill:300:200/plain/http://a.com/x.jpg")


def test_encoders_invert_decoders() -> None:
    source = "http://a.com/é b?c=1@2%3"
    assert encode_plain(source, "png") == "plain/http://a.com/%C3%A9%20b%3Fc=1%402%253@png"
    assert decode_plain(encode_plain(source, "png").split("/")[1:]) == (source, "png")
    assert decode_base64([encode_base64(source, "webp")]) == (source, "webp")


def test_parse_presets() -> None:
    lines = ["# comment", "", "thumb=rs:fill:100:100/q:70", " sharp = g:sm "]
    assert parse_presets(lines) == {
        "thumb": (("rs", ("fill", "100", "100")), ("q", ("70",))),
        "sharp": (("g", ("sm",)),),
    }
    assert parse_presets(["t=rs,fit,1,2"], ",") == {"t": (("rs", ("fit", "1", "2")),)}


@pytest.mark.parametrize("line", ["thumb", "thumb=", "=w:1", "a=w:1=2", "a=w:1/plain"])
def test_bad_preset_lines(line: str) -> None:
    with pytest.raises(PresetError) as caught:
        parse_presets([line])
    problem = "'plain' is not an option" if "plain" in line else "expected name=option/option"
    assert str(caught.value) == f"Invalid preset {line!r}: {problem}"


def test_presets_apply_in_order() -> None:
    presets = parse_presets(
        ["default=q:50/ar:0", "thumb=rs:fill:100:100/q:70", "big=w:900", "a=pr:b/w:1", "b=pr:a/h:2"]
    )
    parser = PathParser(presets=presets, clock=lambda: NOW)
    assert options("w:5", parser) == Options(width=5, quality=50, auto_rotate=False)
    assert options("w:5/pr:thumb", parser) == Options(
        resizing_type=ResizingType.FILL, width=100, height=100, quality=70, auto_rotate=False
    )
    assert options("preset:thumb:big/q:90", parser) == Options(
        resizing_type=ResizingType.FILL, width=900, height=100, quality=90, auto_rotate=False
    )
    assert options("pr:a", parser) == Options(width=1, height=2, quality=50, auto_rotate=False)
    parser.validate_presets()


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ("bad=w:abc", "Expected integer 0..65535 for width but received 'abc'"),
        ("bad=zz:1", "Unknown option: zz"),
        ("bad=pr:missing", "Unknown preset: missing"),
    ],
)
def test_validate_presets_rejects_bad_ones(definition: str, message: str) -> None:
    parser = PathParser(presets=parse_presets(["ok=w:1", definition]))
    with pytest.raises(InvalidOption) as caught:
        parser.validate_presets()
    assert caught.value.message == message


def test_args_helpers() -> None:
    assert args.integer("n", "7", 0, 10) == 7
    assert args.number("x", "-2.5", low=-3) == -2.5
    assert args.boolean("b", "T") is True
    assert args.boolean("b", "False") is False
    assert args.choice("t", "fill", {"fill": ResizingType.FILL}) is ResizingType.FILL
    args.check_count("n", ["1", "2"], 3, least=2)
    with pytest.raises(args.ArgumentError) as caught:
        args.check_count("n", ["1"], 3, least=2)
    assert str(caught.value) == "Expected 2..3 arguments for n but received 1"
    with pytest.raises(args.ArgumentError) as caught:
        args.number("x", "inf", low=1, high=5)
    assert str(caught.value) == "Expected number 1..5 for x but received 'inf'"
