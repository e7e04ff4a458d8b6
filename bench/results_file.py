"""bench/RESULTS.md and bench/results.json: each run replaces its own section of both."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.record import Row

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_MD = BENCH_DIR / "RESULTS.md"
RESULTS_JSON = BENCH_DIR / "results.json"
TITLE = (
    "# Benchmark results\n\n"
    "Method: [bench/README.md](README.md). Written by `make bench` and `make soak`.\n"
)


def _markers(section: str) -> tuple[str, str]:
    return f"<!-- {section}:start -->", f"<!-- {section}:end -->"


def replace_section(document: str, section: str, body: str) -> str:
    """The text between the section's markers becomes `body`; a missing section is appended."""
    start, end = _markers(section)
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in document and end in document:
        head, _, rest = document.partition(start)
        _, _, tail = rest.partition(end)
        return head + block + tail
    base = document.rstrip() or TITLE.rstrip()
    return f"{base}\n\n{block}\n"


def write_section(section: str, markdown: str, data: dict[str, Any]) -> None:
    existing = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else TITLE
    RESULTS_MD.write_text(replace_section(existing, section, markdown), encoding="utf-8")
    stored: dict[str, Any] = {}
    if RESULTS_JSON.exists():
        stored = json.loads(RESULTS_JSON.read_text(encoding="utf-8"))
    stored[section] = data
    RESULTS_JSON.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")


def rows_to_json(rows: list[Row]) -> list[dict[str, Any]]:
    return [asdict(row) for row in rows]


def rows_from_json(items: list[dict[str, Any]]) -> list[Row]:
    return [Row(**item) for item in items]


def read_json(path: Path = RESULTS_JSON) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded
