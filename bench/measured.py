"""Per-core figures for the capacity model, from the rows `make bench` wrote to results.json."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.record import Row
from bench.results_file import rows_from_json

MISS_SCENARIOS = {"jpeg": "miss-jpeg", "webp": "miss-webp", "avif": "miss-avif", "png": "miss-png"}


@dataclass(frozen=True)
class Measured:
    date: str
    cores: int
    jpeg_per_core: float
    format_cost: dict[str, float]
    """Seconds per image relative to JPEG, from the same server configuration."""
    l1_hits_per_core: float | None
    l2_hits_per_core: float | None


def _best(rows: Sequence[Row], scenario: str) -> Row | None:
    ours = [r for r in rows if r.scenario == scenario and r.role == "ours" and r.requests_per_sec]
    return max(ours, key=lambda r: r.requests_per_sec, default=None)


def _same_server(rows: Sequence[Row], scenario: str, server: str) -> Row | None:
    return next(
        (r for r in rows if r.scenario == scenario and r.server == server and r.requests_per_sec),
        None,
    )


def measured(data: dict[str, Any]) -> Measured | None:
    """None when the file holds no bench run with a JPEG miss row."""
    bench = data.get("bench")
    if not isinstance(bench, dict) or not bench.get("rows"):
        return None
    rows = rows_from_json(bench["rows"])
    cores = int(bench.get("cores") or 1)
    jpeg = _best(rows, "miss-jpeg")
    if jpeg is None:
        return None
    cost = {"jpeg": 1.0}
    for name, scenario in MISS_SCENARIOS.items():
        other = _same_server(rows, scenario, jpeg.server)
        if other is not None and name != "jpeg":
            cost[name] = jpeg.requests_per_sec / other.requests_per_sec
    l1, l2 = _best(rows, "hit-l1"), _best(rows, "hit-l2")
    return Measured(
        date=str(bench.get("date", "")),
        cores=cores,
        jpeg_per_core=jpeg.requests_per_sec / cores,
        format_cost=cost,
        l1_hits_per_core=l1.requests_per_sec / cores if l1 else None,
        l2_hits_per_core=l2.requests_per_sec / cores if l2 else None,
    )
