"""Cache keys: digests computable before the source is fetched, never including the signature.

A variant key digests the *canonical* options (`imgproxy.url.canonical`, so two spellings of one
request share a key), the source, the *requested* format (a plain value the caller settled:
explicit, or `auto:` plus the Accept class, see `imgproxy.negotiation.negotiated_format`) and a
settings version. Standard library plus `imgproxy.url` only.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import PurePath

import orjson

from imgproxy.url.canonical import canonical_options as canonical_form
from imgproxy.url.options import ImageFormat, Options

KEY_SCHEMA = "1"
"""Bump when the key layout or the stored record changes: every old key then misses."""

OUTPUT_SETTINGS: tuple[str, ...] = (
    "quality",
    "format_quality",
    "avif_speed",
    "jpeg_progressive",
    "png_interlaced",
    "auto_rotate",
    "strip_metadata",
    "keep_copyright",
    "strip_color_profile",
    "max_src_resolution",
    "max_src_file_size",
    "max_animation_frames",
    "max_animation_frame_resolution",
    "max_result_dimension",
    "watermark_data",
    "watermark_path",
    "watermark_url",
    "watermark_opacity",
    "preferred_formats",
)
"""Names of `config.Settings` fields that change a result's bytes (input to `settings_version`)."""
LATER_OUTPUT_SETTINGS: tuple[str, ...] = (
    "jpeg_no_subsample",
    "jpeg_trellis_quant",
    "jpeg_overshoot_deringing",
    "jpeg_optimize_scans",
    "jpeg_quant_table",
    "png_quantize",
    "png_quantization_colors",
    "webp_compression",
    "webp_smart_subsample",
    "webp_effort",
    "webp_preset",
    "avif_subsample",
    "jxl_effort",
    "unsharp_masking_mode",
    "unsharp_masking_weight",
    "unsharp_masking_divider",
    "color_profiles_dir",
    "autoquality_method",
    "autoquality_target",
    "autoquality_min",
    "autoquality_format_min",
    "autoquality_max",
    "autoquality_format_max",
    "autoquality_allowed_error",
    "autoquality_max_resolution",
    "best_format_complexity_threshold",
    "best_format_max_resolution",
    "best_format_by_default",
    "best_format_allow_skips",
    "enable_video_thumbnails",
    "video_thumbnail_second",
    "video_thumbnail_keyframes",
    "video_thumbnail_probe_size",
    "video_thumbnail_max_analyze_duration",
    "video_thumbnail_tile_auto_keyframes",
    "smart_crop_face_detection",
    "object_detection_fallback_to_smart_crop",
)
"""Output settings added after keys were pinned: part of the version only while they differ
from their defaults, so adding one moves no existing key."""
LATER_FORMAT_QUALITY: Mapping[ImageFormat, int] = {ImageFormat.JXL: 77}
"""Default qualities of formats written after keys were pinned: in the version's
`format_quality` only while set to another value."""


def pinned_format_quality(qualities: Mapping[ImageFormat, int]) -> dict[ImageFormat, int]:
    """`format_quality` as the settings version digests it."""
    return {
        image_format: quality
        for image_format, quality in qualities.items()
        if LATER_FORMAT_QUALITY.get(image_format) != quality
    }


def json_payload(parts: Iterable[object]) -> bytes:
    """Compact JSON, non-ASCII as is: the bytes every key digests."""
    return json.dumps(list(parts), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def text_payload(parts: tuple[str, ...]) -> bytes:
    """`json_payload` of strings, written by orjson: the same bytes (a tested property) in a
    fraction of the time, on every request's key."""
    try:
        return orjson.dumps(parts)
    except TypeError:  # a lone surrogate, which orjson refuses
        return json_payload(parts)


def _digest(payload: bytes) -> str:
    digest = hashlib.sha256(payload).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def canonical_options(options: Options) -> str:
    """Every option in one fixed order and spelling: the option registry's canonical form."""
    return canonical_form(options)


def variant_key(options: Options, source: str, requested: str, settings_version: str) -> str:
    """The result cache key of one variant (43 characters, base64url of a SHA-256)."""
    return variant_key_of(canonical_options(options), source, requested, settings_version)


def variant_key_of(canonical: str, source: str, requested: str, settings_version: str) -> str:
    """`variant_key` from options already in canonical form."""
    return _digest(
        text_payload(("variant", KEY_SCHEMA, canonical, source, requested, settings_version))
    )


def info_key(canonical_info: str, source: str, settings_version: str) -> str:
    """The result cache key of one `/info` answer: its own prefix, so it never meets a variant
    key."""
    return _digest(text_payload(("info", KEY_SCHEMA, canonical_info, source, settings_version)))


def source_key(source: str) -> str:
    """The key of one original, shared by all its variants (sources cache, purge index)."""
    return _digest(text_payload(("source", KEY_SCHEMA, source)))


def _plain(value: object) -> object:
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return sorted([str(_plain(k)), _plain(v)] for k, v in value.items())
    if isinstance(value, set | frozenset):
        return sorted(str(_plain(item)) for item in value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def settings_version(settings: Mapping[str, object]) -> str:
    """A short digest of the settings that change output (e.g. `OUTPUT_SETTINGS` values plus
    the libvips version). Changing any of them changes every variant key."""
    items = sorted((str(name), _plain(value)) for name, value in settings.items())
    return _digest(json_payload(("settings", KEY_SCHEMA, items)))[:16]
