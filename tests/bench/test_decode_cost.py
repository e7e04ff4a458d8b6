"""`python -m bench.decode_cost`: the JPEG decode alone, libvips against Pillow and simplejpeg."""

from __future__ import annotations

import pytest

from bench import decode_cost


def test_every_decoder_gives_the_shrunk_pixels() -> None:
    data = decode_cost.sources()[0]
    for shrink in (2, 4):
        decoders = decode_cost.decoders(shrink)
        pixels = decoders["libvips"](data)
        pillow = decoders["pillow"](data)
        assert len(memoryview(pixels)) == (1920 // shrink) * (1080 // shrink) * 3  # type: ignore[arg-type]
        assert getattr(pillow, "size", None) == (1920 // shrink, 1080 // shrink)
        simplejpeg = decoders["simplejpeg"](data)
        assert getattr(simplejpeg, "shape", None) == (1080 // shrink, 1920 // shrink, 3)


def test_every_decoder_is_timed_and_reported(capsys: pytest.CaptureFixture[str]) -> None:
    times = decode_cost.cpu_per_image(2, rounds=1)
    assert set(times) == {"libvips", "pillow", "simplejpeg"} and all(
        value > 0 for value in times.values()
    )
    assert decode_cost.main(["--rounds", "1", "--shrink", "4"]) == 0
    line = capsys.readouterr().out
    assert (
        line.startswith("JPEG decode at 1/4, per image: libvips ")
        and "Pillow" in line
        and "simplejpeg" in line
    )
