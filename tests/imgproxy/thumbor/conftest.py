"""One running proxy answering thumbor URLs, over a local root and a loopback HTTP origin."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pyvips
from libthumbor import CryptoURL

from tests.support import CORPUS, running_origin, running_proxy

KEY = "MY_SECURE_KEY"
PHOTO = "jpeg-exif-orientation-1.jpg"  # 1800x1200
COPYRIGHTED = "jpeg-grayscale-icc.jpg"  # carries an EXIF Copyright tag


def solid(width: int, height: int, color: list[float]) -> pyvips.Image:
    return (pyvips.Image.black(width, height) + color).cast("uchar").copy(interpretation="srgb")


def nine_patch() -> bytes:
    """9x9 blue frame, transparent 3x3 hole; middle rows and columns stretch and hold content."""
    patch = solid(9, 9, [0, 0, 0, 0])
    patch = patch.insert(solid(7, 7, [0, 0, 255, 255]), 1, 1)
    patch = patch.insert(solid(3, 3, [0, 0, 0, 0]), 3, 3)
    across, down = solid(3, 1, [0, 0, 0, 255]), solid(1, 3, [0, 0, 0, 255])
    patch = patch.insert(across, 3, 0).insert(down, 0, 3).insert(across, 3, 8).insert(down, 8, 3)
    return bytes(patch.pngsave_buffer())


@dataclass(frozen=True)
class Thumbor:
    client: httpx.Client
    origin_host: str
    crypto: CryptoURL

    def get(self, path: str, **headers: str) -> httpx.Response:
        return self.client.get("/thumbor" + path, headers=headers)

    def signed(self, image: str, **options: object) -> httpx.Response:
        return self.get(self.crypto.generate(image_url=image, **options))


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("thumbor")
    folder = base / "root"
    folder.mkdir()
    for name in (PHOTO, COPYRIGHTED, "jpeg-baseline-icc.jpg", "png-rgb8-pngsuite.png"):
        shutil.copy(CORPUS / name, folder / name)
    (folder / "mark.png").write_bytes(bytes(solid(20, 20, [255, 0, 0]).pngsave_buffer()))
    (folder / "frame.png").write_bytes(nine_patch())
    half = solid(40, 40, [0, 0, 255, 255]).insert(solid(20, 40, [0, 0, 0, 0]), 0, 0)
    (folder / "half-clear.png").write_bytes(bytes(half.pngsave_buffer()))
    bordered = solid(100, 80, [255, 255, 255]).insert(solid(60, 40, [200, 30, 30]), 20, 20)
    (folder / "bordered.png").write_bytes(bytes(bordered.pngsave_buffer()))
    (base / "secret.png").write_bytes(bytes(solid(5, 5, [1, 2, 3]).pngsave_buffer()))
    return folder


@pytest.fixture(scope="module")
def thumbor(root: Path) -> Iterator[Thumbor]:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_THUMBOR_KEY": KEY,
        "IMGPROXY_THUMBOR_ALLOW_UNSAFE": "true",
        "IMGPROXY_AUTO_WEBP": "true",
    }
    with (
        running_origin() as (origin, _log),
        running_proxy(env) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        yield Thumbor(client, origin.removeprefix("http://"), CryptoURL(key=KEY))


def image_of(response: httpx.Response) -> pyvips.Image:
    assert response.status_code == 200, response.text
    return pyvips.Image.new_from_buffer(response.content, "")
