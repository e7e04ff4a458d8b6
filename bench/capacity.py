"""Capacity model: from daily requests and cache hit ratios to cores, replicas, Redis and bandwidth.

`.venv/bin/python -m bench.capacity [--requests-per-day N] [--peak-factor F] ...` prints the plan
for today's traffic beside two kinds of 10x growth. Everything here is arithmetic on a frozen
`Model`; `plan(model) -> CapacityPlan` is pure. Where the inputs come from:

* measured by `make bench` and read from bench/results.json (`bench.measured`) when it holds a
  run: JPEG misses per core (the faster of our two process layouts in scenario `miss-jpeg`,
  divided by the cores), the cost of WebP, AVIF and PNG misses relative to JPEG (the same
  server's rate in `miss-webp`, `miss-avif`, `miss-png`), and L1 and L2 hits per core
  (`hit-l1`, `hit-l2`). Flags override each of them.
* otherwise the defaults below: `DEFAULT_IMAGES_PER_CORE` is a rate on the old bench mix of 3
  JPEG and 1 WebP outputs (`bench.mix.TRANSFORMS`, `BENCH_MIX_FORMATS`), converted to
  JPEG-equivalents with `FORMAT_COST`.
* `FORMAT_COST`: the cost of a whole miss (decode, resize, encode) relative to JPEG. Measured on
  2026-11-24 on the bench machine (2 vCPU EPYC, libvips 8.18.7) with the server's encoder
  settings (transforms/encode.py: JPEG Q80 optimize_coding, WebP Q79 effort 4, AVIF Q63 effort 1
  = IMGPROXY_AVIF_SPEED 8) over the bench corpus and its three resize transforms: WebP 1.39x
  (1.53x on the 2-5 MP photos alone), AVIF 1.96x (2.35x). The defaults, 1.6x and 4x, are kept
  above those as planning figures: AVIF cost climbs steeply as IMGPROXY_AVIF_SPEED drops
  (effort 4 measured 21x).
* hits per core: wrk against one server process (IMGPROXY_WORKERS=2, one 90 KB result) on the
  same machine and day: 2224 L1 hits/s, 1467 L2 hits/s (IMGPROXY_CACHE_MEMORY_BYTES=0, local
  redis-server). One event loop per process serves them, so they are also a per-process ceiling.
* Redis bytes per entry: the record header from `cache.record.encode` (measured below on a
  representative record), `KEY_AND_INDEX_BYTES` (redis-server 7.0.15, jemalloc 5.3.0: INFO
  used_memory over 20,000 entries written through `RedisTier.set` + `RedisTier.index`, 5 variants
  per source, minus the blobs and their allocation slack), and `allocator_slack`.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from bench.measured import Measured, measured
from bench.mix import TRANSFORMS
from bench.results_file import read_json
from cache.http import variant_etag
from cache.record import encode, new_variant
from config.settings import Settings
from imgproxy.caching import ORIGINAL_MAX_BYTES

SECONDS_PER_DAY = 86_400
GB = 1e9
FORMAT_COST: dict[str, float] = {"jpeg": 1.0, "webp": 1.6, "avif": 4.0, "png": 2.5}
DEFAULT_FORMAT_MIX = (("jpeg", 0.5), ("webp", 0.3), ("avif", 0.2))
DEFAULT_IMAGES_PER_CORE = 20.0
"""Bench-mix images/s per core without a run in bench/results.json (41.3 / 2 on 2026-11-24)."""
L1_HITS_PER_CORE = 2000.0
L2_HITS_PER_CORE = 1400.0
KEY_AND_INDEX_BYTES = 320
"""Redis key, expiry and purge-index membership per variant (measured, see the module doc)."""
BENCH_MIX_FORMATS = tuple("jpeg" if t.ext == "jpg" else t.ext for t in TRANSFORMS)
_DEFAULTS = Settings()


def record_overhead() -> int:
    """Bytes a stored result adds to its image: `>I` length + the orjson header."""
    validator = '"0123456789abcdef0123456789abcdef"'  # a typical quoted origin ETag
    record = new_variant(
        b"",
        media_type="image/webp",
        etag=variant_etag("x" * 43, validator),
        origin_etag=validator,
        last_modified="Tue, 24 Nov 2026 02:15:16 GMT",
        now=1_795_400_000.123456,
        ttl=_DEFAULTS.cache_ttl,
        stale_grace=_DEFAULTS.cache_stale_grace,
    )
    return len(encode(record))


RECORD_OVERHEAD = record_overhead()


def allocator_slack(size: float) -> float:
    """Mean bytes jemalloc (Redis' allocator) adds to an allocation near `size`: its size
    classes come 4 per power of two, so sizes spread over a class waste half a spacing."""
    if size <= 64:
        return 0.0
    spacing: int = 1 << (math.ceil(size).bit_length() - 3)
    return spacing / 2


@dataclass(frozen=True)
class Model:
    requests_per_day: float = 1e9
    peak_factor: float = 3.0
    cdn_hit_ratio: float = 0.95
    l1_hit_ratio: float = 0.5
    """Of the requests that reach the proxy."""
    l2_hit_ratio: float = 0.8
    """Of the L1 misses (so 1 - 0.5 * 0.2 = 90 % of proxy requests are hits)."""
    sources_hit_ratio: float = 0.5
    """Of the misses: originals found in the sources cache (other srcset widths, 60 s)."""
    format_mix: tuple[tuple[str, float], ...] = DEFAULT_FORMAT_MIX
    mean_result_bytes: float = 50_000
    mean_source_bytes: float = 1_000_000
    variants_per_source: float = 5
    distinct_sources: float = 2_000_000
    """Sources requested within a storage lifetime (cache TTL + stale grace)."""
    images_per_core_per_second: float = DEFAULT_IMAGES_PER_CORE
    """Images/s per core on `rate_formats` outputs."""
    l1_hits_per_core_per_second: float = L1_HITS_PER_CORE
    l2_hits_per_core_per_second: float = L2_HITS_PER_CORE
    format_cost: tuple[tuple[str, float], ...] = tuple(FORMAT_COST.items())
    """Seconds per miss relative to JPEG, per output format."""
    rate_formats: tuple[str, ...] = BENCH_MIX_FORMATS
    """The outputs `images_per_core_per_second` was measured on, in equal shares."""
    target_utilisation: float = 0.6
    cores_per_replica: int = 8
    l1_bytes_per_replica: float = _DEFAULTS.cache_memory_bytes
    cache_ttl: float = _DEFAULTS.cache_ttl
    stale_grace: float = _DEFAULTS.cache_stale_grace
    sources_cache_ttl: float = _DEFAULTS.sources_cache_ttl
    record_overhead_bytes: float = RECORD_OVERHEAD
    key_and_index_bytes: float = KEY_AND_INDEX_BYTES
    shard_bytes: float = 25 * GB

    def __post_init__(self) -> None:
        for name in ("cdn_hit_ratio", "l1_hit_ratio", "l2_hit_ratio", "sources_hit_ratio"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"Expected {name} in 0..1 but received {value}")
        for name in ("target_utilisation", "images_per_core_per_second", "cores_per_replica"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Expected {name} > 0 but received {getattr(self, name)}")
        costs = dict(self.format_cost)
        unknown = [name for name, _ in self.format_mix if name not in costs]
        total = sum(share for _, share in self.format_mix)
        if unknown or abs(total - 1) > 1e-3 or any(share < 0 for _, share in self.format_mix):
            raise ValueError(
                f"Expected shares of {', '.join(costs)} adding up to 1 but received "
                + ",".join(f"{name}={share}" for name, share in self.format_mix)
            )


@dataclass(frozen=True)
class CapacityPlan:
    average_rps: float
    peak_rps: float
    proxy_rps: float
    """Requests/s at peak that the CDN passes to the proxy."""
    l1_hits: float
    l2_hits: float
    misses: float
    """Images/s to process at peak (coalescing ignored: it only lowers this)."""
    origin_fetches: float
    miss_cost: float
    """JPEG-equivalents per miss for the format mix."""
    jpeg_per_core: float
    busy_cores: float
    cores: float
    """busy_cores / target utilisation."""
    replicas: int
    """ceil(cores / cores per replica) + 1 (N+1)."""
    proxy_rps_per_replica: float
    l1_entries_per_replica: float
    distinct_variants: float
    variants_written_per_lifetime: float
    """Little's law check: average L2 writes/s x (TTL + grace)."""
    entry_bytes: float
    results_bytes: float
    sources_bytes: float
    redis_bytes: float
    shards: int
    origin_bps: float
    cdn_egress_bps: float
    proxy_egress_bps: float
    redis_bps: float


def mix_cost(formats: Sequence[tuple[str, float]], cost: dict[str, float] = FORMAT_COST) -> float:
    return sum(share * cost[name] for name, share in formats)


def plan(model: Model) -> CapacityPlan:
    average = model.requests_per_day / SECONDS_PER_DAY
    peak = average * model.peak_factor
    proxy = peak * (1 - model.cdn_hit_ratio)
    l1_hits = proxy * model.l1_hit_ratio
    l2_hits = (proxy - l1_hits) * model.l2_hit_ratio
    misses = proxy - l1_hits - l2_hits
    fetches = misses * (1 - model.sources_hit_ratio)
    costs = dict(model.format_cost)
    cost = mix_cost(model.format_mix, costs)
    bench_cost = mix_cost(
        [(name, 1 / len(model.rate_formats)) for name in model.rate_formats], costs
    )
    jpeg_per_core = model.images_per_core_per_second * bench_cost
    busy = (
        misses * cost / jpeg_per_core
        + l1_hits / model.l1_hits_per_core_per_second
        + l2_hits / model.l2_hits_per_core_per_second
    )
    cores = busy / model.target_utilisation
    replicas = math.ceil(cores / model.cores_per_replica) + 1
    value_bytes = model.mean_result_bytes + model.record_overhead_bytes
    entry = value_bytes + model.key_and_index_bytes + allocator_slack(value_bytes)
    distinct = model.distinct_sources * model.variants_per_source
    lifetime = model.cache_ttl + model.stale_grace
    average_writes = misses / model.peak_factor
    source_bytes = min(model.mean_source_bytes, ORIGINAL_MAX_BYTES)
    sources = fetches * model.sources_cache_ttl * source_bytes
    results = distinct * entry
    redis = results + sources
    return CapacityPlan(
        average_rps=average,
        peak_rps=peak,
        proxy_rps=proxy,
        l1_hits=l1_hits,
        l2_hits=l2_hits,
        misses=misses,
        origin_fetches=fetches,
        miss_cost=cost,
        jpeg_per_core=jpeg_per_core,
        busy_cores=busy,
        cores=cores,
        replicas=replicas,
        proxy_rps_per_replica=proxy / replicas,
        l1_entries_per_replica=model.l1_bytes_per_replica / entry,
        distinct_variants=distinct,
        variants_written_per_lifetime=average_writes * lifetime,
        entry_bytes=entry,
        results_bytes=results,
        sources_bytes=sources,
        redis_bytes=redis,
        shards=max(1, math.ceil(redis / model.shard_bytes)),
        origin_bps=fetches * model.mean_source_bytes * 8,
        cdn_egress_bps=peak * model.mean_result_bytes * 8,
        proxy_egress_bps=proxy * model.mean_result_bytes * 8,
        redis_bps=(l2_hits + misses) * model.mean_result_bytes * 8,
    )


def new_content(model: Model, factor: float = 10) -> Model:
    """`factor` times the requests for `factor` times the catalogue: same hit ratios."""
    return replace(
        model,
        requests_per_day=model.requests_per_day * factor,
        distinct_sources=model.distinct_sources * factor,
    )


def repeat_views(model: Model, factor: float = 10) -> Model:
    """`factor` times the requests for the same URLs: the CDN keeps them (max-age is a year),
    so what passes it stays at today's rate and the CDN hit ratio rises."""
    return replace(
        model,
        requests_per_day=model.requests_per_day * factor,
        cdn_hit_ratio=1 - (1 - model.cdn_hit_ratio) / factor,
    )


def measured_overrides(found: Measured | None, given: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Model fields from a bench run, for those the flags did not set; and where they came from."""
    if found is None:
        return {}, "default (no run in bench/results.json)"
    overrides: dict[str, Any] = {
        "images_per_core_per_second": found.jpeg_per_core,
        "rate_formats": ("jpeg",),
        "format_cost": tuple({**FORMAT_COST, **found.format_cost}.items()),
    }
    if found.l1_hits_per_core:
        overrides["l1_hits_per_core_per_second"] = found.l1_hits_per_core
    if found.l2_hits_per_core:
        overrides["l2_hits_per_core_per_second"] = found.l2_hits_per_core
    kept = {k: v for k, v in overrides.items() if k not in given}
    return kept, f"bench/results.json, {found.date}, {found.cores} cores"


def parse_shares(text: str) -> tuple[tuple[str, float], ...]:
    """`jpeg=0.5,webp=0.3,avif=0.2`."""
    pairs = []
    for item in text.split(","):
        name, sep, value = item.partition("=")
        try:
            pairs.append((name.strip().lower(), float(value)))
        except ValueError:
            raise ValueError(f"Expected name=number but received {item!r}") from None
        if not sep:
            raise ValueError(f"Expected name=number but received {item!r}")
    return tuple(pairs)


def _si(value: float, unit: str) -> str:
    """`1.7K`, `173.6/s`, `13.9 Gbit/s`, `546.2 GB`: a space only before a unit of measure."""
    number, prefix = f"{value:.1f}", ""
    for scale, name in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= scale:
            number, prefix = f"{value / scale:.1f}", name
            break
    space = " " if unit and not unit.startswith("/") else ""
    return f"{number}{space}{prefix}{unit}"


def _pair(first: str, second: str) -> str:
    return f"{first} / {second}"


def rows(p: CapacityPlan) -> list[tuple[str, str]]:
    return [
        ("requests/s, average / peak", _pair(_si(p.average_rps, ""), _si(p.peak_rps, ""))),
        ("requests/s at peak reaching the proxy", _si(p.proxy_rps, "")),
        ("  L1 hits/s / L2 hits/s", _pair(_si(p.l1_hits, ""), _si(p.l2_hits, ""))),
        ("misses/s to process", _si(p.misses, "")),
        (
            "cost per miss (JPEG = 1) / JPEGs per core per s",
            _pair(f"{p.miss_cost:.2f}", f"{p.jpeg_per_core:.1f}"),
        ),
        (
            "cores busy / needed at target utilisation",
            _pair(f"{p.busy_cores:.1f}", f"{p.cores:.1f}"),
        ),
        ("replicas (N+1)", str(p.replicas)),
        ("  proxy requests/s per replica", _si(p.proxy_rps_per_replica, "")),
        ("  L1 entries per replica", _si(p.l1_entries_per_replica, "")),
        (
            "distinct variants / written per TTL+grace",
            _pair(_si(p.distinct_variants, ""), _si(p.variants_written_per_lifetime, "")),
        ),
        ("Redis bytes per entry", f"{p.entry_bytes:,.0f}"),
        (
            "Redis memory: results / originals",
            _pair(_si(p.results_bytes, "B"), _si(p.sources_bytes, "B")),
        ),
        ("Redis Cluster shards", str(p.shards)),
        (
            "origin fetches/s / bandwidth",
            _pair(_si(p.origin_fetches, ""), _si(p.origin_bps, "bit/s")),
        ),
        ("CDN egress", _si(p.cdn_egress_bps, "bit/s")),
        ("proxy egress (to the CDN)", _si(p.proxy_egress_bps, "bit/s")),
        ("Redis traffic (result reads + writes)", _si(p.redis_bps, "bit/s")),
    ]


def table(plans: Sequence[tuple[str, CapacityPlan]]) -> str:
    lines = ["| | " + " | ".join(name for name, _ in plans) + " |"]
    lines.append("| --- |" + " ---: |" * len(plans))
    columns = [rows(p) for _, p in plans]
    for index, (label, _) in enumerate(columns[0]):
        lines.append(f"| {label} | " + " | ".join(c[index][1] for c in columns) + " |")
    return "\n".join(lines)


def bends(base: CapacityPlan, new: CapacityPlan, repeat: CapacityPlan, l1_per_core: float) -> str:
    return "\n".join(
        [
            "Where it bends at 10x:",
            f"* Linear in requests, always: CDN egress {_si(base.cdn_egress_bps, 'bit/s')} -> "
            f"{_si(new.cdn_egress_bps, 'bit/s')}; the CDN carries it.",
            f"* Linear in what passes the CDN: proxy requests {_si(base.proxy_rps, '/s')} -> "
            f"{_si(new.proxy_rps, '/s')}, misses {_si(base.misses, '/s')} -> "
            f"{_si(new.misses, '/s')}, replicas {base.replicas} -> {new.replicas}, origin "
            f"{_si(base.origin_bps, 'bit/s')} -> {_si(new.origin_bps, 'bit/s')} (new content).",
            f"* Capped by the CDN: repeat views of the same URLs leave all of those at 1x "
            f"({repeat.replicas} replicas); only the CDN hit ratio rises.",
            f"* Linear in the catalogue, not in requests: Redis {_si(base.redis_bytes, 'B')} -> "
            f"{_si(new.redis_bytes, 'B')} ({base.shards} -> {new.shards} shards) with new "
            f"content, {_si(repeat.redis_bytes, 'B')} with repeat views.",
            f"* Per core: about {l1_per_core:,.0f} L1 hits/s; "
            f"each replica sees {_si(new.proxy_rps_per_replica, '/s')} at 10x new content.",
        ]
    )


def parser() -> argparse.ArgumentParser:
    args = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__)
    defaults = Model()
    for spec in fields(Model):
        if spec.name in (
            "format_mix",
            "format_cost",
            "rate_formats",
            "record_overhead_bytes",
            "key_and_index_bytes",
        ):
            continue
        flag = "--" + spec.name.replace("_", "-")
        kind = int if spec.name == "cores_per_replica" else float
        default = getattr(defaults, spec.name)
        args.add_argument(flag, type=kind, default=None, help=f"default {default:g}")
    mix = ",".join(f"{name}={share:g}" for name, share in DEFAULT_FORMAT_MIX)
    args.add_argument("--format-mix", default=mix, help=f"output formats, default {mix}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    options = parser().parse_args(argv)
    given = {k: v for k, v in vars(options).items() if v is not None and k != "format_mix"}
    source = "--images-per-core-per-second"
    if options.images_per_core_per_second is None:
        overrides, source = measured_overrides(measured(read_json()), given)
        given.update(overrides)
    try:
        model = Model(format_mix=parse_shares(options.format_mix), **given)
    except ValueError as error:
        print(f"bench.capacity: {error}", file=sys.stderr)
        return 2
    base, new, repeat = plan(model), plan(new_content(model)), plan(repeat_views(model))
    mix = ", ".join(
        f"{name} {share:.0%} x{dict(model.format_cost)[name]:.2f}"
        for name, share in model.format_mix
    )
    print(
        f"model: {model.requests_per_day:,.0f} requests/day, peak x{model.peak_factor:g}, "
        f"CDN {model.cdn_hit_ratio:.0%}, L1 {model.l1_hit_ratio:.0%}, "
        f"L2 {model.l2_hit_ratio:.0%} of L1 misses, sources {model.sources_hit_ratio:.0%}"
    )
    measured_on = "/".join(dict.fromkeys(model.rate_formats))
    print(
        f"formats: {mix}; {model.images_per_core_per_second:.2f} {measured_on} images/s per core, "
        f"{model.l1_hits_per_core_per_second:,.0f} L1 and {model.l2_hits_per_core_per_second:,.0f} "
        f"L2 hits/s per core ({source})"
    )
    print(
        f"results {model.mean_result_bytes:,.0f} B, sources {model.mean_source_bytes:,.0f} B, "
        f"{model.distinct_sources:,.0f} sources x {model.variants_per_source:g} variants, "
        f"TTL {model.cache_ttl:g} s + grace {model.stale_grace:g} s, "
        f"{model.cores_per_replica}-core replicas at {model.target_utilisation:.0%} CPU, "
        f"{model.shard_bytes / GB:g} GB shards"
    )
    print()
    print(table([("today", base), ("10x new content", new), ("10x repeat views", repeat)]))
    print()
    print(bends(base, new, repeat, model.l1_hits_per_core_per_second))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
