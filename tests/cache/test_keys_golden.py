"""Golden cache keys: today's keys, byte for byte, for a table of imgproxy and thumbor requests.

The keys are pinned because they are the names of every stored result in every Redis, so a
refactor that changed even one byte of one would empty all caches on deploy and send the whole
load to the origins at once: a key may only change on purpose, with the file regenerated.

Requests go in as a client sends them (path plus headers) and come out through the functions
the server itself calls; everything that knows those entry points is in the adapter section
below (`RequestReader.read`, `.read_thumbor` and `.thumbor_variant`, `Fallback.answer`,
`build_caches`), so a refactor that moves them updates that section only. libvips' version,
part of the settings version, is fixed here so the keys do not depend on the machine.

Regenerate `golden_keys.json` (only for an intended key change, and say so in review):

    .venv/bin/python -m tests.cache.test_keys_golden
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from unittest import mock
from urllib.parse import unquote

import pytest
import pyvips
from starlette.requests import Request

from cache.keys import canonical_options, source_key
from cache.record import CachedVariant, new_variant
from config.settings import Settings
from imgproxy.building import Parts, Shared, assemble, edge_of
from imgproxy.caching import build_caches
from imgproxy.errors import SourceNotFound
from imgproxy.fallback import Fallback, FallbackImage
from imgproxy.lifecycle import Lifecycle
from imgproxy.negotiation import Negotiation, negotiated_format
from imgproxy.origins import Original, OriginRouter
from imgproxy.responses import raw_path_of
from imgproxy.results import Variant
from imgproxy.security.allowed_sources import AllowedSources
from imgproxy.security.encryption import encode_encrypted
from imgproxy.signing import sign
from imgproxy.telemetry.metrics import Metrics
from imgproxy.thumbor.signing import sign as thumbor_sign
from imgproxy.url.options import ImageFormat
from imgproxy.url.presets import parse_presets
from imgproxy.url.registry import BY_NAME as APPLIERS
from imgproxy.url.registry import PRESET_OPTIONS
from imgproxy.url.source import parse_url_replacements
from tests.cache.redis_procs import RedisProcess, cli
from transforms.executor import ProcessingPool

GOLDEN = Path(__file__).with_name("golden_keys.json")
REGENERATE = ".venv/bin/python -m tests.cache.test_keys_golden"

# ---------------------------------------------------------------------------------------------
# Settings: everything that could depend on the machine or the environment is fixed here.

LIBVIPS_VERSION = (8, 18, 7)
"""Stands for `pyvips.version(0..2)` in the settings version (the image's libvips when pinned)."""
FAR_FUTURE = 4102444800  # 2100-01-01T00:00:00Z: `expires` must not have passed
IMGPROXY_KEY, IMGPROXY_SALT = b"golden-key", b"golden-salt"
ENCRYPTION_KEY = bytes(range(32))
THUMBOR_KEY = "MY_SECURE_KEY"
FALLBACK_BYTES = b"stands for the fallback image: only its digest is in the key"
PRESETS = parse_presets(
    ["thumbnail=rs:fill:100:100", "blurry=bl:5", "watermarked=wm:0.5:soea:10:10"]
)

# `workers` defaults to the CPU count; none of these fields is in the settings version.
BASE: dict[str, object] = {
    "workers": 1,
    "thumbor_allow_unsafe": True,
    "allow_security_options": True,
    "allow_bypass_cache": True,
    "presets": PRESETS,
    "max_src_file_size": 0,  # the default before it became 64 MiB, when these keys were pinned
}
SETTINGS: dict[str, dict[str, object]] = {
    "base": BASE,
    "auto": {**BASE, "auto_webp": True, "auto_avif": True},
    "auto_webp": {**BASE, "auto_webp": True},
    "enforce": {**BASE, "enforce_webp": True, "enforce_avif": True},
    "auto_jxl": {**BASE, "auto_webp": True, "auto_avif": True, "auto_jxl": True},
    "enforce_jxl": {**BASE, "enforce_jxl": True},
    "client_hints": {**BASE, "enable_client_hints": True},
    "default_preset": {
        **BASE,
        "presets": {**PRESETS, **parse_presets(["default=q:70/sm:0"])},
    },
    "only_presets": {**BASE, "only_presets": True},
    "base_url": {**BASE, "base_url": "http://images.example.com/"},
    "replacements": {
        **BASE,
        "url_replacements": parse_url_replacements("legacy://*/=https://${1}.cdn.example.com/"),
    },
    "path_prefix": {**BASE, "path_prefix": "/img"},
    "signed": {
        **BASE,
        "keys": (IMGPROXY_KEY,),
        "salts": (IMGPROXY_SALT,),
        "source_url_encryption_key": ENCRYPTION_KEY,
    },
    "separator": {**BASE, "arguments_separator": ","},
    "thumbor_signed": {**BASE, "thumbor_allow_unsafe": False, "thumbor_key": THUMBOR_KEY},
    # Output settings: each changes the settings version, hence every key.
    "quality70": {**BASE, "quality": 70},
    "output_tuned": {
        **BASE,
        "format_quality": {ImageFormat.AVIF: 50, ImageFormat.WEBP: 70, ImageFormat.JPEG: 75},
        "avif_speed": 5,
        "jpeg_progressive": True,
        "png_interlaced": True,
        "auto_rotate": False,
        "strip_metadata": False,
        "keep_copyright": False,
        "strip_color_profile": False,
        "max_src_resolution": 20.0,
        "max_src_file_size": 10_000_000,
        "max_animation_frames": 5,
        "max_animation_frame_resolution": 2.0,
        "max_result_dimension": 4000,
        "watermark_opacity": 0.5,
        "preferred_formats": (ImageFormat.PNG, ImageFormat.JPEG),
    },
    "encoders_tuned": {
        **BASE,
        "jpeg_no_subsample": True,
        "jpeg_trellis_quant": True,
        "jpeg_overshoot_deringing": True,
        "jpeg_optimize_scans": True,
        "jpeg_quant_table": 3,
        "png_quantize": True,
        "png_quantization_colors": 64,
        "webp_compression": "near_lossless",
        "webp_smart_subsample": True,
        "webp_effort": 6,
        "webp_preset": "photo",
        "avif_subsample": "off",
    },
    "autoquality_tuned": {
        **BASE,
        "autoquality_method": "dssim",
        "autoquality_target": 0.01,
        "autoquality_min": 60,
        "autoquality_format_min": {ImageFormat.AVIF: 50},
        "autoquality_max": 90,
        "autoquality_format_max": {ImageFormat.AVIF: 70},
        "autoquality_allowed_error": 0.001,
        "autoquality_max_resolution": 4.0,
    },
    "best_format_tuned": {
        **BASE,
        "best_format_complexity_threshold": 4.0,
        "best_format_max_resolution": 2.0,
        "best_format_by_default": True,
        "best_format_allow_skips": True,
    },
    "unsharp_tuned": {
        **BASE,
        "unsharp_masking_mode": "always",
        "unsharp_masking_weight": 2.0,
        "unsharp_masking_divider": 12.0,
    },
    "jxl_tuned": {
        **BASE,
        "jxl_effort": 7,
        "format_quality": {ImageFormat.WEBP: 79, ImageFormat.AVIF: 63, ImageFormat.JXL: 60},
    },
    "faces_tuned": {
        **BASE,
        "smart_crop_face_detection": True,
        "object_detection_fallback_to_smart_crop": False,
    },
    "watermark_data": {**BASE, "watermark_data": b"\x89PNG golden watermark bytes"},
    "watermark_url": {**BASE, "watermark_url": "http://example.com/mark.png"},
}
VERSIONED = (
    "base",
    "quality70",
    "output_tuned",
    "encoders_tuned",
    "unsharp_tuned",
    "autoquality_tuned",
    "best_format_tuned",
    "jxl_tuned",
    "faces_tuned",
    "watermark_data",
    "watermark_url",
)
"""Settings whose version is pinned on its own: the base, and each that changes the output
(every other variant shares the base's version; their `same_as` spellings show it)."""

# ---------------------------------------------------------------------------------------------
# The cases: a request as a client sends it, and the spellings that must share its keys.

PHOTO = "http://example.com/photo.jpg"
PHOTO_B64 = "aHR0cDovL2V4YW1wbGUuY29tL3Bob3RvLmpwZw"  # base64url of PHOTO
AVIF_WEBP = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
WEBP = "image/webp,*/*"
JPEG_ONLY = "image/jpeg"
ANY = "*/*"


@dataclass(frozen=True)
class Spelling:
    """Another request that must get exactly the same keys as its case."""

    path: str
    settings: str | None = None
    """None: the case's settings."""
    headers: tuple[tuple[str, str], ...] | None = None
    """None: the case's headers."""


@dataclass(frozen=True)
class Case:
    id: str
    path: str
    """The raw request path (percent-encoding as sent); `/thumbor/...` is a thumbor URL."""
    settings: str = "base"
    headers: tuple[tuple[str, str], ...] = ()
    same_as: tuple[Spelling, ...] = ()
    fallback: bool = False
    """Also pin the key of the fallback image's result for this request."""
    redis: bool = False
    """Also pin the full Redis names this request writes."""


def accept(value: str) -> tuple[tuple[str, str], ...]:
    return (("Accept", value),)


def unsafe(options: str, source: str = f"plain/{PHOTO}") -> str:
    return f"/unsafe/{options}/{source}" if options else f"/unsafe/{source}"


# (full name, representative arguments, aliases): every name in the option table.
OPTION_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("resize", "fill:300:400:1:1:so:10:20", ("rs",)),
    ("size", "300:400:1:1:nowe:5:0.5", ("s",)),
    ("resizing_type", "fill-down", ("rt",)),
    ("resizing_algorithm", "lanczos2", ("ra",)),
    ("width", "300", ("w",)),
    ("height", "400", ("h",)),
    ("min-width", "100", ("mw",)),
    ("min-height", "150", ("mh",)),
    ("zoom", "1.5:2", ("z",)),
    ("dpr", "2", ()),
    ("enlarge", "1", ("el",)),
    ("extend", "1:fp:0.5:0.25", ("ex",)),
    ("extend_aspect_ratio", "true:so:0:10", ("extend_ar", "exar")),
    ("gravity", "soea:10:0.5", ("g",)),
    ("objects_position", "fp:0.3:0.2", ("op", "obj_pos")),
    ("crop", "100:200:nowe:300:400", ("c",)),
    ("crop_aspect_ratio", "1.5:1", ("car", "crop_ar")),
    ("crop_objects", "1.3:face", ("c_obj",)),
    ("trim", "10:FF00FF:1:0", ("t",)),
    ("padding", "10:20", ("pd",)),
    ("auto_rotate", "0", ("ar",)),
    ("rotate", "270", ("rot",)),
    ("flip", "1:0", ("fl",)),
    ("page", "1", ("pg",)),
    ("pages", "3", ("pgs",)),
    ("disable_animation", "1", ("da",)),
    ("background", "255:0:0", ("bg",)),
    ("background_alpha", "0.5", ("bga",)),
    ("blur", "1.5", ("bl",)),
    ("sharpen", "0.5", ("sh",)),
    ("pixelate", "8", ("pix",)),
    ("brightness", "-50", ("br",)),
    ("contrast", "1.5", ("co",)),
    ("adjust", "10:1.2:0.8", ("a",)),
    ("saturation", "0.5", ("sa",)),
    ("monochrome", "0.8:ff0000", ("mc",)),
    ("duotone", "0.8:102030:f0e0d0", ("dt",)),
    ("unsharp_masking", "always:2:12", ("ush",)),
    ("blur_areas", "5:0.1:0.2:0.3:0.4", ("ba",)),
    ("progressive_blur", "6:left:0.2:0.9", ("pbl",)),
    ("colorize", "0.4:ff8800:1", ("col",)),
    ("gradient", "0.7:00ff00:45:0.1:0.8", ("gr",)),
    ("blur_detections", "6:face", ("bd",)),
    ("draw_detections", "1:face", ("dd",)),
    ("watermark", "0.5:re:10:10:0.25", ("wm",)),
    ("watermark_url", "aHR0cDovL2V4YW1wbGUuY29tL3dtLnBuZw", ("wmu",)),
    ("watermark_text", "PGI-wqkgRXhhbXBsZTwvYj4", ("wmt",)),
    ("watermark_size", "100:50", ("wms",)),
    ("watermark_rotate", "45", ("wmr", "wm_rot")),
    ("watermark_shadow", "2.5", ("wmsh",)),
    ("format", "webp", ("f", "ext")),
    ("quality", "85", ("q",)),
    ("format_quality", "jpeg:70:avif:40:webp:60", ("fq",)),
    ("max_bytes", "10000", ("mb",)),
    ("autoquality", "dssim:0.015:60:85:0.001", ("aq",)),
    ("strip_metadata", "0", ("sm",)),
    ("keep_copyright", "0", ("kcr",)),
    ("strip_color_profile", "0", ("scp",)),
    ("preserve_hdr", "1", ("ph",)),
    ("enforce_thumbnail", "1", ("eth",)),
    ("style", "cmVjdCB7IGZpbGw6IHJlZCB9", ("st", "stl")),
    ("dpi", "300", ()),
    ("color_profile", "cmyk", ("cp", "icc")),
    ("jpeg_options", "1:1:1:1:1:3", ("jpgo",)),
    ("png_options", "1:1:16", ("pngo",)),
    ("webp_options", "near_lossless:1:photo", ("webpo",)),
    ("avif_options", "off", ("avifo",)),
    ("skip_processing", "svg:gif", ("skp", "sp")),
    ("raw", "1", ()),
    ("cachebuster", "v2", ("cb",)),
    ("expires", str(FAR_FUTURE), ("exp",)),
    ("filename", "Y3VyaW9zaXR5:1", ("fn",)),
    ("return_attachment", "1", ("att",)),
    ("hashsum", "sha256:" + "0123456789abcdef" * 4, ("hs",)),
    ("fallback_image_url", "aHR0cDovL2V4YW1wbGUuY29tL2ZiLnBuZw", ("fiu",)),
    ("bypass_cache", "1", ("bc",)),
    ("cache_tags", "products:home", ("ct",)),
    ("video_thumbnail_second", "2.5", ("vts",)),
    ("video_thumbnail_keyframes", "1", ("vtk",)),
    ("video_thumbnail_tile", "2:4:3:160:90:1:0:1:0.25", ("vtt",)),
    ("video_thumbnail_animation", "0.5:100:10:160:90", ("vta",)),
    ("max_src_resolution", "25.5", ("msr",)),
    ("max_src_file_size", "10485760", ("msfs",)),
    ("max_animation_frames", "10", ("maf",)),
    ("max_animation_frame_resolution", "2.5", ("mafr",)),
    ("max_result_dimension", "4096", ("mrd",)),
    ("preset", "thumbnail:blurry", ("pr",)),
)

