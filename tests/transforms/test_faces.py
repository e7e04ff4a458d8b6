"""The face detector against the hand-labelled boxes of the corpus (MANIFEST's `faces` column)."""

from __future__ import annotations

import pytest
import pyvips

from tests.support import CORPUS, manifest
from transforms.faces import Face, FaceCache, detect

Box = tuple[int, int, int, int]
MIN_IOU = 0.3
MIN_RECALL = 0.8
LABELLED = [row for row in manifest() if row["faces"]]
FACELESS = ["jpeg-no-face.jpg"]


def labels(row: dict[str, str]) -> list[Box]:
    boxes = [tuple(int(number) for number in box.split(",")) for box in row["faces"].split(";")]
    assert all(len(box) == 4 for box in boxes)
    return [(box[0], box[1], box[2], box[3]) for box in boxes]


def displayed(name: str) -> pyvips.Image:
    image = pyvips.Image.new_from_file(str(CORPUS / name)).autorot()
    if image.interpretation == "cmyk":
        image = image.colourspace("srgb")
    return image.copy_memory()


def pixels(face: Face, image: pyvips.Image) -> Box:
    return (
        round(face.left * image.width),
        round(face.top * image.height),
        round(face.width * image.width),
        round(face.height * image.height),
    )


def iou(a: Box, b: Box) -> float:
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    common = max(0, width) * max(0, height)
    return common / (a[2] * a[3] + b[2] * b[3] - common)


def matched(labelled: list[Box], found: list[Box]) -> int:
    return sum(any(iou(box, candidate) >= MIN_IOU for candidate in found) for box in labelled)


def test_the_manifest_labels_faces_on_photos_of_every_kind() -> None:
    names = {row["file"] for row in LABELLED}
    assert {
        "jpeg-face-portrait.jpg",
        "jpeg-face-landscape.jpg",
        "jpeg-faces-two-people.jpg",
        "webp-exif-orientation6.webp",
        "jpeg-cmyk-noicc-orientation6.jpg",
    } <= names
    assert sum(len(labels(row)) for row in LABELLED) >= 6


def test_the_detector_finds_most_labelled_faces() -> None:
    total = found = 0
    for row in LABELLED:
        image = displayed(row["file"])
        boxes = [pixels(face, image) for face in detect(image)]
        total += len(labels(row))
        found += matched(labels(row), boxes)
    assert found / total >= MIN_RECALL, f"{found} of {total} labelled faces found"


@pytest.mark.parametrize("name", ["jpeg-face-portrait.jpg", "jpeg-faces-two-people.jpg"])
def test_every_upright_face_is_found_without_extra_boxes(name: str) -> None:
    row = next(row for row in LABELLED if row["file"] == name)
    image = displayed(name)
    boxes = [pixels(face, image) for face in detect(image)]
    assert matched(labels(row), boxes) == len(labels(row)) == len(boxes)


@pytest.mark.parametrize("name", FACELESS)
def test_a_photo_without_faces_has_no_detections(name: str) -> None:
    assert detect(displayed(name)) == ()


def test_boxes_are_relative_with_confidences_between_zero_and_one() -> None:
    faces = detect(displayed("jpeg-faces-two-people.jpg"))
    assert faces
    for face in faces:
        assert 0 <= face.left < face.left + face.width <= 1
        assert 0 <= face.top < face.top + face.height <= 1
        assert 0.5 < face.confidence <= 1


def test_a_tiny_image_has_no_faces() -> None:
    assert detect(pyvips.Image.black(12, 40, bands=3)) == ()


def test_the_cache_remembers_each_key_and_forgets_the_oldest() -> None:
    cache = FaceCache(capacity=2)
    calls: list[str] = []
    face = (Face(0.1, 0.1, 0.2, 0.2, 0.9),)

    def finder(key: str) -> tuple[Face, ...]:
        calls.append(key)
        return face

    for key in ("a", "a", "b", "a", "c", "b", ""):
        assert cache.faces(key, lambda key=key: finder(key)) == face
    assert calls == ["a", "b", "c", "b", ""]
    assert len(cache) == 2
