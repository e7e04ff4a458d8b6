"""Settings.from_env: defaults, parsing of every IMGPROXY_* variable, and refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import Settings, SettingsError
from imgproxy.renderer import defaults_from
from imgproxy.url.options import ImageFormat

ROOT = Path(__file__).resolve().parents[2]


def refused(env: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    return str(caught.value)


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert (settings.bind, settings.bind_host_port) == (":8080", ("0.0.0.0", 8080))
    assert (settings.keys, settings.salts, settings.signing_enabled) == ((), (), False)
    assert (settings.signature_size, settings.arguments_separator, settings.presets) == (
        32,
        ":",
        {},
    )
    assert settings.local_filesystem_root is None
    assert (settings.max_src_file_size, settings.max_src_resolution) == (64 * 1024 * 1024, 50.0)
    assert settings.max_src_pixels == 50_000_000
    assert (settings.max_redirects, settings.download_timeout) == (10, 5.0)
    assert (settings.connect_timeout, settings.timeout) == (2.0, 10.0)
    assert settings.user_agent == "imgproxy-py/0.1"
    assert settings.workers == 2 * (os.cpu_count() or 1)
    assert settings.quality == 80
    assert settings.format_quality == {
        ImageFormat.WEBP: 79,
        ImageFormat.AVIF: 63,
        ImageFormat.JXL: 77,
    }
    assert (settings.avif_speed, settings.jpeg_progressive) == (8, False)
    assert (settings.auto_webp, settings.auto_avif) == (False, False)
    assert (settings.auto_rotate, settings.strip_metadata, settings.use_etag) == (True, True, True)
    assert (settings.ttl, settings.path_prefix) == (31_536_000, "")


def test_blank_and_unknown_variables_are_ignored() -> None:
    env = {
        "IMGPROXY_QUALITY": "  ",
        "IMGPROXY_BIND": "",
        "IMGPROXY_NOT_A_SETTING": "x",
        "HOME": "/",
    }
    assert Settings.from_env(env) == Settings()


def test_reads_os_environ_by_default() -> None:
    code = "from config.settings import Settings; s = Settings.from_env(); print(s.quality, s.ttl)"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "IMGPROXY_QUALITY": "55", "IMGPROXY_TTL": "60"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["55", "60"]


def test_key_and_salt_pairs() -> None:
    settings = Settings.from_env(
        {"IMGPROXY_KEY": "736563726574, 6B6579", "IMGPROXY_SALT": "68656c6c6f,73616c74,"}
    )
    assert settings.keys == (b"secret", b"key")
    assert settings.salts == (b"hello", b"salt")
    assert settings.signing_enabled


@pytest.mark.parametrize(
    ("key", "salt", "counts"),
    [("736563726574", "", (1, 0)), ("", "68", (0, 1)), ("61,62", "63", (2, 1))],
)
def test_key_and_salt_counts_must_match(key: str, salt: str, counts: tuple[int, int]) -> None:
    assert refused({"IMGPROXY_KEY": key, "IMGPROXY_SALT": salt}) == (
        f"IMGPROXY_KEY has {counts[0]} entries but IMGPROXY_SALT has {counts[1]}: "
        "they are used in pairs"
    )


@pytest.mark.parametrize(("name", "key", "salt"), [("KEY", "zz", "63"), ("SALT", "61", "abc")])
def test_bad_hex(name: str, key: str, salt: str) -> None:
    message = f"IMGPROXY_{name} must be comma-separated hex strings"
    assert refused({"IMGPROXY_KEY": key, "IMGPROXY_SALT": salt}) == message


@pytest.mark.parametrize(
    ("name", "attribute", "raw", "value"),
    [
        ("IMGPROXY_SIGNATURE_SIZE", "signature_size", "1", 1),
        ("IMGPROXY_SIGNATURE_SIZE", "signature_size", " 32 ", 32),
        ("IMGPROXY_MAX_SRC_FILE_SIZE", "max_src_file_size", "0", 0),
        ("IMGPROXY_MAX_SRC_FILE_SIZE", "max_src_file_size", "1048576", 1_048_576),
        ("IMGPROXY_MAX_REDIRECTS", "max_redirects", "0", 0),
        ("IMGPROXY_WORKERS", "workers", "3", 3),
        ("IMGPROXY_QUALITY", "quality", "100", 100),
        ("IMGPROXY_QUALITY", "quality", "1", 1),
        ("IMGPROXY_AVIF_SPEED", "avif_speed", "0", 0),
        ("IMGPROXY_AVIF_SPEED", "avif_speed", "9", 9),
        ("IMGPROXY_TTL", "ttl", "0", 0),
        ("IMGPROXY_MAX_SRC_RESOLUTION", "max_src_resolution", "12.5", 12.5),
        ("IMGPROXY_MAX_SRC_RESOLUTION", "max_src_pixels", "12.5", 12_500_000),
        ("IMGPROXY_DOWNLOAD_TIMEOUT", "download_timeout", "2.5", 2.5),
        ("IMGPROXY_CONNECT_TIMEOUT", "connect_timeout", "1", 1.0),
        ("IMGPROXY_TIMEOUT", "timeout", "30", 30.0),
        ("IMGPROXY_USER_AGENT", "user_agent", "my-agent/1", "my-agent/1"),
        ("IMGPROXY_PATH_PREFIX", "path_prefix", "imgproxy/", "/imgproxy"),
        ("IMGPROXY_PATH_PREFIX", "path_prefix", "/a/b/", "/a/b"),
        ("IMGPROXY_LOCAL_FILESYSTEM_ROOT", "local_filesystem_root", "/srv/img", Path("/srv/img")),
        ("IMGPROXY_ARGUMENTS_SEPARATOR", "arguments_separator", ",", ","),
        ("IMGPROXY_BIND", "bind", " 127.0.0.1:9000 ", "127.0.0.1:9000"),
    ],
)
def test_values(name: str, attribute: str, raw: str, value: object) -> None:
    assert getattr(Settings.from_env({name: raw}), attribute) == value


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("SIGNATURE_SIZE", "0", "must be 1..32, got 0"),
        ("SIGNATURE_SIZE", "33", "must be 1..32, got 33"),
        ("SIGNATURE_SIZE", "big", "must be an integer, got 'big'"),
        ("WORKERS", "0", "must be at least 1, got 0"),
        ("QUALITY", "0", "must be 1..100, got 0"),
        ("QUALITY", "high", "must be an integer, got 'high'"),
        ("TTL", "-1", "must be at least 0, got -1"),
        ("MAX_REDIRECTS", "2.5", "must be an integer, got '2.5'"),
        ("TIMEOUT", "0", "must be a positive number, got '0'"),
        ("DOWNLOAD_TIMEOUT", "-1", "must be a positive number, got '-1'"),
        ("MAX_SRC_RESOLUTION", "lots", "must be a number, got 'lots'"),
        ("AUTO_ROTATE", "maybe", "must be a boolean, got 'maybe'"),
        ("ARGUMENTS_SEPARATOR", "::", "must be one character, not '/'"),
        ("ARGUMENTS_SEPARATOR", "/", "must be one character, not '/'"),
    ],
)
def test_bad_values(name: str, raw: str, message: str) -> None:
    assert refused({f"IMGPROXY_{name}": raw}) == f"IMGPROXY_{name} {message}"


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("IMGPROXY_QUALITY", "101"),
        ("IMGPROXY_FORMAT_QUALITY", "webp=101"),
        ("IMGPROXY_AVIF_SPEED", "10"),
        ("IMGPROXY_TIMEOUT", "nan"),
    ],
)
def test_values_beyond_imgproxy_ranges_are_refused(name: str, raw: str) -> None:
    # imgproxy: qualities 1..100 (processing/config.go), AVIF speed 0..9 (vips/config.go);
    # a NaN timeout cannot work at all.
    assert name in refused({name: raw})


@pytest.mark.parametrize("bind", ["localhost", "127.0.0.1:http", ":99999", "[::1]"])
def test_bad_bind_is_refused_at_load(bind: str) -> None:
    assert "IMGPROXY_BIND" in refused({"IMGPROXY_BIND": bind})


@pytest.mark.parametrize(
    ("bind", "host_port"),
    [
        (":8080", ("0.0.0.0", 8080)),
        ("127.0.0.1:9000", ("127.0.0.1", 9000)),
        ("localhost:1", ("localhost", 1)),
        ("[::1]:8081", ("::1", 8081)),
        ("[::]:80", ("::", 80)),
    ],
)
def test_bind_host_port(bind: str, host_port: tuple[str, int]) -> None:
    assert Settings.from_env({"IMGPROXY_BIND": bind}).bind_host_port == host_port


BOOLEANS = {
    "IMGPROXY_JPEG_PROGRESSIVE": "jpeg_progressive",
    "IMGPROXY_AUTO_WEBP": "auto_webp",
    "IMGPROXY_AUTO_AVIF": "auto_avif",
    "IMGPROXY_AUTO_ROTATE": "auto_rotate",
    "IMGPROXY_STRIP_METADATA": "strip_metadata",
    "IMGPROXY_USE_ETAG": "use_etag",
    "IMGPROXY_JPEG_NO_SUBSAMPLE": "jpeg_no_subsample",
    "IMGPROXY_JPEG_TRELLIS_QUANT": "jpeg_trellis_quant",
    "IMGPROXY_JPEG_OVERSHOOT_DERINGING": "jpeg_overshoot_deringing",
    "IMGPROXY_JPEG_OPTIMIZE_SCANS": "jpeg_optimize_scans",
    "IMGPROXY_PNG_QUANTIZE": "png_quantize",
    "IMGPROXY_WEBP_SMART_SUBSAMPLE": "webp_smart_subsample",
    "IMGPROXY_SMART_CROP_FACE_DETECTION": "smart_crop_face_detection",
    "IMGPROXY_OBJECT_DETECTION_FALLBACK_TO_SMART_CROP": "object_detection_fallback_to_smart_crop",
}


@pytest.mark.parametrize("name", BOOLEANS)
@pytest.mark.parametrize(
    ("raw", "value"),
    [(raw, True) for raw in ("1", "t", "TRUE", "yes", "On")]
    + [(raw, False) for raw in ("0", "f", "False", "no", "off")],
)
def test_booleans(name: str, raw: str, value: bool) -> None:
    assert getattr(Settings.from_env({name: raw}), BOOLEANS[name]) is value


@pytest.mark.parametrize(
    ("env", "webp", "avif"),
    [
        ({"IMGPROXY_ENABLE_WEBP_DETECTION": "true"}, True, False),
        ({"IMGPROXY_ENABLE_AVIF_DETECTION": "1"}, False, True),
        ({"IMGPROXY_ENABLE_WEBP_DETECTION": "true", "IMGPROXY_AUTO_WEBP": "false"}, False, False),
        ({"IMGPROXY_ENABLE_AVIF_DETECTION": "0", "IMGPROXY_AUTO_AVIF": "1"}, False, True),
    ],
)
def test_detection_aliases(env: dict[str, str], webp: bool, avif: bool) -> None:
    settings = Settings.from_env(env)
    assert (settings.auto_webp, settings.auto_avif) == (webp, avif)


def test_presets_from_variable_and_file(tmp_path: Path) -> None:
    preset_file = tmp_path / "presets.txt"
    preset_file.write_text("# thumbnails\n\nsmall = rs:fit:100:100\nsharp=g:sm/q:90\n")
    settings = Settings.from_env(
        {
            "IMGPROXY_PRESETS": "thumb=rs:fill:300:200/q:70, big=w:1200",
            "IMGPROXY_PRESETS_PATH": str(preset_file),
        }
    )
    assert settings.presets == {
        "thumb": (("rs", ("fill", "300", "200")), ("q", ("70",))),
        "big": (("w", ("1200",)),),
        "small": (("rs", ("fit", "100", "100")),),
        "sharp": (("g", ("sm",)), ("q", ("90",))),
    }


def test_preset_file_uses_the_arguments_separator(tmp_path: Path) -> None:
    preset_file = tmp_path / "presets"
    preset_file.write_text("thumb=rs,fill,300,200/q,70\n")
    env = {"IMGPROXY_ARGUMENTS_SEPARATOR": ",", "IMGPROXY_PRESETS_PATH": str(preset_file)}
    assert Settings.from_env(env).presets == {
        "thumb": (("rs", ("fill", "300", "200")), ("q", ("70",)))
    }


def test_unreadable_preset_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    assert refused({"IMGPROXY_PRESETS_PATH": str(missing)}).startswith(
        "IMGPROXY_PRESETS_PATH cannot be read: "
    )


@pytest.mark.parametrize(
    ("presets", "message"),
    [
        ("thumb", "Invalid preset 'thumb': expected name=option/option"),
        ("t=rs:fill:1:1/plain", "Invalid preset 't=rs:fill:1:1/plain': 'plain' is not an option"),
        ("t=w:abc", "Invalid preset: Expected integer 0..65535 for width but received 'abc'"),
        ("t=zz:1", "Invalid preset: Unknown option: zz"),
        ("t=pr:nope", "Invalid preset: Unknown preset: nope"),
    ],
)
def test_bad_preset_is_rejected(presets: str, message: str) -> None:
    assert refused({"IMGPROXY_PRESETS": f"ok=q:50,{presets}"}) == message


def test_format_quality() -> None:
    settings = Settings.from_env({"IMGPROXY_FORMAT_QUALITY": " webp=70, AVIF=50,jpg=90 ,"})
    webp, avif, jpeg, jxl = ImageFormat.WEBP, ImageFormat.AVIF, ImageFormat.JPEG, ImageFormat.JXL
    assert settings.format_quality == {webp: 70, avif: 50, jpeg: 90, jxl: 77}


def test_format_quality_merges_over_the_defaults() -> None:
    # As imgproxy does: naming one format keeps the others' defaults.
    settings = Settings.from_env({"IMGPROXY_FORMAT_QUALITY": "avif=50"})
    assert settings.format_quality == {
        ImageFormat.AVIF: 50,
        ImageFormat.WEBP: 79,
        ImageFormat.JXL: 77,
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("bmpx=50", "IMGPROXY_FORMAT_QUALITY names an unknown format: 'bmpx'"),
        ("webp=high", "IMGPROXY_FORMAT_QUALITY must be an integer, got 'high'"),
        ("webp=0", "IMGPROXY_FORMAT_QUALITY must be 1..100, got 0"),
        ("webp", "IMGPROXY_FORMAT_QUALITY must be an integer, got ''"),
    ],
)
def test_bad_format_quality(raw: str, message: str) -> None:
    assert refused({"IMGPROXY_FORMAT_QUALITY": raw}) == message


def test_constructor_checks() -> None:
    with pytest.raises(SettingsError, match="IMGPROXY_WORKERS must be at least 1"):
        Settings(workers=0)
    with pytest.raises(SettingsError, match=r"IMGPROXY_SIGNATURE_SIZE must be 1\.\.32, got 0"):
        Settings(signature_size=0)


def test_a_replicas_budgets_are_split_across_its_processes() -> None:
    mib = 1024 * 1024
    two = Settings.from_env(
        {
            "IMGPROXY_PROCESSES": "2",
            "IMGPROXY_WORKERS": "4",
            "IMGPROXY_MAX_CLIENTS": "101",
            "IMGPROXY_MAX_DECODE_MEMORY": str(192 * mib),
        }
    )
    assert two.workers_per_process == 2
    assert two.max_clients_per_process == 51
    assert two.queue_size_per_process == 8
    assert two.max_decode_memory_per_process == 96 * mib
    assert defaults_from(two).decode_memory.budget == 96 * mib
    assert Settings(processes=1, max_decode_memory=192 * mib).max_decode_memory_per_process == (
        192 * mib
    )
    assert Settings(processes=3, max_decode_memory=0).max_decode_memory_per_process == 0
    assert Settings(processes=3, max_decode_memory=2).max_decode_memory_per_process == 1


ENCODER_SETTINGS = {
    "IMGPROXY_JPEG_QUANT_TABLE": ("jpeg_quant_table", "8", 8, "9"),
    "IMGPROXY_PNG_QUANTIZATION_COLORS": ("png_quantization_colors", "2", 2, "1"),
    "IMGPROXY_WEBP_EFFORT": ("webp_effort", "6", 6, "7"),
    "IMGPROXY_WEBP_COMPRESSION": ("webp_compression", "Near_Lossless", "near_lossless", "lossy2"),
    "IMGPROXY_WEBP_PRESET": ("webp_preset", "icon", "icon", "portrait"),
    "IMGPROXY_AVIF_SUBSAMPLE": ("avif_subsample", "off", "off", "never"),
    "IMGPROXY_UNSHARP_MASKING_MODE": ("unsharp_masking_mode", "always", "always", "sometimes"),
    "IMGPROXY_UNSHARP_MASKING_WEIGHT": ("unsharp_masking_weight", "2.5", 2.5, "0"),
    "IMGPROXY_UNSHARP_MASKING_DIVIDER": ("unsharp_masking_divider", "12", 12.0, "-1"),
    "IMGPROXY_AUTOQUALITY_METHOD": ("autoquality_method", "DSSIM", "dssim", "psnr"),
    "IMGPROXY_AUTOQUALITY_TARGET": ("autoquality_target", "10240", 10240.0, "x"),
    "IMGPROXY_AUTOQUALITY_MIN": ("autoquality_min", "10", 10, "0"),
    "IMGPROXY_AUTOQUALITY_MAX": ("autoquality_max", "95", 95, "101"),
    "IMGPROXY_AUTOQUALITY_ALLOWED_ERROR": ("autoquality_allowed_error", "0.001", 0.001, "2"),
    "IMGPROXY_AUTOQUALITY_MAX_RESOLUTION": ("autoquality_max_resolution", "4", 4.0, "-1"),
    "IMGPROXY_AUTOQUALITY_FORMAT_MIN": (
        "autoquality_format_min",
        "jpeg=60",
        {ImageFormat.AVIF: 60, ImageFormat.JPEG: 60},
        "png=0",
    ),
    "IMGPROXY_AUTOQUALITY_FORMAT_MAX": (
        "autoquality_format_max",
        "avif=70,webp=85",
        {ImageFormat.AVIF: 70, ImageFormat.WEBP: 85},
        "nope=80",
    ),
}


@pytest.mark.parametrize("name", ENCODER_SETTINGS)
def test_encoder_settings_are_read_within_their_bounds(name: str) -> None:
    field_name, raw, value, bad = ENCODER_SETTINGS[name]
    assert getattr(Settings.from_env({name: raw}), field_name) == value
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: bad})