OPTION_CASES = tuple(
    Case(
        f"option/{name}",
        unsafe(f"{name}:{args}"),
        same_as=tuple(Spelling(unsafe(f"{alias}:{args}")) for alias in aliases),
    )
    for name, args, aliases in OPTION_ROWS
)

EVERYTHING = "/".join(
    [
        "rs:fill-down:640:480:1:1:nowe:5:6",
        "ra:lanczos2",
        "mw:100",
        "mh:100",
        "z:1.25",
        "dpr:1.5",
        "exar:1:so",
        "g:fp:0.25:0.75",
        "c:0.5:0.5:sm",
        "t:5::1:1",
        "pd:1:2:3:4",
        "ar:1",
        "rot:90",
        "fl:0:1",
        "pg:2",
        "bg:0a0b0c",
        "bga:0.25",
        "bl:2",
        "sh:0.7",
        "pix:4",
        "br:10",
        "contrast:0.9",
        "sa:1.1",
        "mc:0.3",
        "wm:0.7:noea:5:5:0.2",
        "q:77",
        "fq:webp:50",
        "mb:50000",
        "sm:1",
        "kcr:1",
        "scp:1",
        "ph:1",
        "eth:1",
        "skp:gif",
        "cb:abc",
        "fn:photo_1.jpg",
        "att:1",
        "pr:watermarked",
    ]
)

