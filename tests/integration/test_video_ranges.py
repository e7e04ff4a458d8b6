"""A long MP4 with its index at the end, through the real server and a loopback origin that
serves byte ranges: the thumbnail comes from the few spans the demuxer reads, images still
take one plain request, and origins that serve ranges badly answer an error, never a hang."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pyvips

from tests.imgproxy.origins.ranged_server import Exchanges, proxy_over_ranged_origin
from tests.support import CORPUS
from tests.transforms.video.long_video import index_at_the_end, long_video
from tests.transforms.video.making import colour_at

SECOND = 17
PHOTO = "jpeg-face-landscape.jpg"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ranged-videos")
    data = long_video()
    assert index_at_the_end(data)
    (folder / "long.mp4").write_bytes(data)
    (folder / "cut.mp4").write_bytes(data[:-2000])
    shutil.copy(CORPUS / PHOTO, folder / PHOTO)
    return folder


@pytest.fixture(scope="module", params=["curl", "httpx"])
def served(
    root: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[httpx.Client, str, Exchanges]]:
    """The proxy (with either http client) and the ranged origin it reads from."""
    local = {"IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root)}
    with proxy_over_ranged_origin(root, str(request.param), local) as served:
        yield served


def top_colour(body: bytes) -> tuple[int, ...]:
    """The middle of the frame's top half (its second's colour; the bottom half is noise)."""
    image = pyvips.Image.new_from_buffer(body, "")
    return tuple(round(v) for v in image.getpoint(image.width // 2, image.height // 4))


def near(actual: tuple[int, ...], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 20 for a, b in zip(actual, expected, strict=True))


def test_a_video_is_read_by_a_few_spans(
    served: tuple[httpx.Client, str, Exchanges], root: Path
) -> None:
    client, base, exchanges = served
    size = (root / "long.mp4").stat().st_size
    response = client.get(f"/_/rs:fit:80:80/vts:{SECOND}/plain/{base}/ranged/long.mp4@png")
    assert response.status_code == 200, response.text
    assert near(top_colour(response.content), colour_at(SECOND))
    exchanges.assert_read_by_spans("/ranged/long.mp4", size)


def test_an_origin_that_ignores_ranges_is_read_whole(
    served: tuple[httpx.Client, str, Exchanges],
) -> None:
    client, base, exchanges = served
    response = client.get(f"/_/rs:fit:80:80/vts:{SECOND}/plain/{base}/ignoring/long.mp4@png")
    assert response.status_code == 200, response.text
    assert near(top_colour(response.content), colour_at(SECOND))
    statuses = [exchange.status for exchange in exchanges.at("/ignoring/long.mp4")]
    assert statuses == [200, 200]  # the head, then one span answered with the whole file


def test_an_origin_that_does_not_say_it_serves_ranges_is_read_in_one_request(
    served: tuple[httpx.Client, str, Exchanges],
) -> None:
    client, base, exchanges = served
    response = client.get(f"/_/rs:fit:80:80/vts:{SECOND}/plain/{base}/plain/long.mp4@png")
    assert response.status_code == 200, response.text
    assert near(top_colour(response.content), colour_at(SECOND))
    assert [e.range for e in exchanges.at("/plain/long.mp4")] == [None]


@pytest.mark.parametrize("mode", ["wrong", "long"])
def test_a_wrong_span_is_a_502(served: tuple[httpx.Client, str, Exchanges], mode: str) -> None:
    client, base, _ = served
    response = client.get(f"/_/rs:fit:80:80/vts:{SECOND}/plain/{base}/{mode}/long.mp4@png")
    assert (response.status_code, response.text.strip()) == (502, "Source answered a wrong range")


def test_a_truncated_video_is_a_422(served: tuple[httpx.Client, str, Exchanges]) -> None:
    client, base, exchanges = served
    response = client.get(f"/_/rs:fit:80:80/vts:{SECOND}/plain/{base}/ranged/cut.mp4@png")
    assert response.status_code == 422, response.text
    assert len(exchanges.at("/ranged/cut.mp4")) <= 4


def test_an_image_takes_one_plain_request(served: tuple[httpx.Client, str, Exchanges]) -> None:
    client, base, exchanges = served
    response = client.get(f"/_/rs:fit:80:80/plain/{base}/ranged/{PHOTO}@png")
    assert response.status_code == 200, response.text
    assert [(e.range, e.status) for e in exchanges.at(f"/ranged/{PHOTO}")] == [(None, 200)]


def test_a_local_video_is_read_by_spans_too(served: tuple[httpx.Client, str, Exchanges]) -> None:
    client, _, _ = served
    response = client.get(f"/_/rs:fit:80:80/vts:{SECOND}/plain/local:///long.mp4@png")
    assert response.status_code == 200, response.text
    assert near(top_colour(response.content), colour_at(SECOND))


def test_a_sprite_sheet_is_read_by_spans_too(
    served: tuple[httpx.Client, str, Exchanges], root: Path
) -> None:
    client, base, exchanges = served
    response = client.get(f"/_/vts:10/vtt:5:2:1:80:60/plain/{base}/ranged/long.mp4@png")
    assert response.status_code == 200, response.text
    sheet = pyvips.Image.new_from_buffer(response.content, "")
    assert (sheet.width, sheet.height) == (160, 60)
    for column, second in enumerate((10, 15)):
        found = tuple(round(v) for v in sheet.getpoint(column * 80 + 40, 15))
        assert near(found, colour_at(second)), (column, found)
    assert exchanges.sent("/ranged/long.mp4") < (root / "long.mp4").stat().st_size * 0.5
