"""The CPU of one cache hit through the whole app, in one process, without a server.

    .venv/bin/python -m bench.hit_cost [--hits 3000] [--l2] [--profile]

Builds the app from the settings the server uses, runs its lifespan, renders one image into
the result tiers, then sends the same GET through the ASGI app `--hits` times (raw scope,
receive and send: no uvicorn, no sockets) and prints the process CPU per hit. With `--l2` the
in-memory tier holds nothing, so every hit is one GET from a `redis-server` started on a free
loopback port. `--profile` prints cProfile's 45 costliest calls by cumulative time to stderr.
The access log is written, to /dev/null. Compare trees by alternating runs: the host's noise
is about a tenth.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message

from bench.scenario_run import redis_server
from bench.server import REPO_ROOT
from config.settings import Settings
from imgproxy.app import create_app
from imgproxy.telemetry.line_batches import TurnBatchedStreamHandler

SOURCE = REPO_ROOT / "tests" / "images" / "jpeg-baseline-icc.jpg"
PATH = "/insecure/rs:fit:300:300/plain/local:///a.jpg"
WARMUP = 300
HEADERS = [(b"host", b"127.0.0.1:8080"), (b"accept", b"*/*"), (b"user-agent", b"wrk")]


@dataclass(frozen=True)
class HitCost:
    cpu_us: float
    """Process CPU per hit, in microseconds."""
    answers: Counter[tuple[int, str]]
    """(status, X-Cache) of every timed request."""


@dataclass
class Answered:
    status: int = 0
    cache: str = ""


async def request(app: ASGIApp, state: Mapping[str, Any], path: str = PATH) -> Answered:
    """One GET of `path` through the app."""
    answered = Answered()
    body_sent = False

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answered.status = message["status"]
            headers = dict(message["headers"])
            answered.cache = headers.get(b"x-cache", b"").decode("latin-1")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": list(HEADERS),
        "client": ("127.0.0.1", 5555),
        "server": ("127.0.0.1", 8080),
        "state": dict(state),
    }
    await app(scope, receive, send)
    return answered


@asynccontextmanager
async def started_app(env: Mapping[str, str]) -> AsyncIterator[tuple[ASGIApp, dict[str, Any]]]:
    """The app of the server's settings from `env`, its lifespan started, and its state; the
    lifespan is shut down on leaving."""
    app = create_app(Settings.from_env(env))
    state: dict[str, Any] = {}
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    started = asyncio.Event()

    async def receive() -> Message:
        return await inbox.get()

    async def send(message: Message) -> None:
        if message["type"].startswith("lifespan.startup"):
            started.set()

    lifespan_scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": state}
    lifespan = asyncio.create_task(app(lifespan_scope, receive, send))
    await inbox.put({"type": "lifespan.startup"})
    await started.wait()
    try:
        yield app, state
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await lifespan


async def measure(env: Mapping[str, str], hits: int, profiler: cProfile.Profile | None) -> HitCost:
    async with started_app(env) as (app, state):
        first = await asyncio.wait_for(request(app, state), 30)
        if first.status != 200:
            raise RuntimeError(f"Expected the first render to answer 200 but it answered {first}")
        for _ in range(WARMUP):
            await request(app, state)
        answers: Counter[tuple[int, str]] = Counter()
        if profiler is not None:
            profiler.enable()
        began = time.process_time()
        for _ in range(hits):
            answered = await request(app, state)
            answers[answered.status, answered.cache] += 1
        cpu = time.process_time() - began
        if profiler is not None:
            profiler.disable()
    return HitCost(cpu / hits * 1e6, answers)


@contextmanager
def quiet_access_log() -> Iterator[None]:
    """The access line as the server writes it (`configure_logging`), to /dev/null; other
    diagnostics at ERROR only. Everything is put back afterwards."""
    access, ours = logging.getLogger("imgproxy.access"), logging.getLogger("imgproxy")
    saved = (
        logging._srcfile,
        logging.logThreads,
        logging.logProcesses,
        logging.logMultiprocessing,
        access.propagate,
        access.level,
        ours.level,
    )
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    with open(os.devnull, "w") as devnull:
        lines = TurnBatchedStreamHandler(devnull, message_only=True)
        access.addHandler(lines)
        access.propagate = False
        access.setLevel(logging.INFO)
        ours.setLevel(logging.ERROR)
        try:
            yield
        finally:
            access.removeHandler(lines)
            (
                logging._srcfile,
                logging.logThreads,
                logging.logProcesses,
                logging.logMultiprocessing,
                access.propagate,
            ) = saved[:5]
            access.setLevel(saved[5])
            ours.setLevel(saved[6])


def hit_cost(hits: int, *, l2: bool = False, profiler: cProfile.Profile | None = None) -> HitCost:
    """Start what the mode needs (a source directory; for `l2` a redis-server), then measure."""
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hit-cost-")))
        shutil.copyfile(SOURCE, directory / "a.jpg")
        env = {"IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(directory), "IMGPROXY_LOG_LEVEL": "error"}
        if l2:
            env["IMGPROXY_REDIS_URL"] = stack.enter_context(redis_server(directory))
            env["IMGPROXY_CACHE_MEMORY_BYTES"] = "0"
        stack.enter_context(quiet_access_log())
        return asyncio.run(measure(env, hits, profiler))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hit_cost", description=__doc__)
    parser.add_argument("--hits", type=int, default=3000, help="timed requests (default 3000)")
    parser.add_argument("--l2", action="store_true", help="hits from Redis, none from memory")
    parser.add_argument("--profile", action="store_true", help="cProfile to stderr")
    args = parser.parse_args(argv)
    profiler = cProfile.Profile() if args.profile else None
    cost = hit_cost(args.hits, l2=args.l2, profiler=profiler)
    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
    tier = "L2" if args.l2 else "L1"
    answers = ", ".join(
        f"{count} x {status} {cache}" for (status, cache), count in cost.answers.items()
    )
    print(f"CPU per in-process {tier} hit: {cost.cpu_us:.0f} µs ({answers})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
