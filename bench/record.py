"""The measured rows, their ratios within one run, and the targets of issue 7 checked on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Role = Literal["ours", "thumbor", "ceiling"]


@dataclass(frozen=True)
class Row:
    scenario: str
    server: str
    role: str
    """"ours", "thumbor" or "ceiling" (pyvips in-process, or the bare Starlette app for hits)."""
    requests_per_sec: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    """Non-2xx answers and socket errors other than timeouts."""
    timeouts: int
    peak_rss_mb: float | None
    cpu_s_per_image: float | None
    mean_output_kb: float | None
    quality: int | None = None
    processes: int = 1
    origin_fetches: int | None = None
    processing_runs: int | None = None


def _match(rows: Sequence[Row], row: Row, role: str) -> Row | None:
    """The row of `role` in the same scenario; for ceilings, the one with the same processes."""
    candidates = [r for r in rows if r.scenario == row.scenario and r.role == role]
    same = [r for r in candidates if r.processes == row.processes]
    found = same or candidates
    return found[0] if found else None


def ratio(rows: Sequence[Row], row: Row, role: str) -> float | None:
    if row.role != "ours":
        return None
    other = _match(rows, row, role)
    if other is None or other.requests_per_sec <= 0:
        return None
    return row.requests_per_sec / other.requests_per_sec


def _num(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| scenario | server | req/s | p50 ms | p99 ms | peak RSS MB | CPU s/image "
        "| mean output KB | q | errors / timeouts | ours ÷ thumbor | ours ÷ ceiling |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        cpu = "" if row.cpu_s_per_image is None else f"{row.cpu_s_per_image:.4f}"
        lines.append(
            f"| {row.scenario} | {row.server} | {_num(row.requests_per_sec)} | {_num(row.p50_ms)} "
            f"| {_num(row.p99_ms)} | {_num(row.peak_rss_mb, 0)} | {cpu} "
            f"| {_num(row.mean_output_kb)} | {'' if row.quality is None else row.quality} "
            f"| {row.errors} / {row.timeouts} | {_num(ratio(rows, row, 'thumbor'), 2)} "
            f"| {_num(ratio(rows, row, 'ceiling'), 2)} |"
        )
    return lines


def coalescing_lines(rows: Sequence[Row]) -> list[str]:
    found = [r for r in rows if r.origin_fetches is not None or r.processing_runs is not None]
    return [
        f"- {r.scenario}, {r.server}: {r.requests} requests answered, "
        f"{r.origin_fetches} origin fetches, "
        f"{'n/a' if r.processing_runs is None else r.processing_runs} processing runs"
        for r in found
    ]


@dataclass(frozen=True)
class Verdict:
    target: str
    measured: str
    met: bool


MISS_TARGETS = {"miss-jpeg": 1.25, "miss-webp": 1.3, "miss-png": 2.5, "miss-avif": 3.0}
CEILING_SHARE = 0.9
L1_SHARE, L1_P99 = 0.8, 1.5
L2_SHARE = 0.5
STORM_RSS_SHARE = 0.5
HOLD_AT_64 = 0.9


def _ours(rows: Sequence[Row], scenario: str) -> list[Row]:
    return [r for r in rows if r.scenario == scenario and r.role == "ours"]


def _ratio_verdicts(rows: Sequence[Row]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for scenario, wanted in MISS_TARGETS.items():
        for row in _ours(rows, scenario):
            to_thumbor, to_ceiling = ratio(rows, row, "thumbor"), ratio(rows, row, "ceiling")
            if to_thumbor is not None:
                verdicts.append(
                    Verdict(
                        f"{scenario} {row.server} >= {wanted}x thumbor",
                        f"{to_thumbor:.2f}x",
                        to_thumbor >= wanted,
                    )
                )
            if to_ceiling is not None:
                verdicts.append(
                    Verdict(
                        f"{scenario} {row.server} >= {CEILING_SHARE:.0%} of the pyvips ceiling",
                        f"{to_ceiling:.0%}",
                        to_ceiling >= CEILING_SHARE,
                    )
                )
    return verdicts


def _c64_verdicts(rows: Sequence[Row]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for row in _ours(rows, "miss-jpeg-c64"):
        base = next((r for r in _ours(rows, "miss-jpeg") if r.server == row.server), None)
        held = (
            row.requests_per_sec / base.requests_per_sec if base and base.requests_per_sec else None
        )
        measured = f"{row.timeouts} timeouts, {row.errors} errors"
        ok = row.timeouts == 0 and row.errors == 0
        if held is not None:
            measured += f", {held:.0%} of its 16-connection throughput"
            ok = ok and held >= HOLD_AT_64
        verdicts.append(
            Verdict(
                f"miss-jpeg at 64 connections, {row.server}: no timeouts, throughput held",
                measured,
                ok,
            )
        )
    return verdicts


def _hit_verdicts(rows: Sequence[Row]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for scenario, share in (("hit-l1", L1_SHARE), ("hit-l2", L2_SHARE)):
        for row in _ours(rows, scenario):
            bare = _match(rows, row, "ceiling")
            if bare is None or not bare.requests_per_sec:
                continue
            got = row.requests_per_sec / bare.requests_per_sec
            verdicts.append(
                Verdict(
                    f"{scenario} {row.server} >= {share:.0%} of bare Starlette",
                    f"{got:.0%}",
                    got >= share,
                )
            )
            if scenario == "hit-l1" and bare.p99_ms:
                p99 = row.p99_ms / bare.p99_ms
                verdicts.append(
                    Verdict(
                        f"hit-l1 {row.server} p99 <= {L1_P99}x bare Starlette's",
                        f"{p99:.2f}x",
                        p99 <= L1_P99,
                    )
                )
    return verdicts


def _storm_verdicts(rows: Sequence[Row]) -> list[Verdict]:
    thumbor = next((r for r in rows if r.scenario == "storm" and r.role == "thumbor"), None)
    if thumbor is None or not thumbor.peak_rss_mb:
        return []
    return [
        Verdict(
            f"storm {row.server} peak RSS < {STORM_RSS_SHARE:.0%} of thumbor's",
            f"{row.peak_rss_mb:.0f} MB vs {thumbor.peak_rss_mb:.0f} MB "
            f"({row.peak_rss_mb / thumbor.peak_rss_mb:.0%})",
            row.peak_rss_mb < STORM_RSS_SHARE * thumbor.peak_rss_mb,
        )
        for row in _ours(rows, "storm")
        if row.peak_rss_mb is not None
    ]


def _coalesce_verdicts(rows: Sequence[Row]) -> list[Verdict]:
    return [
        Verdict(
            f"coalesce {row.server}: one origin fetch and one processing run per process",
            f"{row.origin_fetches} fetches, {row.processing_runs} runs",
            (row.origin_fetches or 0) <= row.processes
            and (row.processing_runs or 0) <= row.processes,
        )
        for row in _ours(rows, "coalesce")
    ]


def verdicts(rows: Sequence[Row]) -> list[Verdict]:
    return [
        *_ratio_verdicts(rows),
        *_c64_verdicts(rows),
        *_hit_verdicts(rows),
        *_storm_verdicts(rows),
        *_coalesce_verdicts(rows),
    ]


def verdict_lines(found: Sequence[Verdict]) -> list[str]:
    return [f"- {'met' if v.met else 'MISSED'}: {v.target}: {v.measured}" for v in found]
