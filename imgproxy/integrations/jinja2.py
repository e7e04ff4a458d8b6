"""Jinja2 filters for imgproxy URLs and responsive markup (`pip install 'imgproxy-py[jinja2]'`).

environment = jinja2.Environment(autoescape=True)
install(environment, UrlBuilder.from_env("https://img.example.com"))

<img src="{{ photo | imgproxy_url('rs:fill:300:200', format='webp') }}">
<img srcset="{{ photo | imgproxy_srcset(widths=[320, 640]) }}" sizes="50vw" alt="">
{{ photo | imgproxy_picture(alt='A cat', widths=[320, 640, 1280], size_from_info=true) }}
{{ photo | imgproxy_img(alt='A cat', dprs=[1, 2], width=300) }}
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from imgproxy.client import UrlBuilder
from imgproxy.integrations import template_calls

FILTERS = ("imgproxy_url", "imgproxy_srcset", "imgproxy_img", "imgproxy_picture")


def install(environment: Environment, builder: UrlBuilder) -> None:
    """Registers the four filters, all signing with `builder`."""

    def imgproxy_url(source: str, *segments: str, **fields: Any) -> str:
        return template_calls.image_url(builder, str(source), segments, **fields)

    def imgproxy_srcset(source: str, *segments: str, **arguments: Any) -> str:
        return template_calls.srcset(builder, str(source), segments, **arguments)

    def imgproxy_img(source: str, *segments: str, **arguments: Any) -> Markup:
        # Markup: every attribute value was escaped when the tag was written.
        return Markup(template_calls.img(builder, str(source), segments, **arguments))

    def imgproxy_picture(source: str, *segments: str, **arguments: Any) -> Markup:
        return Markup(template_calls.picture(builder, str(source), segments, **arguments))

    environment.filters.update(
        imgproxy_url=imgproxy_url,
        imgproxy_srcset=imgproxy_srcset,
        imgproxy_img=imgproxy_img,
        imgproxy_picture=imgproxy_picture,
    )
