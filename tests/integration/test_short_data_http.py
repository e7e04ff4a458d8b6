"""Through a real server: a JPEG whose header declares more than its data holds is a 422 that is
never cached, and a JPEG with a harmless libjpeg warning is served."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pyvips

from tests.support import CORPUS, running_proxy
from tests.transforms.test_short_data import HARMLESS, declared_jpeg, gradient_jpeg

SHORT_SOURCES = {
    "declares-7000x7000.jpg": (7000, 7000),
    "declares-one-more-row.jpg": (64, 64),
}


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("short-data")
    for name, (width, height) in SHORT_SOURCES.items():
        (root / name).write_bytes(declared_jpeg(gradient_jpeg(), width, height))
    shutil.copy(CORPUS / HARMLESS, Path(root) / HARMLESS)
    env = {"IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root)}
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=20) as client:
        yield client


@pytest.mark.parametrize("name", sorted(SHORT_SOURCES))
@pytest.mark.parametrize("options", ["rs:fit:120:120", "w:8", "q:80"])
def test_a_source_shorter_than_its_header_is_a_422_every_time(
    proxy: httpx.Client, name: str, options: str
) -> None:
    for _ in range(2):
        response = proxy.get(f"/unsafe/{options}/plain/local:///{name}")
        assert response.status_code == 422
        assert response.text.strip() == "Source image cannot be decoded"
        assert "public" not in response.headers.get("cache-control", "")


@pytest.mark.parametrize("options", ["rs:fit:120:120", "q:80"])
def test_a_jpeg_with_a_harmless_warning_is_served(proxy: httpx.Client, options: str) -> None:
    response = proxy.get(f"/unsafe/{options}/plain/local:///{HARMLESS}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    image = pyvips.Image.new_from_buffer(response.content, "")
    assert (image.width, image.height) == ((120, 90) if options.startswith("rs") else (300, 225))


def test_info_refuses_a_source_shorter_than_its_header(proxy: httpx.Client) -> None:
    response = proxy.get("/info/unsafe/plain/local:///declares-7000x7000.jpg")
    assert response.status_code == 422
    assert proxy.get(f"/info/unsafe/plain/local:///{HARMLESS}").status_code == 200
