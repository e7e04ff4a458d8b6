"""Every setting, read once from IMGPROXY_* environment variables into one frozen object."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from config.declared import read_declared
from config.env import (
    DEFAULT_AUTOQUALITY_FORMAT_MAX,
    DEFAULT_AUTOQUALITY_FORMAT_MIN,
    DEFAULT_FORMAT_QUALITY,
    SettingsError,
)
from imgproxy.url.formats import DEFAULT_PREFERRED_FORMATS
from imgproxy.url.options import ImageFormat
from imgproxy.url.presets import Preset
from imgproxy.url.source import UrlReplacement

__all__ = ["SAMPLES_DIR", "Settings", "SettingsError"]

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


@dataclass(frozen=True)
class Settings:
    """The server's whole configuration. Build it with `Settings.from_env()`."""

    bind: str = ":8080"
    keys: tuple[bytes, ...] = ()
    salts: tuple[bytes, ...] = ()
    signature_size: int = 32
    arguments_separator: str = ":"
    presets: Mapping[str, Preset] = field(default_factory=dict)
    local_filesystem_root: Path | None = None
    max_src_file_size: int = 64 * 1024 * 1024
    """Largest source in bytes; 0 (set explicitly): no limit. 64 MiB holds a JPEG, WebP or AVIF
    at the 50 MP resolution limit, and bounds the bytes downloads hold at once to the download
    slots times this."""
    max_decode_memory: int = 192 * 1024 * 1024
    """Bytes that whole-image decodes (progressive JPEG, HEIF/AVIF) may hold at once per
    replica, split across its processes (`transforms.decode_memory`); 0: no limit."""
    max_src_resolution: float = 50.0
    max_redirects: int = 10
    max_chained_pipelines: int = 10
    """Pipelines one URL may chain with `/-/` (0: any number; presets' are not counted)."""
    download_timeout: float = 5.0
    connect_timeout: float = 2.0
    timeout: float = 10.0
    user_agent: str = "imgproxy-py/0.1"
    http_client: str = "curl"
    """What fetches http(s) sources: `curl` (libcurl on download threads of their own, one
    per download slot, the bytes moved without the GIL) or `httpx` (on the event loop)."""
    workers: int = field(default_factory=lambda: 2 * (os.cpu_count() or 1))
    """Twice the CPU count, as imgproxy: while one image downloads, another renders."""
    requests_queue_size: int = -1
    """-1: four times the workers."""
    concurrent_downloads: int = 0
    """Originals downloaded at once per replica, split across its processes; 0: the workers."""
    max_downloads_per_host: int = 0
    """Download slots one origin host may hold per process; 0: half of them (rounded up), so
    a slow origin leaves the other half to the rest."""
    processes: int = 1
    prometheus_bind: str = ""
    """host:port for /metrics on a port of its own; empty: /metrics on the main port."""
    prometheus_namespace: str = "imgproxy"
    prometheus_multiproc_dir: str = ""
    """PROMETHEUS_MULTIPROC_DIR: metrics shared by worker processes."""
    free_memory_interval: float = 10.0
    """Seconds between handing freed memory back to the system (malloc_trim); 0: never."""
    malloc: str = "malloc"
    """The allocator `serve` runs under: glibc's, jemalloc or tcmalloc (`malloc_preload`)."""
    drain_delay: float = 0.0
    """Least time `/ready` fails before a stopping server exits (for load balancers)."""
    graceful_stop_timeout: float = 0.0
    """0: twice IMGPROXY_TIMEOUT, as imgproxy."""
    quality: int = 80
    format_quality: Mapping[ImageFormat, int] = field(
        default_factory=lambda: dict(DEFAULT_FORMAT_QUALITY)
    )
    avif_speed: int = 8
    jpeg_progressive: bool = False
    auto_webp: bool = False
    auto_avif: bool = False
    auto_jxl: bool = False
    auto_rotate: bool = True
    strip_metadata: bool = True
    keep_copyright: bool = True
    strip_color_profile: bool = True
    png_interlaced: bool = False
    jpeg_no_subsample: bool = False
    jpeg_trellis_quant: bool = False
    jpeg_overshoot_deringing: bool = False
    jpeg_optimize_scans: bool = False
    """Only with progressive JPEG, as libjpeg's scan optimisation needs it."""
    jpeg_quant_table: int = 0
    png_quantize: bool = False
    png_quantization_colors: int = 256
    webp_compression: str = "lossy"
    webp_smart_subsample: bool = False
    webp_effort: int = 4
    webp_preset: str = "default"
    jxl_effort: int = 4
    smart_crop_face_detection: bool = False
    """`g:sm` (and thumbor `smart`) centre on the detected faces first."""
    object_detection_fallback_to_smart_crop: bool = True
    """`g:obj` without faces falls back to smart crop; off, to the centre."""
    avif_subsample: str = "auto"
    color_profiles_dir: Path | None = None
    best_format_complexity_threshold: float = 5.5
    best_format_max_resolution: float = 0.0
    best_format_by_default: bool = False
    best_format_allow_skips: bool = False
    autoquality_method: str = "none"
    autoquality_target: float = 0.02
    autoquality_min: int = 70
    autoquality_format_min: Mapping[ImageFormat, int] = field(
        default_factory=lambda: dict(DEFAULT_AUTOQUALITY_FORMAT_MIN)
    )
    autoquality_max: int = 80
    autoquality_format_max: Mapping[ImageFormat, int] = field(
        default_factory=lambda: dict(DEFAULT_AUTOQUALITY_FORMAT_MAX)
    )
    autoquality_allowed_error: float = 0.002
    autoquality_max_resolution: float = 0.0
    """Megapixels; a larger result keeps its fixed quality. 0: no limit."""
    unsharp_masking_mode: str = "none"
    """imgproxy Pro's default is `auto` (every downscale sharpened, at a CPU cost on each)."""
    unsharp_masking_weight: float = 1.0
    unsharp_masking_divider: float = 24.0
    max_animation_frames: int = 1
    max_animation_frame_resolution: float = 0.0
    enable_video_thumbnails: bool = False
    """Off: a video source answers 422 as any unrecognised source (as imgproxy Pro's default)."""
    video_thumbnail_second: float = 1.0
    video_thumbnail_keyframes: bool = False
    video_thumbnail_tile_auto_keyframes: bool = False
    """Keyframes only for a sheet or an animation whose step is longer than the keyframe
    interval."""
    video_thumbnail_probe_size: int = 5_000_000
    video_thumbnail_max_analyze_duration: int = 0
    """Milliseconds; 0: FFmpeg's heuristic."""
    max_result_dimension: int = 0
    allow_security_options: bool = False
    allow_bypass_cache: bool = False
    """Honour the `bypass_cache` option (else it is a 403)."""
    allowed_processing_options: frozenset[str] | None = None
    only_presets: bool = False
    info_presets: Mapping[str, Preset] = field(default_factory=dict)
    allowed_info_options: frozenset[str] | None = None
    info_only_presets: bool | None = None
    """None: as `only_presets` (imgproxy Pro's default)."""
    watermark_data: bytes | None = None
    watermark_path: Path | None = None
    watermark_url: str = ""
    watermark_opacity: float = 1.0
    allow_loopback_sources: bool = False
    allow_link_local_sources: bool = False
    allow_private_sources: bool = True
    allowed_sources: tuple[str, ...] = ()
    # thumbor URLs, answered under their own prefix
    thumbor_key: str = field(default="", repr=False)
    thumbor_allow_unsafe: bool = False
    thumbor_path_prefix: str = "/thumbor"
    source_url_encryption_key: bytes | None = None
    secret: str = ""
    rate_limit: float = 0.0
    rate_limit_burst: int = 20
    rate_limit_all: bool = False
    trusted_proxies: tuple[str, ...] = ()
    max_url_length: int = 8192
    read_request_timeout: float = 10.0
    """Seconds a request may take to arrive whole, headers and body, from its first byte (a
    new connection: from its start); then the connection is closed."""
    max_header_size: int = 32 * 1024
    """Bytes of request line and headers; past them a 431, and the connection is closed."""
    max_clients: int = 2048
    """Open connections per instance, split across its processes; one more is answered 503 at
    once. 0: no cap."""
    use_s3: bool = False
    s3_region: str = "us-west-1"
    s3_endpoint: str = ""
    s3_endpoint_use_path_style: bool = True
    aws_access_key_id: str = field(default="", repr=False)
    aws_secret_access_key: str = field(default="", repr=False)
    aws_session_token: str = field(default="", repr=False)
    redis_url: str = ""
    redis_timeout: float = 0.05
    redis_breaker_reset: float = 5.0
    cache_memory_bytes: int = 256 * 1024 * 1024
    cache_ttl: int = 86_400
    cache_stale_grace: int = 86_400
    sources_cache_bytes: int = 128 * 1024 * 1024
    sources_cache_ttl: int = 60
    admin_token: str = ""
    ttl: int = 31_536_000
    stale_while_revalidate: int = 86_400
    stale_if_error: int = 604_800
    not_found_ttl: int = 60
    use_etag: bool = True
    path_prefix: str = ""
    # Carried over from imgproxy (README: "Migrating from imgproxy")
    base_url: str = ""
    url_replacements: tuple[UrlReplacement, ...] = ()
    trusted_signatures: tuple[str, ...] = field(default=(), repr=False)
    allow_origin: str = ""
    enable_client_hints: bool = False
    enforce_webp: bool = False
    enforce_avif: bool = False
    enforce_jxl: bool = False
    preferred_formats: tuple[ImageFormat, ...] = DEFAULT_PREFERRED_FORMATS
    cache_control_passthrough: bool = False
    use_last_modified: bool = True
    fallback_image_data: bytes | None = field(default=None, repr=False)
    fallback_image_path: Path | None = None
    fallback_image_url: str = ""
    fallback_image_http_code: int = 200
    """0: the status the failure would have had."""
    fallback_image_ttl: int = 0
    """`max-age` of fallback answers; 0: IMGPROXY_TTL."""
    fallback_image_preprocess_url: bool = False
    """Rewrite `fallback_image_url` values like sources (IMGPROXY_URL_REPLACEMENTS, _BASE_URL)."""
    cache_tags_format: str = "all"
    """Which tag headers carry the source's key and the URL's `cache_tags`: `all`,
    `cloudflare` (`Cache-Tag`), `cloudfront` (`x-amz-meta-cache-tag`) or `none`."""
    # Playground (`/`): a page that signs URLs for whoever reaches it.
    playground: bool = False
    playground_force: bool = False
    """Allow the playground with an operator's IMGPROXY_KEY (it becomes a signing oracle)."""

    def __post_init__(self) -> None:
        problems = list(self._conflicts())
        if problems:
            raise SettingsError(*problems)

    def _conflicts(self) -> Iterator[str]:
        if len(self.keys) != len(self.salts):
            yield (
                f"IMGPROXY_KEY has {len(self.keys)} entries but IMGPROXY_SALT has "
                f"{len(self.salts)}: they are used in pairs"
            )
        if not 1 <= self.signature_size <= 32:
            yield f"IMGPROXY_SIGNATURE_SIZE must be 1..32, got {self.signature_size}"
        if len(self.arguments_separator) != 1 or self.arguments_separator == "/":
            yield "IMGPROXY_ARGUMENTS_SEPARATOR must be one character, not '/'"
        if self.workers < 1:
            yield "IMGPROXY_WORKERS must be at least 1"
        if self.max_header_size <= self.max_url_length:
            yield (
                f"IMGPROXY_MAX_HEADER_SIZE ({self.max_header_size}) must exceed "
                f"IMGPROXY_MAX_URL_LENGTH ({self.max_url_length}): the URL is part of the header"
            )
        if self.playground and self.signing_enabled and not self.playground_force:
            yield (
                "IMGPROXY_PLAYGROUND signs any URL for anyone who can open /, which gives away "
                "what IMGPROXY_KEY protects: turn it off, or set IMGPROXY_PLAYGROUND_FORCE=true"
            )

    @property
    def signing_enabled(self) -> bool:
        return bool(self.keys)

    @property
    def workers_per_process(self) -> int:
        return max(1, self.workers // self.processes)

    @property
    def max_clients_per_process(self) -> int:
        """This process's share of IMGPROXY_MAX_CLIENTS, rounded up; 0: no cap."""
        return -(-self.max_clients // self.processes)

    @property
    def max_decode_memory_per_process(self) -> int:
        """This process's share of IMGPROXY_MAX_DECODE_MEMORY; 0: no limit."""
        if not self.max_decode_memory:
            return 0
        return max(1, self.max_decode_memory // self.processes)

    @property
    def queue_size_per_process(self) -> int:
        size = self.requests_queue_size if self.requests_queue_size >= 0 else 4 * self.workers
        return max(0, size // self.processes)

    @property
    def stop_timeout(self) -> float:
        return self.graceful_stop_timeout or 2 * self.timeout

    @property
    def has_watermark(self) -> bool:
        return bool(self.watermark_data or self.watermark_path or self.watermark_url)

    @property
    def has_fallback_image(self) -> bool:
        return bool(self.fallback_image_data or self.fallback_image_path or self.fallback_image_url)

    @property
    def max_src_pixels(self) -> int:
        return int(self.max_src_resolution * 1_000_000)

    @property
    def thumbor_enabled(self) -> bool:
        return bool(self.thumbor_key) or self.thumbor_allow_unsafe

    @property
    def bind_host_port(self) -> tuple[str, int]:
        host, _, port = self.bind.rpartition(":")
        host = host.strip("[]") or "0.0.0.0"
        return host, int(port)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every variable in `config.declared`; unknown ones are ignored, bad values raise
        one SettingsError naming them all."""
        return cls(**read_declared(os.environ if env is None else env))  # type: ignore[arg-type]
