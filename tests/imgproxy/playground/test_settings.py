"""IMGPROXY_PLAYGROUND: off by default, refused with an operator's key unless forced, on in
--dev."""

from __future__ import annotations

import pytest

from config.settings import SAMPLES_DIR, Settings, SettingsError
from imgproxy.cli import development_banner, development_env

KEY = {"IMGPROXY_KEY": "6b6579", "IMGPROXY_SALT": "73616c74"}
REFUSAL = (
    "IMGPROXY_PLAYGROUND signs any URL for anyone who can open /, which gives away "
    "what IMGPROXY_KEY protects: turn it off, or set IMGPROXY_PLAYGROUND_FORCE=true"
)


def test_off_by_default() -> None:
    settings = Settings.from_env({})
    assert (settings.playground, settings.playground_force) == (False, False)


def test_on_without_a_key() -> None:
    assert Settings.from_env({"IMGPROXY_PLAYGROUND": "true"}).playground is True


def test_refused_with_an_operator_key() -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"IMGPROXY_PLAYGROUND": "true", **KEY})
    assert str(error.value) == REFUSAL


def test_forced_with_an_operator_key() -> None:
    env = {"IMGPROXY_PLAYGROUND": "true", "IMGPROXY_PLAYGROUND_FORCE": "true", **KEY}
    settings = Settings.from_env(env)
    assert settings.playground and settings.playground_force and settings.signing_enabled


def test_force_alone_does_not_turn_it_on() -> None:
    assert Settings.from_env({"IMGPROXY_PLAYGROUND_FORCE": "true", **KEY}).playground is False


def test_bad_boolean_names_the_variable() -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"IMGPROXY_PLAYGROUND": "sometimes"})
    assert str(error.value) == "IMGPROXY_PLAYGROUND must be a boolean, got 'sometimes'"


def test_dev_mode_turns_it_on_with_its_generated_key() -> None:
    env = development_env({"IMGPROXY_BIND": "127.0.0.1:9123"})
    settings = Settings.from_env(env)
    assert settings.playground and settings.signing_enabled
    assert settings.local_filesystem_root == SAMPLES_DIR
    assert "Playground (try options, get signed URLs):\n  http://127.0.0.1:9123/\n" in (
        development_banner(env, "http://127.0.0.1:9123")
    )


def test_dev_mode_can_leave_it_off() -> None:
    env = development_env({"IMGPROXY_PLAYGROUND": "false"})
    assert Settings.from_env(env).playground is False
    assert "Playground" not in development_banner(env, "http://127.0.0.1:8080")


def test_dev_mode_keeps_it_off_with_an_operator_key() -> None:
    env = development_env(dict(KEY))
    settings = Settings.from_env(env)
    assert settings.keys == (bytes.fromhex(KEY["IMGPROXY_KEY"]),)
    assert settings.playground is False
    assert "Playground" not in development_banner(env, "http://127.0.0.1:8080")


def test_dev_mode_still_refuses_an_operator_key_unforced(
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = development_env({"IMGPROXY_PLAYGROUND": "true", **KEY})
    with pytest.raises(SettingsError) as error:
        Settings.from_env(env)
    assert str(error.value) == REFUSAL
