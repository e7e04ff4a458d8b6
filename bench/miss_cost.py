"""The event loop's CPU of one miss through the whole app, in one process, without a server.

    .venv/bin/python -m bench.miss_cost [--misses 300] [--glob 'jpeg-kde-*-1920x1080.jpg'] \\
        [--profile] [--stub-render [--render-wait MS]]

Builds the app from the settings the server uses (no result or sources cache, 4 workers,
`bench/photos` as the local filesystem origin), runs its lifespan, then sends `--misses`
distinct URLs (each photo to 512 px under its own cachebuster) one after another through the
ASGI app (raw scope, receive and send: no uvicorn, no sockets) and prints the CPU the calling
thread, the event loop's, spent per miss, in 5 rounds and their median. The renders run on the
worker threads as in the server and are not counted. `--profile` prints cProfile's 45 costliest
calls on the loop by cumulative time to stderr. `bench.floor`'s bare server spends 0.3-0.5 ms
per miss on its loop, uvicorn included.

`--stub-render` renders the first miss for real and answers every later one with that same
result, so the loop does a miss's whole work but for the render's CPU and its variety (and a
run under `valgrind --tool=cachegrind` counts the server's own instructions). With
`--render-wait MS` the stub sleeps that long on its worker thread first, using no CPU: on this
host the loop then spends more CPU on the same Python calls, which have to run cold after the
wait (bench/RESULTS.md, "Why a miss's event loop costs ~3 ms when its instructions say ~2").
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import pstats
import statistics
import sys
import time
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

from bench.hit_cost import quiet_access_log, request, started_app
from bench.mix import CORPUS_DIR as PHOTOS
from bench.server import miss_settings
from bench.twin import request_paths
from transforms import pipeline
from transforms.pipeline import Rendered

ROUNDS = 5
WARMUP = 30


@dataclass(frozen=True)
class MissCost:
    loop_us: list[float]
    """The loop thread's CPU per miss in each round, in microseconds."""
    answers: set[tuple[int, str]]
    """(status, X-Cache) of every timed request."""
    stubbed: int = 0
    """Renders answered by `StubbedRender` rather than rendered."""

    @property
    def median_us(self) -> float:
        return statistics.median(self.loop_us)


class StubbedRender:
    """While entered, `transforms.pipeline.render` (which the service calls through its
    module) renders the first time for real and then answers every call with that result,
    after `wait` seconds of sleep on the calling worker thread."""

    def __init__(self, wait: float = 0.0) -> None:
        self.wait = wait
        self.answered = 0
        self._first: Rendered | None = None
        self._real = pipeline.render

    def __call__(self, *args: Any, **kwargs: Any) -> Rendered:
        if self._first is None:
            self._first = self._real(*args, **kwargs)
            return self._first
        if self.wait:
            time.sleep(self.wait)
        self.answered += 1
        return self._first

    def __enter__(self) -> StubbedRender:
        pipeline.render = self
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        pipeline.render = self._real


def miss_paths(glob: str) -> itertools.cycle[str]:
    """Unsigned URLs of the matching photos, each under its own cachebuster (`bench.twin`'s),
    over and over: with no cache, a repeated URL is a miss again."""
    return itertools.cycle(request_paths(glob, "rs:fit:512:512/q:80", "jpg"))


async def measure(misses: int, glob: str, profiler: cProfile.Profile | None) -> MissCost:
    env = {
        **miss_settings(),
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(PHOTOS),
        "IMGPROXY_WORKERS": "4",
        "IMGPROXY_LOG_LEVEL": "error",
    }
    paths = miss_paths(glob)
    answers: set[tuple[int, str]] = set()
    per_round = max(1, misses // ROUNDS)
    loop_us: list[float] = []
    async with started_app(env) as (app, state):
        for _ in range(WARMUP):
            await request(app, state, next(paths))
        for _ in range(ROUNDS):
            if profiler is not None:
                profiler.enable()
            began = time.thread_time()
            for _ in range(per_round):
                answered = await request(app, state, next(paths))
                answers.add((answered.status, answered.cache))
            loop_us.append((time.thread_time() - began) / per_round * 1e6)
            if profiler is not None:
                profiler.disable()
    return MissCost(loop_us, answers)


def miss_cost(
    misses: int,
    glob: str = "jpeg-kde-*-1920x1080.jpg",
    profiler: cProfile.Profile | None = None,
    *,
    stub_wait: float | None = None,
) -> MissCost:
    """`stub_wait`: None renders every miss; seconds, the render is a `StubbedRender` that
    waits that long."""
    with quiet_access_log():
        if stub_wait is None:
            return asyncio.run(measure(misses, glob, profiler))
        with StubbedRender(stub_wait) as stub:
            cost = asyncio.run(measure(misses, glob, profiler))
        return replace(cost, stubbed=stub.answered)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.miss_cost", description=__doc__)
    parser.add_argument("--misses", type=int, default=300, help="timed misses (default 300)")
    parser.add_argument("--glob", default="jpeg-kde-*-1920x1080.jpg", help="photos to ask for")
    parser.add_argument("--profile", action="store_true", help="cProfile to stderr")
    parser.add_argument(
        "--stub-render", action="store_true", help="answer every miss with the first's render"
    )
    parser.add_argument(
        "--render-wait",
        type=float,
        default=0.0,
        metavar="MS",
        help="with --stub-render: sleep this long on the worker thread before answering",
    )
    args = parser.parse_args(argv)
    if args.render_wait and not args.stub_render:
        parser.error("--render-wait needs --stub-render")
    profiler = cProfile.Profile(time.thread_time) if args.profile else None
    stub_wait = args.render_wait / 1000 if args.stub_render else None
    cost = miss_cost(args.misses, args.glob, profiler, stub_wait=stub_wait)
    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
    rounds = " ".join(f"{value:.0f}" for value in cost.loop_us)
    stubbed = (
        "" if stub_wait is None else f"render stubbed, answering after {args.render_wait:g} ms; "
    )
    print(
        f"event-loop CPU per in-process miss: {cost.median_us:.0f} µs "
        f"({stubbed}rounds: {rounds}; answers {sorted(cost.answers)})"
    )
    return 0 if cost.answers == {(200, "MISS")} else 1


if __name__ == "__main__":
    sys.exit(main())
