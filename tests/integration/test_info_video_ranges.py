"""`/info` of a long MP4 with its index at the end, through the real server and a loopback
origin that serves byte ranges: read by a few spans as a render reads it, answering what the
whole file answers; a URL that asks for digests, and an image, take one plain request."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.imgproxy.origins.ranged_server import Exchanges, proxy_over_ranged_origin
from tests.support import CORPUS
from tests.transforms.video.long_video import index_at_the_end, long_video

PHOTO = "jpeg-face-landscape.jpg"
VIDEOS = ("spans.mp4", "same.mp4", "digests.mp4", "checked.mp4")
"""One copy per test: each answer is stored under its source, and counted by its path."""


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ranged-info")
    data = long_video()
    assert index_at_the_end(data)
    for name in VIDEOS:
        (folder / name).write_bytes(data)
    shutil.copy(CORPUS / PHOTO, folder / PHOTO)
    return folder


@pytest.fixture(scope="module", params=["curl", "httpx"])
def served(
    root: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[httpx.Client, str, Exchanges]]:
    """The proxy (with either http client) and the ranged origin it reads from."""
    with proxy_over_ranged_origin(root, str(request.param)) as served:
        yield served


def info(client: httpx.Client, path: str) -> dict[str, object]:
    response = client.get(f"/info/_/{path}")
    assert response.status_code == 200, response.text
    document: dict[str, object] = response.json()
    return document


def plain_requests(exchanges: Exchanges, path: str) -> list[tuple[str | None, int]]:
    return [(exchange.range, exchange.status) for exchange in exchanges.at(path)]


def test_info_of_a_video_is_read_by_a_few_spans(
    served: tuple[httpx.Client, str, Exchanges], root: Path
) -> None:
    client, base, exchanges = served
    size = (root / "spans.mp4").stat().st_size
    document = info(client, f"plain/{base}/ranged/spans.mp4")
    assert (document["size"], document["width"], document["height"]) == (size, 320, 240)
    assert document["format"] == "mov,mp4,m4a,3gp,3g2,mj2"
    streams = document["video_streams"]
    assert isinstance(streams, list)
    assert [(s["type"], s["codec"], s["duration"]) for s in streams] == [("video", "mpeg4", 30.0)]
    exchanges.assert_read_by_spans("/ranged/spans.mp4", size)


def test_info_by_ranges_is_the_info_of_the_whole_video(
    served: tuple[httpx.Client, str, Exchanges],
) -> None:
    client, base, exchanges = served
    ranged = client.get(f"/info/_/plain/{base}/ranged/same.mp4")
    whole = client.get(f"/info/_/plain/{base}/plain/same.mp4")
    assert (ranged.status_code, whole.status_code) == (200, 200)
    assert ranged.json() == whole.json()
    assert ranged.headers["etag"] == whole.headers["etag"]
    assert len(exchanges.at("/ranged/same.mp4")) > 1
    assert plain_requests(exchanges, "/plain/same.mp4") == [(None, 200)]


def test_info_asking_for_digests_reads_a_video_whole(
    served: tuple[httpx.Client, str, Exchanges], root: Path
) -> None:
    """Hashsums of a video are not answered (as imgproxy Pro), but the bytes are read whole."""
    client, base, exchanges = served
    asked = info(client, f"chs:sha256/plain/{base}/ranged/digests.mp4")
    assert plain_requests(exchanges, "/ranged/digests.mp4") == [(None, 200)]
    assert exchanges.sent("/ranged/digests.mp4") == (root / "digests.mp4").stat().st_size
    assert asked == info(client, f"plain/{base}/plain/digests.mp4")
    digest = hashlib.sha256((root / "checked.mp4").read_bytes()).hexdigest()
    info(client, f"hs:sha256:{digest}/plain/{base}/ranged/checked.mp4")
    assert plain_requests(exchanges, "/ranged/checked.mp4") == [(None, 200)]


def test_info_of_an_image_takes_one_plain_request(
    served: tuple[httpx.Client, str, Exchanges], root: Path
) -> None:
    client, base, exchanges = served
    document = info(client, f"chs:sha256/plain/{base}/ranged/{PHOTO}")
    digest = hashlib.sha256((root / PHOTO).read_bytes()).hexdigest()
    assert document["hashsums"] == {"sha256": digest}
    assert document["size"] == (root / PHOTO).stat().st_size
    info(client, f"plain/{base}/ranged/{PHOTO}")
    assert plain_requests(exchanges, f"/ranged/{PHOTO}") == [(None, 200)] * 2
