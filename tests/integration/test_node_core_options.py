"""The colour, filter, watermark, encoding, metadata, delivery and security options
`@imgproxy/imgproxy-js-core` 1.9.0 (imgproxy's official URL builder, which
`@imgproxy/imgproxy-node` wraps) can write, built by that library and served by the proxy,
checked in the pixels or the headers: `test_option_is_served[<the library's option name>]`;
and the options the library lacks, written through its `wild_options`.

The library writes paths (tests/node/generate_core_urls.mjs, one `node` run for the module) and
does not sign them; the test does. test_node_core_geometry.py has the geometry and page options,
test_node_core_info.py the info options, and test_node_core_refusals.py the one table of what
this proxy refuses, with the check that every option the library declares is in one of them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import pyvips

from imgproxy.security.encryption import encrypt_source
from tests.integration import pixels
from tests.integration.core_checks import (
    a_new_cache_entry,
    all_of,
    at_most_bytes,
    avif_chroma_subsampled,
    bypassed,
    encoded_as,
    field_is,
    from_fallback,
    has_field,
    header,
    image,
    jpeg,
    larger_than_baseline,
    like_baseline,
    max_age_at_most,
    png,
    refused,
    resolution,
    sample_format,
    smaller_than_baseline,
    tagged,
    the_baselines_bytes,
    the_source_bytes,
    webp_chunk,
    written_as_jxl,
    written_by_pillow,
)
from tests.integration.core_options import (
    ENCRYPTION_KEY,
    KEY,
    SALT,
    SETTINGS,
    WATERMARK,
    Case,
    CoreProxy,
    b64,
    core_proxy,
    ids,
)
from tests.integration.image_checks import (
    black,
    blurred,
    brighter,
    colours_at,
    drawn_in_green,
    every_other_tile,
    flattened_over,
    frames,
    green_corner,
    green_square_at_the_top_left,
    green_text_at_the_top_left,
    grey,
    half_monochrome,
    half_transparent_red_background,
    more_contrast,
    more_saturated,
    pixelated_by_8,
    red_monochrome,
    shadow_around_the_centred_mark,
    sharpened,
    tiled_at_half_opacity,
    watermarked,
    white,
)
from tests.integration.js_core import Request, generate, signed_url
from tests.support import CORPUS, OriginLog, running_proxy

PHOTO = "jpeg-baseline-icc.jpg"  # 290x442
SMALL = "png-rgb8-pngsuite.png"  # 32x32, opaque
PALETTE_ALPHA = "png-palette-trns.png"  # 32x32; (0, 16) transparent, (14, 2) opaque
TRANSPARENT = "gif-transparent.gif"  # 100x100, mostly transparent
ANIMATED = "webp-animated-loop3.webp"  # 370x285, 10 frames
COPYRIGHTED = "jpeg-grayscale-icc.jpg"  # EXIF Copyright, IPTC
WIDE_GAMUT = "jpeg-icc-nonsrgb.jpg"  # an ICC profile that changes the colours
DEEP = "png-rgb16.png"  # 16 bits per channel
SVG = "svg-basic.svg"  # 736x552
MISSING = "no-such-image.jpg"
PHOTO_MD5 = hashlib.md5((CORPUS / PHOTO).read_bytes()).hexdigest()
EXPIRES_AT = int(time.time()) + 3600

CASES: tuple[Case, ...] = (
    # colour and filters
    Case(
        "background",
        {"background": "ff0000", "format": "png"},
        all_of(png(32, 32), flattened_over(255, 0, 0, tolerance=1)),
        source=PALETTE_ALPHA,
        baseline="f:png",
    ),
    Case(
        "background",
        {"bg": {"r": 0, "g": 255, "b": 0}, "format": "jpg"},
        all_of(jpeg(100, 100), green_corner),
        label="rgb",
        source=TRANSPARENT,
    ),
    Case(
        "background_alpha",
        {"background": "ff0000", "background_alpha": 0.5, "format": "png"},
        half_transparent_red_background,
        source=PALETTE_ALPHA,
        baseline="f:png",
    ),
    Case("blur", {"blur": 2}, all_of(jpeg(290, 442), blurred), baseline=""),
    Case("sharpen", {"sharpen": 1}, sharpened, baseline=""),
    Case(
        "pixelate", {"pixelate": 8, "format": "png"}, pixelated_by_8, source=SMALL, baseline="f:png"
    ),
    Case("brightness", {"brightness": -255, "width": 50, "format": "png"}, black, label="-255"),
    Case("brightness", {"br": 255, "width": 50, "format": "png"}, white, label="255"),
    Case("brightness", {"brightness": 20}, brighter, baseline=""),
    Case(
        "contrast",
        {"contrast": 1.3},
        like_baseline(tolerance=0),
        label="as contrast:1.3",
        baseline="contrast:1.3",
    ),
    Case("contrast", {"co": 2}, more_contrast, baseline=""),
    Case("saturation", {"saturation": 0.001}, grey, label="nearly 0"),
    Case("saturation", {"sa": 2}, more_saturated, baseline=""),
    Case(
        "adjust",
        {"adjust": {"brightness": 10, "contrast": 1.2, "saturation": 0.8}},
        like_baseline(tolerance=0),
        baseline="br:10/contrast:1.2/sa:0.8",
    ),
    Case(
        "adjust",
        {"a": {"contrast": 1.5}},
        like_baseline(tolerance=0),
        label="contrast only",
        baseline="contrast:1.5",
    ),
    Case(
        "monochrome",
        {"monochrome": {"intensity": 1, "color": "ff0000"}, "format": "png"},
        red_monochrome,
    ),
    Case("monochrome", {"mc": {"intensity": 0.5}}, half_monochrome, label="half", baseline=""),
    Case(
        "duotone",
        {"duotone": {"intensity": 1, "color1": "000000", "color2": "ffffff"}, "format": "png"},
        grey,
    ),
    Case(
        "colorize",
        {"colorize": {"opacity": 1, "color": "ff0000"}, "format": "png"},
        colours_at((0, 0, (255, 0, 0)), (145, 221, (255, 0, 0))),
    ),
    Case(
        "gradient",
        {"gradient": {"opacity": 1, "color": "000000", "direction": "up"}, "format": "png"},
        colours_at((10, 0, (0, 0, 0)), (280, 0, (0, 0, 0))),
    ),
    Case(
        "blur_areas",
        {"blur_areas": {"sigma": 10, "areas": [{"left": 0, "top": 0, "width": 1, "height": 1}]}},
        blurred,
        baseline="",
    ),
    Case(
        "progressive_blur",
        {"progressive_blur": {"sigma": 10, "direction": "down", "start": 0, "stop": 0.1}},
        blurred,
        baseline="",
    ),
    Case(
        "unsharp_masking",
        {"unsharp_masking": {"mode": "always", "weight": 2, "divider": 8}},
        sharpened,
        baseline="",
    ),
    Case(
        "watermark",
        {"watermark": {"opacity": 1, "position": "nowe"}, "format": "png"},
        watermarked(0, 0, 32),
        baseline="f:png",
    ),
    Case(
        "watermark",
        {"wm": {"opacity": 1, "position": "soea", "x_offset": 10, "y_offset": 20}, "format": "png"},
        watermarked(290 - 42, 442 - 52, 32),
        label="offsets",
        baseline="f:png",
    ),
    Case(
        "watermark",
        {"watermark": {"opacity": 1, "position": "nowe", "scale": 0.5}, "format": "png"},
        watermarked(0, 0, 145),
        label="scale",
        baseline="f:png",
    ),
    Case(
        "watermark_url",
        lambda origin: {
            "watermark": {"opacity": 1, "position": "nowe"},
            "watermark_url": b64(f"{origin}/files/tiff-multipage.tiff"),
            "format": "png",
        },
        green_square_at_the_top_left,
        baseline="f:png",
    ),
    Case(
        "watermark_text",
        {
            "watermark": {"opacity": 1, "position": "nowe"},
            "watermark_text": b64('<span foreground="#00ff00"><b>imgproxy</b></span>'),
            "format": "png",
        },
        green_text_at_the_top_left,
        baseline="f:png",
    ),
    Case(
        "watermark",
        {"watermark": {"opacity": 1, "position": "ch"}, "format": "png"},
        every_other_tile,
        label="chessboard",
        baseline="f:png",
    ),
    Case(
        "watermark_shadow",
        {"watermark": {"opacity": 1, "position": "ce"}, "watermark_shadow": 3, "format": "png"},
        shadow_around_the_centred_mark,
        baseline="f:png",
    ),
    Case(
        "watermark_size",
        {
            "watermark": {"opacity": 1, "position": "nowe"},
            "watermark_size": {"width": 64, "height": 0},
            "format": "png",
        },
        watermarked(0, 0, 64),
        baseline="f:png",
    ),
    Case(
        "watermark",
        {"watermark": {"opacity": 0.5, "position": "re"}, "format": "png"},
        tiled_at_half_opacity((1, 13), (129, 205), (225, 397)),
        label="tiled",
        baseline="f:png",
    ),
    # encoding and metadata
    Case("dpi", {"dpi": 123, "format": "png"}, all_of(png(290, 442), resolution(123))),
    Case(
        "autoquality",
        {"autoquality": {"method": "size", "target": 8000, "min_quality": 10, "max_quality": 90}},
        all_of(jpeg(290, 442), at_most_bytes(8000)),
    ),
    Case(
        "color_profile",
        {"color_profile": "srgb", "format": "jpg"},
        all_of(jpeg(290, 442), has_field("icc-profile-data", True)),
    ),
    Case(
        "style",
        {"style": b64("* { fill: #00ff00 !important }"), "width": 200, "format": "png"},
        all_of(png(200, 150), drawn_in_green),
        source="svg-basic.svg",
        baseline="w:200/f:png",
    ),
    Case(
        "jpeg_options",
        {"jpeg_options": {"progressive": True, "no_subsample": True}, "format": "jpg"},
        all_of(
            jpeg(290, 442),
            field_is("interlaced", 1),
            field_is("jpeg-chroma-subsample", "4:4:4"),
        ),
    ),
    Case(
        "png_options",
        {
            "png_options": {"interlaced": True, "quantize": True, "quantization_colors": 16},
            "format": "png",
        },
        all_of(
            png(290, 442),
            field_is("interlaced", 1),
            field_is("palette", 1),
            field_is("bits-per-sample", 4),
        ),
    ),
    Case(
        "webp_options",
        {
            "webp_options": {"compression": "lossless", "smart_subsample": True, "preset": "photo"},
            "format": "webp",
        },
        all_of(image("image/webp", 290, 442), webp_chunk(b"VP8L")),
    ),
    Case(
        "avif_options",
        {"avif_options": "off", "format": "avif", "width": 100},
        all_of(image("image/avif", 100, 152), avif_chroma_subsampled(False)),
    ),
    Case("format", {"format": "png"}, all_of(png(290, 442), encoded_as("pngload")), label="png"),
    Case(
        "format",
        {"f": "jpg"},
        all_of(jpeg(32, 32), encoded_as("jpegload")),
        label="jpg",
        source=SMALL,
    ),
    Case(
        "format",
        {"format": "webp"},
        all_of(image("image/webp", 290, 442), encoded_as("webpload")),
        label="webp",
    ),
    Case(
        "format",
        {"format": "bmp", "width": 100},
        written_by_pillow("image/bmp", b"BM", 100, 152),
        label="bmp",
    ),
    Case(
        "format",
        {"format": "ico", "width": 100},
        written_by_pillow("image/x-icon", b"\x00\x00\x01\x00", 100, 152),
        label="ico",
    ),
    Case(
        "format",
        {"format": "jxl", "width": 100},
        written_as_jxl(100, 152),
        label="jxl",
    ),
    Case(
        "format",
        {"format": "best", "width": 100},
        jpeg(100, 152),
        label="best",
    ),
    Case(
        "format",
        {"ext": "avif"},
        all_of(image("image/avif", 290, 442), encoded_as("heifload")),
        label="avif",
    ),
    Case(
        "format",
        {"format": "gif"},
        all_of(image("image/gif", 290, 442), encoded_as("gifload")),
        label="gif",
    ),
    Case(
        "format",
        {"format": "tiff"},
        all_of(image("image/tiff", 290, 442), encoded_as("tiffload")),
        label="tiff",
    ),
    Case(
        "format",
        {"format": "svg"},
        all_of(image("image/svg+xml", 736, 552), encoded_as("svgload")),
        label="svg",
        source=SVG,
    ),
    Case("quality", {"quality": 10}, smaller_than_baseline, baseline=""),
    Case("quality", {"q": 100}, larger_than_baseline, label="100", baseline=""),
    Case(
        "format_quality",
        {"format_quality": [{"format": "jpg", "quality": 10}]},
        smaller_than_baseline,
        baseline="",
    ),
    Case(
        "format_quality",
        {"fq": [{"format": "webp", "quality": 10}, {"format": "avif", "quality": 10}]},
        the_baselines_bytes,
        label="other formats",
        baseline="",
    ),
    Case("max_bytes", {"max_bytes": 6000}, all_of(jpeg(290, 442), at_most_bytes(6000))),
    Case(
        "strip_metadata",
        {"strip_metadata": False},
        has_field("iptc-data", True),
        source=COPYRIGHTED,
    ),
    Case(
        "strip_metadata",
        {"sm": True},
        has_field("iptc-data", False),
        label="on",
        source=COPYRIGHTED,
    ),
    Case(
        "keep_copyright",
        {"keep_copyright": True},
        has_field("exif-ifd0-Copyright", True),
        source=COPYRIGHTED,
    ),
    Case(
        "keep_copyright",
        {"kcr": False},
        has_field("exif-ifd0-Copyright", False),
        label="off",
        source=COPYRIGHTED,
    ),
    Case(
        "strip_color_profile",
        {"strip_color_profile": False, "width": 100},
        has_field("icc-profile-data", True),
        source=WIDE_GAMUT,
    ),
    Case(
        "strip_color_profile",
        {"scp": True, "width": 100},
        has_field("icc-profile-data", False),
        label="on",
        source=WIDE_GAMUT,
    ),
    Case(
        "preserve_hdr",
        {"preserve_hdr": True, "format": "png"},
        sample_format("ushort"),
        source=DEEP,
    ),
    Case(
        "preserve_hdr",
        {"ph": False, "format": "png"},
        sample_format("uchar"),
        label="off",
        source=DEEP,
    ),
    Case("raw", {"raw": True, "width": 10}, the_source_bytes),
    # delivery
    Case("preset", {"preset": ["small"]}, png(40, 61)),
    Case("preset", {"pr": ["small", "square"]}, png(40, 40), label="two"),
    Case(
        "cachebuster",
        {"cachebuster": "v2"},
        all_of(a_new_cache_entry, like_baseline(tolerance=0)),
        baseline="",
    ),
    Case("expires", {"expires": EXPIRES_AT}, max_age_at_most(3600)),
    Case("expires", {"exp": 1000}, refused(410, "Expired URL"), label="past"),
    Case(
        "filename",
        {"filename": {"name": "cat"}},
        header("content-disposition", 'inline; filename="cat.jpg"'),
    ),
    Case(
        "filename",
        {"fn": {"name": b64("dog"), "encoded": True}},
        header("content-disposition", 'inline; filename="dog.jpg"'),
        label="encoded",
    ),
    Case(
        "return_attachment",
        {"return_attachment": True},
        header("content-disposition", f'attachment; filename="{PHOTO}"'),
    ),
    Case(
        "fallback_image_url",
        lambda origin: {"fallback_image_url": b64(f"{origin}/files/{WATERMARK}")},
        from_fallback,
        source=MISSING,
    ),
    Case(
        "fallback_image_url",
        lambda origin: {"fiu": b64(f"{origin}/files/{WATERMARK}")},
        all_of(jpeg(290, 442), header("x-cache", "MISS")),
        label="unused",
    ),
    Case("bypass_cache", {"bypass_cache": True}, bypassed),
    Case("cache_tags", {"cache_tags": ["cats", "dogs"]}, tagged("cats", "dogs")),
    # A still source: the video options change nothing (tests/integration/test_video.py).
    Case(
        "video_thumbnail_second",
        {"video_thumbnail_second": 5},
        the_baselines_bytes,
        baseline="",
    ),
    Case(
        "video_thumbnail_keyframes",
        {"video_thumbnail_keyframes": True},
        the_baselines_bytes,
        baseline="",
    ),
    Case(
        "video_thumbnail_tile",
        {
            "video_thumbnail_tile": {
                "step": 1.5,
                "columns": 2,
                "rows": 3,
                "tile_width": 50,
                "tile_height": 40,
                "extend_tile": True,
                "trim": True,
                "fill": True,
                "focus_x": 0.25,
                "focus_y": 0.75,
            }
        },
        the_baselines_bytes,
        baseline="",
    ),
    Case(
        "video_thumbnail_animation",
        {
            "vta": {
                "step": -1,
                "delay": 100,
                "frames": 4,
                "frame_width": 100,
                "frame_height": 0,
                "trim": True,
            }
        },
        the_baselines_bytes,
        baseline="",
    ),
    # security limits (IMGPROXY_ALLOW_SECURITY_OPTIONS)
    Case(
        "max_src_resolution",
        {"max_src_resolution": 0.12},
        refused(422, "Source image resolution is too big"),
    ),
    Case("max_src_resolution", {"msr": 0.13}, jpeg(290, 442), label="just enough"),
    Case(
        "max_src_file_size",
        {"max_src_file_size": 22950},
        refused(422, "Source image file is too big"),
    ),
    Case("max_src_file_size", {"msfs": 22951}, jpeg(290, 442), label="just enough"),
    Case("max_animation_frames", {"max_animation_frames": 5}, frames(5), source=ANIMATED),
    Case(
        "max_animation_frame_resolution",
        {"max_animation_frames": 10, "max_src_resolution": 0.5, "mafr": 0.11},
        frames(10),
        label="each frame fits",
        source=ANIMATED,
    ),
    Case(
        "max_animation_frame_resolution",
        {"max_animation_frames": 10, "max_animation_frame_resolution": 0.1},
        refused(422, "Source image frame resolution is too big"),
        source=ANIMATED,
    ),
    Case("max_result_dimension", {"max_result_dimension": 100}, jpeg(66, 100)),
    # what the library lacks, written through its raw options
    Case(
        "wild_options",
        {
            "resize": {"resizing_type": "fit", "width": 100, "height": 100},
            "format": "png",
            "wild_options": [["-"], ["rot", 90]],
        },
        all_of(png(100, 66), like_baseline(pyvips.Image.rot90, tolerance=0)),
        label="chained pipeline",
        baseline="rs:fit:100:100/f:png",
    ),
    Case(
        "wild_options",
        {"width": 100, "wild_options": [["skp", "jpg"]]},
        the_source_bytes,
        label="skp",
    ),
    # the library writes `sp`, which imgproxy's docs do not know; read here as `skp`
    Case("skip_processing", {"width": 100, "skip_processing": ["jpg"]}, the_source_bytes),
    Case(
        "wild_options",
        {"width": 100, "wild_options": [["hs", "md5", PHOTO_MD5]]},
        jpeg(100, 152),
        label="hashsum",
    ),
    Case(
        "wild_options",
        {"width": 100, "wild_options": [["hs", "md5", "0" * 32]]},
        refused(422, "Source image hashsum mismatch"),
        label="hashsum mismatch",
    ),
)


URL_FORMS: dict[str, Callable[[str], str]] = {
    "base64": b64,
    "encrypted": lambda source: encrypt_source(source, ENCRYPTION_KEY),
}
"""How the library's `url.type` values carry the source; the caller encodes it."""


