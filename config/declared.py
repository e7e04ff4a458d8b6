"""Every environment variable the server reads, declared once: the variable, the `Settings` field
it sets, and its parser with the bounds. Defaults are the fields' own. Where two variables set
one field (aliases), the later row wins."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from config.env import (
    SettingsError,
    read_autoquality_format_max,
    read_autoquality_format_min,
    read_base64,
    read_bind,
    read_bool,
    read_choice,
    read_float,
    read_format_quality,
    read_fraction,
    read_hex_key,
    read_hex_list,
    read_info_presets,
    read_int,
    read_list,
    read_names,
    read_networks,
    read_opacity,
    read_path,
    read_path_prefix,
    read_preferred_formats,
    read_presets,
    read_rate,
    read_raw,
    read_status,
    read_text,
    read_thumbor_prefix,
    read_url_replacements,
)

Parser = Callable[[str, str], object]
"""(variable name, raw value) -> the field's value; raises SettingsError naming the variable."""


def non_blank(raw: str) -> bool:
    return bool(raw.strip())


def present(_raw: str) -> bool:
    return True


def non_empty(raw: str) -> bool:
    return bool(raw)


def integer(minimum: int, maximum: int | None = None) -> Parser:
    return partial(read_int, minimum=minimum, maximum=maximum)


def read_seconds(name: str, raw: str) -> float:
    """A number of seconds, 0 or more."""
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 <= value < math.inf:
        raise SettingsError(f"{name} must be a number of seconds, 0 or more, got {raw!r}")
    return value


def choice(*choices: str) -> Parser:
    return partial(read_choice, choices=choices)


def stripped(parse: Parser) -> Parser:
    return lambda name, raw: parse(name, raw.strip())


@dataclass(frozen=True)
class Declared:
    variable: str
    field: str
    parse: Parser
    read_when: Callable[[str], bool] = non_blank
    """Otherwise the variable is as good as unset and the field keeps its default."""


def _rows(parse: Parser, fields: Mapping[str, str]) -> tuple[Declared, ...]:
    return tuple(Declared(variable, field, parse) for variable, field in fields.items())


