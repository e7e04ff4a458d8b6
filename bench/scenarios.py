"""The scenarios of `make bench` and the same request spelt for each server.

Every server fetches the sources over HTTP from the same nginx origin. One `Target` is one
transform; the proxy's URL, thumbor's URL and the in-process ceiling all derive from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bench.mix import Photo

OutputFormat = Literal["jpeg", "png", "webp", "avif"]
Kind = Literal["miss", "hit-l1", "hit-l2", "storm", "coalesce"]

LARGE_PIXELS = 20_000_000
SMALL_PIXELS = 6_000_000
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "avif": "avif"}
"""The extension a URL asks for each output format with."""
LOSSY: frozenset[str] = frozenset({"jpeg", "webp", "avif"})


@dataclass(frozen=True)
class Target:
    width: int
    height: int
    """0: keep the aspect ratio (width only)."""
    format: OutputFormat
    quality: int = 80
    effect: str = ""
    """More processing options, ours only (`ush:always`): what an effect costs over a plain
    resize."""

    def with_quality(self, quality: int) -> Target:
        return Target(self.width, self.height, self.format, quality, self.effect)


def ours_path(origin: str, file: str, target: Target, buster: int | None = None) -> str:
    """`buster`: a cachebuster, so that identical requests in flight are not coalesced."""
    quality = f"/q:{target.quality}" if target.format in LOSSY else ""
    resize = f"rs:fit:{target.width}:{target.height}"
    if target.effect:
        resize = f"{resize}/{target.effect}"
    busting = "" if buster is None else f"/cb:{buster}"
    return f"/unsafe/{resize}{quality}{busting}/plain/{origin}/{file}@{EXTENSIONS[target.format]}"


MISS_COPIES = 200


def distinct_misses(origin: str, files: list[str], target: Target) -> list[str]:
    """Each file `MISS_COPIES` times under different cachebusters, files interleaved: far more
    distinct URLs than connections, so every request in flight is a different piece of work."""
    return [ours_path(origin, f, target, n) for n in range(MISS_COPIES) for f in files]


def thumbor_path(origin: str, file: str, target: Target) -> str:
    """`origin` without its scheme, as thumbor's HTTP loader takes it."""
    host = origin.removeprefix("http://")
    filters = f"filters:quality(80):format({target.format})"
    if target.height:
        return f"/unsafe/fit-in/{target.width}x{target.height}/{filters}/{host}/{file}"
    return f"/unsafe/{target.width}x0/{filters}/{host}/{file}"


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: Kind
    description: str
    sources: Literal["jpeg", "png", "large"]
    target: Target
    connections: int
    with_thumbor: bool = True
    with_ceiling: bool = True
    """False for an effect the in-process ceiling does not apply."""


def select_sources(photos: list[Photo], which: Literal["jpeg", "png", "large"]) -> list[Photo]:
    """`jpeg`/`png`: the ~2 MP photos of that format; `large`: 20 MP and more."""
    if which == "large":
        return [p for p in photos if p.width * p.height >= LARGE_PIXELS]
    return [p for p in photos if p.format == which and p.width * p.height <= SMALL_PIXELS]


FIT_512 = 512
LARGE_WIDTH = 300
TEXT_WATERMARK = "wm:0.5:soea:10:10/wmt:PGI-wqkgRXhhbXBsZSBQaG90b3MgMjAyNjwvYj4"
"""`<b>© Example Photos 2026</b>` at half opacity, bottom right."""
EFFECT_SCENARIOS = {"miss-jpeg-text-watermark": "miss-jpeg", "miss-jpeg-unsharp": "miss-jpeg"}
"""Scenarios of one effect over a plain miss, to the plain miss they are compared with."""

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("miss-jpeg", "miss", "JPEG -> JPEG fit 512x512", "jpeg", Target(512, 512, "jpeg"), 16),
    Scenario("miss-png", "miss", "PNG -> PNG fit 512x512", "png", Target(512, 512, "png"), 16),
    Scenario("miss-webp", "miss", "JPEG -> WebP fit 512x512", "jpeg", Target(512, 512, "webp"), 16),
    Scenario("miss-avif", "miss", "JPEG -> AVIF fit 512x512", "jpeg", Target(512, 512, "avif"), 16),
    Scenario(
        "miss-jpeg-text-watermark",
        "miss",
        "JPEG -> JPEG fit 512x512 with a text watermark",
        "jpeg",
        Target(512, 512, "jpeg", effect=TEXT_WATERMARK),
        16,
        with_thumbor=False,
        with_ceiling=False,
    ),
    Scenario(
        "miss-jpeg-unsharp",
        "miss",
        "JPEG -> JPEG fit 512x512 with unsharp_masking",
        "jpeg",
        Target(512, 512, "jpeg", effect="ush:always"),
        16,
        with_thumbor=False,
        with_ceiling=False,
    ),
    Scenario(
        "miss-jpeg-c64",
        "miss",
        "JPEG -> JPEG fit 512x512, 64 connections",
        "jpeg",
        Target(512, 512, "jpeg"),
        64,
    ),
    Scenario(
        "miss-large",
        "miss",
        "20-24 MP JPEG -> WebP 300 px wide",
        "large",
        Target(LARGE_WIDTH, 0, "webp"),
        16,
    ),
    Scenario(
        "hit-l1", "hit-l1", "JPEG fit 512x512 again: L1 hits", "jpeg", Target(512, 512, "jpeg"), 64
    ),
    Scenario(
        "hit-l2",
        "hit-l2",
        "the same from Redis, L1 off",
        "jpeg",
        Target(512, 512, "jpeg"),
        64,
        with_thumbor=False,
    ),
    Scenario(
        "storm",
        "storm",
        "64 concurrent large sources -> WebP 300 px",
        "large",
        Target(LARGE_WIDTH, 0, "webp"),
        64,
    ),
    Scenario(
        "coalesce",
        "coalesce",
        "200 concurrent identical cold requests",
        "large",
        Target(333, 0, "webp"),
        200,
    ),
)

NAMES = tuple(s.name for s in SCENARIOS)


def by_name(names: list[str]) -> list[Scenario]:
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        raise ValueError(
            f"Expected scenarios from {', '.join(NAMES)} but received {', '.join(unknown)}"
        )
    return [s for s in SCENARIOS if s.name in names]
