"""The measured rows, their ratios within one run, and the targets of issue 15 checked on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bench.round_spread import difference, paired, rounds_text, share
from bench.scenarios import EFFECT_SCENARIOS

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
    loop_ms_per_image: float | None = None
    """CPU of the event-loop threads (the serving processes' main threads) per request answered."""
    round_rates: tuple[float, ...] = ()
    """Requests per second of each alternating round, in the order measured (`bench.rounds`)."""
    round_cpu_s: tuple[float | None, ...] = ()
    round_p99_ms: tuple[float, ...] = ()


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


def is_miss(row: Row) -> bool:
    """A miss scenario: its ceiling is the in-process pyvips loop (for hits it is a bare app)."""
    return row.scenario.startswith("miss-")


def cpu_ms(row: Row) -> float | None:
    return None if row.cpu_s_per_image is None else row.cpu_s_per_image * 1000.0


def overhead_ms(rows: Sequence[Row], row: Row) -> float | None:
    """Our CPU per image minus the same scenario's ceiling CPU per image (misses only): what the
    server spends beyond the codec work itself."""
    if row.role != "ours" or not is_miss(row):
        return None
    ceiling = _match(rows, row, "ceiling")
    ours, floor = cpu_ms(row), None if ceiling is None else cpu_ms(ceiling)
    return None if ours is None or floor is None else ours - floor


def _num(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| scenario | server | req/s | p50 ms | p99 ms | peak RSS MB | CPU ms/image "
        "| event loop ms/image | overhead ms | mean output KB | q | errors / timeouts "
        "| ours ÷ thumbor | ours ÷ ceiling |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row.scenario} | {row.server} | {_num(row.requests_per_sec)} | {_num(row.p50_ms)} "
            f"| {_num(row.p99_ms)} | {_num(row.peak_rss_mb, 0)} | {_num(cpu_ms(row))} "
            f"| {_num(row.loop_ms_per_image, 2)} | {_num(overhead_ms(rows, row))} "
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
    met: bool | None
    """None: reported only, no target."""


OVERHEAD_MS = 3.0
CEILING_SHARE = 0.9
THUMBOR_TARGETS = {"miss-jpeg": 1.05, "miss-png": 2.5, "miss-avif": 2.0}
REPORTED_AGAINST_THUMBOR = ("miss-webp",)
HIT_TARGETS = {"hit-l1": (0.4, 3.0), "hit-l2": (0.5, 3.0)}
"""Scenario: (share of the bare endpoint's throughput, most p99 as a multiple of its p99)."""


def _ours(rows: Sequence[Row], scenario: str) -> list[Row]:
    return [r for r in rows if r.scenario == scenario and r.role == "ours"]


def _judged(target: str, measured: str, met: bool, compared: Sequence[Row | None]) -> Verdict:
    """A verdict, or only a report when a row it compares lost requests: a server that failed
    some of its load did less work, and its throughput, CPU and memory say so."""
    failed = [r for r in compared if r is not None and (r.errors or r.timeouts)]
    if not failed:
        return Verdict(target, measured, met)
    lost = ", ".join(f"{r.server} failed {r.errors + r.timeouts} requests" for r in failed)
    return Verdict(target, f"{measured}; not judged: {lost}", None)


def _overhead_verdicts(rows: Sequence[Row]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for row in rows:
        extra, ceiling = overhead_ms(rows, row), _match(rows, row, "ceiling")
        if extra is None or ceiling is None:
            continue
        verdicts.append(
            _judged(
                f"{row.scenario} {row.server}: overhead over the codec floor "
                f"<= {OVERHEAD_MS:g} ms per miss",
                f"{extra:.1f} ms ({_num(cpu_ms(row))} - {_num(cpu_ms(ceiling))} ms per image"
                f"{rounds_text(_round_overheads(row, ceiling), '.1f')})",
                extra <= OVERHEAD_MS,
                [row, ceiling],
            )
        )
    return verdicts


def _round_overheads(row: Row, ceiling: Row) -> list[float] | None:
    spread = paired(row.round_cpu_s, ceiling.round_cpu_s, difference)
    return None if spread is None else [1000.0 * value for value in spread]


def _round_shares(row: Row, other: Row | None) -> list[float] | None:
    return None if other is None else paired(row.round_rates, other.round_rates, share)


def _ceiling_verdicts(rows: Sequence[Row]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for row in rows:
        got = ratio(rows, row, "ceiling") if is_miss(row) and row.processes == 1 else None
        if got is not None:
            ceiling = _match(rows, row, "ceiling")
            verdicts.append(
                _judged(
                    f"{row.scenario} {row.server} >= {CEILING_SHARE}x the pyvips ceiling",
                    f"{got:.2f}x{rounds_text(_round_shares(row, ceiling), '.2f')}",
                    got >= CEILING_SHARE,
                    [row, ceiling],
                )
            )
    return verdicts


def _thumbor_verdicts(rows: Sequence[Row]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for scenario in (*THUMBOR_TARGETS, *REPORTED_AGAINST_THUMBOR):
        wanted = THUMBOR_TARGETS.get(scenario)
        for row in _ours(rows, scenario):
            got = ratio(rows, row, "thumbor")
            if got is None:
                continue
            thumbor = _match(rows, row, "thumbor")
            measured = f"{got:.2f}x{rounds_text(_round_shares(row, thumbor), '.2f')}"
            if wanted is None:
                verdicts.append(Verdict(f"{scenario} {row.server} vs thumbor", measured, None))
            else:
                verdicts.append(
                    _judged(
                        f"{scenario} {row.server} >= {wanted}x thumbor",
                        measured,
                        got >= wanted,
                        [row, thumbor],
                    )
                )
    return verdicts


def _storm_verdicts(rows: Sequence[Row]) -> list[Verdict]:
    thumbor = next((r for r in rows if r.scenario == "storm" and r.role == "thumbor"), None)
    if thumbor is None or not thumbor.peak_rss_mb:
        return []
    return [
        _judged(
            f"storm {row.server} peak RSS <= thumbor's",
            f"{row.peak_rss_mb:.0f} MB vs {thumbor.peak_rss_mb:.0f} MB "
            f"({row.peak_rss_mb / thumbor.peak_rss_mb:.0%}); throughput "
            f"{row.requests_per_sec:.1f} vs {thumbor.requests_per_sec:.1f} req/s",
            row.peak_rss_mb <= thumbor.peak_rss_mb,
            [row, thumbor],
        )
        for row in _ours(rows, "storm")
        if row.peak_rss_mb is not None
    ]


def _hit_verdicts(rows: Sequence[Row]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for scenario, (wanted_share, p99_times) in HIT_TARGETS.items():
        for row in _ours(rows, scenario):
            bare = _match(rows, row, "ceiling")
            if bare is None or not bare.requests_per_sec:
                continue
            got = row.requests_per_sec / bare.requests_per_sec
            verdicts.append(
                _judged(
                    f"{scenario} {row.server} >= {wanted_share:.0%} of {bare.server}",
                    f"{got:.0%}{rounds_text(_round_shares(row, bare), '.0%')}",
                    got >= wanted_share,
                    [row, bare],
                )
            )
            if bare.p99_ms:
                p99 = row.p99_ms / bare.p99_ms
                spread = paired(row.round_p99_ms, bare.round_p99_ms, share)
                verdicts.append(
                    _judged(
                        f"{scenario} {row.server} p99 <= {p99_times:g}x the p99 of {bare.server}",
                        f"{row.p99_ms:.1f} ms vs {bare.p99_ms:.1f} ms "
                        f"({p99:.2f}x{rounds_text(spread, '.2f')})",
                        p99 <= p99_times,
                        [row, bare],
                    )
                )
    return verdicts


def _effect_verdicts(rows: Sequence[Row]) -> list[Verdict]:
    """An effect's CPU per image beside the plain miss of the same server (reported only)."""
    verdicts: list[Verdict] = []
    for scenario, plain_scenario in EFFECT_SCENARIOS.items():
        for row in _ours(rows, scenario):
            plain = next((p for p in _ours(rows, plain_scenario) if p.server == row.server), None)
            with_effect, without = cpu_ms(row), None if plain is None else cpu_ms(plain)
            if with_effect is None or without is None:
                continue
            verdicts.append(
                Verdict(
                    f"{scenario} {row.server}: CPU per image beside {plain_scenario}",
                    f"{with_effect:.1f} ms vs {without:.1f} ms "
                    f"(+{with_effect - without:.1f} ms, {with_effect / without:.2f}x)",
                    None,
                )
            )
    return verdicts


def verdicts(rows: Sequence[Row]) -> list[Verdict]:
    return [
        *_overhead_verdicts(rows),
        *_ceiling_verdicts(rows),
        *_thumbor_verdicts(rows),
        *_storm_verdicts(rows),
        *_hit_verdicts(rows),
        *_effect_verdicts(rows),
    ]


def verdict_lines(found: Sequence[Verdict]) -> list[str]:
    word = {True: "met", False: "MISSED", None: "reported"}
    return [f"- {word[v.met]}: {v.target}: {v.measured}" for v in found]