ENCRYPTED = encode_encrypted(PHOTO, ENCRYPTION_KEY)
SIGNED_REST = f"/rs:fill:300:200/plain/{PHOTO}"
SIGNED_ENC_REST = f"/rs:fill:300:200/{ENCRYPTED}"
THUMBOR_SIGNED_REST = "fit-in/300x200/filters:quality(70)/a.com/i.jpg"
TWIN_PATH = unsafe("rs:fill:300:200:1", "plain/http://a.com/i.jpg")
"""The imgproxy spelling of thumbor's `300x200/a.com/i.jpg` (thumbor fills and enlarges)."""

IMGPROXY_CASES = (
    Case(
        "imgproxy/plain",
        unsafe("rs:fill:300:200"),
        same_as=(
            Spelling(unsafe("rt:fill/w:300/h:200")),
            Spelling(unsafe("rs:fill:300:200/q:0")),
            Spelling(unsafe("resize:fill:300:200")),
            Spelling(unsafe("rs%3Afill%3A300%3A200")),
            Spelling(unsafe("rs:fill:300:200", "plain/http:/example.com/photo.jpg")),
            Spelling(f"/_/rs:fill:300:200/plain/{PHOTO}"),
            Spelling(unsafe("rs:fill:300:200"), headers=accept(AVIF_WEBP)),  # auto off
            Spelling(unsafe("rs:fill:300:200"), headers=(("DPR", "2"),)),  # hints off
        ),
        fallback=True,
        redis=True,
    ),
    Case(
        "imgproxy/base64",
        unsafe("rs:fill:300:200", PHOTO_B64),
        same_as=(
            Spelling(unsafe("rs:fill:300:200", f"{PHOTO_B64[:10]}/{PHOTO_B64[10:]}")),
            Spelling(unsafe("rs:fill:300:200")),
        ),
    ),
    Case("imgproxy/no_options", unsafe("")),
    Case("faces_tuned/smart", unsafe("rs:fill:1200:300/g:sm"), "faces_tuned"),
    Case(
        "imgproxy/gravity_faces",
        unsafe("rs:fill:1200:300/g:obj"),
        same_as=(
            Spelling(unsafe("rs:fill:1200:300/g:obj:face")),
            Spelling(unsafe("rs:fill:1200:300/gravity:objw:face:2")),
        ),
    ),
    Case(
        "imgproxy/plain_extension",
        unsafe("rs:fit:300:200", f"plain/{PHOTO}@png"),
        same_as=(
            Spelling(unsafe("rs:fit:300:200", f"{PHOTO_B64}.png")),
            Spelling(unsafe("rs:fit:300:200/f:png")),
        ),
        fallback=True,
    ),
    Case(
        "imgproxy/extension_jpg",
        unsafe("w:300", f"plain/{PHOTO}@jpg"),
        same_as=(Spelling(unsafe("w:300/f:jpeg")), Spelling(unsafe("w:300/ext:jpg"))),
    ),
    Case("imgproxy/extension_avif", unsafe("w:300", f"plain/{PHOTO}@avif")),
    Case("imgproxy/extension_svg", unsafe("w:300", f"plain/{PHOTO}@svg")),
    Case("imgproxy/raw_extension_ignored", unsafe("raw:1", f"plain/{PHOTO}@png")),
    Case(
        "imgproxy/escaped_query",
        unsafe("w:300", "plain/http://example.com/a%20b.jpg%3Fv=1%26s=2"),
    ),
    Case(
        "imgproxy/unicode_source",
        unsafe("w:300", "plain/http://example.com/%D1%84%D0%BE%D1%82%D0%BE.jpg"),
    ),
    Case("imgproxy/s3_source", unsafe("w:300", "plain/s3://bucket/dir/key.jpg")),
    Case("imgproxy/local_source", unsafe("w:300", "plain/local:///images/a.jpg")),
    Case("imgproxy/many_options", unsafe(EVERYTHING)),
    Case("imgproxy/two_presets_then_override", unsafe("pr:thumbnail:blurry/bl:1/w:120")),
    Case("imgproxy/filename_unicode", unsafe("fn:0YTQvtGC0L4:1")),
    Case("imgproxy/thumbor_twin", TWIN_PATH),
    Case(
        "imgproxy/bypass_cache_shares_the_key",
        unsafe("rs:fill:300:200/bc:1"),
        same_as=(Spelling(unsafe("rs:fill:300:200")), Spelling(unsafe("bc:0/rs:fill:300:200"))),
    ),
    Case(
        "imgproxy/delivery_options_at_defaults",
        unsafe("rs:fill:300:200/hs:none/fiu:/ct:"),
        same_as=(Spelling(unsafe("rs:fill:300:200")),),
    ),
    Case(
        "imgproxy/chained_pipelines",
        unsafe("rs:fit:500:500/-/t:10"),
        same_as=(Spelling(unsafe("resize:fit:500:500/-/trim:10")),),
    ),
    Case(
        "imgproxy/chained_url_wide_options_belong_to_the_url",
        unsafe("w:300/-/q:50/f:webp"),
        same_as=(
            Spelling(unsafe("q:50/w:300/-/f:webp")),
            Spelling(unsafe("w:300/q:50/-", f"plain/{PHOTO}@webp")),
        ),
    ),
    Case(
        "imgproxy/adjust_is_its_three_options",
        unsafe("w:300/a:10:1.2:0.8"),
        same_as=(Spelling(unsafe("w:300/br:10/co:1.2/sa:0.8")),),
    ),
    Case(
        "imgproxy/pro_options_at_defaults",
        unsafe("w:300/pgs:1/da:0/car:0:0/a::"),
        same_as=(Spelling(unsafe("w:300")),),
    ),
    Case(
        "imgproxy/hashsum_any_case",
        unsafe("w:300/hs:MD5:D41D8CD98F00B204E9800998ECF8427E"),
        same_as=(Spelling(unsafe("w:300/hashsum:md5:d41d8cd98f00b204e9800998ecf8427e")),),
    ),
)

