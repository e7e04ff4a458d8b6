"""Rows measured in alternating rounds, so that every side of a comparison sees the same minutes.

This 2-vCPU host's speed drifts by a third within minutes. Measured one after the other, ours,
thumbor and the ceiling each caught a different spell, and a ratio between their rows said more
about the spell than about the servers. A miss or hit scenario now measures each side in
`ROUNDS` short rounds, the sides taking turns (the order rotated each round), and merges each
side's rounds into one row.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from bench.record import Row

ROUNDS = 3
MIN_ROUND_S = 2

Side = TypeVar("Side")


def round_seconds(duration_s: int, rounds: int = ROUNDS) -> int:
    """Each round's share of a measurement of `duration_s`, in whole seconds (wrk's unit)."""
    if rounds == 1:
        return duration_s
    return max(MIN_ROUND_S, math.ceil(duration_s / rounds))


def round_order(sides: Sequence[Side], index: int) -> list[Side]:
    """The sides in round `index`: rotated, so that each goes first in turn."""
    if not sides:
        return []
    shift = index % len(sides)
    return [*sides[shift:], *sides[:shift]]


def _weighted(values: Sequence[float | None], weights: Sequence[int]) -> float | None:
    """The mean of `values` weighted by `weights`; None when any weighed value is missing."""
    total, weighed = 0, 0.0
    for value, weight in zip(values, weights, strict=True):
        if not weight:
            continue
        if value is None:
            return None
        total, weighed = total + weight, weighed + value * weight
    return weighed / total if total else None


def merged(rounds: Sequence[Row]) -> Row:
    """One side's rounds as one row: throughput over the summed time, CPU per image over the
    summed requests, the peak of the peaks, and the median round's latency percentiles; each
    round's throughput, CPU per image and p99 kept beside them."""
    if not rounds:
        raise ValueError("Expected at least one round but received none")
    first = rounds[0]
    requests = [row.requests for row in rounds]
    seconds = sum(row.requests / row.requests_per_sec for row in rounds if row.requests_per_sec)
    peaks = [row.peak_rss_mb for row in rounds if row.peak_rss_mb is not None]
    return replace(
        first,
        requests_per_sec=sum(requests) / seconds if seconds else 0.0,
        p50_ms=statistics.median(row.p50_ms for row in rounds),
        p99_ms=statistics.median(row.p99_ms for row in rounds),
        requests=sum(requests),
        errors=sum(row.errors for row in rounds),
        timeouts=sum(row.timeouts for row in rounds),
        peak_rss_mb=max(peaks) if peaks else None,
        cpu_s_per_image=_weighted([row.cpu_s_per_image for row in rounds], requests),
        loop_ms_per_image=_weighted([row.loop_ms_per_image for row in rounds], requests),
        round_rates=tuple(row.requests_per_sec for row in rounds),
        round_cpu_s=tuple(row.cpu_s_per_image for row in rounds),
        round_p99_ms=tuple(row.p99_ms for row in rounds),
    )
