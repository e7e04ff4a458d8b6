"""Running one scenario: each server started fresh, checked once per URL, warmed up and measured;
the sides of a miss or hit scenario in alternating rounds (`bench.rounds`)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from bench.ceiling import reference_outputs, run_ceiling
from bench.measure import WRK_THREADS, Load, Preflight, drive, preflight, row_from
from bench.mix import CORPUS_DIR, Photo
from bench.nginx import Nginx
from bench.procs import Sampler, wait_until_idle
from bench.pyspy import best_split, profiled_run, summarise
from bench.record import Row
from bench.rounds import ROUNDS, merged, round_order, round_seconds
from bench.scenarios import (
    LOSSY,
    Scenario,
    Target,
    distinct_misses,
    ours_path,
    select_sources,
    thumbor_path,
)
from bench.server import HOST, ManagedProcess, ProxyServer, free_port, miss_settings
from bench.stacks import CpuSplit
from bench.stampede import metric_value, stampede
from bench.stats import percentile
from bench.thumbor import ThumborCluster
from bench.wrk import lua_script

QUALITY_RANGE = (30, 95)
PROFILE_SECONDS = 6
PROCESSING_RUNS = "imgproxy_request_span_duration_seconds_count"


@dataclass
class Context:
    workdir: Path
    origin: Nginx
    photos: list[Photo]
    cores: int
    load: Load
    with_thumbor: bool
    server_tree: Path
    profile_dir: Path | None = None
    """Where py-spy's raw stacks go; None: no profiled runs."""
    server_settings: dict[str, str] = field(default_factory=dict)
    """Environment for every proxy server on top of each scenario's own (`--server-setting`)."""
    server_python: Path = field(default_factory=lambda: Path(sys.executable))
    """The interpreter the proxy servers run on (`--server-python`)."""

    def scratch(self, name: str) -> Path:
        path = self.workdir / f"{name}-{time.monotonic_ns()}"
        path.mkdir(parents=True)
        return path


@dataclass
class Outcome:
    """What one scenario found: its rows, notes, and the CPU split of its profiled run."""

    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    splits: list[CpuSplit] = field(default_factory=list)


def _process_counts(cores: int) -> list[int]:
    return sorted({1, cores})


def _ours_label(processes: int) -> str:
    return f"ours, {processes} process{'es' if processes > 1 else ''}"


def _thumbor_label(cores: int) -> str:
    return f"thumbor x{cores} + nginx"


def _ours(ctx: Context, processes: int, settings: dict[str, str], name: str) -> ProxyServer:
    workers = 2 * ctx.cores  # the server's default (twice the cores), split across processes
    return ProxyServer(
        CORPUS_DIR,
        workers,
        ctx.scratch(name) / "server.log",
        processes=processes,
        settings={**settings, **ctx.server_settings},
        tree=ctx.server_tree,
        python=ctx.server_python,
    )


def calibrate_quality(
    base_url: str, paths_for: dict[int, list[str]], wanted_bytes: float
) -> tuple[int, Preflight]:
    """The quality whose mean output size is nearest `wanted_bytes` (sizes grow with quality)."""
    low, high = QUALITY_RANGE
    best: tuple[float, int, Preflight] | None = None
    while low <= high:
        quality = (low + high) // 2
        check = preflight(base_url, paths_for[quality])
        gap = abs(check.mean_bytes - wanted_bytes)
        if best is None or gap < best[0]:
            best = (gap, quality, check)
        if check.mean_bytes < wanted_bytes:
            low = quality + 1
        else:
            high = quality - 1
    assert best is not None
    return best[1], best[2]


Round = Callable[[Load], Row]
"""One side of a comparison, measured once under a load."""


def _wrk_round(
    ctx: Context,
    scenario: Scenario,
    label: str,
    role: str,
    base_url: str,
    paths: list[str],
    pids: list[int],
    check: Preflight | None,
    quality: int | None,
    processes: int,
) -> Round:
    def measure(load: Load) -> Row:
        print(f"  {label}: wrk -c{load.connections} {load.duration_s} s", flush=True)
        result, sampler = drive(
            base_url, paths, load, pids, ctx.scratch("wrk"), event_loops=role != "thumbor"
        )
        row = row_from(scenario.name, label, role, result, sampler, check, quality)
        wait_until_idle(pids)  # so that what is still in flight runs in no other side's round
        return replace(row, processes=processes)

    return measure


