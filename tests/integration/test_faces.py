"""Face-aware crops through the real server: a portrait cut to a wide banner keeps the
labelled face, in both URL dialects."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import numpy as np
import pytest
import pyvips

from tests.support import CORPUS, manifest, running_proxy
from transforms.faces import detect

PORTRAIT = "jpeg-face-portrait.jpg"
TWO = "jpeg-faces-two-people.jpg"
NO_FACE = "jpeg-no-face.jpg"
BANNER = (800, 300)
SLACK = 3
"""Pixels of resampling blur allowed at the window's edges."""
LABELS = {row["file"]: row["faces"] for row in manifest()}


def faces_of(name: str) -> list[tuple[int, int, int, int]]:
    boxes = [tuple(map(int, box.split(","))) for box in LABELS[name].split(";")]
    return [(box[0], box[1], box[2], box[3]) for box in boxes]


def serve(settings: dict[str, str]) -> Iterator[httpx.Client]:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(CORPUS),
        "IMGPROXY_THUMBOR_ALLOW_UNSAFE": "1",
        **settings,
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def plain() -> Iterator[httpx.Client]:
    yield from serve({})


@pytest.fixture(scope="module")
def faces_on() -> Iterator[httpx.Client]:
    yield from serve({"IMGPROXY_SMART_CROP_FACE_DETECTION": "1"})


@pytest.fixture(scope="module")
def centre_fallback() -> Iterator[httpx.Client]:
    yield from serve({"IMGPROXY_OBJECT_DETECTION_FALLBACK_TO_SMART_CROP": "0"})


def fetched(client: httpx.Client, path: str) -> pyvips.Image:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return pyvips.Image.new_from_buffer(response.content, "")


def grey(image: pyvips.Image) -> np.ndarray:
    return np.asarray(image.colourspace("b-w")[0].numpy(), dtype=np.float32)


def window(
    result: pyvips.Image, name: str, scale: float | None = None
) -> tuple[float, float, float]:
    """Where `result` sits in the source scaled by `scale` (by default, to fill the result):
    (scale, left, top), found by matching pixels."""
    source = pyvips.Image.new_from_file(str(CORPUS / name))
    scale = scale or max(result.width / source.width, result.height / source.height)
    scaled = grey(source.resize(scale))
    cut = grey(result)
    height, width = cut.shape
    offsets = [
        (x, y)
        for x in range(scaled.shape[1] - width + 1)
        for y in range(scaled.shape[0] - height + 1)
    ]
    errors = [np.abs(scaled[y : y + height, x : x + width] - cut).mean() for x, y in offsets]
    best = int(np.argmin(errors))
    assert errors[best] < 4, f"result not found in the scaled source ({errors[best]:.1f})"
    return scale, offsets[best][0], offsets[best][1]


def inside(result: pyvips.Image, name: str, scale: float | None = None) -> list[bool]:
    """For each labelled face of `name`: within the result window."""
    scale, left, top = window(result, name, scale)
    return [
        x * scale >= left - SLACK
        and y * scale >= top - SLACK
        and (x + w) * scale <= left + result.width + SLACK
        and (y + h) * scale <= top + result.height + SLACK
        for x, y, w, h in faces_of(name)
    ]


def imgproxy(options: str, name: str) -> str:
    return f"/unsafe/rs:fill:{BANNER[0]}:{BANNER[1]}/{options}/plain/local:///{name}@png"


def test_a_centre_crop_of_the_portrait_cuts_the_face(plain: httpx.Client) -> None:
    assert inside(fetched(plain, imgproxy("g:ce", PORTRAIT)), PORTRAIT) == [False]


def test_object_gravity_keeps_the_face(plain: httpx.Client) -> None:
    assert inside(fetched(plain, imgproxy("g:obj:face", PORTRAIT)), PORTRAIT) == [True]


def test_object_gravity_keeps_both_faces(plain: httpx.Client) -> None:
    path = f"/unsafe/rs:fill:600:150/g:obj/plain/local:///{TWO}@png"
    assert inside(fetched(plain, path), TWO) == [True, True]


def test_no_face_falls_back_to_smart_crop_by_default(plain: httpx.Client) -> None:
    objects = fetched(plain, imgproxy("g:obj", NO_FACE))
    smart = fetched(plain, imgproxy("g:sm", NO_FACE))
    assert np.array_equal(grey(objects), grey(smart))


def test_other_classes_are_refused_naming_the_class(plain: httpx.Client) -> None:
    response = plain.get(imgproxy("g:obj:car", PORTRAIT))
    assert response.status_code == 400
    assert "'car'" in response.text


