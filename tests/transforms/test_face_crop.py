"""Placing a crop window over detected faces, and what names a source's detections."""

from __future__ import annotations

from imgproxy.url.options import Crop, Gravity, GravityType, Options
from transforms.face_crop import window_over_faces
from transforms.faces import Face, FaceDefaults, faces_key

OBJECTS = Gravity(GravityType.OBJECTS)


def face(left: float, top: float, width: float, height: float) -> Face:
    return Face(left, top, width, height, 0.9)


def test_faces_that_fit_are_centred() -> None:
    assert window_over_faces((1000, 1000), (400, 200), [face(0.1, 0.1, 0.1, 0.1)]) == (0, 50)
    assert window_over_faces((1000, 1000), (400, 200), [face(0.5, 0.5, 0.1, 0.1)]) == (350, 450)


def test_the_window_stays_inside_the_image() -> None:
    assert window_over_faces((1000, 500), (400, 200), [face(0.9, 0.9, 0.1, 0.1)]) == (600, 300)


def test_two_faces_that_fit_together_are_both_kept() -> None:
    faces = [face(0.1, 0.2, 0.1, 0.1), face(0.4, 0.25, 0.1, 0.1)]
    left, top = window_over_faces((1000, 1000), (500, 200), faces)
    assert left <= 100 and left + 500 >= 500
    assert top <= 200 and top + 200 >= 350


def test_when_faces_cannot_all_fit_the_most_face_area_is_kept() -> None:
    faces = [face(0.0, 0.0, 0.1, 0.1), face(0.7, 0.7, 0.3, 0.3)]
    assert window_over_faces((1000, 1000), (300, 300), faces) == (700, 700)


def test_a_key_is_made_only_when_a_crop_looks_for_faces() -> None:
    data = b"source bytes"
    off, on = FaceDefaults(), FaceDefaults(smart_crop=True)
    smart = Options(gravity=Gravity(GravityType.SMART))
    assert faces_key(data, Options(), None, on) == ""
    assert faces_key(data, smart, None, off) == ""
    assert faces_key(data, smart, None, on) != ""
    assert faces_key(data, Options(gravity=OBJECTS), None, off) != ""
    assert faces_key(data, Options(crop=Crop(100, 100, OBJECTS)), None, off) != ""


def test_the_key_follows_the_source_and_the_shape_not_the_size() -> None:
    defaults = FaceDefaults()
    base = Options(gravity=OBJECTS, width=300, height=100)
    key = faces_key(b"a", base, None, defaults)
    assert faces_key(b"a", Options(gravity=OBJECTS, width=900, height=50), None, defaults) == key
    assert faces_key(b"b", base, None, defaults) != key
    assert faces_key(b"a", Options(gravity=OBJECTS, rotate=90), None, defaults) != key
    assert faces_key(b"a", base, "turned", defaults) != key