def _ours_round(
    ctx: Context,
    scenario: Scenario,
    server: ProxyServer,
    paths: list[str],
    check: Preflight,
    quality: int | None,
) -> Round:
    label = _ours_label(server.processes)
    return _wrk_round(
        ctx,
        scenario,
        label,
        "ours",
        server.base_url,
        paths,
        [server.pid],
        check,
        quality,
        server.processes,
    )


def _full_load(ctx: Context, scenario: Scenario) -> Load:
    """The run's load at the scenario's connections, for a side measured in one go."""
    return replace(ctx.load, connections=scenario.connections)


def _alternating(ctx: Context, scenario: Scenario, sides: list[Round]) -> list[Row]:
    """Each side in `ROUNDS` rounds, taking turns; one merged row per side, in `sides` order.
    The storm keeps one round: its 64 large images in flight take seconds to finish, too
    large a share of a short round."""
    count = 1 if scenario.kind == "storm" else ROUNDS
    load = replace(
        ctx.load,
        connections=scenario.connections,
        duration_s=round_seconds(ctx.load.duration_s, count),
    )
    measured: list[list[Row]] = [[] for _ in sides]
    for index in range(count):
        print(f"  round {index + 1} of {count}", flush=True)
        this_round = load if index == 0 else replace(load, warmup_s=0)  # warmed up in round 1
        for position in round_order(range(len(sides)), index):
            measured[position].append(sides[position](this_round))
    return [merged(side_rounds) for side_rounds in measured]


def _thumbor_side(
    ctx: Context,
    scenario: Scenario,
    files: list[str],
    target: Target,
    stack: ExitStack,
    *,
    storage: bool = False,
) -> tuple[Round, Preflight]:
    """A thumbor cluster kept up until `stack` closes, checked once per URL."""
    paths = [thumbor_path(ctx.origin.base_url, f, target) for f in files]
    cluster = stack.enter_context(
        ThumborCluster(ctx.scratch("thumbor"), ctx.cores, result_storage=storage)
    )
    check = preflight(cluster.base_url, paths)
    measure = _wrk_round(
        ctx,
        scenario,
        _thumbor_label(ctx.cores),
        "thumbor",
        cluster.base_url,
        paths,
        cluster.pids,
        check,
        80 if target.format in LOSSY else None,
        ctx.cores,
    )
    return measure, check


def _thumbor_row(
    ctx: Context, scenario: Scenario, files: list[str], target: Target, *, storage: bool = False
) -> tuple[Row, Preflight]:
    with ExitStack() as stack:
        measure, check = _thumbor_side(ctx, scenario, files, target, stack, storage=storage)
        return measure(_full_load(ctx, scenario)), check


def _profile(
    ctx: Context, scenario: Scenario, server: ProxyServer, paths: list[str], outcome: Outcome
) -> None:
    """py-spy on the one-process server, in a short run of its own after the measured one."""
    if ctx.profile_dir is None:
        return
    script = ctx.scratch("profile") / "paths.lua"
    script.write_text(lua_script(paths, WRK_THREADS), encoding="utf-8")

    def take(raw_path: Path, native: bool) -> CpuSplit:
        return _profiled_split(scenario, server, script, raw_path, native=native)

    split = best_split(take, ctx.profile_dir, scenario.name, outcome.notes)
    if split is not None:
        outcome.splits.append(split)


def _profiled_split(
    scenario: Scenario, server: ProxyServer, script: Path, raw_path: Path, *, native: bool = True
) -> CpuSplit:
    stacks = "" if native else ", Python stacks only"
    print(f"  py-spy on {_ours_label(1)}: {PROFILE_SECONDS} s of wrk{stacks}", flush=True)
    run = profiled_run(
        server.pid,
        server.base_url,
        script,
        scenario.connections,
        raw_path,
        min(WRK_THREADS, scenario.connections),
        PROFILE_SECONDS,
        native=native,
    )
    return summarise(scenario.name, run, server.pid)


