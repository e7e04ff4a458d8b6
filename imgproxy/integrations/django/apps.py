from __future__ import annotations

from django.apps import AppConfig  # type: ignore[import-untyped]


class ImgproxyConfig(AppConfig):  # type: ignore[misc]
    name = "imgproxy.integrations.django"
    label = "imgproxy"
    verbose_name = "imgproxy"
