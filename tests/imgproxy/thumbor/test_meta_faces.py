"""thumbor `/meta` with face detection on: faces as thumbor's focal points, kept in the crop."""

from __future__ import annotations

import io
from typing import Any

import imagecodecs
import numpy as np
import pillow_heif
import pytest
from PIL import Image

from imgproxy.thumbor.grammar import parse_path
from imgproxy.thumbor.mapping import to_request
from imgproxy.thumbor.meta import describe
from tests.support import CORPUS

PORTRAIT = "jpeg-face-portrait.jpg"  # 910x1137, one face at about (350, 100, 290, 300)
NO_FACE = "jpeg-no-face.jpg"


def meta(path: str, name: str, *, faces: bool) -> dict[str, Any]:
    request = to_request(parse_path(f"meta/{path}/{name}"))
    data = (CORPUS / name).read_bytes()
    document = describe(
        data, request.options, name, max_pixels=50_000_000, auto_rotate=True, faces=faces
    )
    thumbor: dict[str, Any] = document["thumbor"]
    return thumbor


def test_faces_are_thumbor_focal_points() -> None:
    (point,) = meta("800x300/smart", PORTRAIT, faces=True)["focal_points"]
    assert set(point) == {"x", "y", "z", "width", "height", "origin"}
    assert point["origin"] == "Face Detection"
    assert 440 < point["x"] < 560 and 180 < point["y"] < 300
    assert point["z"] == point["width"] * point["height"]


def test_the_result_crop_keeps_the_face() -> None:
    operations = meta("800x300/smart", PORTRAIT, faces=True)["operations"]
    crop = operations[-1]
    assert crop["type"] == "crop"
    scale = 800 / 910
    assert crop["top"] <= 100 * scale and crop["bottom"] >= 400 * scale


def test_without_the_setting_or_smart_there_are_no_focal_points() -> None:
    assert "focal_points" not in meta("800x300/smart", PORTRAIT, faces=False)
    assert "focal_points" not in meta("800x300", PORTRAIT, faces=True)
    assert "focal_points" not in meta("800x300/smart", NO_FACE, faces=True)


def portrait_as(kind: str) -> bytes:
    """The portrait re-encoded in a format libvips does not read here."""
    picture = Image.open(CORPUS / PORTRAIT).convert("RGB")
    if kind == "heic":
        buffer = io.BytesIO()
        pillow_heif.from_pillow(picture).save(buffer, format="HEIF", quality=90)
        return buffer.getvalue()
    return bytes(imagecodecs.jpegxl_encode(np.asarray(picture), level=90))


@pytest.mark.parametrize("kind", ["heic", "jxl"])
def test_faces_are_found_in_sources_libvips_does_not_read(kind: str) -> None:
    request = to_request(parse_path(f"meta/800x300/smart/portrait.{kind}"))
    document = describe(
        portrait_as(kind), request.options, "x", max_pixels=50_000_000, auto_rotate=True, faces=True
    )
    (point,) = document["thumbor"]["focal_points"]
    assert 440 < point["x"] < 560 and 180 < point["y"] < 300
