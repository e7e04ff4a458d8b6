"""The option registry: a row for every `Options` field, and every row reads back what it writes.

A field added without a row, or a row added without an example here, fails.
"""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from cache.keys import canonical_options
from imgproxy.errors import InvalidOption
from imgproxy.url.generator import generate_options
from imgproxy.url.options import Asset, Options, SecurityLimits, SourceFit
from imgproxy.url.parser import PathParser
from imgproxy.url.pixel_filters import PixelFilter
from imgproxy.url.registry import BY_NAME, ROWS, THUMBOR_ROWS, OptionRow

NOW = 1_700_000_000
PARSER = PathParser(allow_security_options=True, allow_bypass_cache=True, clock=lambda: NOW)
SOURCE = "plain/http://example.com/a.jpg"

# Arguments (as written after `name:`) that set each readable row to something not default.
EXAMPLES: dict[str, str] = {
    "resize": "fill:300:200:1:1:so",
    "size": "300:200:1",
    "resizing_type": "fill-down",
    "resizing_algorithm": "nearest",
    "width": "300",
    "height": "200",
    "min-width": "10",
    "min-height": "20",
    "zoom": "1.5:2",
    "dpr": "2.5",
    "enlarge": "1",
    "extend": "1:so:5",
    "extend_aspect_ratio": "1:fp:0.5:0.25",
    "gravity": "noea:10:0.5",
    "crop": "100:0.5:sm",
    "crop_aspect_ratio": "1.5:1",
    "trim": "10:ff00ff:1:0",
    "padding": "1:2:3:4",
    "auto_rotate": "0",
    "rotate": "270",
    "flip": "1:0",
    "page": "3",
    "pages": "2",
    "disable_animation": "1",
    "background": "10:20:30",
    "background_alpha": "0.5",
    "blur": "2.5",
    "sharpen": "0.7",
    "pixelate": "4",
    "brightness": "-20",
    "contrast": "0.9",
    "co": "1.3",
    "adjust": "10:1.2:0.8",
    "saturation": "1.1",
    "monochrome": "0.3:aabbcc",
    "duotone": "0.5:ff0000:00ff00",
    "unsharp_masking": "auto::30",
    "objects_position": "fp:0.25:0.75",
    "crop_objects": "1.5:face",
    "blur_detections": "8:face",
    "draw_detections": "1",
    "blur_areas": "4:0:0:0.5:0.5:0.5:0.5:0.25:0.25",
    "progressive_blur": "7:up:0.1",
    "colorize": "0.3:abc",
    "gradient": "0.6:123456:right:0:0.5",
    "watermark": "0.5:re:10:-5:0.2",
    "watermark_url": "aHR0cDovL2V4YW1wbGUuY29tL3dtLnBuZw",
    "watermark_text": "PGI-wqkgRXhhbXBsZTwvYj4",
    "watermark_size": "100:50",
    "watermark_rotate": "45",
    "watermark_shadow": "2.5",
    "format": "webp",
    "quality": "77",
    "format_quality": "webp:50:avif:40",
    "max_bytes": "50000",
    "autoquality": "size:20000::90",
    "strip_metadata": "1",
    "keep_copyright": "0",
    "strip_color_profile": "1",
    "preserve_hdr": "1",
    "enforce_thumbnail": "1",
    "style": "cmVjdCB7IGZpbGw6IHJlZCB9",
    "color_profile": "my%20profile",
    "dpi": "300",
    "jpeg_options": "1::1::0:5",
    "png_options": "0:1:4",
    "webp_options": "near_lossless::icon",
    "avif_options": "off",
    "skip_processing": "gif:svg",
    "raw": "1",
    "cachebuster": "v2",
    "expires": str(NOW + 60),
    "filename": "cGhvdG8gMS5qcGc:1",
    "return_attachment": "1",
    "hashsum": "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "fallback_image_url": "aHR0cDovL2V4YW1wbGUuY29tL2ZiLnBuZw",
    "bypass_cache": "1",
    "cache_tags": "products:home",
    "video_thumbnail_second": "2.5",
    "video_thumbnail_keyframes": "1",
    "video_thumbnail_tile": "1.5:4:3:160:90:1:1:1:0.25:0.75",
    "video_thumbnail_animation": "-1:100:10:160:0::1",
    "max_src_resolution": "20.5",
    "max_src_file_size": "1000000",
    "max_animation_frames": "5",
    "max_animation_frame_resolution": "0.5",
    "max_result_dimension": "4000",
}
THUMBOR_EXAMPLES: dict[str, object] = {
    "source_fit": SourceFit(cover=True, focal=(1, 2, 3, 4)),
    "pixel_filters": (PixelFilter("noise", (10.0, 7.0)), PixelFilter("frame", ("http://a/f",))),
    "turn": 3,
    "assets": (Asset("frame", "http://a/f"),),
}
READABLE = [row for row in ROWS if row.in_path]


def test_every_field_of_options_has_a_row_in_the_record_order() -> None:
    top = list(dict.fromkeys(item.path.split(".")[0] for row in ROWS for item in row.fields))
    assert top == [field.name for field in fields(Options) if field.name != "chained"]
    nested = [item.path for row in ROWS for item in row.fields if "." in item.path]
    assert nested == [f"limits.{field.name}" for field in fields(SecurityLimits)]


def test_every_row_has_an_example() -> None:
    assert set(EXAMPLES) == {row.name for row in READABLE}
    assert set(THUMBOR_EXAMPLES) == {row.name for row in THUMBOR_ROWS}
    assert len(READABLE) + len(THUMBOR_ROWS) == len(ROWS)


@pytest.mark.parametrize("row", READABLE, ids=lambda row: row.name)
def test_read_generate_read(row: OptionRow) -> None:
    assert row.read is not None
    options = row.read(Options(), EXAMPLES[row.name].split(":"))
    assert options != Options()
    segments = generate_options(options)
    if row.fields:
        assert f"{row.short}:{':'.join(row.write(options))}" in segments
    path = "/".join([*segments, SOURCE])
    assert PARSER.parse(path).options == options


@pytest.mark.parametrize("row", THUMBOR_ROWS, ids=lambda row: row.name)
def test_a_thumbor_only_row_has_a_canonical_form_and_no_imgproxy_name(row: OptionRow) -> None:
    options = replace(Options(), **{row.name: THUMBOR_EXAMPLES[row.name]})
    (literal,) = row.literals(options)
    assert "|thumbor:" in canonical_options(options)
    assert literal in canonical_options(options)
    assert canonical_options(options) != canonical_options(Options())
    assert row.name not in BY_NAME
    with pytest.raises(InvalidOption, match=f"^Unknown option: {row.name}$"):
        PARSER.parse(f"{row.name}:1/{SOURCE}")


def test_every_name_finds_its_row() -> None:
    for row in READABLE:
        assert all(BY_NAME[name] is row for name in row.names)
    assert BY_NAME["exar"].short == "exar"
    assert BY_NAME["ext"].short == "f"
