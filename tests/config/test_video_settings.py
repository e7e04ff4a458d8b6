"""imgproxy Pro's video thumbnail variables, with Pro's defaults."""

from __future__ import annotations

import pytest

from config.settings import Settings, SettingsError
from imgproxy.renderer import defaults_from
from transforms.video.settings import VideoDefaults


def test_defaults_are_pro_defaults_and_off() -> None:
    assert defaults_from(Settings()).video == VideoDefaults(
        enabled=False, second=1.0, keyframes=False, probe_size=5_000_000, max_analyze_duration=0
    )


def test_the_variables_reach_the_pipeline() -> None:
    settings = Settings.from_env(
        {
            "IMGPROXY_ENABLE_VIDEO_THUMBNAILS": "true",
            "IMGPROXY_VIDEO_THUMBNAIL_SECOND": "0",
            "IMGPROXY_VIDEO_THUMBNAIL_KEYFRAMES": "1",
            "IMGPROXY_VIDEO_THUMBNAIL_TILE_AUTO_KEYFRAMES": "true",
            "IMGPROXY_VIDEO_THUMBNAIL_PROBE_SIZE": "100000",
            "IMGPROXY_VIDEO_THUMBNAIL_MAX_ANALYZE_DURATION": "500",
        }
    )
    assert defaults_from(settings).video == VideoDefaults(
        enabled=True,
        second=0.0,
        keyframes=True,
        tile_auto_keyframes=True,
        probe_size=100_000,
        max_analyze_duration=500,
    )


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        (
            {"IMGPROXY_VIDEO_THUMBNAIL_SECOND": "-1"},
            "IMGPROXY_VIDEO_THUMBNAIL_SECOND must be a number of seconds, 0 or more, got '-1'",
        ),
        (
            {"IMGPROXY_VIDEO_THUMBNAIL_SECOND": "inf"},
            "IMGPROXY_VIDEO_THUMBNAIL_SECOND must be a number of seconds, 0 or more, got 'inf'",
        ),
        (
            {"IMGPROXY_VIDEO_THUMBNAIL_PROBE_SIZE": "8"},
            "IMGPROXY_VIDEO_THUMBNAIL_PROBE_SIZE must be at least 32, got 8",
        ),
    ],
)
def test_bad_values_are_named(env: dict[str, str], problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert caught.value.problems == (problem,)
