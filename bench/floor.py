"""The miss path's floor: the in-process ceiling, a bare ASGI server that fetches and renders
the same way (`bench.bare_miss`) and ours, in alternating rounds, on the same photos.

    .venv/bin/python -m bench.floor [--origin nginx|local] [--glob 'jpeg-kde-*-1920x1080.jpg'] \\
        [--target 512x512:jpeg:80] [--rounds 6] [--duration 6]

The servers fetch the photos over HTTP from one nginx on loopback, as in `make bench`
(`--origin nginx`, the default), or read them from the local filesystem (`--origin local`): then
the three sides differ only by what is around the render.

Each round measures each side alone for `--duration` seconds, the order rotated each round
(`bench.rounds.round_order`), the next side starting once the last one's process is idle: the
servers under wrk (2 threads, 16 connections, every request a distinct URL), the ceiling on 2
threads. For each side it prints the median over the rounds of images per second and of CPU
per image; for the two servers also the CPU per image of each kind of thread (the event loop,
libvips' workers, every other thread: processing and file reads).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.bare_miss import parse_target
from bench.ceiling import run_ceiling
from bench.mix import CORPUS_DIR as PHOTOS
from bench.mix import matching
from bench.nginx import static_origin
from bench.procs import TICKS_PER_S, ThreadCpu, threads, threads_delta, wait_until_idle
from bench.rounds import round_order
from bench.scenarios import EXTENSIONS, Target, distinct_misses
from bench.server import HOST, ManagedProcess, ProxyServer, free_port, miss_settings
from bench.twin import request_paths
from bench.wrk import lua_script, run_wrk
from imgproxy.malloc_preload import huge_pages_env, restart_in

WORKERS = 4
CEILING_THREADS = 2
WRK_THREADS = 2
CONNECTIONS = 16
WARMUP_S = 2
KINDS = ("event loop", "libvips workers", "other threads")


@dataclass(frozen=True)
class Sample:
    """One side's round."""

    images: int
    seconds: float
    cpu_seconds: float
    by_kind: dict[str, float]
    """CPU seconds per kind of thread (servers only)."""

    @property
    def images_per_sec(self) -> float:
        return self.images / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_image(self) -> float:
        return 1000 * self.cpu_seconds / max(1, self.images)

    def kind_ms_per_image(self, kind: str) -> float:
        return 1000 * self.by_kind.get(kind, 0.0) / max(1, self.images)


def thread_kind(pid: int, thread: ThreadCpu) -> str:
    """The event loop runs on the main thread; libvips names its own workers."""
    if thread.tid == pid:
        return "event loop"
    if thread.name.startswith("libvips"):
        return "libvips workers"
    return "other threads"


def cpu_by_kind(pid: int, spent: dict[int, ThreadCpu]) -> dict[str, float]:
    totals = dict.fromkeys(KINDS, 0.0)
    for thread in spent.values():
        totals[thread_kind(pid, thread)] += thread.cpu_ticks / TICKS_PER_S
    return totals


def local_paths(glob: str, target: Target) -> list[str]:
    """Our URLs of the photos matching `glob` on the local filesystem, each many times over."""
    options = f"rs:fit:{target.width}:{target.height}/q:{target.quality}"
    return request_paths(glob, options, EXTENSIONS[target.format])


def server_sample(pid: int, base_url: str, script: Path, duration_s: int) -> Sample:
    before = threads(pid)
    result = run_wrk(
        base_url, script, wrk_threads=WRK_THREADS, connections=CONNECTIONS, duration_s=duration_s
    )
    if result.error_count:
        raise RuntimeError(f"{base_url}: {result.error_count} requests failed")
    spent = threads_delta(before, threads(pid))
    by_kind = cpu_by_kind(pid, spent)
    return Sample(result.requests, result.seconds, sum(by_kind.values()), by_kind)


def ceiling_sample(sources: list[bytes], target: Target, duration_s: int) -> Sample:
    result = run_ceiling(sources, target, CEILING_THREADS, duration_s)
    return Sample(result.jobs, result.seconds, result.cpu_seconds, {})


