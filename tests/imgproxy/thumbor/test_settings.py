"""thumbor settings read from the environment."""

from __future__ import annotations

import pytest

from config.settings import Settings, SettingsError


def test_defaults_leave_thumbor_off() -> None:
    settings = Settings.from_env({})
    assert not settings.thumbor_enabled
    assert settings.thumbor_path_prefix == "/thumbor"


def test_key_unsafe_and_prefix() -> None:
    settings = Settings.from_env(
        {
            "IMGPROXY_THUMBOR_KEY": "MY_SECURE_KEY",
            "IMGPROXY_THUMBOR_ALLOW_UNSAFE": "true",
            "IMGPROXY_THUMBOR_PATH_PREFIX": "/t/",
        }
    )
    assert (settings.thumbor_key, settings.thumbor_allow_unsafe) == ("MY_SECURE_KEY", True)
    assert settings.thumbor_path_prefix == "/t"
    assert settings.thumbor_enabled
    assert "MY_SECURE_KEY" not in repr(settings)


def test_empty_prefix_is_refused() -> None:
    with pytest.raises(SettingsError, match="IMGPROXY_THUMBOR_PATH_PREFIX must not be empty"):
        Settings.from_env({"IMGPROXY_THUMBOR_KEY": "k", "IMGPROXY_THUMBOR_PATH_PREFIX": "/"})
