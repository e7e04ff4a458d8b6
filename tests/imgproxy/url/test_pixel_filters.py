"""The pixel filter grammar (`imgproxy.url.pixel_filters`): canonical values, pinned messages,
bounds, and no slow paths."""

from __future__ import annotations

import subprocess
import sys

import pytest

from imgproxy.url.pixel_filters import KNOWN, PixelFilter, format_filter, parse_filter

CURVE = "[(0,0),(255,255)]"


def test_known_names_are_the_ones_the_thumbor_mapping_uses():
    assert (
        frozenset(
            {
                "rgb",
                "equalize",
                "noise",
                "colorize",
                "convolution",
                "curve",
                "round_corner",
                "fill_blur",
                "fill_auto",
                "frame",
            }
        )
        == KNOWN
    )


@pytest.mark.parametrize(
    ("name", "raw", "args"),
    [
        ("rgb", ["10", "-20", " 30 "], (10.0, -20.0, 30.0)),
        ("equalize", [], ()),
        ("equalize", [""], ()),
        ("noise", ["10"], (10.0, 0.0)),
        ("noise", ["100", "42"], (100.0, 42.0)),
        ("colorize", ["10", "20", "30", "FF8800"], (10.0, 20.0, 30.0, "ff8800")),
        ("colorize", ["0", "0", "100", "#0a0b0c"], (0.0, 0.0, 100.0, "0a0b0c")),
        ("convolution", ["1;2;1;2;4;2;1;2;1", "3"], ("1;2;1;2;4;2;1;2;1", 3.0, 1.0)),
        ("convolution", ["-1.5;3.0;0.25", "3", "false"], ("-1.5;3;0.25", 3.0, 0.0)),
        ("convolution", ["1", "1", "True"], ("1", 1.0, 1.0)),
        ("round_corner", ["20", "255", "0", "10"], ("20|20", 255.0, 0.0, 10.0, 0.0)),
        ("round_corner", ["20|10", "1", "2", "3", "1"], ("20|10", 1.0, 2.0, 3.0, 1.0)),
        ("fill_blur", ["300", "200"], (300.0, 200.0, 0.0)),
        ("fill_auto", ["1", "8192", "true"], (1.0, 8192.0, 1.0)),
        ("frame", ["'https://example.com/f.png'"], ("https://example.com/f.png",)),
    ],
)
def test_valid_arguments_become_canonical_values(name, raw, args):
    assert parse_filter(name, raw) == PixelFilter(name, args)


