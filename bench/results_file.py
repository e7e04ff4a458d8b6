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


def add_missing_section(document: str, section: str, body: str) -> str:
    """`body` appended as the section when the document has none; an existing one is kept."""
    start, end = _markers(section)
    if start in document and end in document:
        return document
    return replace_section(document, section, body)


WHAT_WE_TRIED = "what-we-tried"
WHAT_WE_TRIED_BODY = """## What we tried (issue 15)

Each lever measured alone: the tree with it against the tree without it, alternating
`python -m bench.run --server-tree TREE` runs in pairs as in the same-run comparisons, the
median pair ratio as its effect. Rows are added by hand: no script writes this section, and
`make bench` only adds this heading when the section is missing.

| lever | kept? | effect (same-run ratio) | how measured |
| --- | --- | --- | --- |
"""


def ensure_section(section: str, body: str) -> None:
    """Adds the section to RESULTS.md only when it is missing (a hand-kept section)."""
    existing = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else TITLE
    updated = add_missing_section(existing, section, body)
    if updated != existing:
        RESULTS_MD.write_text(updated, encoding="utf-8")


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


ROUND_FIELDS = ("round_rates", "round_cpu_s", "round_p99_ms")


def rows_from_json(items: list[dict[str, Any]]) -> list[Row]:
    """Rows as `rows_to_json` wrote them (JSON keeps each round's figures as a list)."""
    return [
        Row(**{**item, **{name: tuple(item[name]) for name in ROUND_FIELDS if name in item}})
        for item in items
    ]


def read_json(path: Path = RESULTS_JSON) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded
