"""Video sources through the real server: an MP4 or WebM URL answers the frame at the requested
second, resized and encoded like any image; damaged videos answer 422 and the server lives."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import pyvips

from tests.support import running_proxy
from tests.transforms.video.making import MP4_H264, WEBM_VP9, colour_at, make_video

SECOND = 2


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("videos")
    (folder / "clip.mp4").write_bytes(make_video(MP4_H264, seconds=4, faststart=False))
    (folder / "clip.webm").write_bytes(make_video(WEBM_VP9, seconds=4))
    (folder / "big.mp4").write_bytes(make_video(MP4_H264, seconds=1, width=640, height=480))
    generator = random.Random(19)
    data = (folder / "clip.mp4").read_bytes()
    for index in range(12):
        damaged = bytearray(data[: generator.randrange(16, len(data))] if index % 3 == 0 else data)
        for _ in range(generator.randrange(1, 16)):
            damaged[generator.randrange(len(damaged))] ^= 0xFF
        (folder / f"damaged-{index}.mp4").write_bytes(bytes(damaged))
    return folder


@contextmanager
def serve(root: Path, **env: str) -> Iterator[httpx.Client]:
    settings = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_MAX_SRC_RESOLUTION": "0.1",
        **env,
    }
    with running_proxy(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def proxy(root: Path) -> Iterator[httpx.Client]:
    env = {
        "IMGPROXY_ENABLE_VIDEO_THUMBNAILS": "1",
        "IMGPROXY_VIDEO_THUMBNAIL_SECOND": str(SECOND),
        "IMGPROXY_MAX_ANIMATION_FRAMES": "10",
    }
    with serve(root, **env) as client:
        yield client


def centre(body: bytes) -> tuple[int, ...]:
    image = pyvips.Image.new_from_buffer(body, "")
    return tuple(round(v) for v in image.getpoint(image.width // 2, image.height // 2))


def near(actual: tuple[int, ...], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 16 for a, b in zip(actual, expected, strict=True))


@pytest.mark.parametrize(("name", "extension"), [("clip.mp4", "jpg"), ("clip.webm", "webp")])
def test_a_video_url_answers_the_resized_frame_at_the_second(
    proxy: httpx.Client, name: str, extension: str
) -> None:
    response = proxy.get(f"/_/rs:fit:80:80/plain/local:///{name}@{extension}")
    assert response.status_code == 200, response.text
    content_type = {"jpg": "image/jpeg", "webp": "image/webp"}[extension]
    assert response.headers["content-type"] == content_type
    image = pyvips.Image.new_from_buffer(response.content, "")
    assert (image.width, image.height) == (80, 60)
    assert near(centre(response.content), colour_at(SECOND))


def test_without_a_format_a_video_answers_jpeg(proxy: httpx.Client) -> None:
    response = proxy.get("/_/w:40/plain/local:///clip.mp4", headers={"Accept": "*/*"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"


def test_skip_processing_never_answers_the_video_bytes(proxy: httpx.Client) -> None:
    response = proxy.get("/_/skp:jpg/w:40/plain/local:///clip.mp4@jpg")
    assert response.status_code == 200
    assert response.content[:2] == b"\xff\xd8"


def test_a_video_over_the_pixel_limit_is_refused(proxy: httpx.Client) -> None:
    response = proxy.get("/_/w:40/plain/local:///big.mp4@jpg")
    assert (response.status_code, response.text.strip()) == (
        422,
        "Source image resolution is too big",
    )


def test_damaged_videos_answer_a_frame_or_a_422(proxy: httpx.Client, root: Path) -> None:
    statuses = set()
    for path in sorted(root.glob("damaged-*.mp4")):
        response = proxy.get(f"/_/w:40/plain/local:///{path.name}@jpg")
        statuses.add(response.status_code)
    assert statuses <= {200, 422}
    assert 422 in statuses
    assert proxy.get("/health").status_code == 200


def test_with_video_thumbnails_off_a_video_is_a_422(root: Path) -> None:
    with serve(root) as client:
        response = client.get("/_/w:40/plain/local:///clip.mp4@jpg")
        assert (response.status_code, response.text.strip()) == (
            422,
            "Source image format is not recognised",
        )


@pytest.mark.parametrize("second", [0, 1, 3])
def test_the_url_chooses_the_second(proxy: httpx.Client, second: int) -> None:
    response = proxy.get(f"/_/rs:fit:80:80/vts:{second}/plain/local:///clip.mp4@png")
    assert response.status_code == 200, response.text
    assert near(centre(response.content), colour_at(second))


def test_the_url_may_ask_for_the_keyframe(proxy: httpx.Client) -> None:
    exact = proxy.get("/_/rs:fit:80:80/vts:3/plain/local:///clip.mp4@png")
    keyframe = proxy.get("/_/rs:fit:80:80/vts:3/vtk:1/plain/local:///clip.mp4@png")
    assert exact.status_code == keyframe.status_code == 200
    # Keyframes every 2.5 s: at 3 s the keyframe shows what was on screen at 2.5 s.
    assert near(centre(exact.content), colour_at(3))
    assert near(centre(keyframe.content), colour_at(2.5))
    assert colour_at(2.5) != colour_at(3)


def test_info_describes_a_video(proxy: httpx.Client) -> None:
    response = proxy.get("/info/_/plain/local:///clip.mp4")
    assert response.status_code == 200, response.text
    document = response.json()
    assert (document["width"], document["height"]) == (160, 120)
    assert document["mime_type"] == "video/mp4"
    assert any(stream["type"] == "video" for stream in document["video_streams"])


def test_a_tile_url_answers_the_sprite_sheet(proxy: httpx.Client) -> None:
    response = proxy.get("/_/vtt:1:2:1:80:60/plain/local:///clip.webm@png")
    assert response.status_code == 200, response.text
    image = pyvips.Image.new_from_buffer(response.content, "")
    assert (image.width, image.height) == (160, 60)
    for column in range(2):
        colour = tuple(round(v) for v in image.getpoint(40 + 80 * column, 30))
        assert near(colour, colour_at(SECOND + column)), column


def test_an_animation_url_answers_an_animated_webp(proxy: httpx.Client) -> None:
    response = proxy.get("/_/vts:0/vta:-1:150:4:80:0/w:40/plain/local:///clip.mp4@webp")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/webp"
    image = pyvips.Image.new_from_buffer(response.content, "", n=-1)
    assert (image.get("n-pages"), image.width, image.get("page-height")) == (4, 40, 30)
    assert list(image.get("delay")) == [150] * 4
    for page in range(4):
        colour = tuple(round(v) for v in image.getpoint(20, 30 * page + 15))
        assert near(colour, colour_at(page)), page


def test_a_sheet_over_the_pixel_limit_is_refused(proxy: httpx.Client) -> None:
    response = proxy.get("/_/vtt:1:4:4:160:120/plain/local:///clip.mp4@jpg")
    assert (response.status_code, response.text.strip()) == (
        422,
        "Source image resolution is too big",
    )


def test_a_damaged_video_with_a_sheet_answers_a_sheet_or_a_422(
    proxy: httpx.Client, root: Path
) -> None:
    statuses = set()
    for path in sorted(root.glob("damaged-*.mp4")):
        response = proxy.get(f"/_/vtt:0.5:3:2:40:30/plain/local:///{path.name}@jpg")
        statuses.add(response.status_code)
    assert statuses <= {200, 422}
    assert 422 in statuses
    assert proxy.get("/health").status_code == 200
