"""`make bench-detection`: CPU per face-aware crop and per video thumbnail, in process, one thread.

    .venv/bin/python -m bench.detection_cost [--rounds 5] [--quick] [--no-write]

Faces: on the test photos with labelled faces (the `faces` column of tests/images/MANIFEST.tsv),
`rs:fill:800:300/g:obj` with the detection cache bypassed (every render detects) and with it
warm (the crop alone), against `rs:fill:800:300/g:sm` (libvips' attention crop) and a plain
still-image miss, `rs:fit:800:800`, of the same photos. Video: bench/video_cost.py's sides (a
made H.264 MP4, the frame at second 4 decoded forward from the keyframe at 0, and `keyframes`)
against its still miss. Process CPU time, libvips' operation cache off, sides alternated round by
round; the median of the rounds per source, summed over the sources. Reported, never asserted.
Writes the `detection` section of bench/RESULTS.md and results.json.
"""

from __future__ import annotations

import os

os.environ.setdefault("VIPS_CONCURRENCY", "1")

import argparse
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pyvips

from bench import video_cost
from bench.results_file import write_section
from config.settings import Settings
from imgproxy.renderer import defaults_from
from imgproxy.url.options import ImageFormat
from imgproxy.url.parser import PathParser
from transforms.faces import FaceCache
from transforms.pipeline import Defaults, render

SECTION = "detection"
IMAGES = Path(__file__).resolve().parents[1] / "tests" / "images"
STILL = "rs:fit:800:800"
SMART = "rs:fill:800:300/g:sm"
FACES = "rs:fill:800:300/g:obj"
STILL_ROW = f"still miss `{STILL}`"
FACE_ROWS = (
    STILL_ROW,
    f"`{SMART}`",
    f"`{FACES}`, detecting",
    f"`{FACES}`, detection cached",
)
VIDEO_ROWS = (
    "still miss (video_cost's photo)",
    "video, second 4",
    "video, keyframes",
    "video, 3x3 sheet from second 1",
)
PARSER = PathParser()

Work = Mapping[str, Callable[[], object]]


@dataclass(frozen=True)
class Group:
    """One table group: the CPU ms of each side, summed over its sources; the first is the base."""

    sources: int
    cpu_ms: dict[str, float]


def face_photos() -> list[Path]:
    """The photos whose MANIFEST row has labelled faces."""
    lines = (IMAGES / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    name, faces = header.index("file"), header.index("faces")
    rows = [line.split("\t") for line in lines[1:]]
    return [IMAGES / row[name] for row in rows if len(row) > faces and row[faces].strip()]


def detecting_and_cached(base: Defaults) -> tuple[Defaults, Defaults]:
    """`base` with a face cache that keeps nothing (every render detects), and with its own."""
    detecting = replace(base, faces=replace(base.faces, cache=FaceCache(capacity=0)))
    return detecting, replace(base, faces=replace(base.faces, cache=FaceCache()))


def side(data: bytes, path: str, defaults: Defaults) -> Callable[[], object]:
    options = PARSER.parse(f"{path}/plain/local:///source").options
    return lambda: render(data, options, ImageFormat.JPEG, defaults)


def face_sides(data: bytes, base: Defaults) -> dict[str, Callable[[], object]]:
    detecting, cached = detecting_and_cached(base)
    return dict(
        zip(
            FACE_ROWS,
            (
                side(data, STILL, base),
                side(data, SMART, base),
                side(data, FACES, detecting),
                side(data, FACES, cached),
            ),
            strict=True,
        )
    )


def medians(work: Work, rounds: int) -> dict[str, float]:
    """The median CPU ms of each side; one untimed render each first (warms the cached side)."""
    for run in work.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in work}
    for round_number in range(rounds):
        order = list(work) if round_number % 2 == 0 else list(reversed(list(work)))
        for name in order:
            started = time.process_time()
            work[name]()
            times[name].append((time.process_time() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def faces_group(photos: list[Path], rounds: int, base: Defaults) -> Group:
    total = dict.fromkeys(FACE_ROWS, 0.0)
    for photo in photos:
        for name, value in medians(face_sides(photo.read_bytes(), base), rounds).items():
            total[name] += value
    return Group(len(photos), total)


def video_group(rounds: int, *, small: bool = False) -> Group:
    found = medians(video_cost.sides(small=small), rounds)
    return Group(1, dict(zip(VIDEO_ROWS, found.values(), strict=True)))


def table(faces: Group, video: Group, rounds: int, *, small: bool = False) -> str:
    made = "320x180, 10 fps" if small else "1280x720, 25 fps"
    lines = [
        "## make bench-detection",
        "",
        f"`make bench-detection`: in process, one thread, libvips' cache off, process CPU time, "
        f"median of {rounds} alternated rounds per source. Faces: summed over the "
        f"{faces.sources} test photos with labelled faces (JPEG out). Video: bench/video_cost.py "
        f"(a made {made} H.264 MP4, solid colours, so a floor for real footage; 512x512 JPEG "
        "out) against its 1920x1080 photo.",
        "",
        "| render | CPU ms | x still miss |",
        "| --- | ---: | ---: |",
    ]
    for group in (faces, video):
        baseline = next(iter(group.cpu_ms.values()))
        for name, value in group.cpu_ms.items():
            lines.append(f"| {name} | {value:.1f} | {value / baseline:.2f} |")
    detecting, cached = faces.cpu_ms[FACE_ROWS[2]], faces.cpu_ms[FACE_ROWS[3]]
    lines += [
        "",
        f"- detection alone (detecting minus cached): {(detecting - cached) / faces.sources:.1f} "
        "ms per photo.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.detection_cost", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--quick", action="store_true", help="one round, two photos, a small video (a check)"
    )
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    pyvips.cache_set_max(0)
    rounds = 1 if args.quick else args.rounds
    photos = face_photos()[: 2 if args.quick else None]
    base = defaults_from(Settings())
    faces, video = faces_group(photos, rounds, base), video_group(rounds, small=args.quick)
    markdown = table(faces, video, rounds, small=args.quick)
    print(markdown)
    if args.write:
        write_section(SECTION, markdown, {"faces": faces.cpu_ms, "video": video.cpu_ms})
    return markdown


if __name__ == "__main__":
    main()
