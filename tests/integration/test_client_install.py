"""The URL-signing helper installs and runs without the server's dependencies."""

from __future__ import annotations

import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from imgproxy.signing import Verifier
from tests.support import REPO

SERVER_ONLY = ("pyvips", "starlette", "uvicorn", "httpx", "orjson")
PICTURE = """
from imgproxy import UrlBuilder
from imgproxy.html import ResponsiveImage
import imgproxy.integrations.template_calls
builder = UrlBuilder.from_env()
print(ResponsiveImage(builder=builder, source="https://example.com/a.jpg", alt="A",
                      widths=[320, 640]).picture())
"""


@pytest.mark.timeout(600)
def test_base_install_has_no_server_dependencies_and_signs(tmp_path: Path) -> None:
    project = tmp_path / "project"  # building writes build/ and *.egg-info next to the sources
    shutil.copytree(
        REPO,
        project,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "*.egg-info", "__pycache__", "bench", "tests"
        ),
    )
    venv.create(tmp_path / "env", with_pip=True)
    python = tmp_path / "env" / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", str(project)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    installed = subprocess.run(
        [python, "-m", "pip", "list", "--format=freeze"], check=True, capture_output=True, text=True
    ).stdout.lower()
    assert not [name for name in SERVER_ONLY if f"{name}==" in installed]
    env = {
        "IMGPROXY_KEY": b"test-key".hex(),
        "IMGPROXY_SALT": b"test-salt".hex(),
        "PATH": "/usr/bin:/bin",
    }
    signed = subprocess.run(
        [python, "-m", "imgproxy", "sign", "https://example.com/a.jpg", "rs:fill:300:200"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    ).stdout.strip()
    signature, _, path = signed.removeprefix("/").partition("/")
    assert path == "rt:fill/w:300/h:200/plain/https://example.com/a.jpg"
    Verifier([b"test-key"], [b"test-salt"]).verify(signature, "/" + path)
    markup = subprocess.run(
        [python, "-c", PICTURE],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    ).stdout
    assert markup.startswith('<picture><source type="image/avif" srcset="/')
    assert 'w:640/plain/https://example.com/a.jpg@jpg 640w" sizes="100vw" alt="A"' in markup
    assert markup.endswith("</picture>\n")
