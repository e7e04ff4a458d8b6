"""One measurement of one server: a preflight pass over the URLs, a wrk warm-up, then wrk with
the server's process tree sampled."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.ceiling import probe
from bench.procs import Sampler
from bench.record import Row
from bench.wrk import WrkResult, lua_script, run_wrk

WRK_THREADS = 2


class PreflightError(RuntimeError):
    pass


@dataclass(frozen=True)
class Preflight:
    sizes: list[int]
    dimensions: list[tuple[int, int]]
    loaders: list[str]
    bodies: list[bytes]

    @property
    def mean_bytes(self) -> float:
        return statistics.fmean(self.sizes) if self.sizes else 0.0


def preflight(base_url: str, paths: list[str]) -> Preflight:
    """Each URL once: every one must answer 200 with an image; sizes and dimensions recorded."""
    sizes: list[int] = []
    dimensions: list[tuple[int, int]] = []
    loaders: list[str] = []
    bodies: list[bytes] = []
    with httpx.Client(base_url=base_url, timeout=120.0) as client:
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                raise PreflightError(
                    f"GET {path}: HTTP {response.status_code} {response.text[:200]!r}"
                )
            loader, width, height = probe(response.content)
            sizes.append(len(response.content))
            dimensions.append((width, height))
            loaders.append(loader)
            bodies.append(response.content)
    return Preflight(sizes, dimensions, loaders, bodies)


@dataclass(frozen=True)
class Load:
    connections: int
    duration_s: int
    warmup_s: int


def drive(
    base_url: str,
    paths: list[str],
    load: Load,
    pids: list[int],
    workdir: Path,
    *,
    event_loops: bool = False,
) -> tuple[WrkResult, Sampler]:
    """`event_loops`: the server runs under uvicorn; measure its event-loop threads' CPU too."""
    script = workdir / "paths.lua"
    script.write_text(lua_script(paths, WRK_THREADS), encoding="utf-8")
    threads = min(WRK_THREADS, load.connections)
    if load.warmup_s:
        run_wrk(
            base_url,
            script,
            wrk_threads=threads,
            connections=load.connections,
            duration_s=load.warmup_s,
        )
    with Sampler(pids, event_loops=event_loops) as sampler:
        result = run_wrk(
            base_url,
            script,
            wrk_threads=threads,
            connections=load.connections,
            duration_s=load.duration_s,
        )
    return result, sampler


def per_image_ms(seconds: float | None, requests: int) -> float | None:
    return None if seconds is None or not requests else seconds * 1000.0 / requests


def row_from(
    scenario: str,
    server: str,
    role: str,
    result: WrkResult,
    sampler: Sampler,
    check: Preflight | None,
    quality: int | None,
) -> Row:
    return Row(
        scenario=scenario,
        server=server,
        role=role,
        requests_per_sec=result.requests_per_sec,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        requests=result.requests,
        errors=result.non_2xx + sum(v for k, v in result.socket_errors.items() if k != "timeout"),
        timeouts=result.socket_errors.get("timeout", 0),
        peak_rss_mb=sampler.peak_rss_bytes / 1e6,
        cpu_s_per_image=sampler.cpu_seconds / result.requests if result.requests else 0.0,
        mean_output_kb=check.mean_bytes / 1e3 if check else None,
        quality=quality,
        loop_ms_per_image=per_image_ms(sampler.loop_cpu_seconds, result.requests),
    )
