"""The table of declared variables: every field once, every bad variable in one error."""

from __future__ import annotations

import dataclasses

import pytest

from config.declared import DECLARED
from config.settings import Settings, SettingsError


def refused(env: dict[str, str]) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    return caught.value


def test_every_field_but_the_presets_is_set_by_a_declared_variable() -> None:
    fields = {field.name for field in dataclasses.fields(Settings)}
    declared = {row.field for row in DECLARED}
    assert declared <= fields
    # From IMGPROXY_PRESETS and IMGPROXY_PRESETS_PATH, and their IMGPROXY_INFO_ counterparts.
    assert fields - declared == {"presets", "info_presets"}


def test_each_variable_is_declared_once() -> None:
    variables = [row.variable for row in DECLARED]
    assert sorted(variables) == sorted(set(variables))


def test_two_bad_variables_are_named_in_one_error() -> None:
    error = refused({"IMGPROXY_QUALITY": "high", "IMGPROXY_TTL": "-1", "IMGPROXY_WORKERS": "2"})
    assert error.problems == (
        "IMGPROXY_QUALITY must be an integer, got 'high'",
        "IMGPROXY_TTL must be at least 0, got -1",
    )
    assert str(error) == (
        "IMGPROXY_QUALITY must be an integer, got 'high'; IMGPROXY_TTL must be at least 0, got -1"
    )


def test_a_bad_preset_is_gathered_with_the_bad_variables() -> None:
    error = refused({"IMGPROXY_PRESETS": "thumb", "IMGPROXY_AUTO_ROTATE": "maybe"})
    assert error.problems == (
        "IMGPROXY_AUTO_ROTATE must be a boolean, got 'maybe'",
        "Invalid preset 'thumb': expected name=option/option",
    )


def test_conflicting_values_are_gathered_too() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(workers=0, arguments_separator="/")
    assert caught.value.problems == (
        "IMGPROXY_ARGUMENTS_SEPARATOR must be one character, not '/'",
        "IMGPROXY_WORKERS must be at least 1",
    )


def test_a_bad_bind_names_its_own_variable() -> None:
    error = refused({"IMGPROXY_BIND": "localhost", "IMGPROXY_PROMETHEUS_BIND": ":99999"})
    assert error.problems == (
        "IMGPROXY_BIND must be host:port, :port or [ipv6]:port, got 'localhost'",
        "IMGPROXY_PROMETHEUS_BIND must be host:port, :port or [ipv6]:port, got ':99999'",
    )


@pytest.mark.parametrize(
    ("env", "field", "value"),
    [
        ({"IMGPROXY_PROMETHEUS_NAMESPACE": ""}, "prometheus_namespace", ""),
        ({"IMGPROXY_ARGUMENTS_SEPARATOR": ""}, "arguments_separator", ":"),
        ({"AWS_REGION": "eu-west-1"}, "s3_region", "eu-west-1"),
        ({"AWS_REGION": "eu-west-1", "IMGPROXY_S3_REGION": "us-east-2"}, "s3_region", "us-east-2"),
        ({"IMGPROXY_FALLBACK_IMAGE_TTL": " 30 "}, "fallback_image_ttl", 30),
        ({"IMGPROXY_TRUSTED_PROXIES": "10.0.0.0/8, ::1"}, "trusted_proxies", ("10.0.0.0/8", "::1")),
    ],
)
def test_when_a_variable_counts_as_set(env: dict[str, str], field: str, value: object) -> None:
    assert getattr(Settings.from_env(env), field) == value
