"""Chained pipelines (`/-/`, imgproxy Pro): how a path is read into pipelines, how presets
merge into them, which options belong to the whole URL, the count limit, keys and the
generator."""

from __future__ import annotations

import pytest

from cache.keys import canonical_options
from imgproxy.client import UrlBuilder, parse_options
from imgproxy.errors import InvalidOption
from imgproxy.url.generator import generate_path
from imgproxy.url.options import ImageFormat, ImageRequest, Options, Trim
from imgproxy.url.parser import PathParser
from imgproxy.url.presets import PresetError, parse_presets

SOURCE = "plain/http://example.com/a.jpg"


def parse(options: str, parser: PathParser | None = None) -> Options:
    return (parser or PathParser()).parse(f"{options}/{SOURCE}").options


def sizes(options: Options) -> list[tuple[int, int]]:
    return [(p.width, p.height) for p in (options, *options.chained)]


def test_a_minus_segment_starts_the_next_pipeline() -> None:
    options = parse("rs:fit:500:500/-/trim:10")
    assert (options.width, options.height) == (500, 500)
    assert options.trim == Trim()
    assert len(options.chained) == 1
    assert options.chained[0].trim.threshold == 10
    assert options.chained[0].width == 0


def test_the_bug_report_url_is_no_longer_read_as_a_format() -> None:
    options = PathParser().parse("rs:fit:500:500/-/trim:10/plain/http://e.com/a.jpg").options
    assert options.format is None
    assert options.chained[0].trim.threshold == 10


def test_no_minus_segment_leaves_no_chain() -> None:
    assert parse("w:300").chained == ()


def test_empty_pipelines_are_kept() -> None:
    assert sizes(parse("-/w:100/-/-")) == [(0, 0), (100, 0), (0, 0), (0, 0)]


def test_presets_merge_into_the_chain_as_imgproxy_documents() -> None:
    """The example of imgproxy's "Chained pipelines" page, "Using with presets"."""
    presets = parse_presets(
        ["test=width:300/height:300/-/width:200/height:200/-/width:100/height:200"]
    )
    options = parse("width:400/-/preset:test/width:500/-/width:600", PathParser(presets=presets))
    assert sizes(options) == [(400, 0), (500, 300), (600, 200), (100, 200)]


def test_the_default_preset_chains_from_the_first_pipeline() -> None:
    presets = parse_presets(["default=w:50/-/h:20"])
    options = parse("w:300/-/bl:2", PathParser(presets=presets))
    assert sizes(options) == [(300, 0), (0, 20)]
    assert options.chained[0].blur == 2


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("w:300/-/f:webp", "format", ImageFormat.WEBP),
        ("w:300/-/q:50", "quality", 50),
        ("w:300/-/sm:0", "strip_metadata", False),
        ("w:300/-/cb:v2", "cachebuster", "v2"),
        ("w:300/-/fn:name", "filename", "name"),
        ("w:300/-/ct:a:b", "cache_tags", ("a", "b")),
        ("f:png/-/f:webp", "format", ImageFormat.WEBP),
    ],
)
def test_url_wide_options_belong_to_the_url_wherever_they_stand(
    path: str, field: str, value: object
) -> None:
    options = parse(path)
    assert getattr(options, field) == value
    assert getattr(options.chained[0], field) == getattr(Options(), field)


def test_the_extension_wins_over_a_format_in_any_pipeline() -> None:
    options = PathParser().parse(f"w:300/-/f:webp/{SOURCE}@png").options
    assert options.format is ImageFormat.PNG


def test_security_options_in_a_later_pipeline_are_still_refused() -> None:
    with pytest.raises(Exception, match="Security option msr is not allowed"):
        parse("w:300/-/msr:100")
    options = parse("w:300/-/msr:100", PathParser(allow_security_options=True))
    assert options.limits.max_src_resolution == 100
    assert options.chained[0].limits == Options().limits


@pytest.mark.parametrize(
    ("limit", "path", "refused"),
    [
        (0, "/".join(["w:10"] * 2 + ["-"] * 30), False),
        (2, "w:10/-/w:5", False),
        (2, "w:10/-/w:5/-/w:2", True),
        (1, "w:10/-", True),
        (1, "w:10", False),
    ],
)
def test_max_chained_pipelines_counts_the_urls_pipelines(
    limit: int, path: str, refused: bool
) -> None:
    parser = PathParser(max_chained_pipelines=limit)
    if not refused:
        parse(path, parser)
        return
    count = 1 + path.split("/").count("-")
    expected = (
        f"Expected at most {limit} chained pipelines (IMGPROXY_MAX_CHAINED_PIPELINES) "
        f"but received {count}"
    )
    with pytest.raises(InvalidOption) as caught:
        parse(path, parser)
    assert caught.value.message == expected
    assert caught.value.status == 400


def test_pipelines_from_presets_are_not_counted() -> None:
    presets = parse_presets(["three=w:10/-/w:5/-/w:2"])
    options = parse("pr:three", PathParser(presets=presets, max_chained_pipelines=1))
    assert len(options.chained) == 2


def test_a_preset_of_only_a_minus_is_a_chain_too() -> None:
    presets = parse_presets(["next=-"])
    assert sizes(parse("w:10/pr:next/h:5", PathParser(presets=presets))) == [(10, 5), (0, 0)]


def test_a_preset_may_not_end_in_a_source() -> None:
    with pytest.raises(PresetError):
        parse_presets(["bad=w:10/-/plain"])


def test_keys_tell_pipelines_apart() -> None:
    one = canonical_options(parse("w:100/bl:2"))
    chained = canonical_options(parse("w:100/-/bl:2"))
    swapped = canonical_options(parse("bl:2/-/w:100"))
    assert len({one, chained, swapped}) == 3
    assert chained.endswith("/-/bl:2")


def test_keys_without_a_chain_have_no_chain_part() -> None:
    assert "/-/" not in canonical_options(parse("w:100/bl:2"))


@pytest.mark.parametrize(
    "path",
    ["w:300/-/t:10", "rs:fill:100:100/-/wm:0.5:nowe/-/wm:0.7:soea", "-/w:5", "w:3/-"],
)
def test_generated_paths_read_back_the_same_chain(path: str) -> None:
    options = parse(path)
    written = generate_path(ImageRequest(options, "http://example.com/a.jpg"))
    assert PathParser().parse(written).options == options


def test_the_python_client_writes_a_chain() -> None:
    options = parse_options("rs:fit:500:500", "-", "trim:10")
    path = UrlBuilder().path("http://example.com/a.jpg", options)
    assert path == "/unsafe/w:500/h:500/-/t:10::0:0/plain/http://example.com/a.jpg"
