"""`{% load imgproxy %}`: imgproxy_url, imgproxy_srcset, imgproxy_img and imgproxy_picture.

Options are URL segments (`"rs:fill:300:200"`); lists are written `widths="320,640"` or come
from the context. Markup tags return safe strings (every attribute is escaped when written)."""

from __future__ import annotations

from typing import Any

from django import template  # type: ignore[import-untyped]
from django.conf import settings  # type: ignore[import-untyped]
from django.utils.safestring import SafeString, mark_safe  # type: ignore[import-untyped]

from imgproxy.client import UrlBuilder
from imgproxy.integrations import template_calls

register = template.Library()


def builder() -> UrlBuilder:
    """`settings.IMGPROXY_URL_BUILDER`, else one from `settings.IMGPROXY_BASE_URL` and the
    IMGPROXY_* environment variables (read at each use, so settings overrides apply)."""
    configured = getattr(settings, "IMGPROXY_URL_BUILDER", None)
    if isinstance(configured, UrlBuilder):
        return configured
    return UrlBuilder.from_env(getattr(settings, "IMGPROXY_BASE_URL", ""))


def imgproxy_url(source: str, *segments: str, **fields: Any) -> str:
    return template_calls.image_url(builder(), str(source), segments, **fields)


def imgproxy_srcset(source: str, *segments: str, **arguments: Any) -> str:
    return template_calls.srcset(builder(), str(source), segments, **arguments)


def imgproxy_img(source: str, *segments: str, **arguments: Any) -> SafeString:
    return mark_safe(template_calls.img(builder(), str(source), segments, **arguments))


def imgproxy_picture(source: str, *segments: str, **arguments: Any) -> SafeString:
    return mark_safe(template_calls.picture(builder(), str(source), segments, **arguments))


for tag in (imgproxy_url, imgproxy_srcset, imgproxy_img, imgproxy_picture):
    register.simple_tag(tag)
