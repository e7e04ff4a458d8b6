"""What `config` cannot check by itself, checked once at start."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from config.settings import Settings, SettingsError
from imgproxy.startup_checks import check
from tests.cache.redis_procs import free_port
from tests.support import REPO

REFUSED_KEY = "IMGPROXY_SOURCE_URL_ENCRYPTION_KEY must be 16, 24 or 32 bytes of hex"


@pytest.mark.parametrize("size", [16, 24, 32])
def test_an_aes_key_passes(size: int) -> None:
    check(Settings.from_env({"IMGPROXY_SOURCE_URL_ENCRYPTION_KEY": "ab" * size}))


def test_a_key_aes_cannot_use_is_refused_at_start() -> None:
    settings = Settings.from_env({"IMGPROXY_SOURCE_URL_ENCRYPTION_KEY": "ab" * 20})
    with pytest.raises(SettingsError) as caught:
        check(settings)
    assert str(caught.value) == REFUSED_KEY


def test_serve_refuses_the_key_before_it_listens() -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("IMGPROXY_")}
    env["IMGPROXY_BIND"] = f"127.0.0.1:{free_port()}"
    env["IMGPROXY_SOURCE_URL_ENCRYPTION_KEY"] = "ab" * 20
    done = subprocess.run(
        [sys.executable, "-m", "imgproxy", "serve"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert f"Invalid configuration: {REFUSED_KEY}" in done.stderr


def test_the_app_factory_runs_the_checks_before_building_anything() -> None:
    from imgproxy.app import create_app  # noqa: PLC0415

    settings = Settings.from_env({"IMGPROXY_SOURCE_URL_ENCRYPTION_KEY": "ab" * 20})
    with pytest.raises(SettingsError) as caught:
        create_app(settings)
    assert str(caught.value) == REFUSED_KEY
