"""The format comparison in process: the image route's own parts (`imgproxy.building`) over
the test images, real renders, no server."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from config.settings import Settings
from imgproxy.building import Parts, assemble, build_shared
from imgproxy.errors import SourceNotFound
from imgproxy.playground.compare import COMPARED, Comparer, Comparison
from imgproxy.telemetry.metrics import Metrics
from imgproxy.url.options import ImageFormat, ImageRequest, Options

IMAGES = Path(__file__).resolve().parents[2] / "images"
PHOTO = "local:///jpeg-photo-12mp-iphone.jpg"
ALPHA = "local:///png-rgba8-photo.png"


@pytest.fixture
async def parts() -> AsyncIterator[Parts]:
    settings = Settings(local_filesystem_root=IMAGES, workers=1)
    metrics = Metrics(process_metrics=False)
    built = assemble(settings, metrics, build_shared(settings, metrics))
    try:
        yield built
    finally:
        built.shared.pool.shutdown()


def signed(request: ImageRequest) -> str:
    image_format = request.options.format
    return f"{request.source}@{image_format.value if image_format else ''}"


async def comparison(
    parts: Parts, source: str, formats: tuple[ImageFormat, ...] = COMPARED, **options: object
) -> Comparison:
    request = ImageRequest(Options(width=160, **options), source)  # type: ignore[arg-type]
    return await Comparer(parts.reader, parts.renderer).compare(request, signed, formats)


async def test_every_format_with_its_bytes_times_and_dssim(parts: Parts) -> None:
    compared = await comparison(parts, PHOTO)
    answer = compared.as_json()
    cells = answer["cells"]
    assert isinstance(cells, list)
    assert [cell["format"] for cell in cells] == ["jpeg", "webp", "avif", "jxl", "best"]
    for cell, json in zip(compared.cells, cells, strict=True):
        assert json["url"] == f"{PHOTO}@{json['format']}"
        if not json["ok"]:
            assert json["status"] == 422, json
            continue
        assert cell.encoded is not None
        data = base64.b64decode(json["data"].partition(",")[2])
        assert json["bytes"] == len(data) == len(cell.encoded.data)
        assert json["data"].startswith(f"data:{json['media_type']};base64,")
        assert (json["width"], json["height"]) == (160, 120)
        assert 0 < json["encode_ms"] <= json["render_ms"]
        assert 0 < json["dssim"] < 0.5
    formats = [json.get("output") for json in cells]
    assert formats[:3] == ["jpeg", "webp", "avif"]
    reference = answer["reference"]
    assert isinstance(reference, dict)
    assert (reference["format"], reference["output"], reference["dssim"]) == ("png", "png", 0.0)


async def test_the_smallest_is_marked(parts: Parts) -> None:
    compared = await comparison(parts, PHOTO)
    sizes = [cell.size for cell in compared.cells if cell.size is not None]
    assert len(sizes) >= 3
    marked = [cell for cell in compared.cells if cell.smallest]
    assert marked and all(cell.size == min(sizes) for cell in marked)
    assert all(cell.size != min(sizes) for cell in compared.cells if not cell.smallest)


async def test_a_lossless_png_is_its_own_reference(parts: Parts) -> None:
    for source in (PHOTO, ALPHA):
        (png,) = (await comparison(parts, source, (ImageFormat.PNG,))).cells
        assert png.dssim is not None and png.dssim < 1e-6, source


async def test_lower_quality_is_further_from_the_reference(parts: Parts) -> None:
    (low,) = (await comparison(parts, PHOTO, (ImageFormat.JPEG,), quality=10)).cells
    (high,) = (await comparison(parts, PHOTO, (ImageFormat.JPEG,), quality=90)).cells
    assert low.dssim is not None and high.dssim is not None
    assert low.dssim > 2 * high.dssim
    assert low.size is not None and high.size is not None and low.size < high.size


async def test_a_refused_format_is_a_cell_not_a_failure(parts: Parts) -> None:
    compared = await comparison(parts, PHOTO, (ImageFormat.SVG, ImageFormat.JPEG))
    svg, jpeg = compared.as_json()["cells"]  # type: ignore[misc]
    assert svg == {
        "format": "svg",
        "url": f"{PHOTO}@svg",
        "ok": False,
        "status": 422,
        "error": "SVG output needs an SVG source",
    }
    assert jpeg["ok"] and jpeg["smallest"]


async def test_a_missing_source_fails_the_whole_comparison(parts: Parts) -> None:
    with pytest.raises(SourceNotFound):
        await comparison(parts, "local:///no-such-image.jpg")