ACCEPT_CASES = (
    Case(
        "auto/accept_avif_webp",
        unsafe("w:300"),
        "auto",
        accept(AVIF_WEBP),
        same_as=(Spelling(unsafe("w:300"), headers=accept("image/avif")),),
        fallback=True,
    ),
    Case(
        "auto/accept_webp",
        unsafe("w:300"),
        "auto",
        accept(WEBP),
        same_as=(Spelling(unsafe("w:300"), "auto_webp", accept(AVIF_WEBP)),),
        fallback=True,
    ),
    Case(
        "auto/accept_jpeg_only",
        unsafe("w:300"),
        "auto",
        accept(JPEG_ONLY),
        same_as=(
            Spelling(unsafe("w:300"), headers=accept(ANY)),
            Spelling(unsafe("w:300"), headers=()),
            Spelling(unsafe("w:300"), "auto_webp", accept("image/avif")),
        ),
        fallback=True,
    ),
    Case("auto/accept_any", unsafe("w:300"), "auto", accept(ANY)),
    Case(
        "auto/accept_jxl",
        unsafe("w:300"),
        "auto_jxl",
        accept("image/jxl,image/avif,image/webp,*/*"),
        same_as=(Spelling(unsafe("w:300"), "auto_jxl", accept("image/jxl")),),
    ),
    Case(
        "auto/jxl_detection_without_jxl",
        unsafe("w:300"),
        "auto_jxl",
        accept(AVIF_WEBP),
        same_as=(Spelling(unsafe("w:300"), "auto", accept(AVIF_WEBP)),),
    ),
    Case(
        "enforce/jxl_over_explicit_png",
        unsafe("w:300", f"plain/{PHOTO}@png"),
        "enforce_jxl",
        accept("image/jxl,*/*"),
        same_as=(Spelling(unsafe("w:300/f:png"), "enforce_jxl", accept("image/jxl")),),
    ),
    Case("auto/no_accept", unsafe("w:300"), "auto"),
    Case("auto/explicit_png", unsafe("w:300", f"plain/{PHOTO}@png"), "auto", accept(AVIF_WEBP)),
    Case("auto/explicit_svg", unsafe("w:300/f:svg"), "auto", accept(AVIF_WEBP)),
    Case("auto/base64", unsafe("w:300", PHOTO_B64), "auto", accept(WEBP)),
    Case("auto_webp/accept_avif_webp", unsafe("w:300"), "auto_webp", accept(AVIF_WEBP)),
    Case("auto_webp/accept_jpeg_only", unsafe("w:300"), "auto_webp", accept(JPEG_ONLY)),
    Case(
        "enforce/explicit_jpeg_accept_webp",
        unsafe("w:300", f"plain/{PHOTO}@jpg"),
        "enforce",
        accept(WEBP),
    ),
    Case(
        "enforce/explicit_jpeg_accept_avif_webp",
        unsafe("w:300", f"plain/{PHOTO}@jpg"),
        "enforce",
        accept(AVIF_WEBP),
    ),
    Case(
        "enforce/explicit_jpeg_accept_jpeg",
        unsafe("w:300", f"plain/{PHOTO}@jpg"),
        "enforce",
        accept(JPEG_ONLY),
    ),
    Case("enforce/auto_accept_any", unsafe("w:300"), "enforce", accept(ANY)),
)

