"""The in-process ceiling: the same transforms straight through pyvips, with the server's threading.

The server runs one libvips thread per job (VIPS_CONCURRENCY=1) with the libvips operation cache
off, and gets its parallelism from a pool of worker threads; this does the same.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

os.environ["VIPS_CONCURRENCY"] = "1"

import pyvips

from bench.mix import Job
from bench.stats import percentile

_SAVE_FORMAT = {"jpg": ".jpg[Q=80]", "webp": ".webp[Q=79]"}


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

    @property
    def images_per_sec(self) -> float:
        return self.jobs / self.seconds

    @property
    def p50_ms(self) -> float:
        return percentile(self.job_times_ms, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.job_times_ms, 99)


def transform(job: Job, source: bytes) -> Output:
    spec = job.transform
    options: dict[str, object] = {"height": spec.height}
    if spec.mode == "fill":
        options["crop"] = "centre"
    image = pyvips.Image.thumbnail_buffer(source, spec.width, **options)
    encoded = image.write_to_buffer(_SAVE_FORMAT[spec.ext])
    return Output(image.width, image.height, len(encoded))


def reference_outputs(jobs: list[Job], sources: dict[str, bytes]) -> dict[str, Output]:
    """One pass over the mix: warms libvips up and records what each job should produce."""
    return {job.path: transform(job, sources[job.photo.file]) for job in jobs}


def _worker(jobs: list[Job], sources: dict[str, bytes], start: int, deadline: float) -> list[float]:
    times_ms: list[float] = []
    index = start
    while time.perf_counter() < deadline:
        job = jobs[index % len(jobs)]
        began = time.perf_counter()
        transform(job, sources[job.photo.file])
        times_ms.append((time.perf_counter() - began) * 1000.0)
        index += 1
    return times_ms


def run_ceiling(
    jobs: list[Job], sources: dict[str, bytes], threads: int, duration_s: float
) -> CeilingResult:
    configure_vips()
    step = max(1, len(jobs) // threads)
    started = time.perf_counter()
    deadline = started + duration_s
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ceiling") as pool:
        futures = [pool.submit(_worker, jobs, sources, i * step, deadline) for i in range(threads)]
        per_thread = [future.result() for future in futures]
    elapsed = time.perf_counter() - started
    times = [t for thread_times in per_thread for t in thread_times]
    return CeilingResult(jobs=len(times), seconds=elapsed, job_times_ms=times)


def vips_version() -> str:
    return ".".join(str(pyvips.version(i)) for i in range(3))


def probe(encoded: bytes) -> tuple[str, int, int]:
    """Loader name and size of an encoded image, from its header only."""
    image = pyvips.Image.new_from_buffer(encoded, "")
    return str(image.get("vips-loader")), int(image.width), int(image.height)
