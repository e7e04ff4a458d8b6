"""The capacity model against numbers worked out by hand, and the command that prints it."""

import subprocess
import sys

import pytest

from bench.capacity import (
    RECORD_OVERHEAD,
    Model,
    allocator_slack,
    main,
    measured_overrides,
    new_content,
    parse_shares,
    plan,
    repeat_views,
)
from bench.measured import measured
from cache.record import encode, new_variant
from tests.support import REPO

# Defaults, with the two measured inputs pinned so the arithmetic below stays by hand.
MODEL = Model(images_per_core_per_second=20.0, record_overhead_bytes=200)

ROW = {
    "role": "ours",
    "p50_ms": 1.0,
    "p99_ms": 2.0,
    "requests": 100,
    "errors": 0,
    "timeouts": 0,
    "peak_rss_mb": 100.0,
    "cpu_s_per_image": 0.01,
    "mean_output_kb": 30.0,
}


def test_traffic_through_the_tiers() -> None:
    p = plan(MODEL)
    assert p.average_rps == pytest.approx(11_574.074, rel=1e-6)  # 1e9 / 86,400
    assert p.peak_rps == pytest.approx(34_722.222, rel=1e-6)  # x 3
    assert p.proxy_rps == pytest.approx(1_736.1111, rel=1e-6)  # 5 % pass the CDN
    assert p.l1_hits == pytest.approx(868.05556, rel=1e-6)  # half of them
    assert p.l2_hits == pytest.approx(694.44444, rel=1e-6)  # 80 % of the other half
    assert p.misses == pytest.approx(173.61111, rel=1e-6)  # 10 % of what reaches the proxy
    assert p.origin_fetches == pytest.approx(86.805556, rel=1e-6)  # half in the sources cache


def test_cores_and_replicas() -> None:
    p = plan(MODEL)
    assert p.miss_cost == pytest.approx(1.78)  # 0.5 x 1 + 0.3 x 1.6 + 0.2 x 4
    assert p.jpeg_per_core == pytest.approx(23.0)  # 20 bench images x (3 x 1 + 1.6) / 4
    # 173.61111 x 1.78 / 23 + 868.05556 / 2000 + 694.44444 / 1400
    # = 13.435990 + 0.434028 + 0.496032
    assert p.busy_cores == pytest.approx(14.366050, rel=1e-6)
    assert p.cores == pytest.approx(23.943416, rel=1e-6)  # at 60 %
    assert p.replicas == 4  # ceil(23.94 / 8) = 3, plus one
    assert p.proxy_rps_per_replica == pytest.approx(434.02778, rel=1e-6)


def test_redis_memory_and_shards() -> None:
    p = plan(MODEL)
    # 50,000 image + 200 record header + 320 key and index + 4,096 (half of jemalloc's 8 KiB
    # size-class spacing between 32 and 64 KiB)
    assert p.entry_bytes == 54_616
    assert p.distinct_variants == 10_000_000  # 2 M sources x 5
    assert p.results_bytes == pytest.approx(546.16e9)
    # Little's law: 57.87 average L2 writes/s x 172,800 s of TTL + grace
    assert p.variants_written_per_lifetime == pytest.approx(10_000_000, rel=1e-6)
    assert p.sources_bytes == pytest.approx(86.805556 * 60 * 1e6, rel=1e-6)  # 5.208 GB
    assert p.redis_bytes == pytest.approx(551.36833e9, rel=1e-6)
    assert p.shards == 23  # 551.4 GB / 25 GB = 22.05
    assert p.l1_entries_per_replica == pytest.approx(268_435_456 / 54_616)


def test_bandwidth() -> None:
    p = plan(MODEL)
    assert p.cdn_egress_bps == pytest.approx(34_722.222 * 50_000 * 8, rel=1e-6)  # 13.9 Gbit/s
    assert p.proxy_egress_bps == pytest.approx(1_736.1111 * 50_000 * 8, rel=1e-6)  # 694 Mbit/s
    assert p.origin_bps == pytest.approx(86.805556 * 1e6 * 8, rel=1e-6)  # 694 Mbit/s
    assert p.redis_bps == pytest.approx((694.44444 + 173.61111) * 50_000 * 8, rel=1e-6)


def test_ten_times_new_content_is_linear_and_repeat_views_are_capped_by_the_cdn() -> None:
    base, new, repeat = plan(MODEL), plan(new_content(MODEL)), plan(repeat_views(MODEL))
    assert new.proxy_rps == pytest.approx(10 * base.proxy_rps)
    assert new.cores == pytest.approx(10 * base.cores)
    assert new.replicas == 31  # ceil(239.43 / 8) + 1
    assert new.results_bytes == pytest.approx(10 * base.results_bytes)
    assert repeat_views(MODEL).cdn_hit_ratio == pytest.approx(0.995)
    assert repeat.proxy_rps == pytest.approx(base.proxy_rps)
    assert (repeat.replicas, repeat.shards) == (base.replicas, base.shards)
    assert repeat.cdn_egress_bps == pytest.approx(10 * base.cdn_egress_bps)