def url_form_request(origin: str, url_type: str) -> Request:
    value = URL_FORMS[url_type](f"{origin}/files/{PHOTO}")
    return Request(f"url.type {url_type}", "image", {"type": url_type, "value": value}, {"w": 100})


@pytest.fixture(scope="module")
def proxy(origin: tuple[str, OriginLog]) -> Iterator[CoreProxy]:
    base = origin[0]
    requests = [case.request(base) for case in CASES]
    requests += [url_form_request(base, url_type) for url_type in URL_FORMS]
    with core_proxy(base, requests) as served:
        yield served


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_option_is_served(proxy: CoreProxy, case: Case) -> None:
    case.check(proxy.serve(case))


def size_of(response: httpx.Response) -> tuple[int, int]:
    assert response.status_code == 200, response.text
    image = pixels.decode(response.content)
    return image.width, image.height


@pytest.mark.parametrize("url_type", list(URL_FORMS))
def test_source_url_forms(proxy: CoreProxy, url_type: str) -> None:
    response = proxy.client.get(proxy.url("image", proxy.paths[f"url.type {url_type}"]))
    assert (size_of(response), response.headers["content-type"]) == ((100, 152), "image/jpeg")


def test_presets_only_mode(origin: tuple[str, OriginLog]) -> None:
    """The library's `onlyPresets` setting writes preset names alone, as
    `IMGPROXY_ONLY_PRESETS` (and, from it, `IMGPROXY_INFO_ONLY_PRESETS`) expect."""
    source = {"type": "plain", "value": f"{origin[0]}/files/{PHOTO}"}
    only = {"onlyPresets": True}
    image_request = Request("image", "image", source, {"preset": ["small", "square"]}, only)
    info_request = Request("info", "info", source, {"preset": ["colours"]}, only)
    paths = generate([image_request, info_request])
    assert paths["image"] == f"/small:square/plain/{source['value']}"
    with (
        running_proxy({**SETTINGS, "IMGPROXY_ONLY_PRESETS": "true"}) as base,
        httpx.Client(timeout=30) as client,
    ):
        served = client.get(signed_url(base, "image", paths["image"], KEY, SALT))
        assert (size_of(served), served.headers["content-type"]) == ((40, 40), "image/png")
        info = client.get(signed_url(base, "info", paths["info"], KEY, SALT))
        assert info.status_code == 200, info.text
        assert {"average", "palette"} <= set(info.json())