HINT_CASES = (
    Case(
        "client_hints/dpr_and_width",
        unsafe("rs:fit"),
        "client_hints",
        (("DPR", "2"), ("Width", "600")),
        same_as=(
            Spelling(unsafe("rs:fit"), headers=(("Sec-CH-DPR", "2"), ("Sec-CH-Width", "600"))),
            Spelling(unsafe("rs:fit/w:300/dpr:2"), headers=()),
        ),
    ),
    Case(
        "client_hints/sec_ch_first",
        unsafe("rs:fit"),
        "client_hints",
        (("Sec-CH-DPR", "1.5"), ("DPR", "3"), ("Sec-CH-Width", "900")),
    ),
    Case(
        "client_hints/url_width_wins",
        unsafe("w:100"),
        "client_hints",
        (("DPR", "2"), ("Width", "600")),
    ),
    Case(
        "client_hints/invalid_ignored",
        unsafe("w:100"),
        "client_hints",
        (("DPR", "abc"), ("Width", "0")),
        same_as=(Spelling(unsafe("w:100"), headers=()),),
    ),
    Case(
        "client_hints/with_accept",
        unsafe("rs:fit"),
        "client_hints",
        (("DPR", "2"), ("Accept", AVIF_WEBP)),
    ),
)

SETTINGS_CASES = (
    Case(
        "default_preset/applied",
        unsafe("w:300"),
        "default_preset",
        same_as=(Spelling(unsafe("q:70/sm:0/w:300"), "base"),),
    ),
    Case(
        "only_presets/two",
        "/unsafe/thumbnail:blurry/plain/" + PHOTO,
        "only_presets",
        same_as=(Spelling(unsafe("pr:thumbnail:blurry"), "base"),),
    ),
    Case("base_url/relative_source", unsafe("w:300", "plain/photos/a.jpg"), "base_url"),
    Case(
        "base_url/absolute_source_kept",
        unsafe("w:300", "plain/http://images.example.com/photos/a.jpg"),
        "base_url",
    ),
    Case("replacements/rule", unsafe("w:300", "plain/legacy://photos/a.jpg"), "replacements"),
    Case(
        "path_prefix/plain",
        f"/img/unsafe/rs:fill:300:200/plain/{PHOTO}",
        "path_prefix",
        same_as=(Spelling(unsafe("rs:fill:300:200"), "base"),),
    ),
    Case(
        "signed/plain",
        f"/{sign(SIGNED_REST, IMGPROXY_KEY, IMGPROXY_SALT)}{SIGNED_REST}",
        "signed",
        same_as=(Spelling(unsafe("rs:fill:300:200"), "base"),),
    ),
    Case(
        "signed/encrypted_source",
        f"/{sign(SIGNED_ENC_REST, IMGPROXY_KEY, IMGPROXY_SALT)}{SIGNED_ENC_REST}",
        "signed",
        same_as=(Spelling(unsafe("rs:fill:300:200"), "base"),),
    ),
    Case(
        "separator/comma",
        f"/unsafe/rs,fill,300,200/plain/{PHOTO}",
        "separator",
        same_as=(Spelling(unsafe("rs:fill:300:200"), "base"),),
    ),
    # A value the ':' grammar cannot write back: the key digests `repr(Options)` instead, so
    # any new `Options` field changes this key (and only keys like it).
    Case("separator/repr_fallback", f"/unsafe/w,300/cb,v:2/plain/{PHOTO}", "separator"),
    Case("quality70/plain", unsafe("rs:fill:300:200"), "quality70"),
    Case("output_tuned/plain", unsafe("rs:fill:300:200"), "output_tuned"),
    Case("watermark_data/with_wm", unsafe("rs:fill:300:200/wm:0.5:soea"), "watermark_data"),
    Case("watermark_url/with_wm", unsafe("rs:fill:300:200/wm:0.5:soea"), "watermark_url"),
)


def thumbor(path: str) -> str:
    return f"/thumbor/unsafe/{path}"


FILTERED = "300x200/filters:{}/a.com/i.jpg"