DECLARED: tuple[Declared, ...] = (
    Declared("IMGPROXY_BIND", "bind", read_bind),
    Declared("IMGPROXY_PROMETHEUS_BIND", "prometheus_bind", read_bind),
    Declared("IMGPROXY_PROMETHEUS_NAMESPACE", "prometheus_namespace", read_text, present),
    Declared("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir", read_raw, present),
    Declared("IMGPROXY_KEY", "keys", read_hex_list),
    Declared("IMGPROXY_SALT", "salts", read_hex_list),
    Declared("IMGPROXY_ARGUMENTS_SEPARATOR", "arguments_separator", read_raw, non_empty),
    Declared("IMGPROXY_LOCAL_FILESYSTEM_ROOT", "local_filesystem_root", read_path),
    Declared("IMGPROXY_SIGNATURE_SIZE", "signature_size", integer(1, 32)),
    Declared("IMGPROXY_MAX_SRC_FILE_SIZE", "max_src_file_size", integer(0)),
    Declared("IMGPROXY_MAX_DECODE_MEMORY", "max_decode_memory", integer(0)),
    Declared("IMGPROXY_MAX_REDIRECTS", "max_redirects", integer(0)),
    Declared("IMGPROXY_MAX_CHAINED_PIPELINES", "max_chained_pipelines", integer(0)),
    Declared("IMGPROXY_WORKERS", "workers", integer(1)),
    Declared("IMGPROXY_REQUESTS_QUEUE_SIZE", "requests_queue_size", integer(0)),
    Declared("IMGPROXY_CONCURRENT_DOWNLOADS", "concurrent_downloads", integer(0)),
    Declared("IMGPROXY_HTTP_CLIENT", "http_client", choice("httpx", "curl")),
    Declared("IMGPROXY_MALLOC", "malloc", choice("malloc", "jemalloc", "tcmalloc")),
    Declared("IMGPROXY_MAX_DOWNLOADS_PER_HOST", "max_downloads_per_host", integer(0)),
    Declared("IMGPROXY_RATE_LIMIT_BURST", "rate_limit_burst", integer(1)),
    Declared("IMGPROXY_MAX_URL_LENGTH", "max_url_length", integer(64)),
    Declared("IMGPROXY_MAX_HEADER_SIZE", "max_header_size", integer(1024)),
    Declared("IMGPROXY_MAX_CLIENTS", "max_clients", integer(0)),
    Declared("IMGPROXY_PROCESSES", "processes", integer(1, 64)),
    Declared("IMGPROXY_QUALITY", "quality", integer(1, 100)),
    Declared("IMGPROXY_AVIF_SPEED", "avif_speed", integer(0, 9)),
    Declared("IMGPROXY_JPEG_QUANT_TABLE", "jpeg_quant_table", integer(0, 8)),
    Declared("IMGPROXY_PNG_QUANTIZATION_COLORS", "png_quantization_colors", integer(2, 256)),
    Declared("IMGPROXY_WEBP_EFFORT", "webp_effort", integer(1, 6)),
    Declared("IMGPROXY_JXL_EFFORT", "jxl_effort", integer(1, 9)),
    Declared(
        "IMGPROXY_WEBP_COMPRESSION",
        "webp_compression",
        choice("lossy", "near_lossless", "lossless"),
    ),
    Declared(
        "IMGPROXY_WEBP_PRESET",
        "webp_preset",
        choice("default", "photo", "picture", "drawing", "icon", "text"),
    ),
    Declared("IMGPROXY_AVIF_SUBSAMPLE", "avif_subsample", choice("auto", "on", "off")),
    Declared(
        "IMGPROXY_UNSHARP_MASKING_MODE", "unsharp_masking_mode", choice("auto", "none", "always")
    ),
    *_rows(
        integer(0),
        {
            "IMGPROXY_TTL": "ttl",
            "IMGPROXY_CACHE_MEMORY_BYTES": "cache_memory_bytes",
            "IMGPROXY_CACHE_TTL": "cache_ttl",
            "IMGPROXY_CACHE_STALE_GRACE": "cache_stale_grace",
            "IMGPROXY_SOURCES_CACHE_BYTES": "sources_cache_bytes",
            "IMGPROXY_SOURCES_CACHE_TTL": "sources_cache_ttl",
            "IMGPROXY_STALE_WHILE_REVALIDATE": "stale_while_revalidate",
            "IMGPROXY_STALE_IF_ERROR": "stale_if_error",
            "IMGPROXY_NOT_FOUND_TTL": "not_found_ttl",
        },
    ),
    Declared("IMGPROXY_MAX_ANIMATION_FRAMES", "max_animation_frames", integer(1)),
    Declared("IMGPROXY_MAX_RESULT_DIMENSION", "max_result_dimension", integer(0)),
    *_rows(
        read_float,
        {
            "IMGPROXY_MAX_SRC_RESOLUTION": "max_src_resolution",
            "IMGPROXY_DOWNLOAD_TIMEOUT": "download_timeout",
            "IMGPROXY_CONNECT_TIMEOUT": "connect_timeout",
            "IMGPROXY_REDIS_TIMEOUT": "redis_timeout",
            "IMGPROXY_GRACEFUL_STOP_TIMEOUT": "graceful_stop_timeout",
            "IMGPROXY_DRAIN_DELAY": "drain_delay",
            "IMGPROXY_FREE_MEMORY_INTERVAL": "free_memory_interval",
            "IMGPROXY_REDIS_BREAKER_RESET": "redis_breaker_reset",
            "IMGPROXY_TIMEOUT": "timeout",
            "IMGPROXY_READ_TIMEOUT": "read_request_timeout",  # imgproxy's older name
            "IMGPROXY_READ_REQUEST_TIMEOUT": "read_request_timeout",
            "IMGPROXY_MAX_ANIMATION_FRAME_RESOLUTION": "max_animation_frame_resolution",
            "IMGPROXY_BEST_FORMAT_COMPLEXITY_THRESHOLD": "best_format_complexity_threshold",
            "IMGPROXY_BEST_FORMAT_MAX_RESOLUTION": "best_format_max_resolution",
            "IMGPROXY_UNSHARP_MASKING_WEIGHT": "unsharp_masking_weight",
            "IMGPROXY_UNSHARP_MASKING_DIVIDER": "unsharp_masking_divider",
        },
    ),
    *_rows(
        read_bool,
        {
            "IMGPROXY_JPEG_PROGRESSIVE": "jpeg_progressive",
            "IMGPROXY_ENABLE_WEBP_DETECTION": "auto_webp",
            "IMGPROXY_AUTO_WEBP": "auto_webp",
            "IMGPROXY_ENABLE_AVIF_DETECTION": "auto_avif",
            "IMGPROXY_AUTO_AVIF": "auto_avif",
            "IMGPROXY_AUTO_JXL": "auto_jxl",
            "IMGPROXY_AUTO_ROTATE": "auto_rotate",
            "IMGPROXY_STRIP_METADATA": "strip_metadata",
            "IMGPROXY_USE_ETAG": "use_etag",
            "IMGPROXY_KEEP_COPYRIGHT": "keep_copyright",
            "IMGPROXY_STRIP_COLOR_PROFILE": "strip_color_profile",
            "IMGPROXY_PNG_INTERLACED": "png_interlaced",
            "IMGPROXY_JPEG_NO_SUBSAMPLE": "jpeg_no_subsample",
            "IMGPROXY_JPEG_TRELLIS_QUANT": "jpeg_trellis_quant",
            "IMGPROXY_JPEG_OVERSHOOT_DERINGING": "jpeg_overshoot_deringing",
            "IMGPROXY_JPEG_OPTIMIZE_SCANS": "jpeg_optimize_scans",
            "IMGPROXY_PNG_QUANTIZE": "png_quantize",
            "IMGPROXY_WEBP_SMART_SUBSAMPLE": "webp_smart_subsample",
            "IMGPROXY_SMART_CROP_FACE_DETECTION": "smart_crop_face_detection",
            "IMGPROXY_OBJECT_DETECTION_FALLBACK_TO_SMART_CROP": (
                "object_detection_fallback_to_smart_crop"
            ),
            "IMGPROXY_BEST_FORMAT_BY_DEFAULT": "best_format_by_default",
            "IMGPROXY_BEST_FORMAT_ALLOW_SKIPS": "best_format_allow_skips",
            "IMGPROXY_ALLOW_SECURITY_OPTIONS": "allow_security_options",
            "IMGPROXY_ALLOW_BYPASS_CACHE": "allow_bypass_cache",
            "IMGPROXY_FALLBACK_IMAGE_PREPROCESS_URL": "fallback_image_preprocess_url",
            "IMGPROXY_ONLY_PRESETS": "only_presets",
            "IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES": "allow_loopback_sources",
            "IMGPROXY_ALLOW_LINK_LOCAL_SOURCE_ADDRESSES": "allow_link_local_sources",
            "IMGPROXY_ALLOW_PRIVATE_SOURCE_ADDRESSES": "allow_private_sources",
            "IMGPROXY_RATE_LIMIT_ALL": "rate_limit_all",
            "IMGPROXY_USE_S3": "use_s3",
            "IMGPROXY_S3_ENDPOINT_USE_PATH_STYLE": "s3_endpoint_use_path_style",
            "IMGPROXY_PLAYGROUND": "playground",
            "IMGPROXY_PLAYGROUND_FORCE": "playground_force",
            "IMGPROXY_THUMBOR_ALLOW_UNSAFE": "thumbor_allow_unsafe",
            "IMGPROXY_ENABLE_CLIENT_HINTS": "enable_client_hints",
            "IMGPROXY_ENFORCE_WEBP": "enforce_webp",
            "IMGPROXY_ENFORCE_AVIF": "enforce_avif",
            "IMGPROXY_ENFORCE_JXL": "enforce_jxl",
            "IMGPROXY_CACHE_CONTROL_PASSTHROUGH": "cache_control_passthrough",
            "IMGPROXY_USE_LAST_MODIFIED": "use_last_modified",
        },
    ),
    Declared("IMGPROXY_ALLOWED_PROCESSING_OPTIONS", "allowed_processing_options", read_names),
    Declared("IMGPROXY_ALLOWED_INFO_OPTIONS", "allowed_info_options", read_names),
    Declared("IMGPROXY_INFO_ONLY_PRESETS", "info_only_presets", read_bool),
    Declared("IMGPROXY_ENABLE_VIDEO_THUMBNAILS", "enable_video_thumbnails", read_bool),
    Declared("IMGPROXY_VIDEO_THUMBNAIL_SECOND", "video_thumbnail_second", read_seconds),
    Declared("IMGPROXY_VIDEO_THUMBNAIL_KEYFRAMES", "video_thumbnail_keyframes", read_bool),
    Declared(
        "IMGPROXY_VIDEO_THUMBNAIL_TILE_AUTO_KEYFRAMES",
        "video_thumbnail_tile_auto_keyframes",
        read_bool,
    ),
    Declared("IMGPROXY_VIDEO_THUMBNAIL_PROBE_SIZE", "video_thumbnail_probe_size", integer(32)),
    Declared(
        "IMGPROXY_VIDEO_THUMBNAIL_MAX_ANALYZE_DURATION",
        "video_thumbnail_max_analyze_duration",
        integer(0),
    ),
    Declared("IMGPROXY_WATERMARK_DATA", "watermark_data", read_base64),
    Declared("IMGPROXY_WATERMARK_PATH", "watermark_path", stripped(read_path)),
    Declared("IMGPROXY_COLOR_PROFILES_DIR", "color_profiles_dir", stripped(read_path)),
    Declared("IMGPROXY_WATERMARK_OPACITY", "watermark_opacity", read_opacity),
    Declared("IMGPROXY_FORMAT_QUALITY", "format_quality", read_format_quality),
    Declared(
        "IMGPROXY_AUTOQUALITY_METHOD", "autoquality_method", choice("none", "size", "dssim", "ml")
    ),
    Declared("IMGPROXY_AUTOQUALITY_TARGET", "autoquality_target", read_float),
    Declared("IMGPROXY_AUTOQUALITY_MIN", "autoquality_min", integer(1, 100)),
    Declared("IMGPROXY_AUTOQUALITY_MAX", "autoquality_max", integer(1, 100)),
    Declared(
        "IMGPROXY_AUTOQUALITY_FORMAT_MIN", "autoquality_format_min", read_autoquality_format_min
    ),
    Declared(
        "IMGPROXY_AUTOQUALITY_FORMAT_MAX", "autoquality_format_max", read_autoquality_format_max
    ),
    Declared("IMGPROXY_AUTOQUALITY_ALLOWED_ERROR", "autoquality_allowed_error", read_fraction),
    Declared("IMGPROXY_AUTOQUALITY_MAX_RESOLUTION", "autoquality_max_resolution", read_float),
    Declared("IMGPROXY_ALLOWED_SOURCES", "allowed_sources", read_list),
    Declared("IMGPROXY_TRUSTED_PROXIES", "trusted_proxies", read_networks),
    Declared("IMGPROXY_SOURCE_URL_ENCRYPTION_KEY", "source_url_encryption_key", read_hex_key),
    Declared("IMGPROXY_RATE_LIMIT", "rate_limit", read_rate),
    Declared("AWS_REGION", "s3_region", read_text),
    Declared("IMGPROXY_S3_REGION", "s3_region", read_text),
    Declared("IMGPROXY_THUMBOR_KEY", "thumbor_key", read_raw, present),
    Declared("IMGPROXY_THUMBOR_PATH_PREFIX", "thumbor_path_prefix", read_thumbor_prefix, present),
    Declared("IMGPROXY_PATH_PREFIX", "path_prefix", read_path_prefix),
    Declared("IMGPROXY_URL_REPLACEMENTS", "url_replacements", read_url_replacements),
    Declared("IMGPROXY_TRUSTED_SIGNATURES", "trusted_signatures", read_list),
    Declared("IMGPROXY_PREFERRED_FORMATS", "preferred_formats", read_preferred_formats),
    Declared("IMGPROXY_FALLBACK_IMAGE_DATA", "fallback_image_data", read_base64),
    Declared("IMGPROXY_FALLBACK_IMAGE_PATH", "fallback_image_path", stripped(read_path)),
    Declared("IMGPROXY_FALLBACK_IMAGE_HTTP_CODE", "fallback_image_http_code", read_status),
    Declared("IMGPROXY_FALLBACK_IMAGE_TTL", "fallback_image_ttl", stripped(integer(0))),
    Declared(
        "IMGPROXY_CACHE_TAGS_FORMAT",
        "cache_tags_format",
        choice("all", "cloudfront", "cloudflare", "none"),
    ),
    *_rows(
        read_text,
        {
            "IMGPROXY_WATERMARK_URL": "watermark_url",
            "IMGPROXY_SECRET": "secret",
            "IMGPROXY_S3_ENDPOINT": "s3_endpoint",
            "AWS_ACCESS_KEY_ID": "aws_access_key_id",
            "AWS_SECRET_ACCESS_KEY": "aws_secret_access_key",
            "AWS_SESSION_TOKEN": "aws_session_token",
            "IMGPROXY_REDIS_URL": "redis_url",
            "IMGPROXY_ADMIN_TOKEN": "admin_token",
            "IMGPROXY_USER_AGENT": "user_agent",
            "IMGPROXY_BASE_URL": "base_url",
            "IMGPROXY_ALLOW_ORIGIN": "allow_origin",
            "IMGPROXY_FALLBACK_IMAGE_URL": "fallback_image_url",
        },
    ),
)


def read_declared(env: Mapping[str, str]) -> dict[str, object]:
    """The fields the environment sets. Every bad variable is named in one SettingsError."""
    values: dict[str, object] = {}
    problems: list[str] = []
    for declared in DECLARED:
        raw = env.get(declared.variable)
        if raw is None or not declared.read_when(raw):
            continue
        try:
            values[declared.field] = declared.parse(declared.variable, raw)
        except SettingsError as error:
            problems.extend(error.problems)
    try:
        # Presets are parsed with the separator and checked under the security options above.
        values["presets"] = read_presets(
            env,
            str(values.get("arguments_separator", ":")),
            allow_security_options=bool(values.get("allow_security_options", False)),
        )
    except SettingsError as error:
        problems.extend(error.problems)
    try:
        values["info_presets"] = read_info_presets(
            env,
            str(values.get("arguments_separator", ":")),
            allow_security_options=bool(values.get("allow_security_options", False)),
        )
    except SettingsError as error:
        problems.extend(error.problems)
    if problems:
        raise SettingsError(*problems)
    return values