def test_allocator_slack_is_half_a_jemalloc_size_class() -> None:
    assert allocator_slack(50_200) == 4096  # classes 40, 48, 56, 64 KiB
    assert allocator_slack(2_004) == 128  # classes 1280, 1536, 1792, 2048
    assert allocator_slack(64) == 0


def test_record_overhead_comes_from_the_record_layout() -> None:
    data = b"\x00" * 1000
    record = new_variant(
        data,
        media_type="image/avif",
        etag='"' + "e" * 43 + '"',
        origin_etag='"0123456789abcdef0123456789abcdef"',
        last_modified="Tue, 24 Nov 2026 02:15:16 GMT",
        now=1_795_400_000.5,
        ttl=86_400,
        stale_grace=86_400,
    )
    assert abs(RECORD_OVERHEAD - (len(encode(record)) - len(data))) < 16
    assert RECORD_OVERHEAD < 220  # what tests/cache/test_record.py allows


BENCH_JSON = {
    "bench": {
        "date": "2026-11-24 05:00 UTC",
        "cores": 2,
        "rows": [
            {**ROW, "scenario": "miss-jpeg", "server": "ours, 1 process", "requests_per_sec": 80.0},
            {
                **ROW,
                "scenario": "miss-jpeg",
                "server": "ours, 2 processes",
                "requests_per_sec": 60.0,
            },
            {
                **ROW,
                "scenario": "miss-jpeg",
                "server": "thumbor",
                "role": "thumbor",
                "requests_per_sec": 500.0,
            },
            {**ROW, "scenario": "miss-webp", "server": "ours, 1 process", "requests_per_sec": 40.0},
            {
                **ROW,
                "scenario": "miss-webp",
                "server": "ours, 2 processes",
                "requests_per_sec": 50.0,
            },
            {**ROW, "scenario": "miss-avif", "server": "ours, 1 process", "requests_per_sec": 20.0},
            {
                **ROW,
                "scenario": "hit-l1",
                "server": "ours, 2 processes",
                "requests_per_sec": 3000.0,
            },
        ],
    }
}


def test_measured_figures_come_from_the_best_layout_of_our_proxy() -> None:
    found = measured(BENCH_JSON)
    assert found is not None
    assert found.jpeg_per_core == 40.0  # 80 / 2 cores; thumbor's row is not ours
    assert found.format_cost == {"jpeg": 1.0, "webp": 2.0, "avif": 4.0}  # same server's rows
    assert (found.l1_hits_per_core, found.l2_hits_per_core) == (1500.0, None)
    assert measured({}) is None
    assert measured({"bench": {"rows": []}}) is None


def test_measured_figures_feed_the_model_unless_a_flag_sets_them() -> None:
    found = measured(BENCH_JSON)
    overrides, source = measured_overrides(found, {"l1_hits_per_core_per_second": 10.0})
    assert source == "bench/results.json, 2026-11-24 05:00 UTC, 2 cores"
    assert "l1_hits_per_core_per_second" not in overrides
    model = Model(**overrides)
    p = plan(model)
    assert p.jpeg_per_core == 40.0  # measured on JPEG alone: no bench-mix conversion
    assert p.miss_cost == pytest.approx(0.5 + 0.3 * 2.0 + 0.2 * 4.0)
    assert measured_overrides(None, {}) == ({}, "default (no run in bench/results.json)")


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match=r"Expected cdn_hit_ratio in 0\.\.1 but received 1\.5"):
        Model(cdn_hit_ratio=1.5)
    with pytest.raises(ValueError, match=r"adding up to 1 but received jpeg=0\.5,webp=0\.3"):
        Model(format_mix=(("jpeg", 0.5), ("webp", 0.3)))
    with pytest.raises(ValueError, match="received jxl=1"):
        Model(format_mix=(("jxl", 1.0),))
    with pytest.raises(ValueError, match="Expected name=number but received 'webp'"):
        parse_shares("jpeg=0.5,webp")
    assert parse_shares("JPEG=0.7, webp=0.3") == (("jpeg", 0.7), ("webp", 0.3))


def test_flags_change_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--requests-per-day", "86400000", "--peak-factor", "1", "--cdn-hit-ratio", "0.9"]
    argv += ["--format-mix", "jpeg=1", "--images-per-core-per-second", "10"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    # 1,000/s average = peak; 100/s reach the proxy; 10/s are misses
    assert "| requests/s at peak reaching the proxy | 100.0 |" in out
    assert "| misses/s to process | 10.0 |" in out
    assert "(--images-per-core-per-second)" in out
    assert main(["--format-mix", "jpeg=0.5"]) == 2
    assert "adding up to 1" in capsys.readouterr().err


def test_the_command_prints_the_table() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.capacity"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "| | today | 10x new content | 10x repeat views |" in done.stdout
    assert "| requests/s, average / peak | 11.6K / 34.7K |" in done.stdout
    assert "| requests/s at peak reaching the proxy | 1.7K | 17.4K | 1.7K |" in done.stdout
    assert "| misses/s to process | 173.6 | 1.7K | 173.6 |" in done.stdout
    assert "Where it bends at 10x:" in done.stdout
    for row in ("replicas (N+1)", "Redis Cluster shards", "CDN egress"):
        assert f"| {row} |" in done.stdout
