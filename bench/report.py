"""The printed result: a header describing the run and a Markdown table."""

from __future__ import annotations

from dataclasses import dataclass

from bench.ceiling import CeilingResult
from bench.machine import Machine
from bench.mix import TRANSFORMS, Photo
from bench.wrk import WrkResult


@dataclass(frozen=True)
class RunSettings:
    threads: int
    duration_s: int
    warmup_s: int
    wrk_threads: int
    connections: int


def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}"


def header(machine: Machine, settings: RunSettings, photos: list[Photo], vips: str) -> list[str]:
    formats = ", ".join(
        f"{sum(p.format == fmt for p in photos)} {fmt.upper()}" for fmt in ("jpeg", "png")
    )
    transforms = ", ".join(t.label for t in TRANSFORMS)
    return [
        f"date:      {machine.date}",
        f"machine:   {machine.cpu_model}, nproc {machine.nproc}",
        f"software:  Python {machine.python}, libvips {vips}, {machine.wrk}",
        f"threads:   {settings.threads} (IMGPROXY_WORKERS / ThreadPoolExecutor), "
        f"wrk -t{settings.wrk_threads} -c{settings.connections}",
        f"duration:  {settings.duration_s} s each, after a {settings.warmup_s} s warm-up",
        f"mix:       {len(photos) * len(TRANSFORMS)} URLs = {len(photos)} photos ({formats}) "
        f"x {len(TRANSFORMS)} transforms ({transforms})",
    ]


def table(proxy: WrkResult | None, ceiling: CeilingResult) -> list[str]:
    rows = [
        "| measurement | images/s | p50 ms | p99 ms | images | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    if proxy is not None:
        rows.append(
            f"| proxy (wrk, HTTP) | {_fmt(proxy.requests_per_sec)} | {_fmt(proxy.p50_ms)} "
            f"| {_fmt(proxy.p99_ms)} | {proxy.requests} | {proxy.error_count} |"
        )
    rows.append(
        f"| pyvips in-process (ceiling) | {_fmt(ceiling.images_per_sec)} "
        f"| {_fmt(ceiling.p50_ms)} | {_fmt(ceiling.p99_ms)} | {ceiling.jobs} | 0 |"
    )
    if proxy is not None:
        ratio = proxy.requests_per_sec / ceiling.images_per_sec
        rows.append(f"| ratio proxy/ceiling (throughput) | {_fmt(ratio, 2)} | | | | |")
    return rows
