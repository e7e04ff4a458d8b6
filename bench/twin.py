"""Two proxy source trees side by side under the same load: CPU per miss of B against A.

On a noisy host the same tree's `make bench` rows move by 10-30 % between runs; two servers
driven at once share every spell of that noise. Each round runs one wrk per server at the
same time (both servers read `bench/photos` from the local filesystem, or with `--origin
nginx` fetch them over HTTP from one nginx on loopback as `make bench` does; every request a
miss) and compares the CPU each process tree spent per request, from /proc. The servers
compete for the same cores, so requests per second are not comparable, only CPU per request.
Every request is a distinct URL (each photo under `MISS_COPIES` cachebusters), so no two
requests in flight share a render, and the side whose wrk starts first alternates by round.

    .venv/bin/python -m bench.twin --tree-a /path/to/main --tree-b . \\
        [--setting-b MALLOC_TRIM_THRESHOLD_=33554432] [--glob 'jpeg-large-*.jpg'] \\
        [--options rs:fit:300:300/q:80] [--rounds 4] [--duration 10] [--origin nginx] \\
        [--python-b /path/to/other/venv/bin/python]

A tree is a checkout of this repository (`git worktree add /tmp/a <rev>`); both run on this
checkout's interpreter and packages unless `--python-a`/`--python-b` name another (a venv
with the locked packages installed), to compare interpreters on the same tree.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.mix import CORPUS_DIR as PHOTOS
from bench.mix import matching
from bench.nginx import static_origin
from bench.procs import usage
from bench.rounds import round_order
from bench.scenarios import MISS_COPIES
from bench.server import ProxyServer, miss_settings, settings_from
from bench.wrk import WrkResult, lua_script, run_wrk

WORKERS = 4
CONNECTIONS = 8
WARMUP_S = 2
LOCAL_SOURCES = "local:///"


@dataclass(frozen=True)
class Side:
    requests: int
    errors: int
    cpu_s: float

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_s / max(1, self.requests)


@dataclass(frozen=True)
class Round:
    a: Side
    b: Side

    @property
    def ratio(self) -> float:
        """B's CPU per request over A's."""
        return self.b.cpu_ms_per_request / self.a.cpu_ms_per_request

    def line(self, index: int) -> str:
        return (
            f"round {index}: A {self.a.requests} requests, {self.a.cpu_ms_per_request:.2f} ms"
            f" | B {self.b.requests} requests, {self.b.cpu_ms_per_request:.2f} ms"
            f" | B/A {self.ratio:.3f}"
            + (f" | errors A {self.a.errors}, B {self.b.errors}" if self.errors else "")
        )

    @property
    def errors(self) -> int:
        return self.a.errors + self.b.errors


def summary(rounds: Sequence[Round]) -> str:
    ratios = [r.ratio for r in rounds]
    listed = ", ".join(f"{ratio:.3f}" for ratio in ratios)
    return f"B/A CPU per request: median {statistics.median(ratios):.3f} ({listed})"


def request_paths(
    glob: str,
    options: str,
    extension: str,
    copies: int = MISS_COPIES,
    sources: str = LOCAL_SOURCES,
) -> list[str]:
    """Each matching photo under `copies` cachebusters, photos interleaved; `sources` is the
    prefix each photo's name is appended to (the local filesystem, or an origin's base URL
    with its trailing slash)."""
    names = matching(glob)
    return [
        f"/insecure/{options}/cb:{copy}/plain/{sources}{name}@{extension}"
        for copy in range(copies)
        for name in names
    ]


def _measure(
    servers: Sequence[ProxyServer], script: Path, duration_s: int, round_index: int = 0
) -> list[Side]:
    results: list[WrkResult | None] = [None] * len(servers)

    def drive(index: int) -> None:
        results[index] = run_wrk(
            servers[index].base_url,
            script,
            wrk_threads=1,
            connections=CONNECTIONS,
            duration_s=duration_s,
        )

    before = [usage([server.pid]).cpu_seconds for server in servers]
    order = round_order(range(len(servers)), round_index)  # each side's wrk starts first in turn
    threads = [threading.Thread(target=drive, args=(i,)) for i in order]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = [usage([server.pid]).cpu_seconds for server in servers]
    sides = []
    for result, start, end in zip(results, before, after, strict=True):
        if result is None:
            raise RuntimeError("wrk did not report")
        sides.append(Side(result.requests, result.error_count, end - start))
    return sides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree-a", type=Path, required=True)
    parser.add_argument("--tree-b", type=Path, required=True)
    parser.add_argument("--setting-a", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--setting-b", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--python-a", type=Path, default=Path(sys.executable))
    parser.add_argument("--python-b", type=Path, default=Path(sys.executable))
    parser.add_argument("--glob", default="jpeg-*.jpg", help="photos of bench/photos to ask for")
    parser.add_argument("--options", default="rs:fit:512:512/q:80", help="processing options")
    parser.add_argument("--extension", default="jpg", help="output format")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=10, help="seconds per round")
    parser.add_argument("--origin", choices=["local", "nginx"], default="local")
    args = parser.parse_args()

    sides = [
        (args.tree_a.resolve(), settings_from(args.setting_a), args.python_a),
        (args.tree_b.resolve(), settings_from(args.setting_b), args.python_b),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-twin-") as temporary, ExitStack() as stack:
        directory = Path(temporary)
        sources = LOCAL_SOURCES
        if args.origin == "nginx":
            sources = f"{stack.enter_context(static_origin(directory / 'nginx', PHOTOS)).base_url}/"
        paths = request_paths(args.glob, args.options, args.extension, sources=sources)
        script = directory / "paths.lua"
        script.write_text(lua_script(paths, 1), encoding="utf-8")
        servers = [
            ProxyServer(
                PHOTOS,
                WORKERS,
                directory / f"server-{name}.log",
                settings={**miss_settings(), **settings},
                tree=tree,
                python=python,
            )
            for name, (tree, settings, python) in zip("ab", sides, strict=True)
        ]
        for server in servers:
            server.start()
        try:
            _measure(servers, script, WARMUP_S)
            rounds = []
            for index in range(args.rounds):
                a, b = _measure(servers, script, args.duration, index)
                rounds.append(Round(a, b))
                print(rounds[-1].line(index), flush=True)
            print(summary(rounds))
        finally:
            for server in servers:
                server.stop()


if __name__ == "__main__":
    main()
