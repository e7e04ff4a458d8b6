"""The URL-signing helper installs and runs without the server's dependencies."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from imgproxy.client import UrlBuilder, parse_options
from imgproxy.signing import Verifier
from tests.support import REPO

SERVER_ONLY = ("pyvips", "starlette", "uvicorn", "httpx", "orjson")
KEY = b"test-key".hex()
SALT = b"test-salt".hex()
SIGNING_ENV = {"IMGPROXY_KEY": KEY, "IMGPROXY_SALT": SALT, "PATH": "/usr/bin:/bin"}
OFFLINE_ENV = {"PATH": "/usr/bin:/bin", "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1"}
SOURCE = "https://example.com/a.jpg"
PICTURE = """
from imgproxy import UrlBuilder
from imgproxy.html import ResponsiveImage
import imgproxy.integrations.template_calls
builder = UrlBuilder.from_env()
print(ResponsiveImage(builder=builder, source="https://example.com/a.jpg", alt="A",
                      widths=[320, 640]).picture())
"""
INSTALLED = """
import importlib.metadata, json, imgproxy
print(json.dumps({
    "requires": importlib.metadata.requires("imgproxy-py") or [],
    "imgproxy": imgproxy.__file__,
}))
"""


def clean_venv(root: Path) -> Path:
    """A new virtual environment with only what `venv` puts there; its python."""
    venv.create(root, with_pip=True)
    return root / "bin" / "python"


def sign(python: Path, cwd: Path) -> str:
    return subprocess.run(
        [python, "-P", "-m", "imgproxy", "sign", SOURCE, "rs:fill:300:200"],
        check=True,
        capture_output=True,
        text=True,
        env=SIGNING_ENV,
        cwd=cwd,
    ).stdout.strip()


def distributions(python: Path) -> list[str]:
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=json"],
        check=True,
        capture_output=True,
        text=True,
        env=OFFLINE_ENV,
    ).stdout
    return sorted(entry["name"] for entry in json.loads(listed))


def working_copy(destination: Path) -> Path:
    """The files of the work tree git knows or would add (tracked, and untracked but not
    ignored), without build output, caches or the virtualenv."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listing.split("\0")):
        if (REPO / name).is_file():  # tracked files deleted in the work tree are left out
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, destination / name)
    return destination


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
    python = clean_venv(tmp_path / "env")
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
    signature, _, path = sign(python, tmp_path).removeprefix("/").partition("/")
    assert path == "rt:fill/w:300/h:200/plain/https://example.com/a.jpg"
    Verifier([b"test-key"], [b"test-salt"]).verify(signature, "/" + path)
    markup = subprocess.run(
        [python, "-c", PICTURE],
        check=True,
        capture_output=True,
        text=True,
        env=SIGNING_ENV,
        cwd=tmp_path,
    ).stdout
    assert markup.startswith('<picture><source type="image/avif" srcset="/')
    assert 'w:640/plain/https://example.com/a.jpg@jpg 640w" sizes="100vw" alt="A"' in markup
    assert markup.endswith("</picture>\n")


@pytest.mark.timeout(120)
def test_the_wheel_built_offline_installs_alone_and_signs_as_the_tree_does(
    tmp_path: Path,
) -> None:
    project = working_copy(tmp_path / "project")
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", wheels],
        check=False,
        capture_output=True,
        text=True,
        env=OFFLINE_ENV,
        cwd=project,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = wheels.glob("imgproxy_py-*.whl")
    python = clean_venv(tmp_path / "env")
    bare = distributions(python)

    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", wheel],
        check=True,
        capture_output=True,
        env=OFFLINE_ENV,
        cwd=tmp_path,
    )

    assert sorted(set(distributions(python)) - set(bare)) == ["imgproxy-py"]
    installed = json.loads(
        subprocess.run(
            [python, "-P", "-c", INSTALLED],
            check=True,
            capture_output=True,
            text=True,
            env=OFFLINE_ENV,
            cwd=tmp_path,
        ).stdout
    )
    assert [need for need in installed["requires"] if "extra ==" not in need] == []
    assert Path(installed["imgproxy"]).is_relative_to(tmp_path / "env")
    expected = UrlBuilder(key=KEY, salt=SALT).path(SOURCE, parse_options("rs:fill:300:200"))
    assert sign(python, tmp_path) == expected
