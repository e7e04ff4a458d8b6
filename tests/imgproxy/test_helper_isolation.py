"""The URL-signing helper lives in a web app that has its own `transforms`, `cache` and `config`.

The app's directory comes first on `sys.path`, as a project's own root does; the helper must
import none of the server's top-level packages (they would be the app's) and none of the
server's dependencies, yet still sign URLs and predict sizes from a real proxy's `/info`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from imgproxy.client import UrlBuilder, parse_options
from imgproxy.dimensions import forget_source_sizes
from imgproxy.html import ResponsiveImage
from tests.support import REPO, RequestLog, running_origin, running_proxy

KEY = b"isolation-key".hex()
SALT = b"isolation-salt".hex()
LANDSCAPE = "jpeg-exif-orientation-6.jpg"  # stored 1200x1800 with orientation 6: shown 1800x1200
APP_PACKAGES = ("transforms", "cache", "config")
SERVER_ONLY = ("starlette", "pyvips", "httpx", "redis")
OWN_PACKAGE = 'OWNER = "web app"\n'
DJANGO_SETTINGS = """import os

IMGPROXY_BASE_URL = os.environ["APP_IMGPROXY_BASE_URL"]
INSTALLED_APPS = ["imgproxy.integrations.django"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates"}]
"""
DJANGO_TEMPLATE = (
    '{% load imgproxy %}{% imgproxy_url source "rs:fill:300:200" %}\n'
    '{% imgproxy_img source alt="" widths="100" size_from_info=True %}'
)
JINJA2_TEMPLATE = (
    "{{ source | imgproxy_url('rs:fill:300:200') }}\n"
    "{{ source | imgproxy_img(alt='', widths=[100], size_from_info=true) }}"
)
WEB_APP = """
import json, os, sys

import cache, config, transforms

import django
import jinja2

django.setup()

import imgproxy.client, imgproxy.dimensions, imgproxy.html
import imgproxy.integrations.django.apps, imgproxy.integrations.django.templatetags.imgproxy
import imgproxy.integrations.jinja2, imgproxy.integrations.template_calls
from django.template import engines

context = {"source": os.environ["APP_SOURCE"]}
environment = jinja2.Environment(autoescape=True)
builder = imgproxy.client.UrlBuilder.from_env(os.environ["APP_IMGPROXY_BASE_URL"])
imgproxy.integrations.jinja2.install(environment, builder)
django_template = engines["django"].from_string(os.environ["APP_DJANGO_TEMPLATE"])
jinja2_template = environment.from_string(os.environ["APP_JINJA2_TEMPLATE"])
print(json.dumps({
    "rendered": {
        "django": django_template.render(context),
        "jinja2": jinja2_template.render(context),
    },
    "modules": {name: getattr(module, "__file__", None) for name, module in sys.modules.items()},
    "owners": {package.__name__: package.OWNER for package in (transforms, cache, config)},
}))
"""


@pytest.fixture(scope="module")
def proxy() -> Iterator[tuple[UrlBuilder, str, RequestLog]]:
    seen: list[RequestLog] = []
    with (
        running_origin() as (origin, _),
        running_proxy({"IMGPROXY_KEY": KEY, "IMGPROXY_SALT": SALT}, seen) as base,
    ):
        yield UrlBuilder(base, KEY, SALT), origin, seen[0]
    forget_source_sizes()


def web_app(root: Path) -> Path:
    """A project whose own top-level packages share the server's names."""
    for name in APP_PACKAGES:
        (root / name).mkdir(parents=True)
        (root / name / "__init__.py").write_text(OWN_PACKAGE)
    (root / "config" / "settings.py").write_text(DJANGO_SETTINGS)
    return root


def run_web_app(app: Path, base: str, source: str) -> dict[str, object]:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": os.pathsep.join([str(app), str(REPO)]),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "IMGPROXY_KEY": KEY,
        "IMGPROXY_SALT": SALT,
        "APP_IMGPROXY_BASE_URL": base,
        "APP_SOURCE": source,
        "APP_DJANGO_TEMPLATE": DJANGO_TEMPLATE,
        "APP_JINJA2_TEMPLATE": JINJA2_TEMPLATE,
    }
    # -P: no script directory or cwd ahead of PYTHONPATH, so the app's directory is first.
    run = subprocess.run(
        [sys.executable, "-P", "-c", WEB_APP],
        capture_output=True,
        text=True,
        env=env,
        cwd=app.parent,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    report: dict[str, object] = json.loads(run.stdout)
    return report


def test_the_helper_signs_and_sizes_beside_an_apps_own_packages(
    tmp_path: Path, proxy: tuple[UrlBuilder, str, RequestLog]
) -> None:
    builder, origin, log = proxy
    source = f"{origin}/files/{LANDSCAPE}"
    app = web_app(tmp_path / "webapp")
    before = len(log.requests)

    report = run_web_app(app, builder.base_url, source)

    asked = [path for _, path in log.requests[before:] if path.startswith("/info/")]
    assert len(asked) == 1  # the web app's, remembered between its two templates
    forget_source_sizes()
    expected = "\n".join(
        [
            builder.url(source, parse_options("rs:fill:300:200")),
            ResponsiveImage(
                builder=builder, source=source, alt="", widths=[100], size_from_info=True
            ).img(),
        ]
    )
    rendered = report["rendered"]
    assert rendered == {"django": expected, "jinja2": expected}
    assert 'width="100" height="67"' in expected  # the size came from /info

    modules = report["modules"]
    assert isinstance(modules, dict)
    assert sorted({name.partition(".")[0] for name in modules} & set(SERVER_ONLY)) == []
    shared_names = {
        name: path for name, path in modules.items() if name.partition(".")[0] in APP_PACKAGES
    }
    assert sorted(shared_names) == ["cache", "config", "config.settings", "transforms"]
    assert all(Path(path).is_relative_to(app) for path in shared_names.values()), shared_names
    assert report["owners"] == dict.fromkeys(APP_PACKAGES, "web app")
