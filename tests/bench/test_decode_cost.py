"""`python -m bench.decode_cost`: the JPEG decode alone, libvips against Pillow."""

from __future__ import annotations

import pytest

from bench import decode_cost


def test_both_decoders_give_the_shrunk_pixels() -> None:
    data = decode_cost.sources()[0]
    for shrink in (2, 4):
        decoders = decode_cost.decoders(shrink)
        pixels = decoders["libvips"](data)
        pillow = decoders["pillow"](data)
        assert len(memoryview(pixels)) == (1920 // shrink) * (1080 // shrink) * 3  # type: ignore[arg-type]
        assert getattr(pillow, "size", None) == (1920 // shrink, 1080 // shrink)


def test_both_decoders_are_timed_and_reported(capsys: pytest.CaptureFixture[str]) -> None:
    times = decode_cost.cpu_per_image(2, rounds=1)
    assert set(times) == {"libvips", "pillow"} and all(value > 0 for value in times.values())
    assert decode_cost.main(["--rounds", "1", "--shrink", "4"]) == 0
    line = capsys.readouterr().out
    assert line.startswith("JPEG decode at 1/4, per image: libvips ") and "Pillow" in line
