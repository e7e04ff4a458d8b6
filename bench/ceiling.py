"""The in-process ceiling: the same transforms straight through pyvips, with the server's threading.

The server runs one libvips thread per job (VIPS_CONCURRENCY=1) with the libvips operation cache
off, and gets its parallelism from a pool of worker threads; this does the same, on source bytes
already in memory, with the server's encoder settings (transforms/encode.py).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

os.environ["VIPS_CONCURRENCY"] = "1"

import pyvips

from bench.scenarios import Target
from bench.stats import percentile

JPEG_SHRINKS = (8, 4, 2)
AVIF_EFFORT = 1
"""The server's default: 9 - IMGPROXY_AVIF_SPEED (8)."""


def configure_vips() -> None:
    pyvips.cache_set_max(0)
    pyvips.concurrency_set(1)


@dataclass(frozen=True)
class Output:
    width: int
    height: int
    size: int


@dataclass(frozen=True)
class CeilingResult:
    jobs: int
    seconds: float
    job_times_ms: list[float]
    cpu_seconds: float

    @property
    def images_per_sec(self) -> float:
        return self.jobs / self.seconds

    @property
    def p50_ms(self) -> float:
        return percentile(self.job_times_ms, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.job_times_ms, 99)


def encode(image: pyvips.Image, target: Target) -> bytes:
    if target.format == "jpeg":
        data = image.jpegsave_buffer(Q=target.quality, optimize_coding=True, keep="none")
    elif target.format == "png":
        data = image.pngsave_buffer(compression=6, keep="none")
    elif target.format == "webp":
        data = image.webpsave_buffer(Q=target.quality, effort=4, keep="none")
    else:
        data = image.heifsave_buffer(
            Q=target.quality, compression="av1", effort=AVIF_EFFORT, keep="none"
        )
    return bytes(data)


def decode_shrunk(source: bytes, target: Target) -> pyvips.Image:
    """Shrink-on-load by the largest JPEG DCT factor (2, 4, 8) the target allows, then resize.

    `thumbnail_buffer` keeps twice the target size before its final resize; the server, like
    imgproxy, lets the decoder do as much of the shrinking as it can, which is faster.
    """
    header = pyvips.Image.new_from_buffer(source, "", access="sequential")
    factor = header.width / target.width
    if target.height:
        factor = max(factor, header.height / target.height)
    if factor <= 1:
        return header
    image = header
    if header.get("vips-loader") == "jpegload_buffer":
        shrink = next((s for s in JPEG_SHRINKS if factor >= s), 1)
        if shrink > 1:
            image = pyvips.Image.new_from_buffer(source, "", access="sequential", shrink=shrink)
    width = round(header.width / factor)
    return image.resize(width / image.width, vscale=round(header.height / factor) / image.height)


def transform(source: bytes, target: Target) -> Output:
    image = decode_shrunk(source, target)
    encoded = encode(image, target)
    return Output(image.width, image.height, len(encoded))


def reference_outputs(sources: list[bytes], target: Target) -> list[Output]:
    """One pass: warms libvips up and records what each source should produce."""
    configure_vips()
    return [transform(source, target) for source in sources]


def _worker(sources: list[bytes], target: Target, start: int, deadline: float) -> list[float]:
    times_ms: list[float] = []
    index = start
    while time.perf_counter() < deadline:
        began = time.perf_counter()
        transform(sources[index % len(sources)], target)
        times_ms.append((time.perf_counter() - began) * 1000.0)
        index += 1
    return times_ms


def run_ceiling(
    sources: list[bytes], target: Target, threads: int, duration_s: float
) -> CeilingResult:
    configure_vips()
    cpu_before = time.process_time()
    started = time.perf_counter()
    deadline = started + duration_s
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ceiling") as pool:
        futures = [
            pool.submit(_worker, sources, target, i * max(1, len(sources) // threads), deadline)
            for i in range(threads)
        ]
        per_thread = [future.result() for future in futures]
    elapsed = time.perf_counter() - started
    times = [t for thread_times in per_thread for t in thread_times]
    return CeilingResult(len(times), elapsed, times, time.process_time() - cpu_before)


def vips_version() -> str:
    return ".".join(str(pyvips.version(i)) for i in range(3))


def probe(encoded: bytes) -> tuple[str, int, int]:
    """Loader name and size of an encoded image, from its header only."""
    image = pyvips.Image.new_from_buffer(encoded, "")
    return str(image.get("vips-loader")), int(image.width), int(image.height)
