"""Reading IMGPROXY_* values: one small parser per kind of value, each naming the variable
in its error."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
from collections.abc import Mapping
from pathlib import Path

from imgproxy.errors import ProxyError
from imgproxy.security.encryption import check_key
from imgproxy.url.options import FORMAT_NAMES, ImageFormat
from imgproxy.url.parser import PathParser
from imgproxy.url.presets import Preset, PresetError, parse_presets
from imgproxy.url.source import parse_url_replacements
from transforms.formats import WRITABLE

DEFAULT_FORMAT_QUALITY = {ImageFormat.WEBP: 79, ImageFormat.AVIF: 63}


class SettingsError(ValueError):
    """A setting has a value the server cannot start with."""


def read_hex_list(name: str, raw: str) -> tuple[bytes, ...]:
    try:
        return tuple(bytes.fromhex(part.strip()) for part in raw.split(",") if part.strip())
    except ValueError as error:
        raise SettingsError(f"{name} must be comma-separated hex strings") from error


def read_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "t", "true", "yes", "on"}:
        return True
    if lowered in {"0", "f", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be a boolean, got {raw!r}")


def read_int(name: str, raw: str, minimum: int = 0, maximum: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from error
    if maximum is not None and not minimum <= value <= maximum:
        raise SettingsError(f"{name} must be {minimum}..{maximum}, got {value}")
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def read_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from error
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(f"{name} must be a positive number, got {raw!r}")
    return value


def read_bind(raw: str) -> str:
    """`host:port`, `:port` or `[v6]:port`, with a port 1..65535."""
    host, colon, port = raw.rpartition(":")
    valid_host = not host.startswith("[") or (host.endswith("]") and len(host) > 2)
    if not colon or not port.isdigit() or not 1 <= int(port) <= 65535 or not valid_host:
        raise SettingsError(f"IMGPROXY_BIND must be host:port, :port or [ipv6]:port, got {raw!r}")
    return raw


def read_s3(env: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    region = env.get("IMGPROXY_S3_REGION", "").strip() or env.get("AWS_REGION", "").strip()
    if region:
        values["s3_region"] = region
    if env.get("IMGPROXY_S3_ENDPOINT", "").strip():
        values["s3_endpoint"] = env["IMGPROXY_S3_ENDPOINT"].strip()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        if env.get(name, "").strip():
            values[name.lower()] = env[name].strip()
    return values


def read_list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def read_source_security(env: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {
        "allowed_sources": read_list(env.get("IMGPROXY_ALLOWED_SOURCES", "")),
        "secret": env.get("IMGPROXY_SECRET", "").strip(),
        "trusted_proxies": read_list(env.get("IMGPROXY_TRUSTED_PROXIES", "")),
    }
    for proxy in values["trusted_proxies"]:  # type: ignore[attr-defined]
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError as error:
            raise SettingsError(f"IMGPROXY_TRUSTED_PROXIES has a bad network: {proxy!r}") from error
    key = env.get("IMGPROXY_SOURCE_URL_ENCRYPTION_KEY", "").strip()
    if key:
        try:
            values["source_url_encryption_key"] = bytes.fromhex(key)
            check_key(values["source_url_encryption_key"])  # type: ignore[arg-type]
        except ValueError as error:
            raise SettingsError(
                "IMGPROXY_SOURCE_URL_ENCRYPTION_KEY must be 16, 24 or 32 bytes of hex"
            ) from error
    rate = env.get("IMGPROXY_RATE_LIMIT", "").strip()
    if rate:
        try:
            values["rate_limit"] = float(rate)
        except ValueError:
            values["rate_limit"] = math.nan
        if not 0 <= values["rate_limit"] < math.inf:  # type: ignore[operator]
            raise SettingsError(f"IMGPROXY_RATE_LIMIT must be a number >= 0, got {rate!r}")
    return values


def read_watermark(env: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    data = env.get("IMGPROXY_WATERMARK_DATA", "").strip()
    if data:
        try:
            values["watermark_data"] = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as error:
            raise SettingsError("IMGPROXY_WATERMARK_DATA must be base64") from error
    if env.get("IMGPROXY_WATERMARK_PATH", "").strip():
        values["watermark_path"] = Path(env["IMGPROXY_WATERMARK_PATH"].strip())
    values["watermark_url"] = env.get("IMGPROXY_WATERMARK_URL", "").strip()
    opacity = env.get("IMGPROXY_WATERMARK_OPACITY", "").strip()
    if opacity:
        values["watermark_opacity"] = read_float("IMGPROXY_WATERMARK_OPACITY", opacity)
        if values["watermark_opacity"] > 1:  # type: ignore[operator]
            raise SettingsError(f"IMGPROXY_WATERMARK_OPACITY must be 0..1, got {opacity!r}")
    return values


def read_format_quality(raw: str) -> dict[ImageFormat, int]:
    """`webp=79,avif=63`: quality per output format over IMGPROXY_QUALITY, merged over the
    defaults as imgproxy does."""
    qualities: dict[ImageFormat, int] = dict(DEFAULT_FORMAT_QUALITY)
    for pair in filter(None, (part.strip() for part in raw.split(","))):
        name, _, value = pair.partition("=")
        image_format = FORMAT_NAMES.get(name.strip().lower())
        if image_format is None:
            raise SettingsError(f"IMGPROXY_FORMAT_QUALITY names an unknown format: {name!r}")
        qualities[image_format] = read_int("IMGPROXY_FORMAT_QUALITY", value.strip(), 1, 100)
    return qualities


def read_presets(env: Mapping[str, str], separator: str) -> Mapping[str, Preset]:
    """Presets from IMGPROXY_PRESETS and IMGPROXY_PRESETS_PATH, each applied once to check it."""
    try:
        presets = parse_presets(read_preset_lines(env), separator)
        allow_security = read_bool(
            "IMGPROXY_ALLOW_SECURITY_OPTIONS", env.get("IMGPROXY_ALLOW_SECURITY_OPTIONS", "")
        )
        PathParser(separator, presets, allow_security_options=allow_security).validate_presets()
    except PresetError as error:
        raise SettingsError(str(error)) from error
    except ProxyError as error:
        raise SettingsError(f"Invalid preset: {error.message}") from error
    return presets


def read_preset_lines(env: Mapping[str, str]) -> list[str]:
    lines = [part for part in env.get("IMGPROXY_PRESETS", "").split(",") if part.strip()]
    path = env.get("IMGPROXY_PRESETS_PATH", "").strip()
    if path:
        try:
            lines.extend(Path(path).read_text(encoding="utf-8").splitlines())
        except OSError as error:
            raise SettingsError(f"IMGPROXY_PRESETS_PATH cannot be read: {error}") from error
    return lines


def read_preferred_formats(raw: str) -> tuple[ImageFormat, ...]:
    formats = []
    for name in filter(None, (part.strip().lower() for part in raw.split(","))):
        image_format = FORMAT_NAMES.get(name)
        if image_format is None or image_format not in WRITABLE:
            raise SettingsError(
                f"IMGPROXY_PREFERRED_FORMATS: expected formats this server writes "
                f"({', '.join(sorted(f.value for f in WRITABLE))}) but received {name!r}"
            )
        formats.append(image_format)
    if not formats:
        raise SettingsError("IMGPROXY_PREFERRED_FORMATS names no format")
    return tuple(dict.fromkeys(formats))


def read_fallback(env: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    data = env.get("IMGPROXY_FALLBACK_IMAGE_DATA", "").strip()
    if data:
        try:
            values["fallback_image_data"] = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as error:
            raise SettingsError("IMGPROXY_FALLBACK_IMAGE_DATA must be base64") from error
    if env.get("IMGPROXY_FALLBACK_IMAGE_PATH", "").strip():
        values["fallback_image_path"] = Path(env["IMGPROXY_FALLBACK_IMAGE_PATH"].strip())
    values["fallback_image_url"] = env.get("IMGPROXY_FALLBACK_IMAGE_URL", "").strip()
    code = env.get("IMGPROXY_FALLBACK_IMAGE_HTTP_CODE", "").strip()
    if code:
        values["fallback_image_http_code"] = read_int("IMGPROXY_FALLBACK_IMAGE_HTTP_CODE", code)
        if values["fallback_image_http_code"] and not 200 <= int(code) <= 599:
            raise SettingsError(
                f"IMGPROXY_FALLBACK_IMAGE_HTTP_CODE must be 0 or 200..599, got {code}"
            )
    ttl = env.get("IMGPROXY_FALLBACK_IMAGE_TTL", "").strip()
    if ttl:
        values["fallback_image_ttl"] = read_int("IMGPROXY_FALLBACK_IMAGE_TTL", ttl)
    return values


def read_imgproxy_compat(env: Mapping[str, str]) -> dict[str, object]:
    """Settings carried over from imgproxy: source rewriting, trusted signatures, CORS,
    Client Hints, enforced formats, preferred formats, validators and the fallback image."""
    values: dict[str, object] = {"base_url": env.get("IMGPROXY_BASE_URL", "").strip()}
    replacements = env.get("IMGPROXY_URL_REPLACEMENTS", "").strip()
    if replacements:
        try:
            values["url_replacements"] = parse_url_replacements(replacements)
        except ValueError as error:
            raise SettingsError(f"IMGPROXY_URL_REPLACEMENTS: {error}") from error
    values["trusted_signatures"] = read_list(env.get("IMGPROXY_TRUSTED_SIGNATURES", ""))
    values["allow_origin"] = env.get("IMGPROXY_ALLOW_ORIGIN", "").strip()
    for name, attribute in (
        ("IMGPROXY_ENABLE_CLIENT_HINTS", "enable_client_hints"),
        ("IMGPROXY_ENFORCE_WEBP", "enforce_webp"),
        ("IMGPROXY_ENFORCE_AVIF", "enforce_avif"),
        ("IMGPROXY_CACHE_CONTROL_PASSTHROUGH", "cache_control_passthrough"),
        ("IMGPROXY_USE_LAST_MODIFIED", "use_last_modified"),
    ):
        if env.get(name, "").strip():
            values[attribute] = read_bool(name, env[name])
    preferred = env.get("IMGPROXY_PREFERRED_FORMATS", "").strip()
    if preferred:
        values["preferred_formats"] = read_preferred_formats(preferred)
    values.update(read_fallback(env))
    return values


def read_thumbor(env: Mapping[str, str]) -> dict[str, object]:
    """The thumbor dialect: key, unsafe URLs, and the path prefix it is served under."""
    values: dict[str, object] = {}
    if "IMGPROXY_THUMBOR_KEY" in env:
        values["thumbor_key"] = env["IMGPROXY_THUMBOR_KEY"]
    if env.get("IMGPROXY_THUMBOR_ALLOW_UNSAFE", "").strip():
        values["thumbor_allow_unsafe"] = read_bool(
            "IMGPROXY_THUMBOR_ALLOW_UNSAFE", env["IMGPROXY_THUMBOR_ALLOW_UNSAFE"]
        )
    if "IMGPROXY_THUMBOR_PATH_PREFIX" in env:
        prefix = env["IMGPROXY_THUMBOR_PATH_PREFIX"].strip().strip("/")
        if not prefix:
            raise SettingsError(
                "IMGPROXY_THUMBOR_PATH_PREFIX must not be empty: thumbor's /unsafe/ "
                "would collide with imgproxy URLs"
            )
        values["thumbor_path_prefix"] = "/" + prefix
    return values