THUMBOR_CASES = (
    Case(
        "thumbor/resize",
        thumbor("300x200/a.com/i.jpg"),
        same_as=(
            Spelling(TWIN_PATH),  # the imgproxy twin
            Spelling(thumbor("300x200/http://a.com/i.jpg")),
            Spelling(thumbor("300x200/http%3A%2F%2Fa.com%2Fi.jpg")),
            Spelling(thumbor("300x200/center/middle/a.com/i.jpg")),
            Spelling(thumbor("300x200/filters:max_age(60)/a.com/i.jpg")),
        ),
        fallback=True,
        redis=True,
    ),
    Case("thumbor/original_size", thumbor("a.com/i.jpg")),
    Case("thumbor/https_source", thumbor("300x200/https://a.com/dir/i.jpg")),
    Case("thumbor/local_source", thumbor("300x200/local:///images/i.jpg")),
    Case("thumbor/fit_in", thumbor("fit-in/300x200/a.com/i.jpg")),
    Case("thumbor/full_fit_in", thumbor("full-fit-in/300x200/a.com/i.jpg")),
    Case("thumbor/adaptive_fit_in", thumbor("adaptive-fit-in/300x200/a.com/i.jpg")),
    Case("thumbor/adaptive_full_fit_in", thumbor("adaptive-full-fit-in/300x200/a.com/i.jpg")),
    Case("thumbor/flip_both", thumbor("-300x-200/a.com/i.jpg")),
    Case("thumbor/orig_width", thumbor("origx200/a.com/i.jpg")),
    Case("thumbor/proportional_height", thumbor("0x200/a.com/i.jpg")),
    Case("thumbor/manual_crop", thumbor("10x20:310x220/100x100/a.com/i.jpg")),
    Case("thumbor/smart", thumbor("300x200/smart/a.com/i.jpg")),
    Case("thumbor/left_top", thumbor("300x200/left/top/a.com/i.jpg")),
    Case("thumbor/right_bottom", thumbor("300x200/right/bottom/a.com/i.jpg")),
    Case("thumbor/trim", thumbor("trim/300x200/a.com/i.jpg")),
    Case("thumbor/trim_bottom_right_tolerance", thumbor("trim:bottom-right:10/a.com/i.jpg")),
    Case(
        "thumbor/everything",
        thumbor("trim:5/10x10:410x310/fit-in/-200x150/right/top/smart/a.com/i.jpg"),
    ),
    Case("thumbor/quality_format", thumbor(FILTERED.format("quality(70):format(webp)"))),
    Case("thumbor/rgb", thumbor(FILTERED.format("rgb(10,-10,20)"))),
    Case("thumbor/noise", thumbor(FILTERED.format("noise(30)"))),
    Case("thumbor/noise_seeded", thumbor(FILTERED.format("noise(30,7)"))),
    Case("thumbor/round_corner", thumbor(FILTERED.format("round_corner(20|30,255,255,255)"))),
    Case(
        "thumbor/round_corner_transparent",
        thumbor(FILTERED.format("round_corner(20,0,0,0,1)")),
    ),
    Case("thumbor/fill_color", thumbor("fit-in/" + FILTERED.format("fill(red)"))),
    Case("thumbor/fill_transparent", thumbor("fit-in/" + FILTERED.format("fill(transparent)"))),
    Case("thumbor/fill_blur", thumbor("fit-in/" + FILTERED.format("fill(blur)"))),
    Case("thumbor/fill_auto", thumbor("fit-in/" + FILTERED.format("fill(auto,true)"))),
    Case("thumbor/convolution", thumbor(FILTERED.format("convolution(1;2;1;2;4;2;1;2;1,3,true)"))),
    Case(
        "thumbor/curve",
        thumbor(
            FILTERED.format(
                "curve([(0,0),(255,255)],[(0,128),(255,255)],[(0,0),(255,255)],[(0,0),(255,255)])"
            )
        ),
    ),
    Case(
        "thumbor/colorize_equalize",
        thumbor(FILTERED.format("colorize(10,20,30,ff0000):equalize()")),
    ),
    Case(
        "thumbor/tone",
        thumbor(FILTERED.format("brightness(40):contrast(20):saturation(1.5):grayscale()")),
    ),
    Case("thumbor/blur_sharpen", thumbor(FILTERED.format("blur(5,2):sharpen(2,1,true)"))),
    Case("thumbor/rotate", thumbor(FILTERED.format("rotate(90)"))),
    Case(
        "thumbor/strip_and_scale",
        thumbor(FILTERED.format("strip_icc():strip_exif():no_upscale():stretch():proportion(0.5)")),
    ),
    Case(
        "thumbor/upscale_max_bytes",
        thumbor("fit-in/" + FILTERED.format("upscale():max_bytes(5000)")),
    ),
    Case("thumbor/background_color", thumbor(FILTERED.format("background_color(ff0)"))),
    Case("thumbor/focal", thumbor(FILTERED.format("focal(10x20:110x220)"))),
    Case(
        "thumbor/extract_focal",
        thumbor("300x200/filters:extract_focal()/t.example/unsafe/100x150:300x200/a.com/i.jpg"),
    ),
    Case(
        "thumbor/watermark",
        thumbor(FILTERED.format("watermark(a.com/mark.png,10,-10,50,20,none)")),
        redis=True,
    ),
    Case("thumbor/frame", thumbor("fit-in/" + FILTERED.format("frame(a.com/frame.png)"))),
    Case("thumbor/auto_accept_avif", thumbor("300x200/a.com/i.jpg"), "auto", accept(AVIF_WEBP)),
    Case(
        "thumbor/auto_explicit_format",
        thumbor(FILTERED.format("format(png)")),
        "auto",
        accept(AVIF_WEBP),
    ),
    Case(
        "thumbor/signed",
        f"/thumbor/{thumbor_sign(THUMBOR_KEY, THUMBOR_SIGNED_REST)}/{THUMBOR_SIGNED_REST}",
        "thumbor_signed",
        same_as=(Spelling(thumbor(THUMBOR_SIGNED_REST), "base"),),
    ),
    Case("thumbor/meta", thumbor("meta/300x200/a.com/i.jpg")),
    Case(
        "thumbor/unknown_filter_skipped",
        thumbor(FILTERED.format("quality(70)")),
        same_as=(Spelling(thumbor(FILTERED.format("sepia(1):quality(70):MyFilter(a,b)"))),),
    ),
)

