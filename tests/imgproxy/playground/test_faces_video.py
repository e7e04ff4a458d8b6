"""The playground's faces and video fields against the real server: `gravity: obj`,
`draw_detections` and `video_second` sign `g:obj`, `dd:1` and `vts:2`, and those URLs serve
the faces outlined and the video's frame at that second."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
import pyvips

from imgproxy.playground.routes import STATIC_DIR
from tests.support import REPO, running_proxy
from tests.transforms.video.making import MP4_H264, colour_at, make_video

KEY, SALT = "6b65792d6f6e65", "73616c742d6f6e65"
PORTRAIT = "jpeg-face-portrait.jpg"
VIDEO_SECOND = 2


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("playground-sources")
    shutil.copy(REPO / "tests" / "images" / PORTRAIT, root / PORTRAIT)
    (root / "clip.mp4").write_bytes(make_video(MP4_H264, seconds=4))
    env = {
        "IMGPROXY_PLAYGROUND": "true",
        "IMGPROXY_PLAYGROUND_FORCE": "true",
        "IMGPROXY_KEY": KEY,
        "IMGPROXY_SALT": SALT,
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_ENABLE_VIDEO_THUMBNAILS": "true",
    }
    with running_proxy(env) as served:
        yield served


def signed(base: str, source: str, **options: object) -> str:
    answer = httpx.post(f"{base}/_playground/sign", json={"source": source, "options": options})
    assert answer.status_code == 200, answer.text
    url: str = answer.json()["url"]
    return url


def served(url: str) -> pyvips.Image:
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, response.text
    return pyvips.Image.new_from_buffer(response.content, "")


def red_pixels(image: pyvips.Image) -> int:
    rgb = np.asarray(image.numpy(), dtype=np.int32)
    return int(((rgb[..., 0] > 220) & (rgb[..., 1] < 40) & (rgb[..., 2] < 40)).sum())


def test_show_faces_signs_dd_and_the_result_has_the_faces_outlined(base: str) -> None:
    fields = {"width": 455, "format": "png"}
    plain = signed(base, f"local:///{PORTRAIT}", **fields, draw_detections=False)
    shown = signed(base, f"local:///{PORTRAIT}", **fields, draw_detections=True)
    assert "/dd:" not in plain and "/w:455/dd:1/" in shown
    assert red_pixels(served(plain)) < 10
    assert red_pixels(served(shown)) > 200


def test_gravity_obj_signs_g_obj_and_crops_elsewhere_than_the_centre(base: str) -> None:
    fields = {"width": 800, "height": 150, "resizing_type": "fill", "format": "png"}
    centre = served(signed(base, f"local:///{PORTRAIT}", **fields))
    url = signed(base, f"local:///{PORTRAIT}", **fields, gravity="obj")
    assert "/rt:fill/w:800/h:150/g:obj/" in url
    banner = served(url)
    assert (banner.width, banner.height) == (centre.width, centre.height) == (800, 150)
    # The face is in the top third of the portrait; the centre's band is below it.
    assert (banner - centre).abs().avg() > 10


def test_video_second_signs_vts_and_serves_that_frame(base: str) -> None:
    url = signed(base, "local:///clip.mp4", width=80, format="png", video_second=VIDEO_SECOND)
    assert f"/vts:{VIDEO_SECOND}/" in url and url.endswith("/plain/local:///clip.mp4@png")
    frame = served(url)
    centre = frame.getpoint(frame.width // 2, frame.height // 2)[:3]
    assert all(
        abs(got - want) < 24 for got, want in zip(centre, colour_at(VIDEO_SECOND), strict=True)
    )


def test_an_empty_video_second_is_the_servers_default(base: str) -> None:
    assert "/vts:" not in signed(base, "local:///clip.mp4", width=80, video_second="")


def test_a_bad_video_second_gets_the_servers_message(base: str) -> None:
    answer = httpx.post(
        f"{base}/_playground/sign",
        json={"source": "local:///clip.mp4", "options": {"video_second": "soon"}},
    )
    assert answer.status_code == 400
    assert "video_thumbnail_second" in answer.text and "'soon'" in answer.text


def test_the_page_offers_the_fields(base: str) -> None:
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    script = (STATIC_DIR / "playground.js").read_text(encoding="utf-8")
    assert '<option value="obj">' in page
    for name in ("draw_detections", "video_second"):
        assert f'id="{name}"' in page and f'"{name}"' in script
