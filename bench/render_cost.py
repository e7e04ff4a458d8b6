"""The render alone, ours against the pyvips ceiling, in one process on the same sources.

    .venv/bin/python -m bench.render_cost [--format jpeg] [--glob 'png-*.png'] [--rounds 8]
    .venv/bin/python -m bench.render_cost --instructions [--format jpeg] [--glob ...]

The first form times `transforms.pipeline.render` and `bench.ceiling.transform` on one thread,
alternating, and prints the median CPU per image of each. On a noisy host that still moves by
a tenth from run to run; the second form counts the instructions each executes under valgrind
(`cachegrind`, no cache simulation): the same count on every run, so a change of a percent
shows. It runs each side twice, over the sources once and three times, and halves the
difference, so start-up and imports cancel out. It needs `valgrind` (Debian package) and takes
a few minutes. `--glob` renders the photos of `bench/photos` it matches instead of the eight
JPEGs of `make bench`'s JPEG scenarios (`'png-*.png'`: the PNG scenario's sources).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

os.environ.setdefault("VIPS_CONCURRENCY", "1")

from bench.ceiling import configure_vips, transform
from bench.in_process import cpu_ms_per_item, loop_instructions
from bench.mix import CORPUS_DIR, matching
from bench.scenarios import OutputFormat, Target

SOURCES = (
    *(f"jpeg-kde-{name}-1920x1080.jpg" for name in ("by-the-water", "colorful-cups", "path")),
    *(f"jpeg-kde-{name}-1920x1080.jpg" for name in ("evening-glow", "fallen-leaf", "summer-1am")),
    "jpeg-flower-2268x1512.jpg",
    "jpeg-spacex-3000x1688.jpg",
)
Render = Callable[[bytes], object]


def renders(output: OutputFormat) -> dict[str, Render]:
    from config.settings import Settings  # noqa: PLC0415 - after VIPS_CONCURRENCY is set
    from imgproxy.renderer import defaults_from  # noqa: PLC0415
    from imgproxy.url.options import ImageFormat, Options  # noqa: PLC0415
    from transforms import pipeline  # noqa: PLC0415

    configure_vips()
    target = Target(512, 512, output, 80)
    defaults = defaults_from(Settings.from_env({}))
    options = Options(width=512, height=512, quality=80)
    requested = ImageFormat(output)
    return {
        "ours": lambda data: pipeline.render(data, options, requested, defaults),
        "ceiling": lambda data: transform(data, target),
    }


def source_names(pattern: str | None = None) -> list[str]:
    """The photos of `bench/photos` matching `pattern`; the JPEG scenarios' eight without one."""
    if pattern is None:
        return list(SOURCES)
    try:
        return matching(pattern)
    except ValueError as error:
        raise SystemExit(str(error)) from None


def sources(pattern: str | None = None) -> list[bytes]:
    return [(CORPUS_DIR / name).read_bytes() for name in source_names(pattern)]


def cpu_per_image(
    output: OutputFormat, rounds: int, pattern: str | None = None
) -> dict[str, float]:
    """Median process CPU per image, in ms, the two sides alternating round by round."""
    return cpu_ms_per_item(renders(output), sources(pattern), rounds)


def _loop(side: str, output: OutputFormat, passes: int, pattern: str | None) -> None:
    data, render = sources(pattern), renders(output)[side]
    for _ in range(passes):
        for item in data:
            render(item)


def instructions_per_image(output: OutputFormat, pattern: str | None = None) -> dict[str, float]:
    options = ["--format", output, *(["--glob", pattern] if pattern else [])]
    return loop_instructions(
        "bench.render_cost", ("ours", "ceiling"), options, len(source_names(pattern))
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.render_cost", description=__doc__)
    parser.add_argument("--format", default="jpeg", choices=["jpeg", "webp", "png", "avif"])
    parser.add_argument("--glob", help="photos of bench/photos to render (default: 8 JPEGs)")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--loop", choices=["ours", "ceiling"], help=argparse.SUPPRESS)
    parser.add_argument("--passes", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    output: OutputFormat = args.format
    if args.loop:
        _loop(args.loop, output, args.passes, args.glob)
        return 0
    if args.instructions:
        counts = instructions_per_image(output, args.glob)
        ours, ceiling = counts["ours"], counts["ceiling"]
        print(
            f"instructions per image: ours {ours / 1e6:.1f} M, ceiling {ceiling / 1e6:.1f} M, "
            f"ours / ceiling {ours / ceiling:.3f}"
        )
        return 0
    times = cpu_per_image(output, args.rounds, args.glob)
    ours, ceiling = times["ours"], times["ceiling"]
    print(
        f"CPU per image: ours {ours:.2f} ms, ceiling {ceiling:.2f} ms, "
        f"over the ceiling {ours - ceiling:.2f} ms ({ours / ceiling:.3f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
