"""`/info`'s header facts in process, against decoding the same source whole: what answering
from the header saves for the formats decoded outside libvips (JPEG XL by libjxl, HEIC by
pillow-heif), which are decoded whole or not at all.

    .venv/bin/python -m bench.info_cost [--rounds 5]

For each test image below: the CPU of `transforms.inspect.inspect` asked for the default
answers and `colorspace`, `bands`, `sample_format` and `alpha` (every header fact), and of
the source opened and decoded whole (`open_source(...).load()`, what `/info` paid for these
formats before it read their headers), in alternating rounds, median per image.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("VIPS_CONCURRENCY", "1")

from bench.in_process import cpu_ms_per_item
from bench.mix import REPO_ROOT
from imgproxy.url.info_path import InfoPathParser
from transforms.inspect import inspect
from transforms.limits import Limits
from transforms.sources import open_source

IMAGES = REPO_ROOT / "tests" / "images"
SOURCES = (
    "heic-iphone-12mp.heic",
    "jxl-orientation-7-alpha.jxl",
    "jxl-photo-container.jxl",
    "jpeg-baseline-icc.jpg",
)
HEADER_FACTS = InfoPathParser().parse("cs:1/b:1/sf:1/a:1/plain/x").options


def header_facts(data: bytes) -> object:
    return inspect(data, Limits(), HEADER_FACTS)


def whole_decode(data: bytes) -> object:
    return open_source(data, max_pixels=0).load().copy_memory()


def cpu_per_image(name: str, rounds: int) -> dict[str, float]:
    """Median CPU of each side on one image, in ms."""
    data = [(IMAGES / name).read_bytes()]
    return cpu_ms_per_item({"header": header_facts, "decode": whole_decode}, data, rounds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.info_cost", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    for name in SOURCES:
        times = cpu_per_image(name, args.rounds)
        header, decode = times["header"], times["decode"]
        print(
            f"{name}: /info header facts {header:.1f} ms CPU, whole decode {decode:.1f} ms, "
            f"header / decode {header / decode:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
