"""Checks of the settings that need more than `config` may import, run once at start; they
raise SettingsError as `Settings.from_env` does."""

from __future__ import annotations

from config.settings import Settings, SettingsError
from imgproxy.security.encryption_key import check_key


def check(settings: Settings) -> None:
    if settings.source_url_encryption_key is not None:
        try:
            check_key(settings.source_url_encryption_key)
        except ValueError as error:
            raise SettingsError(
                "IMGPROXY_SOURCE_URL_ENCRYPTION_KEY must be 16, 24 or 32 bytes of hex"
            ) from error
