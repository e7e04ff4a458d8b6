"""The `/info` grammar (imgproxy Pro's info options): one table per option, named after it, with
its spellings, edge values and the exact message of each refusal; then the path around them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from imgproxy.errors import ExpiredURL, Forbidden, InvalidOption, InvalidPath, ProxyError
from imgproxy.url.hashsums import ExpectedHashsum, Hashsum
from imgproxy.url.info_options import DEFAULT_INFO_OPTIONS, InfoOptions
from imgproxy.url.info_path import InfoPathParser, InfoRequest, generate_info_path
from imgproxy.url.info_rows import ROWS, canonical_info_options, generate_info_options
from imgproxy.url.options import Crop, Gravity, GravityType, SecurityLimits
from imgproxy.url.presets import parse_presets

SOURCE = "http://example.com/cat.jpg"
D = DEFAULT_INFO_OPTIONS


def parsed(*segments: str, parser: InfoPathParser | None = None) -> InfoOptions:
    path = "/".join([*segments, "plain", SOURCE])
    return (parser or InfoPathParser()).parse(path).options


def refusal(*segments: str, parser: InfoPathParser | None = None) -> ProxyError:
    with pytest.raises(ProxyError) as caught:
        parsed(*segments, parser=parser)
    return caught.value


def check_table(accepted: dict[str, InfoOptions], refused: dict[str, str]) -> None:
    for segment, expected in accepted.items():
        assert parsed(segment) == expected, segment
    for segment, message in refused.items():
        error = refusal(segment)
        assert (type(error), error.status, error.message) == (InvalidOption, 400, message), segment


def boolean_table(names: tuple[str, ...], field: str, default: bool) -> None:
    name = names[0]
    accepted = {}
    for alias in names:
        for word, value in [("1", True), ("t", True), ("true", True), ("TRUE", True)]:
            accepted[f"{alias}:{word}"] = replace(D, **{field: value})
        for word in ("0", "f", "false"):
            accepted[f"{alias}:{word}"] = replace(D, **{field: False})
    accepted[f"{name}:"] = replace(D, **{field: default})
    check_table(
        accepted,
        {
            f"{name}:yes": f"Expected boolean (1, t, true, 0, f, false) for {name} "
            "but received 'yes'",
            f"{name}:1:1": f"Expected 1 arguments for {name} but received 2",
        },
    )


@pytest.mark.parametrize(
    ("names", "field", "default"),
    [
        (("size", "s"), "size", True),
        (("format", "f"), "format", True),
        (("dimensions", "d"), "dimensions", True),
        (("iptc",), "iptc", True),
        (("xmp",), "xmp", True),
        (("video_meta", "vm"), "video_meta", True),
        (("colorspace", "cs"), "colorspace", False),
        (("bands", "b"), "bands", False),
        (("sample_format", "sf"), "sample_format", False),
        (("pages_number", "pn"), "pages_number", False),
        (("thumb_hash", "th"), "thumb_hash", False),
        (("perceptual_hash", "phash", "ph"), "perceptual_hash", False),
        (("bypass_cache", "bc"), "bypass_cache", False),
    ],
)
def test_boolean_info_options(names: tuple[str, ...], field: str, default: bool) -> None:
    assert getattr(D, field) is default
    if field == "bypass_cache":
        assert parsed("bc:0") == D
        return  # bc:1 is refused unless allowed: test_bypass_cache
    boolean_table(names, field, default)


def test_size() -> None:
    assert (D.size, parsed("s:0").size, parsed("size:1").size) == (True, False, True)


def test_exif() -> None:
    check_table(
        {
            "exif:0": replace(D, exif=False),
            "exif:1": D,
            "exif:1:1": replace(D, exif_canonical_names=True),
            "exif:t:f": D,
            "exif::true": replace(D, exif_canonical_names=True),
        },
        {
            "exif:1:1:1": "Expected 1..2 arguments for exif but received 3",
            "exif:on": "Expected boolean (1, t, true, 0, f, false) for exif but received 'on'",
        },
    )


def test_alpha() -> None:
    check_table(
        {
            "a:1": replace(D, alpha=True),
            "alpha:1:1": replace(D, alpha=True, check_transparency=True),
            "a:0:1": replace(D, check_transparency=True),
        },
        {
            "a:1:1:1": "Expected 1..2 arguments for alpha but received 3",
            "a:2": "Expected boolean (1, t, true, 0, f, false) for alpha but received '2'",
        },
    )
    assert not replace(D, alpha=True).needs_pixels  # the header has the alpha band


def test_average() -> None:
    assert D.average_ignore_transparent is True
    check_table(
        {
            "avg:1": replace(D, average=True),
            "average:1:0": replace(D, average=True, average_ignore_transparent=False),
            "avg:0": D,
        },
        {"avg:1:1:1": "Expected 1..2 arguments for average but received 3"},
    )


def test_dominant_colors() -> None:
    check_table(
        {
            "dc:1": replace(D, dominant_colors=True),
            "dominant_colors:t:t": replace(
                D, dominant_colors=True, dominant_colors_build_missed=True
            ),
        },
        {"dc:x": "Expected boolean (1, t, true, 0, f, false) for dominant_colors but received 'x'"},
    )


def test_blurhash() -> None:
    check_table(
        {
            "bh:4:3": replace(D, blurhash=(4, 3)),
            "blurhash:9:9": replace(D, blurhash=(9, 9)),
            "bh:1:1": replace(D, blurhash=(1, 1)),
            "bh:0:0": D,
            "bh:0:5": replace(D, blurhash=(0, 5)),
        },
        {
            "bh:10:3": "Expected integer 0..9 for blurhash but received '10'",
            "bh:-1:3": "Expected integer 0..9 for blurhash but received '-1'",
            "bh:4": "Expected 2 arguments for blurhash but received 1",
            "bh:4:3:2": "Expected 2 arguments for blurhash but received 3",
        },
    )
    assert not replace(D, blurhash=(0, 5)).needs_pixels


def test_palette() -> None:
    check_table(
        {
            "p:0": D,
            "p:2": replace(D, palette=2),
            "palette:256": replace(D, palette=256),
        },
        {
            "p:1": "Expected 0 or integer 2..256 for palette but received '1'",
            "p:257": "Expected integer 0..256 for palette but received '257'",
            "p:-2": "Expected integer 0..256 for palette but received '-2'",
            "p:4:4": "Expected 1 arguments for palette but received 2",
        },
    )


def test_crop() -> None:
    check_table(
        {
            "c:100:50": replace(D, crop=Crop(100, 50)),
            "c:100:50:ce": replace(D, crop=Crop(100, 50)),
            "crop:0.5:0.25:nowe:10:5": replace(
                D, crop=Crop(0.5, 0.25, Gravity(GravityType.NORTH_WEST, 10, 5))
            ),
            "c:100:100:sm": replace(D, crop=Crop(100, 100, Gravity(GravityType.SMART))),
            "c:10:10:fp:0.2:0.8": replace(
                D, crop=Crop(10, 10, Gravity(GravityType.FOCUS_POINT, 0.2, 0.8))
            ),
            "c:0:0": D,
        },
        {
            "c:100:50:obj": "Expected one of ce, no, so, ea, we, noea, nowe, soea, sowe, sm, fp "
            "for crop gravity but received 'obj'",
            "c:-1:50": "Expected number 0..65535 for crop width but received '-1'",
            "c:1:2:3:4:5:6": "Expected 1..5 arguments for crop but received 6",
        },
    )
    assert not replace(D, crop=Crop(100, 0)).needs_pixels


def test_calc_hashsums() -> None:
    check_table(
        {
            "chs:md5": replace(D, calc_hashsums=(Hashsum.MD5,)),
            "calc_hashsums:sha512:SHA1:md5:sha1": replace(
                D, calc_hashsums=(Hashsum.SHA512, Hashsum.SHA1, Hashsum.MD5)
            ),
            "chs:": D,
        },
        {
            "chs:crc32": "Expected one of md5, sha1, sha256, sha512 for calc_hashsums "
            "but received 'crc32'"
        },
    )


def test_page() -> None:
    check_table(
        {"pg:0": D, "page:3": replace(D, page=3), "pg:9999": replace(D, page=9999)},
        {
            "pg:-1": "Expected integer 0..9999 for page but received '-1'",
            "pg:10000": "Expected integer 0..9999 for page but received '10000'",
        },
    )


def test_cachebuster() -> None:
    check_table(
        {"cb:v2": replace(D, cachebuster="v2"), "cachebuster:": D},
        {"cb:a:b": "Expected 1 arguments for cachebuster but received 2"},
    )


def test_cache_tags() -> None:
    check_table({"ct:a:b:a": replace(D, cache_tags=("a", "b")), "cache_tags:": D}, {})


def test_expires() -> None:
    parser = InfoPathParser(clock=lambda: 1_000.0)
    assert parsed("exp:2000", parser=parser) == replace(D, expires=2000)
    assert parsed("exp:0", parser=parser) == D
    assert isinstance(refusal("exp:999", parser=parser), ExpiredURL)
    assert (
        refusal("exp:soon").message == "Expected integer 0..9223372036854775807 for expires "
        "but received 'soon'"
    )


def test_hashsum() -> None:
    md5 = "0" * 31 + "a"
    check_table(
        {
            "hs:none": D,
            "hashsum:none:whatever": D,
            f"hs:md5:{md5.upper()}": replace(D, hashsum=ExpectedHashsum(Hashsum.MD5, md5)),
            f"hs:sha256:{'f' * 64}": replace(D, hashsum=ExpectedHashsum(Hashsum.SHA256, "f" * 64)),
        },
        {
            "hs:md5:abc": "Expected 32 hex digits for md5 hashsum but received 'abc'",
            "hs:md5": "Expected 32 hex digits for md5 hashsum but received ''",
            f"hs:sha1:{'g' * 40}": "Expected 40 hex digits for sha1 hashsum "
            f"but received '{'g' * 40}'",
            "hs:crc:1": "Expected one of none, md5, sha1, sha256, sha512 for hashsum type "
            "but received 'crc'",
        },
    )


def test_video_thumbnail_second_and_keyframes_are_read_and_mean_nothing_here() -> None:
    check_table(
        {"vts:2.5": D, "video_thumbnail_second:0": D, "vtk:1": D, "video_thumbnail_keyframes:f": D},
        {
            "vts:-1": "Expected number 0..inf for video_thumbnail_second but received '-1'",
            "vtk:maybe": "Expected boolean (1, t, true, 0, f, false) for "
            "video_thumbnail_keyframes but received 'maybe'",
        },
    )


def test_detect_objects() -> None:
    check_table(
        {
            "do:0": D,
            "detect_objects:false": D,
            "do:1": replace(D, detect_objects=True),
            "detect_objects:t": replace(D, detect_objects=True),
        },
        {
            "do:x": "Expected boolean (1, t, true, 0, f, false) for detect_objects "
            "but received 'x'",
        },
    )


def test_classify() -> None:
    check_table(
        {"cl:0": D, "classify:0:cat:dog": D},
        {
            "cl:3": "Info option classify is not supported: there is no image classification",
            "cl:": "Expected at least 1 argument for classify but received 0",
        },
    )


def test_objects_position_is_unknown() -> None:
    error = refusal("op:ce:0:0")
    assert (error.status, error.message) == (400, "Unknown info option: op")


def test_unknown_info_options_are_named() -> None:
    for segment, name in [("bh2:4", "bh2"), ("rs:fit:10:10", "rs"), ("w:100", "w"), ("q:80", "q")]:
        error = refusal(segment)
        assert (type(error), error.status, error.message) == (
            InvalidOption,
            400,
            f"Unknown info option: {name}",
        )


def test_security_options_need_allowing() -> None:
    for segment, name in [("msr:1", "msr"), ("max_src_file_size:10", "max_src_file_size")]:
        error = refusal(segment)
        assert (type(error), error.message) == (Forbidden, f"Security option {name} is not allowed")
    allowing = InfoPathParser(allow_security_options=True)
    assert parsed("msr:1.5", "msfs:1000", parser=allowing) == replace(
        D, limits=SecurityLimits(max_src_resolution=1.5, max_src_file_size=1000)
    )
    assert refusal("msr:0", parser=allowing).message == (
        "Expected number >0..1e+06 for max_src_resolution but received '0'"
    )


def test_bypass_cache() -> None:
    error = refusal("bc:1")
    assert (type(error), error.status, error.message) == (
        Forbidden,
        403,
        "Option bypass_cache is not allowed",
    )
    allowing = InfoPathParser(allow_bypass_cache=True)
    assert parsed("bc:1", parser=allowing) == replace(D, bypass_cache=True)


def test_every_row_has_a_table_test() -> None:
    tested = {
        "size", "format", "dimensions", "exif", "iptc", "xmp", "video_meta", "detect_objects",
        "classify", "colorspace", "bands", "sample_format", "pages_number", "alpha", "crop",
        "palette", "average", "dominant_colors", "blurhash", "thumb_hash", "perceptual_hash",
        "calc_hashsums", "page", "video_thumbnail_second", "video_thumbnail_keyframes",
        "cachebuster", "bypass_cache", "cache_tags", "expires", "hashsum",
        "max_src_resolution", "max_src_file_size",
    }  # fmt: skip
    assert {row.name for row in ROWS} == tested


# The path around the options


def test_sources_plain_base64_and_extension() -> None:
    parser = InfoPathParser()
    assert parser.parse(f"plain/{SOURCE}") == InfoRequest(D, SOURCE)
    assert parser.parse(f"plain/{SOURCE}@png") == InfoRequest(D, SOURCE)
    encoded = "aHR0cDovL2V4YW1wbGUuY29tL2NhdC5qcGc"
    assert parser.parse(f"s:0/{encoded[:10]}/{encoded[10:]}") == InfoRequest(
        replace(D, size=False), SOURCE
    )
    with pytest.raises(InvalidPath) as caught:
        parser.parse("s:0")
    assert caught.value.message == "Image URL is empty"
    with pytest.raises(InvalidPath) as caught:
        parser.parse("enc/abc")
    assert caught.value.message == "Encrypted source URLs are not enabled"


def test_presets() -> None:
    presets = parse_presets(["default=xmp:0/iptc:0", "colours=dc:1/p:8", "loop=pr:loop/bh:4:3"])
    parser = InfoPathParser(presets=presets)
    assert parsed(parser=parser) == replace(D, xmp=False, iptc=False)
    assert parsed("pr:colours", "xmp:1", parser=parser) == replace(
        D, iptc=False, dominant_colors=True, palette=8
    )
    assert parsed("preset:loop", parser=parser) == replace(
        D, xmp=False, iptc=False, blurhash=(4, 3)
    )
    assert refusal("pr:nope", parser=parser).message == "Unknown info preset: nope"
    only = InfoPathParser(presets=presets, only_presets=True)
    assert only.parse(f"colours/plain/{SOURCE}").options == replace(
        D, xmp=False, iptc=False, dominant_colors=True, palette=8
    )


def test_allowed_options_exempt_presets() -> None:
    parser = InfoPathParser(
        presets=parse_presets(["c=dc:1"]), allowed_options=frozenset({"s", "preset", "pr"})
    )
    assert parsed("s:0", "pr:c", parser=parser) == replace(D, size=False, dominant_colors=True)
    error = refusal("dc:1", parser=parser)
    assert (type(error), error.message) == (Forbidden, "Info option not allowed: dc")


def test_separator() -> None:
    parser = InfoPathParser(separator=",")
    assert parser.parse(f"bh,4,3/plain/{SOURCE}").options == replace(D, blurhash=(4, 3))


SETS = [
    D,
    replace(D, size=False, exif=False, exif_canonical_names=True, palette=16, page=2),
    replace(
        D,
        crop=Crop(0.5, 100, Gravity(GravityType.SOUTH_EAST, 3, 0.25)),
        blurhash=(9, 1),
        calc_hashsums=(Hashsum.SHA256, Hashsum.MD5),
        cache_tags=("a", "b"),
        cachebuster="x y",
        expires=4_102_444_800,
        hashsum=ExpectedHashsum(Hashsum.SHA1, "a" * 40),
        average=True,
        average_ignore_transparent=False,
        alpha=True,
        check_transparency=True,
        thumb_hash=True,
        perceptual_hash=True,
        dominant_colors=True,
        dominant_colors_build_missed=True,
    ),
]


@pytest.mark.parametrize("options", SETS)
def test_parse_inverts_generate(options: InfoOptions) -> None:
    path = generate_info_path(InfoRequest(options, SOURCE))
    assert InfoPathParser().parse(path) == InfoRequest(options, SOURCE)
    base64_path = generate_info_path(InfoRequest(options, SOURCE), base64=True)
    assert InfoPathParser().parse(base64_path) == InfoRequest(options, SOURCE)


def test_generate_writes_only_what_differs_with_short_names() -> None:
    assert generate_info_options(D) == []
    assert generate_info_options(replace(D, size=False, blurhash=(4, 3), perceptual_hash=True)) == [
        "s:0",
        "bh:4:3",
        "phash:1",
    ]


def test_two_spellings_one_canonical_form() -> None:
    first = parsed("s:0", "bh:4:3", "c:10:10:ce", "chs:md5:sha1")
    second = parsed("bh:4:3", "calc_hashsums:md5:sha1", "size:false", "crop:10:10")
    assert canonical_info_options(first) == canonical_info_options(second)
    assert canonical_info_options(first) != canonical_info_options(D)
    assert canonical_info_options(replace(D, cachebuster="a:b/c")) != canonical_info_options(D)
