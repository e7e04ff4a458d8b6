"""`python -m bench.info_cost`: `/info`'s header facts against a whole decode of the source."""

from __future__ import annotations

import pytest

from bench import info_cost


def test_both_sides_do_their_work() -> None:
    data = (info_cost.IMAGES / "jxl-photo-container.jxl").read_bytes()
    answered = info_cost.header_facts(data)
    assert isinstance(answered, dict)
    assert (answered["width"], answered["colorspace"], answered["bands"]) == (1280, "srgb", 3)
    decoded = info_cost.whole_decode(data)
    assert (getattr(decoded, "width", None), getattr(decoded, "height", None)) == (1280, 1600)


def test_every_source_is_timed_and_reported(capsys: pytest.CaptureFixture[str]) -> None:
    assert info_cost.main(["--rounds", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == list(info_cost.SOURCES)
    assert all("/info header facts" in line and "header / decode" in line for line in lines)
