"""`make bench`: the proxy under wrk against the same transforms straight through pyvips.

See bench/README.md for what is measured and how to read the result.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.ceiling import CeilingResult, Output, reference_outputs, run_ceiling, vips_version
from bench.check import check_urls
from bench.machine import describe
from bench.mix import CORPUS_DIR, REPO_ROOT, Job, build_mix, load_sources, read_manifest
from bench.report import RunSettings, header, table
from bench.server import ProxyServer
from bench.wrk import WrkResult, lua_script, run_wrk, wrk_binary

RESULTS_DIR = REPO_ROOT / "bench" / "results"
_LOG_PROBLEM_RE = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|Exception", re.IGNORECASE)


class BenchFailure(SystemExit):
    def __init__(self, message: str) -> None:
        super().__init__(f"\nBENCH FAILED: {message}")


@dataclass
class ProxyRun:
    result: WrkResult
    notes: list[str] = field(default_factory=list)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--duration", type=int, default=20, help="seconds per measurement")
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="server workers and ceiling pool size (default: os.cpu_count())",
    )
    parser.add_argument("--quick", action="store_true", help="5 s per measurement, a smoke run")
    parser.add_argument(
        "--ceiling-only", action="store_true", help="skip the server, measure only pyvips"
    )
    args = parser.parse_args(argv)
    if args.threads < 1 or args.duration < 1:
        parser.error("--threads and --duration must be at least 1")
    return args


def settings_from(args: argparse.Namespace) -> RunSettings:
    connections = 2 * args.threads
    return RunSettings(
        threads=args.threads,
        duration_s=5 if args.quick else args.duration,
        warmup_s=2 if args.quick else 3,
        wrk_threads=min(2, connections),
        connections=connections,
    )


def log_problems(log_text: str, limit: int = 5) -> list[str]:
    lines = [line.strip() for line in log_text.splitlines() if _LOG_PROBLEM_RE.search(line)]
    if not lines:
        return []
    shown = list(dict.fromkeys(lines))[:limit]
    return [f"server log: {len(lines)} error-looking lines, e.g.", *(f"  {s}" for s in shown)]


def _fail_with_log(server: ProxyServer, message: str) -> BenchFailure:
    print(server.log_tail(), file=sys.stderr)
    return BenchFailure(message)


def measure_proxy(
    jobs: list[Job], expected: dict[str, Output], settings: RunSettings, workdir: Path
) -> ProxyRun:
    server = ProxyServer(REPO_ROOT, CORPUS_DIR, settings.threads, workdir / "server.log")
    with server:
        print(f"server up at {server.base_url}; checking {len(jobs)} URLs once", flush=True)
        check = check_urls(server.base_url, jobs, expected)
        for warning in check.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if check.failures:
            print("\n".join(check.failures), file=sys.stderr)
            raise _fail_with_log(server, f"{len(check.failures)} of {len(jobs)} URLs failed")
        script = workdir / "mix.lua"
        script.write_text(lua_script([job.path for job in jobs], settings.wrk_threads))

        def wrk(duration_s: int) -> WrkResult:
            result = run_wrk(
                server.base_url,
                script,
                wrk_threads=settings.wrk_threads,
                connections=settings.connections,
                duration_s=duration_s,
            )
            if result.error_count:
                print(result.raw, file=sys.stderr)
                raise _fail_with_log(
                    server,
                    f"wrk saw {result.non_2xx} non-2xx responses and socket errors "
                    f"{result.socket_errors or 'none'}",
                )
            return result

        print(f"wrk warm-up {settings.warmup_s} s", flush=True)
        wrk(settings.warmup_s)
        print(f"wrk {settings.duration_s} s", flush=True)
        result = wrk(settings.duration_s)
    notes = [f"preflight: {w}" for w in check.warnings] + log_problems(server.log_text())
    return ProxyRun(result, notes)


def save_results(
    lines: list[str], proxy: ProxyRun | None, ceiling: CeilingResult, settings: RunSettings
) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / time.strftime("%Y%m%d-%H%M%S.json")
    payload = {
        "settings": asdict(settings),
        "report": lines,
        "wrk_output": proxy.result.raw if proxy else None,
        "proxy_notes": proxy.notes if proxy else [],
        "ceiling": {"jobs": ceiling.jobs, "seconds": ceiling.seconds},
    }
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = settings_from(args)
    if not args.ceiling_only:
        wrk_binary()
    photos = read_manifest()
    jobs = build_mix(photos)
    sources = load_sources(photos)
    print(f"reference pass: {len(jobs)} transforms through pyvips", flush=True)
    expected = reference_outputs(jobs, sources)

    proxy: ProxyRun | None = None
    if not args.ceiling_only:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            proxy = measure_proxy(jobs, expected, settings, Path(tmp))

    print(f"pyvips ceiling {settings.duration_s} s on {settings.threads} threads", flush=True)
    ceiling = run_ceiling(jobs, sources, settings.threads, settings.duration_s)

    lines = [
        *header(describe(), settings, photos, vips_version()),
        "",
        *table(proxy.result if proxy else None, ceiling),
    ]
    print("\n" + "\n".join(lines))
    if proxy and proxy.notes:
        print("\nnotes:\n" + "\n".join(proxy.notes))
    print(f"\nsaved {save_results(lines, proxy, ceiling, settings)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
