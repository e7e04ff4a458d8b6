"""`python -m bench.detection_cost`: the faces and video rows, measured and reported."""

from __future__ import annotations

import pytest

from bench import detection_cost
from bench.results_file import RESULTS_JSON, RESULTS_MD
from config.settings import Settings
from imgproxy.renderer import defaults_from


def test_the_labelled_face_photos_are_the_ones_measured() -> None:
    names = {photo.name for photo in detection_cost.face_photos()}
    assert {"jpeg-face-portrait.jpg", "jpeg-faces-two-people.jpg"} <= names
    assert "jpeg-baseline-icc.jpg" not in names


def test_a_quick_run_reports_every_row_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = (RESULTS_MD.read_bytes(), RESULTS_JSON.read_bytes())
    markdown = detection_cost.main(["--quick", "--no-write"])
    assert (RESULTS_MD.read_bytes(), RESULTS_JSON.read_bytes()) == before
    assert markdown in capsys.readouterr().out
    rows = {line.split(" | ")[0].lstrip("| ") for line in markdown.splitlines() if "|" in line}
    assert {*detection_cost.FACE_ROWS, *detection_cost.VIDEO_ROWS} <= rows
    for line in markdown.splitlines():
        if line.startswith("| still miss"):
            assert line.endswith("| 1.00 |")
    assert "detection alone (detecting minus cached)" in markdown


def test_the_detecting_side_keeps_no_detection_and_the_cached_side_keeps_one() -> None:
    data = (detection_cost.IMAGES / "jpeg-face-portrait.jpg").read_bytes()
    detecting, cached = detection_cost.detecting_and_cached(defaults_from(Settings()))
    for defaults in (detecting, cached):
        for _ in range(2):
            detection_cost.side(data, detection_cost.FACES, defaults)()
    assert (len(detecting.faces.cache), len(cached.faces.cache)) == (0, 1)
