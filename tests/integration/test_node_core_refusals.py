"""What this proxy refuses of what `@imgproxy/imgproxy-js-core` 1.9.0 writes: one table, with
today's status and message and the reason for each row; and the check that every option the
library declares is served (test_node_core_geometry.py, test_node_core_options.py,
test_node_core_info.py), refused here, or not written by the library at all.

The day the proxy serves a row's option, the row fails: move it to the served cases, with
checks of what the option does. Nothing the library writes is skipped silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.integration.core_options import CoreProxy, b64, core_proxy
from tests.integration.js_core import JsOptions, Kind, Request, declared_options, generate
from tests.integration.test_node_core_geometry import CASES as GEOMETRY_CASES
from tests.integration.test_node_core_info import INFO_CASES
from tests.integration.test_node_core_options import CASES as OTHER_CASES
from tests.support import OriginLog

PHOTO = "jpeg-baseline-icc.jpg"
OBJECTS_AND_VIDEO = "issue 19 (faces and video thumbnails)"
NOT_PLANNED = "not planned by issues 17-19"
FORMATS = "jpeg, png, webp, avif, gif, tiff, heic, bmp, ico, svg, jxl, jpg, tif, heif, best"
GRAVITIES = "ce, no, so, ea, we, noea, nowe, soea, sowe, sm, fp"


@dataclass(frozen=True)
class Refusal:
    option: str
    """The library's name of the option."""
    options: JsOptions
    status: int
    message: str
    """The body, without its newline."""
    why: str
    label: str = ""
    kind: Kind = "image"
    url: dict[str, str] = field(default_factory=lambda: {"type": "plain"})

    @property
    def id(self) -> str:
        return f"{self.option}-{self.label}" if self.label else self.option

    def request(self, origin: str) -> Request:
        source = f"{origin}/files/{PHOTO}"
        value = b64(source) if self.url["type"] == "base64" else source
        return Request(self.id, self.kind, {**self.url, "value": value}, self.options)


REFUSED: tuple[Refusal, ...] = (
    Refusal(
        "blur_detections",
        {"blur_detections": {"sigma": 5, "class_names": ["face", "car"]}},
        400,
        "Expected object class face or all for blur_detections but received 'car'",
        "faces are the one class detected",
    ),
    Refusal(
        "crop_objects",
        {"crop_objects": {"scale_factor": 1.2, "class_names": ["face", "car"]}},
        400,
        "Expected object class face or all for crop_objects but received 'car'",
        "faces are the one class detected; the library writes `c_obj`",
    ),
    Refusal(
        "draw_detections",
        {"draw_detections": {"draw": True, "class_names": ["person"]}},
        400,
        "Expected object class face or all for draw_detections but received 'person'",
        "faces are the one class detected",
    ),
    Refusal(
        "format",
        {"format": "mp4"},
        400,
        f"Expected one of {FORMATS} for format but received 'mp4'",
        f"{NOT_PLANNED}: Pro writes animations as H.264 video",
        "mp4",
    ),
    Refusal(
        "format",
        {"format": "pdf"},
        400,
        f"Expected one of {FORMATS} for format but received 'pdf'",
        f"{NOT_PLANNED}: Pro wraps a JPEG in a one-page PDF",
        "pdf",
    ),
    Refusal(
        "gravity",
        {
            "width": 100,
            "height": 100,
            "resizing_type": "fill",
            "gravity": {"type": "obj", "class_names": ["face", "car"]},
        },
        400,
        "Expected object class face or all for gravity but received 'car'",
        "faces are the one class detected",
        "obj",
    ),
    Refusal(
        "gravity",
        {
            "width": 100,
            "height": 100,
            "resizing_type": "fill",
            "gravity": {"type": "objw", "class_weights": [{"class": "dog", "weight": 2}]},
        },
        400,
        "Expected object class face or all for gravity but received 'dog'",
        "faces are the one class detected",
        "objw",
    ),
    Refusal(
        "url.filename",
        {"width": 100},
        400,
        "Invalid source URL",
        f"{NOT_PLANNED}: IMGPROXY_BASE64_URL_INCLUDES_FILENAME (imgproxy OSS) is not read, so "
        "the file name after a base64 source becomes part of it (here: garbage after `.jpg`, "
        "the same for every 5-digit origin port)",
        url={"type": "base64", "filename": "cat.jpg"},
    ),
    Refusal(
        "classify",
        {"classify": {"top_k": 3, "class_names": ["cat"]}},
        400,
        "Info option classify is not supported: there is no image classification",
        f"{NOT_PLANNED}: there is no image classifier",
        kind="info",
    ),
    Refusal(
        "crop",
        {"crop": {"width": 10, "height": 10, "gravity": {"type": "obj", "class_names": ["face"]}}},
        400,
        f"Expected one of {GRAVITIES} for crop gravity but received 'obj'",
        OBJECTS_AND_VIDEO,
        "obj",
        kind="info",
    ),
)

NOT_WRITTEN: dict[str, JsOptions] = {
    "watermark_rotate": {"watermark_rotate": 90},
}
"""Declared by the library's types, but 1.9.0 has no writer for them: the path carries nothing."""


@pytest.fixture(scope="module")
def proxy(origin: tuple[str, OriginLog]) -> Iterator[CoreProxy]:
    base = origin[0]
    with core_proxy(base, [refusal.request(base) for refusal in REFUSED]) as served:
        yield served


@pytest.mark.parametrize("refusal", REFUSED, ids=[refusal.id for refusal in REFUSED])
def test_refused_as_pinned(proxy: CoreProxy, refusal: Refusal) -> None:
    response = proxy.client.get(proxy.url(refusal.kind, proxy.paths[refusal.id]))
    assert (response.status_code, response.text) == (refusal.status, refusal.message + "\n")


def test_options_declared_but_not_written(origin: tuple[str, OriginLog]) -> None:
    source = {"type": "plain", "value": f"{origin[0]}/files/{PHOTO}"}
    requests = [Request(name, "image", source, options) for name, options in NOT_WRITTEN.items()]
    paths = generate(requests)
    assert paths == {name: f"/plain/{source['value']}" for name in NOT_WRITTEN}


@pytest.mark.parametrize("kind", ["image", "info"])
def test_every_declared_option_is_covered(kind: Kind) -> None:
    declared = declared_options(kind)
    names = {key for keys in declared.values() for key in keys}
    cases = (*GEOMETRY_CASES, *OTHER_CASES) if kind == "image" else INFO_CASES
    served = {case.option for case in cases}
    refusals = {refusal.option for refusal in REFUSED if refusal.kind == kind}
    not_written = set(NOT_WRITTEN) if kind == "image" else set()
    covered = served | refusals | not_written
    assert covered - names <= {"url.filename"}, "names the library does not know"
    missing = sorted(interface for interface, keys in declared.items() if not covered & set(keys))
    assert missing == []


def test_each_row_has_a_name_of_its_own() -> None:
    names = [refusal.id for refusal in REFUSED]
    assert len(set(names)) == len(names)
