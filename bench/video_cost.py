"""CPU per video thumbnail against a still-image miss, in one process, on one thread.

    .venv/bin/python -m bench.video_cost [--rounds 5]

Renders a 512x512 JPEG from the frame at second 4 of a made 1280x720 H.264 MP4 (10 s, 25 fps,
a keyframe every 5 s, so the frame is decoded forward from the keyframe at 0), the same with
`keyframes` (the keyframe alone), a 3x3 sprite sheet of 170x96 tiles 1 s apart from second 1
(`video_thumbnail_tile`, one forward walk), and from a 1920x1080 JPEG photo; prints the
median CPU per image and each video's ratio to the photo. The made video is solid colours, so
its decoding is cheaper than real footage's: read the video rows as a floor. Alternates the
sides round by round (these machines are noisy) and needs PyAV (the `video` extra).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

os.environ.setdefault("VIPS_CONCURRENCY", "1")

from bench.mix import CORPUS_DIR

PHOTO = "jpeg-kde-by-the-water-1920x1080.jpg"
SECOND = 4.0


def sides(*, small: bool = False) -> dict[str, Callable[[], object]]:
    """The four renders; `small` makes a 320x180 video at 10 fps (a quick check, not a figure)."""
    from config.settings import Settings  # noqa: PLC0415 - after VIPS_CONCURRENCY is set
    from imgproxy.renderer import defaults_from  # noqa: PLC0415
    from imgproxy.url.options import ImageFormat, Options, VideoTile  # noqa: PLC0415
    from tests.transforms.video.making import MP4_H264, make_video  # noqa: PLC0415
    from transforms import pipeline  # noqa: PLC0415
    from transforms.video.settings import VideoDefaults  # noqa: PLC0415

    if small:
        video = make_video(MP4_H264, seconds=5, fps=10, width=320, height=180, keyframe_interval=50)
    else:
        video = make_video(
            MP4_H264, seconds=10, fps=25, width=1280, height=720, keyframe_interval=125
        )
    photo = (CORPUS_DIR / PHOTO).read_bytes()
    base = defaults_from(Settings.from_env({}))
    on = VideoDefaults(enabled=True, second=SECOND)
    exact, keyframe = replace(base, video=on), replace(base, video=on.overridden(None, True))
    options, jpeg = Options(width=512, height=512, quality=80), ImageFormat.JPEG
    sheet = replace(
        options, video_thumbnail_tile=VideoTile(step=1, columns=3, rows=3, width=170, height=96)
    )
    from_first_second = replace(base, video=replace(on, second=1.0))
    return {
        "photo": lambda: pipeline.render(photo, options, jpeg, base),
        "video": lambda: pipeline.render(video, options, jpeg, exact),
        "video, keyframes": lambda: pipeline.render(video, options, jpeg, keyframe),
        "video, 3x3 sheet": lambda: pipeline.render(video, sheet, jpeg, from_first_second),
    }


def cpu_per_image(rounds: int) -> dict[str, float]:
    work = sides()
    for render in work.values():
        render()
    times: dict[str, list[float]] = {name: [] for name in work}
    for round_number in range(rounds):
        order = list(work) if round_number % 2 == 0 else list(reversed(work))
        for name in order:
            started = time.process_time()
            work[name]()
            times[name].append((time.process_time() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    medians = cpu_per_image(arguments.rounds)
    photo = medians["photo"]
    print(f"{'source':<18} {'CPU ms':>8} {'x photo':>8}")
    for name, value in medians.items():
        print(f"{name:<18} {value:8.1f} {value / photo:8.2f}")


if __name__ == "__main__":
    main()