CASES: tuple[Case, ...] = (
    *OPTION_CASES,
    *IMGPROXY_CASES,
    *ACCEPT_CASES,
    *HINT_CASES,
    *SETTINGS_CASES,
    *THUMBOR_CASES,
)

# ---------------------------------------------------------------------------------------------
# The adapter: the only code that knows which server functions turn a request into keys.

Record = dict[str, object]


@contextmanager
def fixed_libvips() -> Iterator[None]:
    with mock.patch.object(pyvips, "version", lambda part: LIBVIPS_VERSION[part]):
        yield


@dataclass(frozen=True)
class Server:
    """The parts `imgproxy.building` assembles (no watermark, fallback or listeners started)."""

    settings: Settings
    parts: Parts

    @property
    def settings_version(self) -> str:
        return self.parts.reader.settings_version

    @property
    def negotiation(self) -> Negotiation:
        return self.parts.reader.negotiation

    @property
    def pool(self) -> ProcessingPool:
        return self.parts.shared.pool


def build_service(settings: Settings, origins: OriginRouter | None = None) -> Server:
    shared = Shared(
        ProcessingPool(1),
        AllowedSources(settings.allowed_sources),
        origins or OriginRouter({}),
        build_caches(settings),
    )
    with fixed_libvips():
        return Server(settings, assemble(settings, Metrics(process_metrics=False), shared))


