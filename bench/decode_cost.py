"""JPEG decoding alone at a DCT shrink: libvips (the libjpeg inside the pyvips wheel) against
Pillow (its libjpeg-turbo, the decoder thumbor's engine uses) and simplejpeg (libjpeg-turbo,
the server's decoder: `transforms/decoders/jpeg_turbo.py`), on the bench's 1920x1080 photos.

    .venv/bin/python -m bench.decode_cost [--shrink 2] [--rounds 8]
    .venv/bin/python -m bench.decode_cost --instructions [--shrink 2]

Each side decodes every photo to pixels in memory at 1/`shrink` of its size: libvips through
`jpegload_buffer(shrink=...)` written to memory, Pillow through `draft` and `load` (four bytes
a colour pixel), simplejpeg through `transforms.decoders.jpeg_turbo.pixels` (three). The first
form prints the median CPU per image of alternating rounds on one thread; the second the
instructions per image under valgrind, which do not move with the host.
"""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Callable

os.environ.setdefault("VIPS_CONCURRENCY", "1")

import pyvips
from PIL import Image

from bench.ceiling import configure_vips
from bench.in_process import cpu_ms_per_item, loop_instructions
from bench.mix import CORPUS_DIR
from bench.render_cost import SOURCES
from transforms.decoders import jpeg_turbo

PHOTOS = tuple(name for name in SOURCES if name.endswith("-1920x1080.jpg"))
DECODERS = ("libvips", "pillow", "simplejpeg")
Decode = Callable[[bytes], object]


def _libvips(shrink: int) -> Decode:
    def decode(data: bytes) -> object:
        image = pyvips.Image.jpegload_buffer(data, shrink=shrink, access="sequential")
        return image.write_to_memory()

    return decode


def _pillow(shrink: int) -> Decode:
    def decode(data: bytes) -> object:
        image = Image.open(io.BytesIO(data))
        image.draft("RGB", (image.width // shrink, image.height // shrink))
        image.load()
        return image

    return decode


def _simplejpeg(shrink: int) -> Decode:
    def decode(data: bytes) -> object:
        return jpeg_turbo.pixels(data, "RGB", 1920 // shrink, 1080 // shrink)

    return decode


def decoders(shrink: int) -> dict[str, Decode]:
    configure_vips()
    return {
        "libvips": _libvips(shrink),
        "pillow": _pillow(shrink),
        "simplejpeg": _simplejpeg(shrink),
    }


def sources() -> list[bytes]:
    return [(CORPUS_DIR / name).read_bytes() for name in PHOTOS]


def cpu_per_image(shrink: int, rounds: int) -> dict[str, float]:
    """Median process CPU per image, in ms, the two decoders alternating round by round."""
    return cpu_ms_per_item(decoders(shrink), sources(), rounds)


def instructions_per_image(shrink: int) -> dict[str, float]:
    return loop_instructions("bench.decode_cost", DECODERS, ["--shrink", str(shrink)], len(PHOTOS))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.decode_cost", description=__doc__)
    parser.add_argument("--shrink", type=int, default=2, choices=[1, 2, 4, 8])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--loop", choices=DECODERS, help=argparse.SUPPRESS)
    parser.add_argument("--passes", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.loop:
        decode, data = decoders(args.shrink)[args.loop], sources()
        for _ in range(args.passes):
            for item in data:
                decode(item)
        return 0
    if args.instructions:
        counts = instructions_per_image(args.shrink)
        unit, scale = "M instructions", 1e6
    else:
        counts = cpu_per_image(args.shrink, args.rounds)
        unit, scale = "ms CPU", 1.0
    libvips, pillow, simplejpeg = counts["libvips"], counts["pillow"], counts["simplejpeg"]
    print(
        f"JPEG decode at 1/{args.shrink}, per image: libvips {libvips / scale:.1f} {unit}, "
        f"Pillow {pillow / scale:.1f} {unit}, simplejpeg {simplejpeg / scale:.1f} {unit}; "
        f"libvips / Pillow {libvips / pillow:.3f}, libvips / simplejpeg {libvips / simplejpeg:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
