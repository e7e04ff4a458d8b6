"""The Jinja2 filters and Django template tags rendering real templates against a real proxy."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from html import unescape
from typing import Any

import django
import jinja2
import pytest
import pyvips
from django.conf import settings
from django.template import engines
from django.test import override_settings

from imgproxy.client import InvalidOptions, UrlBuilder, parse_options
from imgproxy.html import ResponsiveImage
from imgproxy.integrations.jinja2 import install
from tests.support import REPO, running_origin, running_proxy

KEY = b"template-key".hex()
SALT = b"template-salt".hex()
SOURCE = "jpeg-exif-orientation-1.jpg"  # 1800x1200

if not settings.configured:
    settings.configure(
        INSTALLED_APPS=["imgproxy.integrations.django"],
        TEMPLATES=[
            {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
        ],
    )
    django.setup()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[UrlBuilder, str]]:
    with (
        running_origin() as (origin, _),
        running_proxy({"IMGPROXY_KEY": KEY, "IMGPROXY_SALT": SALT}) as base,
    ):
        yield UrlBuilder(base, KEY, SALT), f"{origin}/files/{SOURCE}"


def jinja(builder: UrlBuilder, template: str, **context: Any) -> str:
    environment = jinja2.Environment(autoescape=True)
    install(environment, builder)
    return environment.from_string(template).render(**context)


def django_render(builder: UrlBuilder, template: str, **context: Any) -> str:
    with override_settings(IMGPROXY_URL_BUILDER=builder):
        return str(engines["django"].from_string("{% load imgproxy %}" + template).render(context))


def fetch(url: str) -> tuple[str, pyvips.Image]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.headers["Content-Type"], pyvips.Image.new_from_buffer(response.read(), "")


def test_jinja_url_filter(served: tuple[UrlBuilder, str]) -> None:
    builder, source = served
    rendered = jinja(
        builder, "{{ src | imgproxy_url('rs:fill:300:200', format='webp') }}", src=source
    )
    assert rendered == builder.url(source, parse_options("rs:fill:300:200", "f:webp"))
    content_type, image = fetch(rendered)
    assert (content_type, image.width, image.height) == ("image/webp", 300, 200)


def test_django_url_tag(served: tuple[UrlBuilder, str]) -> None:
    builder, source = served
    rendered = django_render(
        builder, '{% imgproxy_url src "h:100" quality=60 format="png" %}', src=source
    )
    assert rendered == builder.url(source, parse_options("h:100", "q:60", "f:png"))
    content_type, image = fetch(rendered)
    assert (content_type, image.width, image.height) == ("image/png", 150, 100)


def test_srcset_from_both_adapters_is_served(served: tuple[UrlBuilder, str]) -> None:
    builder, source = served
    from_jinja = jinja(
        builder, "{{ src | imgproxy_srcset(widths=[160, 320], format='webp') }}", src=source
    )
    from_django = django_render(
        builder, '{% imgproxy_srcset src widths="160,320" format="webp" %}', src=source
    )
    assert from_jinja == from_django
    for entry in from_jinja.split(", "):
        url, descriptor = entry.split(" ")
        content_type, image = fetch(url)
        assert (content_type, f"{image.width}w") == ("image/webp", descriptor)
    dprs = jinja(builder, "{{ src | imgproxy_srcset('w:100', dprs='1 2') }}", src=source)
    assert [entry.split(" ")[1] for entry in dprs.split(", ")] == ["1x", "2x"]


def test_picture_from_both_adapters_is_the_helpers_markup(served: tuple[UrlBuilder, str]) -> None:
    builder, source = served
    expected = ResponsiveImage(
        builder=builder,
        source=source,
        alt='Lake & "hills"',
        widths=[320, 640],
        sizes="50vw",
        options=parse_options("q:70"),
        size_from_info=True,
        attributes={"class": "hero", "data-id": "7"},
    ).picture()
    from_jinja = jinja(
        builder,
        "{{ src | imgproxy_picture('q:70', alt=alt, widths=[320, 640], sizes='50vw', "
        "size_from_info=true, class='hero', attrs={'data-id': 7}) }}",
        src=source,
        alt='Lake & "hills"',
    )
    from_django = django_render(
        builder,
        '{% imgproxy_picture src "q:70" alt=alt widths="320,640" sizes="50vw" size_from_info=True '
        'class="hero" attrs=attrs %}',
        src=source,
        alt='Lake & "hills"',
        attrs={"data-id": 7},
    )
    assert from_jinja == expected
    assert from_django == expected
    assert 'width="640" height="427"' in expected


def test_img_with_a_negotiated_format(served: tuple[UrlBuilder, str]) -> None:
    builder, source = served
    rendered = django_render(
        builder,
        '{% imgproxy_img src alt="" dprs="1,2" resizing_type="fill" height=50 %}',
        src=source,
    )
    expected = ResponsiveImage(
        builder=builder,
        source=source,
        alt="",
        dprs=[1, 2],
        options=parse_options("rt:fill"),
        height=50,
    ).img()
    assert rendered == expected
    src = unescape(rendered.split('src="')[1].split('"')[0])
    assert fetch(src)[0] == "image/jpeg"  # no Accept header: the source's own format


def test_context_values_are_escaped_and_markup_is_not_escaped_twice() -> None:
    builder = UrlBuilder("https://img.example.com")
    rendered = jinja(
        builder,
        "<img src=\"{{ src | imgproxy_url }}\">{{ src | imgproxy_img(alt='<b>', widths=[10]) }}",
        src="https://e.com/a.jpg?x=1&y=2",
    )
    assert rendered.count("&amp;y=2") == 3  # the URL, the img's src, its srcset
    assert "&amp;amp;" not in rendered
    assert 'alt="&lt;b&gt;"' in rendered


def test_django_builder_from_base_url_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMGPROXY_KEY", KEY)
    monkeypatch.setenv("IMGPROXY_SALT", SALT)
    with override_settings(IMGPROXY_BASE_URL="https://img.example.com"):
        rendered = (
            engines["django"]
            .from_string('{% load imgproxy %}{% imgproxy_url "https://e.com/a.jpg" width=10 %}')
            .render({})
        )
    assert rendered == UrlBuilder("https://img.example.com", KEY, SALT).url(
        "https://e.com/a.jpg", parse_options("w:10")
    )


@pytest.mark.parametrize(
    ("template", "error", "message"),
    [
        ("{{ s | imgproxy_url('w:abc') }}", InvalidOptions,
         "Expected integer 0..65535 for width but received 'abc'"),
        ("{{ s | imgproxy_url(widht=3) }}", TypeError,
         "imgproxy_url got unexpected argument 'widht'; expected option segments or one of "
         "width, height, resizing_type, dpr, quality, format"),
        ("{{ s | imgproxy_picture(alt='', widths=[5], fallback='bmpx') }}", ValueError,
         "Expected an image format such as avif, webp or jpeg but received 'bmpx'"),
        ("{{ s | imgproxy_picture(alt='', widths='5,x') }}", ValueError,
         "Expected numbers for widths but received 'x'"),
        ("{{ s | imgproxy_img(alt='', widths=[5], loading='soon') }}", ValueError,
         "Expected one of lazy, eager for loading but received 'soon'"),
        ("{{ s | imgproxy_img(alt='', widths=[5], colour='red') }}", TypeError,
         "imgproxy_img got unexpected argument 'colour'"),
        ("{{ s | imgproxy_picture(alt='') }}", ValueError,
         "Expected either widths or dprs but received both or neither"),
    ],
)  # fmt: skip
def test_template_mistakes_are_explained(
    template: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        jinja(UrlBuilder(), template, s="https://e.com/a.jpg")
    assert str(caught.value) == message


def test_django_reports_the_same_mistakes() -> None:
    with pytest.raises(ValueError) as caught:
        django_render(
            UrlBuilder(),
            '{% imgproxy_img "https://e.com/a.jpg" alt="" widths="5" decoding="later" %}',
        )
    assert (
        str(caught.value) == "Expected one of async, sync, auto for decoding but received 'later'"
    )


def test_the_frameworks_are_imported_only_by_their_adapters() -> None:
    probe = (
        "import sys, imgproxy.integrations, imgproxy.integrations.template_calls; "
        "print(sorted({'jinja2', 'django', 'markupsafe'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