def test_curve_takes_points_whether_or_not_split_at_their_commas():
    spelled = (
        "[(0, 0), (128,100),(255,255),],[(0,10),(255,250)],[(0,0),(255,255)],[(5,0),(250,255)]"
    )
    expected = (
        "[(0,0),(128,100),(255,255)]",
        "[(0,10),(255,250)]",
        "[(0,0),(255,255)]",
        "[(5,0),(250,255)]",
    )
    assert parse_filter("curve", spelled.split(",")).args == expected
    top_level = ["[(0,0),(128,100),(255,255)]", "[(0,10),(255,250)]", CURVE, "[(5,0),(250,255)]"]
    assert parse_filter("curve", top_level).args == expected


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("rgb", ["10.5", "-20", "30"]),
        ("noise", ["30", "7"]),
        ("colorize", ["1", "2", "3", "abcdef"]),
        ("convolution", ["-1;0;1", "3", "0"]),
        ("curve", [CURVE, "[(0,10),(128,200),(255,250)]", CURVE, CURVE]),
        ("round_corner", ["5|7", "1", "2", "3", "1"]),
        ("fill_blur", ["30", "20", "1"]),
        ("frame", ["f.png"]),
    ],
)
def test_format_filter_spells_what_parses_back_to_the_same_value(name, raw):
    parsed = parse_filter(name, raw)
    spelled = format_filter(parsed)
    inner = spelled[len(name) + 1 : -1]
    assert spelled.startswith(f"{name}(")
    assert parse_filter(name, inner.split(",")) == parsed


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("sepia", [], "Unknown pixel filter 'sepia'"),
        ("rgb", ["1", "2"], "Expected 3 arguments for rgb but received 2"),
        ("rgb", ["101", "0", "0"], "Expected number -100..100 for rgb red but received '101'"),
        ("rgb", ["0", "x", "0"], "Expected number -100..100 for rgb green but received 'x'"),
        ("equalize", ["1"], "Expected 0 arguments for equalize but received 1"),
        ("noise", ["101"], "Expected integer 0..100 for noise amount but received '101'"),
        ("noise", ["-1"], "Expected integer 0..100 for noise amount but received '-1'"),
        ("noise", ["5", "1.5"], "Expected integer 0..4294967295 for noise seed but received '1.5'"),
        ("noise", ["5", "1", "2"], "Expected 1..2 arguments for noise but received 3"),
        (
            "colorize",
            ["101", "0", "0", "ff0000"],
            "Expected number 0..100 for colorize red percentage but received '101'",
        ),
        (
            "colorize",
            ["1", "0", "0", "red"],
            "Expected hex colour (RRGGBB) for colorize fill colour but received 'red'",
        ),
        (
            "convolution",
            ["1;2;1", "0"],
            "Expected integer 1..15 for convolution columns but received '0'",
        ),
        (
            "convolution",
            ["1;2;1", "-3"],
            "Expected integer 1..15 for convolution columns but received '-3'",
        ),
        (
            "convolution",
            ["1;2;1;2;4;2;1;2", "3"],
            "Expected convolution matrix of odd rows and odd columns but received 8 items "
            "in 3 columns",
        ),
        (
            "convolution",
            ["1;2;1;2", "2"],
            "Expected convolution matrix of odd rows and odd columns but received 4 items "
            "in 2 columns",
        ),
        (
            "convolution",
            ["1;a;1", "3"],
            "Expected number for convolution matrix item but received 'a'",
        ),
        (
            "convolution",
            ["1;;1", "3"],
            "Expected number for convolution matrix item but received ''",
        ),
        (
            "convolution",
            ["1;nan;1", "3"],
            "Expected number for convolution matrix item but received 'nan'",
        ),
        (
            "convolution",
            ["1;1-2;1", "3"],
            "Expected number for convolution matrix item but received '1-2'",
        ),
        (
            "convolution",
            ["1;20000;1", "3"],
            "Expected number -10000..10000 for convolution matrix item but received '20000'",
        ),
        (
            "convolution",
            [";".join(["1"] * 226), "15"],
            "Expected at most 15x15 items for convolution matrix",
        ),
        (
            "convolution",
            [";".join(["1"] * 17), "17"],
            "Expected integer 1..15 for convolution columns but received '17'",
        ),
        (
            "convolution",
            [";".join(["1"] * 17), "1"],
            "Expected convolution matrix of odd rows and odd columns but received 17 items "
            "in 1 columns",
        ),
        (
            "convolution",
            ["1", "1", "maybe"],
            "Expected boolean (1, t, true, 0, f, false) for convolution normalize but received "
            "'maybe'",
        ),
        (
            "curve",
            [CURVE, CURVE, CURVE],
            "Expected 4 arguments for curve but received 3",
        ),
        (
            "curve",
            [CURVE, "[(0,0)]", CURVE, CURVE],
            "Expected at least 2 points for each curve channel",
        ),
        (
            "curve",
            [CURVE, "[(10,0),(5,9)]", CURVE, CURVE],
            "Expected curve x values strictly increasing",
        ),
        (
            "curve",
            [CURVE, "[(0,0),(256,9)]", CURVE, CURVE],
            "Expected integer 0..255 for curve x but received '256'",
        ),
        (
            "curve",
            [CURVE, "[(0,0),(1,2,3)]", CURVE, CURVE],
            "Expected curve points as [(x,y),...] but received '[(0,0),(1,2,3)]'",
        ),
        (
            "curve",
            [CURVE, "[0,0]", CURVE, CURVE],
            "Expected curve points as [(x,y),...] but received '[0,0]'",
        ),
        (
            "curve",
            [CURVE, "[(0,0),,(1,2)]", CURVE, CURVE],
            "Expected curve points as [(x,y),...] but received '[(0,0),,(1,2)]'",
        ),
        (
            "curve",
            [CURVE, "[(0,0),(1,2)", CURVE, CURVE],
            "Expected 4 arguments for curve but received 2",
        ),
        (
            "round_corner",
            ["1|2|3", "0", "0", "0"],
            "Expected radius as a or a|b for round_corner but received '1|2|3'",
        ),
        (
            "round_corner",
            ["9000", "0", "0", "0"],
            "Expected integer 0..8192 for round_corner radius but received '9000'",
        ),
        (
            "round_corner",
            ["10", "0", "256", "0"],
            "Expected integer 0..255 for round_corner green but received '256'",
        ),
        ("fill_blur", ["0", "10"], "Expected integer 1..8192 for fill_blur width but received '0'"),
        (
            "fill_auto",
            ["10", "9000"],
            "Expected integer 1..8192 for fill_auto height but received '9000'",
        ),
        ("frame", [""], "Expected frame image URL of 1..2048 characters for frame"),
        ("frame", ["a", "b"], "Expected 1 arguments for frame but received 2"),
    ],
)
def test_bad_arguments_are_refused_with_a_message_naming_filter_and_problem(name, raw, message):
    with pytest.raises(ValueError) as refused:
        parse_filter(name, raw)
    assert str(refused.value) == message


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("convolution", [";".join(["1"] * 50_000), "3"]),
        ("convolution", ["1" * 100_000, "1"]),
        ("convolution", ["1;2;1", "1" * 100_000]),
        ("curve", ["[" + "(1,1)," * 20_000 + "]", CURVE, CURVE, CURVE]),
        ("curve", ["[" * 100_000]),
        ("frame", ["a" * 100_000]),
        ("rgb", ["1" * 100_000, "0", "0"]),
    ],
)
def test_a_100_kb_argument_is_refused_at_once(name, raw):
    with pytest.raises(ValueError, match=r"^Expected at most (4096|16384) characters"):
        parse_filter(name, raw)


@pytest.mark.timeout(10)
def test_the_largest_allowed_arguments_parse_quickly():
    for _ in range(200):
        parse_filter("convolution", [";".join(["-9999.5"] * 225), "15"])
        points = ",".join(f"({x},{x})" for x in range(256))
        parse_filter("curve", [f"[{points}]"] * 4)


def test_the_grammar_imports_with_the_standard_library_alone():
    script = (
        "import sys\n"
        "from imgproxy.url.pixel_filters import KNOWN, PixelFilter, parse_filter\n"
        "parse_filter('rgb', ['1', '2', '3'])\n"
        "loaded = sorted(n for n in ('pyvips', 'starlette', 'httpx') if n in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""