def _miss(ctx: Context, scenario: Scenario, files: list[str]) -> Outcome:
    """Thumbor, ours with one process and with one per core, and the ceiling, all kept up and
    measured in alternating rounds (`bench.rounds`); then py-spy on the one-process server."""
    outcome = Outcome()
    target = scenario.target
    sides: list[Round] = []
    with ExitStack() as stack:
        thumbor_check: Preflight | None = None
        if ctx.with_thumbor and scenario.with_thumbor:
            thumbor_side, thumbor_check = _thumbor_side(ctx, scenario, files, target, stack)
            sides.append(thumbor_side)
        profiled: tuple[ProxyServer, list[str]] | None = None
        for processes in _process_counts(ctx.cores):
            server = stack.enter_context(_ours(ctx, processes, miss_settings(), "ours"))
            if processes == 1 and thumbor_check and target.format in LOSSY:
                target = _calibrated(ctx, server, files, target, thumbor_check)
            check = preflight(
                server.base_url, [ours_path(ctx.origin.base_url, f, target) for f in files]
            )
            paths = distinct_misses(ctx.origin.base_url, files, target)
            if thumbor_check and check.dimensions != thumbor_check.dimensions:
                outcome.notes.append(
                    f"{scenario.name}: output dimensions differ from thumbor's: "
                    f"{check.dimensions} vs {thumbor_check.dimensions}"
                )
            quality = target.quality if target.format in LOSSY else None
            sides.append(_ours_round(ctx, scenario, server, paths, check, quality))
            if processes == 1:
                profiled = (server, paths)
        if scenario.kind == "miss" and scenario.with_ceiling:
            sides.append(_ceiling_round(ctx, scenario, files, target))
        outcome.rows.extend(_alternating(ctx, scenario, sides))
        if profiled is not None and scenario.kind == "miss":
            _profile(ctx, scenario, *profiled, outcome)
    return outcome


def _calibrated(
    ctx: Context, server: ProxyServer, files: list[str], target: Target, thumbor: Preflight
) -> Target:
    """`target` at the quality whose mean output size matches thumbor's."""
    paths_for = {
        q: [ours_path(ctx.origin.base_url, f, target.with_quality(q)) for f in files]
        for q in range(QUALITY_RANGE[0], QUALITY_RANGE[1] + 1)
    }
    matched, _ = calibrate_quality(server.base_url, paths_for, thumbor.mean_bytes)
    print(f"  quality {matched} matches thumbor's mean output size", flush=True)
    return target.with_quality(matched)


def _ceiling_round(ctx: Context, scenario: Scenario, files: list[str], target: Target) -> Round:
    sources = [(CORPUS_DIR / f).read_bytes() for f in files]
    outputs = reference_outputs(sources, target)
    label = f"pyvips in-process, {ctx.cores} threads"

    def measure(load: Load) -> Row:
        print(f"  pyvips ceiling: {ctx.cores} threads {load.duration_s} s", flush=True)
        result = run_ceiling(sources, target, ctx.cores, load.duration_s)
        return Row(
            scenario=scenario.name,
            server=label,
            role="ceiling",
            requests_per_sec=result.images_per_sec,
            p50_ms=result.p50_ms,
            p99_ms=result.p99_ms,
            requests=result.jobs,
            errors=0,
            timeouts=0,
            peak_rss_mb=None,
            cpu_s_per_image=result.cpu_seconds / result.jobs if result.jobs else None,
            mean_output_kb=statistics.fmean(o.size for o in outputs) / 1e3,
            quality=target.quality if target.format in LOSSY else None,
            processes=1,
        )

    return measure


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    port = free_port()
    command = [
        "redis-server",
        "--bind",
        HOST,
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(workdir),
    ]
    with ManagedProcess(command, workdir / "redis.log", health_url=None, port=port):
        yield f"redis://{HOST}:{port}/0"


def _bare_side(
    ctx: Context,
    scenario: Scenario,
    bodies: list[bytes],
    processes: int,
    redis_url: str | None,
    stack: ExitStack,
) -> Round:
    """The bare endpoint answering `bodies` (from memory, or with one Redis GET each), kept up
    by `stack`."""
    directory = ctx.scratch("bare")
    names = []
    for index, body in enumerate(bodies):
        names.append(f"{index}.jpg")
        (directory / names[-1]).write_bytes(body)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "bench.bare",
        "--port",
        str(port),
        "--dir",
        str(directory),
        "--processes",
        str(processes),
        *([] if redis_url is None else ["--redis", redis_url]),
    ]
    bare = stack.enter_context(
        ManagedProcess(
            command, directory / "bare.log", health_url=f"http://{HOST}:{port}/health", port=port
        )
    )
    paths = [f"/{name}" for name in names]
    check = preflight(bare.base_url, paths)
    kind = "bare Starlette" if redis_url is None else "bare redis GET"
    label = f"{kind}, {processes} process{'es' if processes > 1 else ''}"
    return _wrk_round(
        ctx, scenario, label, "ceiling", bare.base_url, paths, [bare.pid], check, None, processes
    )