def median_sample(samples: Sequence[Sample]) -> dict[str, float]:
    """The medians over rounds of what the table shows."""
    medians = {
        "images/s": statistics.median(s.images_per_sec for s in samples),
        "CPU ms/image": statistics.median(s.cpu_ms_per_image for s in samples),
    }
    if samples[0].by_kind:
        for kind in KINDS:
            medians[kind] = statistics.median(s.kind_ms_per_image(kind) for s in samples)
    return medians


def table(samples: dict[str, list[Sample]]) -> str:
    medians = {side: median_sample(found) for side, found in samples.items()}
    ceiling = medians["ceiling"]
    lines = [
        "| side | images/s | ÷ ceiling | CPU ms/image | over the ceiling | "
        + " | ".join(KINDS)
        + " |",
        "| --- " + "| ---: " * (4 + len(KINDS)) + "|",
    ]
    for side, row in medians.items():
        kinds = " | ".join(f"{row[k]:.2f}" if k in row else "" for k in KINDS)
        lines.append(
            f"| {side} | {row['images/s']:.1f} | {row['images/s'] / ceiling['images/s']:.2f} "
            f"| {row['CPU ms/image']:.2f} | {row['CPU ms/image'] - ceiling['CPU ms/image']:+.2f} "
            f"| {kinds} |"
        )
    return "\n".join(lines)


def bare_server(directory: Path, target: str, log_path: Path) -> ManagedProcess:
    port = free_port()
    command = [
        sys.executable,
        *("-m", "bench.bare_miss", "--port", str(port), "--dir", str(directory)),
        *("--workers", str(WORKERS), "--target", target),
    ]
    return ManagedProcess(command, log_path, health_url=f"http://{HOST}:{port}/health", port=port)


def measure(
    sides: dict[str, Callable[[], Sample]], idle_pids: list[int], rounds: int
) -> dict[str, list[Sample]]:
    """Every side once per round, the order rotated, each after the servers are idle."""
    samples: dict[str, list[Sample]] = {side: [] for side in sides}
    for index in range(rounds):
        for side in round_order(list(sides), index):
            wait_until_idle(idle_pids)
            samples[side].append(sides[side]())
        print(
            f"round {index}: "
            + ", ".join(
                f"{side} {found[-1].images_per_sec:.1f}/s {found[-1].cpu_ms_per_image:.2f} ms"
                for side, found in samples.items()
            ),
            flush=True,
        )
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--origin", choices=["nginx", "local"], default="nginx")
    parser.add_argument("--glob", default="jpeg-kde-*-1920x1080.jpg")
    parser.add_argument("--target", default="512x512:jpeg:80", help="WIDTHxHEIGHT:FORMAT:Q")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--duration", type=int, default=6, help="seconds per side and round")
    args = parser.parse_args(argv)
    target = parse_target(args.target)
    try:
        files = matching(args.glob)
    except ValueError as error:
        parser.error(str(error))
    restart_in(huge_pages_env(os.environ))  # every side under the server's default malloc
    sources = [(PHOTOS / name).read_bytes() for name in files]
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as temporary, ExitStack() as stack:
        directory = Path(temporary)
        if args.origin == "nginx":
            origin = stack.enter_context(static_origin(directory / "nginx", PHOTOS))
            paths = distinct_misses(origin.base_url, files, target)
        else:
            paths = local_paths(args.glob, target)
        script = directory / "paths.lua"
        script.write_text(lua_script(paths, WRK_THREADS), encoding="utf-8")
        bare = bare_server(PHOTOS, args.target, directory / "bare.log")
        ours = ProxyServer(PHOTOS, WORKERS, directory / "ours.log", settings=miss_settings())
        with bare, ours:
            servers = {"bare": bare, "ours": ours}
            for server in servers.values():
                server_sample(server.pid, server.base_url, script, WARMUP_S)
            sides: dict[str, Callable[[], Sample]] = {
                "ceiling": lambda: ceiling_sample(sources, target, args.duration),
                **{
                    name: (lambda s=server: server_sample(s.pid, s.base_url, script, args.duration))
                    for name, server in servers.items()
                },
            }
            samples = measure(sides, [bare.pid, ours.pid], args.rounds)
    print(table(samples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