def http_request(path: str, headers: tuple[tuple[str, str], ...]) -> Request:
    """What the ASGI server hands the app: `raw_path` as sent, `path` decoded."""
    return Request(
        {
            "type": "http",
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "server": ("127.0.0.1", 8080),
            "client": ("127.0.0.1", 50000),
            "root_path": "",
            "path": unquote(path),
            "raw_path": path.encode("utf-8"),
            "query_string": b"",
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )


@dataclass(frozen=True)
class Resolved:
    """What one request resolved to: its variant (None for thumbor `meta/`) and the originals
    it reads (the source, then any thumbor assets)."""

    variant: Variant | None
    accept: str
    source: str
    assets: tuple[tuple[str, str], ...] = ()


def resolve(service: Server, path: str, headers: tuple[tuple[str, str], ...]) -> Resolved:
    request = http_request(path, headers)
    accept_header = request.headers.get("accept", "")
    reader = service.parts.reader
    prefix = service.settings.thumbor_path_prefix + "/"
    if service.settings.thumbor_enabled and path.startswith(prefix):
        # `ThumborEndpoint.serve`
        parsed = reader.read_thumbor(raw_path_of(request))
        if parsed.meta:  # `ThumborEndpoint.meta`: only the original, through the sources cache
            return Resolved(None, accept_header, parsed.source)
        variant = reader.thumbor_variant(parsed, accept_header)
        return Resolved(variant, accept_header, parsed.source, parsed.asset_urls)
    # `Endpoints.serve_image`
    variant = reader.read(raw_path_of(request), accept_header, request.headers)
    return Resolved(variant, accept_header, variant.request.source)


class KeyRecorder:
    """Stands for the `VariantCache` of `Fallback`: records the key, answers a fresh hit."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    async def get(self, key: str) -> CachedVariant:
        self.keys.append(key)
        return new_variant(
            b"x",
            media_type="image/png",
            etag="",
            origin_etag=None,
            last_modified=None,
            now=time.time(),
            ttl=3600,
            stale_grace=0,
        )

    async def put(self, key: str, *_args: object) -> None:
        self.keys.append(key)


async def fallback_key(service: Server, variant: Variant) -> str:
    """The key `Fallback.answer` keeps the fallback's rendering under (as `assemble` builds
    it, with the result cache replaced by a recorder)."""
    recorder = KeyRecorder()
    image = FallbackImage(FALLBACK_BYTES, 200, 60)
    fallback = Fallback(
        image,
        service.parts.renderer,
        recorder,  # type: ignore[arg-type]
        settings_version=service.settings_version,
        cache_ttl=service.settings.cache_ttl,
    )
    await fallback.answer(variant, SourceNotFound())
    assert len(set(recorder.keys)) == 1, recorder.keys
    return recorder.keys[0]


async def redis_names(settings: Settings, resolved: Resolved) -> dict[str, str]:
    """The Redis names the tiers built by `build_caches` write for this request."""
    variant = resolved.variant
    assert variant is not None
    caches = build_caches(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    try:
        results, originals = caches.results_l2, caches.sources.tiers.l2
        lock = caches.coalescer.lock
        assert results is not None and originals is not None and lock is not None
        names = {
            "result": results.prefix + variant.key,
            "purge_index": results.index_prefix + variant.source_key,
            "original": originals.prefix + variant.source_key,  # type: ignore[attr-defined]
            "lock": lock.prefix + variant.key,
        }
        for role, url in resolved.assets:
            names[f"{role}_original"] = originals.prefix + source_key(url)  # type: ignore[attr-defined]
        return names
    finally:
        await caches.close()


# ---------------------------------------------------------------------------------------------
# Records: what is pinned per case (keys, plus the parts they digest, for readable diffs).


class Services:
    """One service per settings variant, built on first use."""

    def __init__(self) -> None:
        self.built: dict[str, Server] = {}

    def __getitem__(self, name: str) -> Server:
        if name not in self.built:
            self.built[name] = build_service(Settings(**SETTINGS[name]))  # type: ignore[arg-type]
        return self.built[name]

    def close(self) -> None:
        for service in self.built.values():
            service.pool.shutdown()


def describe(settings: str, path: str, headers: tuple[tuple[str, str], ...]) -> str:
    shown = "".join(f" [{name}: {value}]" for name, value in headers)
    return f"{settings} GET {path}{shown}"


def keys_of(resolved: Resolved) -> Record:
    """The keys alone: what every spelling of one request must share."""
    found: Record = {"source_key": source_key(resolved.source)}
    if resolved.variant is not None:
        found["variant_key"] = resolved.variant.key
        found["source_key"] = resolved.variant.source_key
    if resolved.assets:
        found["asset_source_keys"] = {role: source_key(url) for role, url in resolved.assets}
    return found


async def record_of(case: Case, services: Services) -> Record:
    service = services[case.settings]
    resolved = resolve(service, case.path, case.headers)
    record: Record = {"request": describe(case.settings, case.path, case.headers)}
    record.update(keys_of(resolved))
    record["source"] = resolved.source
    variant = resolved.variant
    if variant is not None:
        options = variant.request.options
        record["canonical"] = canonical_options(options)
        record["requested"] = negotiated_format(
            service.negotiation, options.format, resolved.accept
        )
        if case.fallback:
            record["fallback_key"] = await fallback_key(service, variant)
        if case.redis:
            record["redis"] = await redis_names(service.settings, resolved)
    return record


def settings_record(name: str, services: Services) -> Record:
    return {"request": f"settings {name}", "settings_version": services[name].settings_version}


def case_ids() -> list[str]:
    return [case.id for case in CASES] + [f"settings_version/{name}" for name in VERSIONED]


async def compute(case_id: str, services: Services) -> Record:
    if case_id.startswith("settings_version/"):
        return settings_record(case_id.removeprefix("settings_version/"), services)
    return await record_of(BY_ID[case_id], services)


async def compute_all(services: Services) -> dict[str, Record]:
    return {case_id: await compute(case_id, services) for case_id in case_ids()}


BY_ID = {case.id: case for case in CASES}


def load_golden() -> dict[str, Record]:
    with GOLDEN.open(encoding="utf-8") as handle:
        loaded: dict[str, Record] = json.load(handle)
    return loaded


def write_golden(records: dict[str, Record]) -> None:
    text = json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    GOLDEN.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Tests


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    built = Services()
    yield built
    built.close()


@pytest.fixture(scope="module")
def golden() -> dict[str, Record]:
    return load_golden()


def test_the_table_is_complete_and_matches_the_golden_file(golden: dict[str, Record]) -> None:
    assert len(CASES) >= 80
    assert len(BY_ID) == len(CASES), "case ids must be unique"
    assert list(golden) == case_ids(), f"cases and {GOLDEN.name} differ: run {REGENERATE}"


def test_every_option_name_and_alias_has_a_case() -> None:
    spelled = {name for name, _args, aliases in OPTION_ROWS for name in (name, *aliases)}
    assert spelled == set(APPLIERS) | PRESET_OPTIONS


@pytest.mark.parametrize("case_id", case_ids())
async def test_key_is_pinned(case_id: str, services: Services, golden: dict[str, Record]) -> None:
    computed = await compute(case_id, services)
    assert case_id in golden, f"{case_id} is not in {GOLDEN.name}: run {REGENERATE}"
    assert computed == golden[case_id], (
        f"The cache key of {case_id} changed: every cached copy of it would be lost on deploy. "
        f"If that is intended, run {REGENERATE} and say so in review."
    )


@pytest.mark.parametrize("case", [case for case in CASES if case.same_as], ids=lambda c: c.id)
def test_other_spellings_share_the_keys(case: Case, services: Services) -> None:
    expected = keys_of(resolve(services[case.settings], case.path, case.headers))
    for spelling in case.same_as:
        settings = spelling.settings or case.settings
        headers = case.headers if spelling.headers is None else spelling.headers
        found = keys_of(resolve(services[settings], spelling.path, headers))
        assert found == expected, describe(settings, spelling.path, headers)


def test_the_imgproxy_url_and_its_thumbor_twin_share_a_key(golden: dict[str, Record]) -> None:
    imgproxy, thumbor = golden["imgproxy/thumbor_twin"], golden["thumbor/resize"]
    assert imgproxy["variant_key"] == thumbor["variant_key"]
    assert imgproxy["source_key"] == thumbor["source_key"]
    assert imgproxy["canonical"] == thumbor["canonical"]


# The adapter must compute what the cache really writes: one imgproxy and one thumbor request
# (with an asset) served against a real Redis, whose names must be the pinned ones.


class StubOrigin:
    """Any source is this tiny PNG."""

    def __init__(self) -> None:
        solid = pyvips.Image.black(16, 12).new_from_image([40, 90, 160])
        self.image = bytes(solid.cast("uchar").copy(interpretation="srgb").pngsave_buffer())

    async def fetch(self, source: str, max_bytes: int = 0) -> Original:
        return Original(self.image, "image/png", etag='"stub"')

    async def close(self) -> None:
        return None


def scan(redis: RedisProcess) -> set[str]:
    return set(cli(redis.port, "--scan").split())


async def test_the_pinned_names_are_what_the_cache_writes(
    redis_server: RedisProcess, redis_url: str, golden: dict[str, Record]
) -> None:
    settings = Settings(**BASE, redis_url=redis_url, redis_timeout=2.0)  # type: ignore[arg-type]
    service = build_service(settings, OriginRouter({"http": StubOrigin()}))
    edge = edge_of(settings, service.parts, Lifecycle())
    try:
        written: set[str] = set()
        for case_id, serve in (
            ("imgproxy/plain", edge.endpoints.serve_image),
            ("thumbor/watermark", edge.thumbor.serve),
        ):
            response = await serve(http_request(BY_ID[case_id].path, ()))
            assert response.status_code == 200, case_id
            names = golden[case_id]["redis"]
            assert isinstance(names, dict)
            pinned = {name for kind, name in names.items() if kind != "lock"}  # lock: released
            assert scan(redis_server) - written == pinned, case_id
            written |= pinned
    finally:
        await service.parts.shared.caches.close()
        service.pool.shutdown()


if __name__ == "__main__":
    import asyncio

    built = Services()
    try:
        write_golden(asyncio.run(compute_all(built)))
    finally:
        built.close()
    print(f"wrote {len(case_ids())} cases to {GOLDEN}")