def _hits(ctx: Context, scenario: Scenario, files: list[str]) -> Outcome:
    """Per process count, ours and the bare endpoint kept up together and measured in
    alternating rounds; thumbor after them, in one go."""
    rows: list[Row] = []
    target = scenario.target
    paths = [ours_path(ctx.origin.base_url, f, target) for f in files]
    with contextmanager_or_none(scenario.kind == "hit-l2", ctx) as redis_url:
        settings = (
            {}
            if redis_url is None
            else {"IMGPROXY_CACHE_MEMORY_BYTES": "0", "IMGPROXY_REDIS_URL": redis_url}
        )
        for processes in _process_counts(ctx.cores):
            with ExitStack() as stack:
                server = stack.enter_context(_ours(ctx, processes, settings, "ours-hit"))
                check = preflight(server.base_url, paths)
                ours = _ours_round(ctx, scenario, server, paths, check, target.quality)
                bare = _bare_side(ctx, scenario, check.bodies, processes, redis_url, stack)
                rows.extend(_alternating(ctx, scenario, [ours, bare]))
    if ctx.with_thumbor and scenario.with_thumbor:
        rows.append(_thumbor_row(ctx, scenario, files, target, storage=True)[0])
    return Outcome(rows)


@contextmanager
def contextmanager_or_none(wanted: bool, ctx: Context) -> Iterator[str | None]:
    if not wanted:
        yield None
        return
    with redis_server(ctx.scratch("redis")) as url:
        yield url


def _origin_fetches(ctx: Context, file: str) -> int:
    return sum(1 for line in ctx.origin.access_lines() if f"/{file} " in line)


def _coalesce_row(
    ctx: Context,
    scenario: Scenario,
    label: str,
    role: str,
    port: int,
    path: str,
    pids: list[int],
    file: str,
    processes: int,
    metrics_url: str | None,
) -> Row:
    def runs() -> float | None:
        if metrics_url is None:
            return None
        text = httpx.get(metrics_url, timeout=10.0).text
        return metric_value(text, PROCESSING_RUNS, 'span="processing"')

    fetches_before, runs_before = _origin_fetches(ctx, file), runs()
    print(f"  {label}: {scenario.connections} identical requests at once", flush=True)
    with Sampler(pids) as sampler:
        result = stampede(port, path, scenario.connections)
    runs_after = runs()
    ok = sum(1 for s in result.statuses if s == 200)
    return Row(
        scenario=scenario.name,
        server=label,
        role=role,
        requests_per_sec=len(result.statuses) / result.seconds,
        p50_ms=percentile(result.latencies_ms, 50),
        p99_ms=percentile(result.latencies_ms, 99),
        requests=ok,
        errors=len(result.statuses) - ok,
        timeouts=0,
        peak_rss_mb=sampler.peak_rss_bytes / 1e6,
        cpu_s_per_image=sampler.cpu_seconds / max(1, ok),
        mean_output_kb=None,
        processes=processes,
        origin_fetches=_origin_fetches(ctx, file) - fetches_before,
        processing_runs=None
        if runs_after is None or runs_before is None
        else round(runs_after - runs_before),
    )


def _coalesce(ctx: Context, scenario: Scenario, files: list[str]) -> Outcome:
    rows: list[Row] = []
    file = files[0]
    target = scenario.target
    for processes in _process_counts(ctx.cores):
        with _ours(ctx, processes, {}, "ours-coalesce") as server:
            rows.append(
                _coalesce_row(
                    ctx,
                    scenario,
                    _ours_label(processes),
                    "ours",
                    server.port,
                    ours_path(ctx.origin.base_url, file, target),
                    [server.pid],
                    file,
                    processes,
                    f"{server.base_url}/metrics",
                )
            )
    if ctx.with_thumbor and scenario.with_thumbor:
        with ThumborCluster(ctx.scratch("thumbor"), ctx.cores) as cluster:
            rows.append(
                _coalesce_row(
                    ctx,
                    scenario,
                    _thumbor_label(ctx.cores),
                    "thumbor",
                    cluster.front.port,
                    thumbor_path(ctx.origin.base_url, file, target),
                    cluster.pids,
                    file,
                    ctx.cores,
                    None,
                )
            )
    return Outcome(rows)


def run_scenario(scenario: Scenario, ctx: Context) -> Outcome:
    files = [p.file for p in select_sources(ctx.photos, scenario.sources)]
    if scenario.kind in ("miss", "storm"):
        return _miss(ctx, scenario, files)
    if scenario.kind in ("hit-l1", "hit-l2"):
        return _hits(ctx, scenario, files)
    return _coalesce(ctx, scenario, files)


def redis_version() -> str:
    completed = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    )
    return completed.stdout.split(" sha=")[0].strip()
