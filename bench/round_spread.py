"""What each alternating round said, beside the verdict on the merged rows.

Rounds of one `make bench` run move by as much as the margin of a target on this host, so a
verdict on merged rows alone reads firmer than it is. Round `i` of every side of a scenario was
measured within the same minute (`bench.rounds`), so the sides' rounds pair up by index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


def paired(
    ours: Sequence[float | None],
    theirs: Sequence[float | None],
    combine: Callable[[float, float], float | None],
) -> list[float] | None:
    """`combine(ours[i], theirs[i])` for each round; None unless both sides have the same two
    or more rounds, each with its figure."""
    if len(ours) < 2 or len(ours) != len(theirs):
        return None
    combined: list[float] = []
    for mine, other in zip(ours, theirs, strict=True):
        value = None if mine is None or other is None else combine(mine, other)
        if value is None:
            return None
        combined.append(value)
    return combined


def share(ours: float, theirs: float) -> float | None:
    return ours / theirs if theirs else None


def difference(ours: float, theirs: float) -> float:
    return ours - theirs


def rounds_text(values: list[float] | None, form: str) -> str:
    """`; rounds a, b, c` with each value in `form` (a format spec), or '' without rounds."""
    if values is None:
        return ""
    return "; rounds " + ", ".join(format(value, form) for value in values)
