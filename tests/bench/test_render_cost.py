"""`python -m bench.render_cost`: the render alone against the ceiling, on the same sources."""

from __future__ import annotations

import pytest

from bench import render_cost


def test_both_sides_render_every_source_and_are_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    times = render_cost.cpu_per_image("jpeg", rounds=1)
    assert set(times) == {"ours", "ceiling"} and all(value > 0 for value in times.values())
    assert render_cost.main(["--rounds", "1", "--format", "webp"]) == 0
    line = capsys.readouterr().out
    assert line.startswith("CPU per image: ours ") and "ceiling" in line
