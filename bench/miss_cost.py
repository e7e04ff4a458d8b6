"""The event loop's CPU of one miss through the whole app, in one process, without a server.

    .venv/bin/python -m bench.miss_cost [--misses 300] [--glob 'jpeg-kde-*-1920x1080.jpg'] \\
        [--profile]

Builds the app from the settings the server uses (no result or sources cache, 4 workers,
`bench/photos` as the local filesystem origin), runs its lifespan, then sends `--misses`
distinct URLs (each photo to 512 px under its own cachebuster) one after another through the
ASGI app (raw scope, receive and send: no uvicorn, no sockets) and prints the CPU the calling
thread, the event loop's, spent per miss, in 5 rounds and their median. The renders run on the
worker threads as in the server and are not counted. `--profile` prints cProfile's 45 costliest
calls on the loop by cumulative time to stderr. `bench.floor`'s bare server spends 0.3-0.5 ms
per miss on its loop, uvicorn included.
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
from dataclasses import dataclass

from bench.hit_cost import quiet_access_log, request, started_app
from bench.mix import CORPUS_DIR as PHOTOS
from bench.server import miss_settings
from bench.twin import request_paths

ROUNDS = 5
WARMUP = 30


@dataclass(frozen=True)
class MissCost:
    loop_us: list[float]
    """The loop thread's CPU per miss in each round, in microseconds."""
    answers: set[tuple[int, str]]
    """(status, X-Cache) of every timed request."""

    @property
    def median_us(self) -> float:
        return statistics.median(self.loop_us)


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
    misses: int, glob: str = "jpeg-kde-*-1920x1080.jpg", profiler: cProfile.Profile | None = None
) -> MissCost:
    with quiet_access_log():
        return asyncio.run(measure(misses, glob, profiler))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.miss_cost", description=__doc__)
    parser.add_argument("--misses", type=int, default=300, help="timed misses (default 300)")
    parser.add_argument("--glob", default="jpeg-kde-*-1920x1080.jpg", help="photos to ask for")
    parser.add_argument("--profile", action="store_true", help="cProfile to stderr")
    args = parser.parse_args(argv)
    profiler = cProfile.Profile(time.thread_time) if args.profile else None
    cost = miss_cost(args.misses, args.glob, profiler)
    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
    rounds = " ".join(f"{value:.0f}" for value in cost.loop_us)
    print(
        f"event-loop CPU per in-process miss: {cost.median_us:.0f} µs "
        f"(rounds: {rounds}; answers {sorted(cost.answers)})"
    )
    return 0 if cost.answers == {(200, "MISS")} else 1


if __name__ == "__main__":
    sys.exit(main())
