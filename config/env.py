"""Reading IMGPROXY_* values: one small parser per kind of value, each `(variable, raw value)`
and naming the variable in its error."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
from collections.abc import Mapping
from pathlib import Path

from imgproxy.errors import ProxyError
from imgproxy.url.formats import WRITABLE
from imgproxy.url.info_path import InfoPathParser
from imgproxy.url.options import FORMAT_NAMES, ImageFormat
from imgproxy.url.parser import PathParser
from imgproxy.url.presets import Preset, PresetError, parse_presets
from imgproxy.url.source import UrlReplacement, parse_url_replacements

DEFAULT_FORMAT_QUALITY = {ImageFormat.WEBP: 79, ImageFormat.AVIF: 63, ImageFormat.JXL: 77}
DEFAULT_AUTOQUALITY_FORMAT_MIN = {ImageFormat.AVIF: 60}
DEFAULT_AUTOQUALITY_FORMAT_MAX = {ImageFormat.AVIF: 65}


class SettingsError(ValueError):
    """Settings the server cannot start with: one message per problem, all in one error."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def read_raw(_name: str, raw: str) -> str:
    return raw


def read_text(_name: str, raw: str) -> str:
    return raw.strip()


def read_path(_name: str, raw: str) -> Path:
    return Path(raw)


