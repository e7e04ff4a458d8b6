"""`/info` paths read with the server's settings: info presets and allowed info options from the
environment (imgproxy Pro's variables), signatures, the path prefix, source rewriting, keys."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cache.keys import source_key, variant_key
from config.settings import Settings, SettingsError
from imgproxy.errors import Forbidden, InvalidSignature, NotFound
from imgproxy.info_requests import InfoReader
from imgproxy.signing import sign
from imgproxy.url.info_options import DEFAULT_INFO_OPTIONS
from imgproxy.url.options import Options

SOURCE = "http://example.com/cat.jpg"
D = DEFAULT_INFO_OPTIONS


def reader(**env: str) -> InfoReader:
    return InfoReader(Settings.from_env(env), "version")


def test_info_presets_from_the_environment(tmp_path: Path) -> None:
    presets = tmp_path / "info-presets"
    presets.write_text("# colours\ncolours=dc:1/p:8\n", encoding="utf-8")
    read = reader(
        IMGPROXY_INFO_PRESETS="default=xmp:0,blur=bh:4:3",
        IMGPROXY_INFO_PRESETS_PATH=str(presets),
    )
    assert read.read(f"/_/pr:blur:colours/plain/{SOURCE}").request.options == replace(
        D, xmp=False, blurhash=(4, 3), dominant_colors=True, palette=8
    )
    # Processing presets are not info presets.
    assert reader(IMGPROXY_PRESETS="default=w:10").read(f"/_/plain/{SOURCE}").request.options == D


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"IMGPROXY_INFO_PRESETS": "x=zz:1"}, "Invalid info preset: Unknown info option: zz"),
        ({"IMGPROXY_INFO_PRESETS": "x"}, "Invalid info preset 'x': expected name=option/option"),
        (
            {"IMGPROXY_INFO_PRESETS": "x=msr:2"},
            "Invalid info preset: Security option msr is not allowed",
        ),
        (
            {"IMGPROXY_INFO_PRESETS_PATH": "/nonexistent/presets"},
            "IMGPROXY_INFO_PRESETS_PATH cannot be read",
        ),
    ],
)
def test_bad_info_presets_stop_the_server(env: dict[str, str], problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert caught.value.problems[0].startswith(problem)


def test_allowed_info_options() -> None:
    read = reader(IMGPROXY_ALLOWED_INFO_OPTIONS="s,size, dc,pr", IMGPROXY_INFO_PRESETS="p=bh:4:3")
    assert read.read(f"/_/s:0/dc:1/pr:p/plain/{SOURCE}").request.options == replace(
        D, size=False, dominant_colors=True, blurhash=(4, 3)
    )
    with pytest.raises(Forbidden) as caught:
        read.read(f"/_/bh:4:3/plain/{SOURCE}")
    assert caught.value.message == "Info option not allowed: bh"


def test_info_only_presets_follows_only_presets_unless_set() -> None:
    presets = {"IMGPROXY_INFO_PRESETS": "c=dc:1"}
    follows = reader(IMGPROXY_ONLY_PRESETS="1", **presets)
    assert follows.read(f"/_/c/plain/{SOURCE}").request.options == replace(D, dominant_colors=True)
    own = reader(IMGPROXY_ONLY_PRESETS="1", IMGPROXY_INFO_ONLY_PRESETS="0", **presets)
    assert own.read(f"/_/dc:1/plain/{SOURCE}").request.options == replace(D, dominant_colors=True)
    only = reader(IMGPROXY_INFO_ONLY_PRESETS="true", **presets)
    assert only.read(f"/_/c/plain/{SOURCE}").request.options == replace(D, dominant_colors=True)


def test_signed_behind_the_path_prefix_with_sources_rewritten() -> None:
    read = reader(
        IMGPROXY_KEY=b"k".hex(),
        IMGPROXY_SALT=b"s".hex(),
        IMGPROXY_PATH_PREFIX="/img",
        IMGPROXY_BASE_URL="http://example.com/",
    )
    path = "/th:1/plain/cat.jpg"
    found = read.read(f"/img/{sign(path, b'k', b's')}{path}")
    assert (found.request.source, found.request.options) == (SOURCE, replace(D, thumb_hash=True))
    assert found.source_key == source_key(SOURCE)
    with pytest.raises(InvalidSignature):
        read.read(f"/img/{sign(path, b'k', b's')}/th:0/plain/cat.jpg")
    with pytest.raises(NotFound):
        read.read(f"/{sign(path, b'k', b's')}{path}")


def test_keys_follow_the_canonical_options_and_never_meet_image_keys() -> None:
    read = reader()
    first = read.read(f"/_/s:0/bh:4:3/plain/{SOURCE}")
    second = read.read(f"/_/blurhash:4:3/size:false/plain/{SOURCE}")
    other = read.read(f"/_/bh:4:4/plain/{SOURCE}")
    assert first.key == second.key != other.key
    assert read.read(f"/_/plain/{SOURCE}").key != variant_key(Options(), SOURCE, "", "version")
    assert InfoReader(Settings(), "other-version").read(f"/_/s:0/bh:4:3/plain/{SOURCE}").key != (
        first.key
    )


def test_a_path_with_expires_is_read_afresh() -> None:
    read = reader()
    path = f"/_/exp:4102444800/plain/{SOURCE}"
    assert read.read(path) == read.read(path)
    assert read.read(path) is not read.read(path)
    assert read.read(f"/_/plain/{SOURCE}") is read.read(f"/_/plain/{SOURCE}")