def test_objects_position_north_puts_the_face_at_the_top(plain: httpx.Client) -> None:
    result = fetched(plain, imgproxy("g:obj/op:no", PORTRAIT))
    scale, _left, top = window(result, PORTRAIT)
    y = faces_of(PORTRAIT)[0][1]
    assert inside(result, PORTRAIT) == [True]
    assert y * scale - top < 0.1 * result.height


def test_blur_detections_blurs_the_face_only(plain: httpx.Client) -> None:
    path = f"/unsafe/rs:fit:455:0/{{}}/plain/local:///{PORTRAIT}@png"
    sharp = grey(fetched(plain, path.format("q:100")))
    blurred = grey(fetched(plain, path.format("bd:10:face")))
    x, y, w, h = (round(value / 2) for value in faces_of(PORTRAIT)[0])
    face = np.abs(sharp - blurred)[y + h // 4 : y + 3 * h // 4, x + w // 4 : x + 3 * w // 4]
    assert face.mean() > 4
    assert np.abs(sharp - blurred)[round(0.7 * sharp.shape[0]) :].mean() < 0.5


def test_draw_detections_outlines_the_face_in_red(plain: httpx.Client) -> None:
    def red(options: str) -> int:
        image = fetched(plain, f"/unsafe/rs:fit:455:0/{options}/plain/local:///{PORTRAIT}@png")
        rgb = np.asarray(image.numpy(), dtype=np.int32)
        return int(((rgb[..., 0] > 220) & (rgb[..., 1] < 40) & (rgb[..., 2] < 40)).sum())

    _x, _y, w, h = (round(value / 2) for value in faces_of(PORTRAIT)[0])
    assert red("q:100") < 10
    assert red("dd:1") > w + h


def test_crop_objects_cuts_to_both_faces(plain: httpx.Client) -> None:
    result = fetched(plain, f"/unsafe/c_obj:1.2:face/plain/local:///{TWO}@png")
    assert result.width < 1126 and result.height < 661
    assert inside(result, TWO, 1.0) == [True, True]


def test_crop_objects_fills_the_result_with_the_face(plain: httpx.Client) -> None:
    def face_width(options: str) -> float:
        path = f"/unsafe/rs:fill:200:200/{options}/plain/local:///{PORTRAIT}@png"
        result = fetched(plain, path)
        assert (result.width, result.height) == (200, 200)
        (face,) = detect(result)
        return face.width

    assert face_width("g:obj") < 0.4
    assert face_width("co:1.5:face") > 0.55


def test_crop_objects_without_faces_leaves_the_image_whole(plain: httpx.Client) -> None:
    result = fetched(plain, f"/unsafe/co:2:face/plain/local:///{NO_FACE}@png")
    assert (result.width, result.height) == (640, 480)


def test_smart_gravity_keeps_the_face_with_the_setting_on(faces_on: httpx.Client) -> None:
    assert inside(fetched(faces_on, imgproxy("g:sm", PORTRAIT)), PORTRAIT) == [True]


def thumbor_smart(name: str) -> str:
    return f"/thumbor/unsafe/{BANNER[0]}x{BANNER[1]}/smart/filters:format(png)/local:///{name}"


def test_thumbor_smart_keeps_the_face_with_the_setting_on(faces_on: httpx.Client) -> None:
    assert inside(fetched(faces_on, thumbor_smart(PORTRAIT)), PORTRAIT) == [True]


def test_without_the_setting_smart_crops_are_unchanged(
    plain: httpx.Client, faces_on: httpx.Client
) -> None:
    path = imgproxy("g:sm", NO_FACE)
    assert np.array_equal(grey(fetched(faces_on, path)), grey(fetched(plain, path)))
    assert inside(fetched(plain, thumbor_smart(PORTRAIT)), PORTRAIT) == [False]
    assert inside(fetched(plain, imgproxy("g:sm", PORTRAIT)), PORTRAIT) == [False]


def test_no_face_falls_back_to_the_centre_when_told(centre_fallback: httpx.Client) -> None:
    objects = fetched(centre_fallback, imgproxy("g:obj", NO_FACE))
    centre = fetched(centre_fallback, imgproxy("g:ce", NO_FACE))
    assert np.array_equal(grey(objects), grey(centre))


def test_thumbor_meta_reports_the_face_as_a_focal_point(faces_on: httpx.Client) -> None:
    response = faces_on.get(f"/thumbor/unsafe/meta/800x300/smart/local:///{PORTRAIT}")
    assert response.status_code == 200
    (point,) = response.json()["thumbor"]["focal_points"]
    assert point["origin"] == "Face Detection"
    x, y, w, h = faces_of(PORTRAIT)[0]
    assert x < point["x"] < x + w and y < point["y"] < y + h