def read_list(_name: str, raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def read_names(name: str, raw: str) -> frozenset[str]:
    return frozenset(read_list(name, raw))


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


def read_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    value = raw.strip().lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return value


def read_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from error
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(f"{name} must be a positive number, got {raw!r}")
    return value


def read_bind(name: str, raw: str) -> str:
    """`host:port`, `:port` or `[v6]:port`, with a port 1..65535."""
    raw = raw.strip()
    host, colon, port = raw.rpartition(":")
    valid_host = not host.startswith("[") or (host.endswith("]") and len(host) > 2)
    if not colon or not port.isdigit() or not 1 <= int(port) <= 65535 or not valid_host:
        raise SettingsError(f"{name} must be host:port, :port or [ipv6]:port, got {raw!r}")
    return raw


def read_base64(name: str, raw: str) -> bytes:
    try:
        return base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SettingsError(f"{name} must be base64") from error


def read_opacity(name: str, raw: str) -> float:
    raw = raw.strip()
    value = read_float(name, raw)
    if value > 1:
        raise SettingsError(f"{name} must be 0..1, got {raw!r}")
    return value


def read_rate(name: str, raw: str) -> float:
    raw = raw.strip()
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 <= value < math.inf:
        raise SettingsError(f"{name} must be a number >= 0, got {raw!r}")
    return value


def read_status(name: str, raw: str) -> int:
    """0 (keep the failure's own status) or an HTTP status 200..599."""
    raw = raw.strip()
    value = read_int(name, raw)
    if value and not 200 <= value <= 599:
        raise SettingsError(f"{name} must be 0 or 200..599, got {raw}")
    return value


def read_networks(name: str, raw: str) -> tuple[str, ...]:
    networks = read_list(name, raw)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as error:
            raise SettingsError(f"{name} has a bad network: {network!r}") from error
    return networks


def read_hex_key(name: str, raw: str) -> bytes:
    """Only decoded here: `imgproxy.startup_checks` checks at start that it fits AES."""
    try:
        return bytes.fromhex(raw.strip())
    except ValueError as error:
        raise SettingsError(f"{name} must be 16, 24 or 32 bytes of hex") from error


def read_path_prefix(_name: str, raw: str) -> str:
    return "/" + raw.strip("/")


def read_thumbor_prefix(name: str, raw: str) -> str:
    prefix = raw.strip().strip("/")
    if not prefix:
        raise SettingsError(
            f"{name} must not be empty: thumbor's /unsafe/ would collide with imgproxy URLs"
        )
    return "/" + prefix


def read_url_replacements(name: str, raw: str) -> tuple[UrlReplacement, ...]:
    try:
        return parse_url_replacements(raw.strip())
    except ValueError as error:
        raise SettingsError(f"{name}: {error}") from error


def read_format_quality(name: str, raw: str) -> dict[ImageFormat, int]:
    """`webp=79,avif=63,jxl=77`: quality per output format over IMGPROXY_QUALITY, merged over the
    defaults as imgproxy does."""
    return read_qualities(name, raw, DEFAULT_FORMAT_QUALITY)


def read_qualities(
    name: str, raw: str, defaults: Mapping[ImageFormat, int]
) -> dict[ImageFormat, int]:
    """`format=quality,...`, merged over `defaults`."""
    qualities: dict[ImageFormat, int] = dict(defaults)
    for pair in filter(None, (part.strip() for part in raw.split(","))):
        format_name, _, value = pair.partition("=")
        image_format = FORMAT_NAMES.get(format_name.strip().lower())
        if image_format is None:
            raise SettingsError(f"{name} names an unknown format: {format_name!r}")
        qualities[image_format] = read_int(name, value.strip(), 1, 100)
    return qualities


def read_preferred_formats(name: str, raw: str) -> tuple[ImageFormat, ...]:
    formats = []
    for format_name in filter(None, (part.strip().lower() for part in raw.split(","))):
        image_format = FORMAT_NAMES.get(format_name)
        if image_format is None or image_format not in WRITABLE:
            raise SettingsError(
                f"{name}: expected formats this server writes "
                f"({', '.join(sorted(f.value for f in WRITABLE))}) but received {format_name!r}"
            )
        formats.append(image_format)
    if not formats:
        raise SettingsError(f"{name} names no format")
    return tuple(dict.fromkeys(formats))


def read_presets(
    env: Mapping[str, str], separator: str, *, allow_security_options: bool
) -> Mapping[str, Preset]:
    """Presets from IMGPROXY_PRESETS and IMGPROXY_PRESETS_PATH, each applied once to check it."""
    try:
        presets = parse_presets(read_preset_lines(env), separator)
        parser = PathParser(separator, presets, allow_security_options=allow_security_options)
        parser.validate_presets()
    except PresetError as error:
        raise SettingsError(str(error)) from error
    except ProxyError as error:
        raise SettingsError(f"Invalid preset: {error.message}") from error
    return presets


def read_preset_lines(
    env: Mapping[str, str],
    variable: str = "IMGPROXY_PRESETS",
    path_variable: str = "IMGPROXY_PRESETS_PATH",
) -> list[str]:
    """The definitions in `variable` (comma-separated) and in the file `path_variable` names."""
    lines = [part for part in env.get(variable, "").split(",") if part.strip()]
    path = env.get(path_variable, "").strip()
    if path:
        try:
            lines.extend(Path(path).read_text(encoding="utf-8").splitlines())
        except OSError as error:
            raise SettingsError(f"{path_variable} cannot be read: {error}") from error
    return lines


def read_info_presets(
    env: Mapping[str, str], separator: str, *, allow_security_options: bool
) -> Mapping[str, Preset]:
    """Info presets from IMGPROXY_INFO_PRESETS and IMGPROXY_INFO_PRESETS_PATH (imgproxy Pro's),
    each applied once to check it."""
    try:
        lines = read_preset_lines(env, "IMGPROXY_INFO_PRESETS", "IMGPROXY_INFO_PRESETS_PATH")
        presets = parse_presets(lines, separator)
        parser = InfoPathParser(separator, presets, allow_security_options=allow_security_options)
        parser.validate_presets()
    except PresetError as error:
        raise SettingsError(str(error).replace("Invalid preset", "Invalid info preset")) from error
    except ProxyError as error:
        raise SettingsError(f"Invalid info preset: {error.message}") from error
    return presets


def read_autoquality_format_min(name: str, raw: str) -> dict[ImageFormat, int]:
    return read_qualities(name, raw, DEFAULT_AUTOQUALITY_FORMAT_MIN)


def read_autoquality_format_max(name: str, raw: str) -> dict[ImageFormat, int]:
    return read_qualities(name, raw, DEFAULT_AUTOQUALITY_FORMAT_MAX)


def read_fraction(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from error
    if not 0 <= value <= 1:
        raise SettingsError(f"{name} must be between 0 and 1, got {raw!r}")
    return value
