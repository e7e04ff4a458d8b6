"""`make bench`: the proxy beside thumbor and the in-process pyvips ceiling, scenario by scenario.

See bench/README.md for the method and bench/RESULTS.md for the last full run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from dataclasses import asdict
from pathlib import Path

from bench.machine import describe, nproc
from bench.measure import Load
from bench.mix import CORPUS_DIR, REPO_ROOT, read_manifest
from bench.nginx import static_origin
from bench.record import Row, coalescing_lines, table, verdict_lines, verdicts
from bench.report import header_lines, method_lines, profile_lines
from bench.results_file import (
    WHAT_WE_TRIED,
    WHAT_WE_TRIED_BODY,
    ensure_section,
    rows_to_json,
    write_section,
)
from bench.scenario_run import Context, run_scenario
from bench.scenarios import NAMES, by_name
from bench.server import settings_from
from bench.stacks import CpuSplit, split_lines
from bench.thumbor import thumbor_installed
from bench.wrk import wrk_binary
from imgproxy.malloc_preload import huge_pages_env, restart_in


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up, not measured")
    parser.add_argument("--quick", action="store_true", help="4 s per measurement, 1 s warm-up")
    parser.add_argument(
        "--scenario", action="append", choices=NAMES, help="run only this one (repeatable)"
    )
    parser.add_argument(
        "--cores", type=int, default=nproc(), help="threads, processes, thumbor instances"
    )
    parser.add_argument("--no-thumbor", action="store_true", help="skip thumbor")
    parser.add_argument(
        "--server-tree",
        type=Path,
        default=REPO_ROOT,
        help="run the proxy from this source tree (default: this checkout)",
    )
    parser.add_argument(
        "--server-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for every proxy server, e.g. IMGPROXY_MALLOC=jemalloc",
    )
    parser.add_argument(
        "--server-python",
        type=Path,
        default=Path(sys.executable),
        help="run the proxy on this interpreter (default: the one running the bench)",
    )
    parser.add_argument(
        "--profile-dir",
        type=Path,
        help="py-spy's raw stacks go here (default: a new directory under the temp directory)",
    )
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a py-spy run of the one-process server per miss scenario",
    )
    parser.add_argument(
        "--write",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write bench/RESULTS.md and results.json (default: on for a full run)",
    )
    args = parser.parse_args(argv)
    try:
        args.server_settings = settings_from(args.server_setting)
    except ValueError:
        parser.error("--server-setting takes NAME=VALUE")
    if args.cores < 1 or args.duration < 1 or args.warmup < 0:
        parser.error("--cores and --duration must be at least 1, --warmup at least 0")
    return args


def _profile_dir(args: argparse.Namespace) -> Path | None:
    if not args.profile:
        return None
    if args.profile_dir is None:
        return Path(tempfile.mkdtemp(prefix="bench-profiles-"))
    directory: Path = args.profile_dir
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk_binary()
    with_thumbor = not args.no_thumbor
    if with_thumbor and not thumbor_installed():
        raise SystemExit("thumbor is not installed in bench/.thumbor-venv: run `make bench`")
    load = Load(
        connections=0,
        duration_s=4 if args.quick else args.duration,
        warmup_s=1 if args.quick else args.warmup,
    )
    scenarios = by_name(args.scenario) if args.scenario else by_name(list(NAMES))
    write = args.write if args.write is not None else not (args.quick or args.scenario)
    photos = read_manifest()
    rows: list[Row] = []
    notes: list[str] = []
    splits: list[CpuSplit] = []
    profile_dir = _profile_dir(args)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        with static_origin(workdir / "origin", CORPUS_DIR) as origin:
            context = Context(
                workdir,
                origin,
                photos,
                args.cores,
                load,
                with_thumbor,
                args.server_tree.resolve(),
                profile_dir,
                args.server_settings,
                args.server_python,
            )
            for scenario in scenarios:
                print(f"\n== {scenario.name}: {scenario.description}", flush=True)
                try:
                    outcome = run_scenario(scenario, context)
                except Exception as error:
                    traceback.print_exc()
                    notes.append(f"{scenario.name}: failed: {type(error).__name__}: {error}")
                    continue
                rows += outcome.rows
                notes += outcome.notes
                splits += outcome.splits
                print("\n".join([*table(outcome.rows), *split_lines(outcome.splits)]), flush=True)
    machine = describe()
    header = header_lines(machine, args.cores, load)
    lines = [
        *table(rows),
        "",
        "Coalescing (scenario 5):",
        *coalescing_lines(rows),
        "",
        *profile_lines(splits),
        "",
        "Targets of issue 15 (reported, not asserted):",
        *verdict_lines(verdicts(rows)),
    ]
    if notes:
        lines += ["", "Notes:", *(f"- {note}" for note in notes)]
    print("\n" + "\n".join([*header, "", *lines]))
    if write:
        body = "\n".join(
            ["## make bench", "", *method_lines(), "", "```", *header, "```", "", *lines]
        )
        write_section(
            "bench",
            body,
            {
                "date": machine.date,
                "cores": args.cores,
                "rows": rows_to_json(rows),
                "cpu_splits": [asdict(split) for split in splits],
                "notes": notes,
            },
        )
        ensure_section(WHAT_WE_TRIED, WHAT_WE_TRIED_BODY)
        print("\nwrote bench/RESULTS.md and bench/results.json")
    if profile_dir is not None:
        print(f"py-spy's raw stacks: {profile_dir}")
    return 0 if not any(": failed: " in note for note in notes) else 1


if __name__ == "__main__":
    # The ceiling, thumbor and every server start from this process: all under the huge pages
    # `serve` gives itself by default.
    restart_in(huge_pages_env(os.environ))
    os.environ.setdefault("VIPS_CONCURRENCY", "1")
    sys.exit(main())
