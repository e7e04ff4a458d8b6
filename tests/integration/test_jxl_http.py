"""JPEG XL through the real server: sources read, results written, `Accept: image/jxl`
negotiated first with `Vary: Accept`, never for an animation, and bombs refused on the header."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import imagecodecs
import pytest
import pyvips

from tests.support import CORPUS, running_proxy
from tests.transforms.test_jxl import GARBAGE, large_size, with_default_metadata

PHOTO = "jpeg-baseline-icc.jpg"
ANIMATION = "gif-animated-30frames.gif"
EVERYTHING = "image/jxl,image/avif,image/webp,*/*"
FILES = (
    PHOTO,
    ANIMATION,
    "jxl-photo-container.jxl",
    "jxl-orientation-5.jxl",
    "jxl-orientation-7-alpha.jxl",
)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("jxl")
    for name in FILES:
        shutil.copy(CORPUS / name, folder / name)
    bomb = with_default_metadata(large_size(100_000, 100_000)).codestream(GARBAGE)
    (folder / "bomb.jxl").write_bytes(bomb)
    return folder


def serving(root: Path, **settings: str) -> Iterator[httpx.Client]:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_MAX_ANIMATION_FRAMES": "50",
        **settings,
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def auto(root: Path) -> Iterator[httpx.Client]:
    yield from serving(root, IMGPROXY_AUTO_JXL="1", IMGPROXY_AUTO_AVIF="1", IMGPROXY_AUTO_WEBP="1")


@pytest.fixture(scope="module")
def enforcing(root: Path) -> Iterator[httpx.Client]:
    yield from serving(root, IMGPROXY_ENFORCE_JXL="1", IMGPROXY_JXL_EFFORT="1")


def jxl_size(response: httpx.Response) -> tuple[int, int]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jxl"
    pixels = imagecodecs.jpegxl_decode(response.content)
    assert pixels.ndim in (2, 3), "one frame"
    return pixels.shape[1], pixels.shape[0]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (EVERYTHING, "image/jxl"),
        ("image/avif,image/webp,*/*", "image/avif"),
        ("image/jxl,*/*", "image/jxl"),
        ("image/webp,*/*", "image/webp"),
        ("*/*", "image/jpeg"),
    ],
)
def test_jpeg_xl_comes_first_when_accepted(
    auto: httpx.Client, accept: str, media_type: str
) -> None:
    response = auto.get(f"/unsafe/w:100/plain/local:///{PHOTO}", headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    assert response.headers["vary"] == "Accept"
    if media_type == "image/jxl":
        assert jxl_size(response) == (100, 152)


def test_an_explicit_jxl_does_not_vary(auto: httpx.Client) -> None:
    response = auto.get(f"/unsafe/w:100/plain/local:///{PHOTO}@jxl", headers={"Accept": "*/*"})
    assert jxl_size(response) == (100, 152)
    assert "vary" not in response.headers


def test_an_animation_is_never_negotiated_to_jpeg_xl(auto: httpx.Client) -> None:
    response = auto.get(f"/unsafe/w:64/plain/local:///{ANIMATION}", headers={"Accept": EVERYTHING})
    assert response.headers["content-type"] == "image/webp"
    assert pyvips.Image.new_from_buffer(response.content, "", n=-1).get_n_pages() > 1


def test_an_animation_asked_for_as_jxl_is_its_first_frame(auto: httpx.Client) -> None:
    response = auto.get(f"/unsafe/w:64/plain/local:///{ANIMATION}@jxl")
    width, _ = jxl_size(response)
    assert width == 64


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("jxl-photo-container.jxl", (80, 100)),
        ("jxl-orientation-5.jxl", (100, 83)),
        ("jxl-orientation-7-alpha.jxl", (67, 100)),
    ],
)
def test_jpeg_xl_sources_are_read_upright(
    auto: httpx.Client, name: str, size: tuple[int, int]
) -> None:
    response = auto.get(f"/unsafe/rs:fit:100:100/plain/local:///{name}@png")
    assert response.status_code == 200, response.text
    image = pyvips.Image.new_from_buffer(response.content, "")
    assert (image.width, image.height) == size
    assert bool(image.hasalpha()) is name.endswith("alpha.jxl")


def test_a_jpeg_xl_source_keeps_no_format_of_its_own(auto: httpx.Client) -> None:
    response = auto.get("/unsafe/w:50/plain/local:///jxl-photo-container.jxl")
    assert response.headers["content-type"] == "image/jpeg", "JPEG XL is not a preferred format"


def test_a_declared_bomb_is_refused_on_its_header(auto: httpx.Client) -> None:
    response = auto.get("/unsafe/w:50/plain/local:///bomb.jxl@png")
    assert response.status_code == 422
    assert response.text.strip() == "Source image resolution is too big"


def test_best_tries_jpeg_xl_when_accepted(auto: httpx.Client) -> None:
    response = auto.get(
        f"/unsafe/w:200/plain/local:///{PHOTO}@best", headers={"Accept": EVERYTHING}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] in {"image/jxl", "image/avif", "image/webp"}
    assert response.headers["vary"] == "Accept"


def test_enforced_jpeg_xl_replaces_an_explicit_format(enforcing: httpx.Client) -> None:
    path = f"/unsafe/w:100/plain/local:///{PHOTO}@png"
    replaced = enforcing.get(path, headers={"Accept": "image/jxl,*/*"})
    assert jxl_size(replaced) == (100, 152)
    assert replaced.headers["vary"] == "Accept"
    kept = enforcing.get(path, headers={"Accept": "*/*"})
    assert kept.headers["content-type"] == "image/png"


def test_the_effort_setting_reaches_the_encoder(
    auto: httpx.Client, enforcing: httpx.Client
) -> None:
    path = f"/unsafe/w:300/plain/local:///{PHOTO}@jxl"
    default_effort = auto.get(path).content
    effort_1 = enforcing.get(path, headers={"Accept": "image/jxl"}).content
    assert default_effort[:2] == effort_1[:2] == b"\xff\x0a"
    assert default_effort != effort_1
