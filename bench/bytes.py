"""`make bench-bytes`: what a picture costs in bytes, in process, over the benchmark photos and
the test photos at three output widths:

- mean bytes per format at the default qualities (JPEG 80, WebP 79, AVIF 63, JPEG XL 77, PNG);
- `format:best` (the client accepting AVIF, WebP and JPEG XL) against the best single format
  of each image;
- autoquality (`dssim`, WebP, AVIF and JPEG XL, qualities 30..95) aimed at the DSSIM of q80 JPEG of
  the same image, against q80 JPEG: bytes saved, and whether the DSSIM is no worse;
- the CPU each costs per image (process time of the whole render, decode included), and for
  autoquality as a multiple of one fixed-quality render of the same format.

Reported, never asserted. Writes the `bytes` section of bench/RESULTS.md and results.json.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import pyvips

from bench.results_file import write_section
from config.settings import Settings
from imgproxy.renderer import defaults_from
from imgproxy.url.options import ImageFormat
from imgproxy.url.parser import PathParser
from transforms.autoquality import decoded
from transforms.dssim import Reference
from transforms.pipeline import Defaults, Rendered, render

REPO = Path(__file__).resolve().parents[1]
PHOTOS = sorted((REPO / "bench" / "photos").glob("*.jpg"))
TEST_PHOTOS = [
    REPO / "tests" / "images" / name
    for name in ("jpeg-baseline-icc.jpg", "jpeg-icc-nonsrgb.jpg", "jpeg-photo-12mp-iphone.jpg")
]
WIDTHS = (320, 640, 1280)
FIXED = (ImageFormat.JPEG, ImageFormat.WEBP, ImageFormat.AVIF, ImageFormat.JXL, ImageFormat.PNG)
SEARCHED = (ImageFormat.WEBP, ImageFormat.AVIF, ImageFormat.JXL)
ACCEPTED = (ImageFormat.AVIF, ImageFormat.WEBP, ImageFormat.JXL)
AQ_QUALITIES = (30, 95)
ALLOWED_ERROR = 0.0001
PARSER = PathParser()


@dataclass(frozen=True)
class Encoded:
    bytes: int
    cpu_ms: float
    dssim: float
    format: str


def _timed(work: Callable[[], Rendered]) -> tuple[Rendered, float]:
    started = time.process_time()
    rendered = work()
    return rendered, (time.process_time() - started) * 1000


def _render(
    data: bytes,
    path: str,
    requested: ImageFormat,
    defaults: Defaults,
    best_of: tuple[ImageFormat, ...] = (),
) -> Rendered:
    options = PARSER.parse(f"{path}/plain/local:///source").options
    return render(data, options, requested, defaults, best_of=best_of)


def _measured(reference: Reference, work: Callable[[], Rendered]) -> Encoded:
    rendered, cpu_ms = _timed(work)
    dssim = reference.dssim(decoded(rendered.data))
    return Encoded(len(rendered.data), cpu_ms, dssim, rendered.format.value)


def one_image(data: bytes, width: int, defaults: Defaults) -> dict[str, Encoded]:
    resize = f"rs:fit:{width}:{width}"
    lossless = _render(data, resize, ImageFormat.PNG, defaults)
    reference = Reference(pyvips.Image.new_from_buffer(lossless.data, ""))
    found = {
        image_format.value: _measured(
            reference, partial(_render, data, resize, image_format, defaults)
        )
        for image_format in FIXED
    }
    found["best"] = _measured(
        reference,
        lambda: _render(data, resize, ImageFormat.BEST, defaults, ACCEPTED),
    )
    target = found["jpeg"].dssim
    low, high = AQ_QUALITIES
    for image_format in SEARCHED:
        path = f"{resize}/aq:dssim:{target:.5f}:{low}:{high}:{ALLOWED_ERROR}"
        found[f"aq-{image_format.value}"] = _measured(
            reference, partial(_render, data, path, image_format, defaults)
        )
    return found


def summary(
    results: list[dict[str, Encoded]], sources: int, widths: tuple[int, ...]
) -> tuple[str, dict[str, object]]:
    def mean(key: str, field: str) -> float:
        return statistics.fmean(getattr(r[key], field) for r in results)

    lines = [
        "## make bench-bytes",
        "",
        f"`make bench-bytes` ({len(results)} renders: {sources} photos of the benchmark and "
        f"test sets, each fit into {', '.join(map(str, widths))} px), "
        "in process, one thread. DSSIM here is the server's (`transforms/dssim.py`: "
        "the dssim tool's multi-scale L*a*b* 1/SSIM - 1), "
        "against the lossless render of the same geometry.",
        "",
        "| encoding | mean KB | mean DSSIM | CPU ms/image |",
        "| --- | ---: | ---: | ---: |",
    ]
    keys = [f.value for f in FIXED] + ["best"] + [f"aq-{f.value}" for f in SEARCHED]
    for key in keys:
        lines.append(
            f"| {key} | {mean(key, 'bytes') / 1e3:.1f} | {mean(key, 'dssim'):.4f} | "
            f"{mean(key, 'cpu_ms'):.1f} |"
        )
    fixed = [f.value for f in FIXED]
    best_ratio = statistics.fmean(r["best"].bytes / min(r[k].bytes for k in fixed) for r in results)
    picked = statistics.multimode(r["best"].format for r in results)
    lines += [
        "",
        f"- `best` against the smallest single format of each image: {best_ratio:.3f}x "
        f"the bytes (most often {', '.join(picked)}), for "
        f"{mean('best', 'cpu_ms') / mean('jpeg', 'cpu_ms'):.1f}x the CPU of a JPEG render.",
    ]
    data: dict[str, object] = {"renders": len(results), "best_ratio": best_ratio}
    for image_format in SEARCHED:
        key = f"aq-{image_format.value}"
        saved = 1 - statistics.fmean(r[key].bytes / r["jpeg"].bytes for r in results)
        no_worse = sum(r[key].dssim <= r["jpeg"].dssim + ALLOWED_ERROR for r in results)
        cpu = mean(key, "cpu_ms") / mean(image_format.value, "cpu_ms")
        lines.append(
            f"- autoquality {image_format.value}: {saved:.0%} fewer bytes than q80 JPEG, DSSIM "
            f"no worse (within {ALLOWED_ERROR}) on {no_worse} of {len(results)}, "
            f"{cpu:.1f}x the CPU of a fixed-quality {image_format.value} render "
            "(target: 30% fewer bytes for at most 3x)."
        )
        data[key] = {"saved": saved, "no_worse": no_worse, "cpu_ratio": cpu}
    return "\n".join(lines) + "\n", data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bytes", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="two photos, one width")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    pyvips.cache_set_max(0)
    defaults = defaults_from(Settings())
    defaults = replace(defaults, limits=replace(defaults.limits, max_src_pixels=0))
    sources = [*PHOTOS, *TEST_PHOTOS][: 2 if args.quick else None]
    widths = WIDTHS[:1] if args.quick else WIDTHS
    results = []
    for source in sources:
        data = source.read_bytes()
        for width in widths:
            print(f"{source.name} {width} px", flush=True)
            results.append(one_image(data, width, defaults))
    markdown, figures = summary(results, len(sources), widths)
    print(markdown)
    if args.write:
        write_section("bytes", markdown, figures)


if __name__ == "__main__":
    main()
