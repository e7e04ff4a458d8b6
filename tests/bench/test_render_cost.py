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


def test_a_glob_renders_the_photos_it_matches_and_refuses_one_matching_none() -> None:
    assert render_cost.source_names("png-*.png") == [
        "png-clic-pepper-1446x2048.png",
        "png-clic-portrait-2048x1332.png",
        "png-clic-street-2048x972.png",
    ]
    assert render_cost.source_names() == list(render_cost.SOURCES)
    times = render_cost.cpu_per_image("png", rounds=1, pattern="png-clic-street-*.png")
    assert all(value > 0 for value in times.values())
    with pytest.raises(SystemExit, match="no photo"):
        render_cost.sources("nothing-*.gif")
