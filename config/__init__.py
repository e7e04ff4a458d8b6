"""Configuration: one frozen settings object read from IMGPROXY_* environment variables."""

from config.settings import Settings, SettingsError

__all__ = ["Settings", "SettingsError"]
