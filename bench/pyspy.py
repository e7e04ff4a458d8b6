"""A profiled run: py-spy attached to one server process while wrk drives it, apart from the
measured runs so their numbers are not disturbed.

py-spy pauses the process for each sample (`--native` cannot be combined with
`--nonblocking`), so throughput during this run is lower than measured; the split of the CPU
between kinds of work is what it is for (bench/stacks.py).
"""

from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.procs import ThreadCpu, threads, threads_delta
from bench.stacks import MIN_SAMPLES, CpuSplit, parse_raw, split_cpu
from bench.wrk import run_wrk

ATTEMPTS = 2
"""Native runs taken when the first has too few working samples (see `best_split`)."""
RATE_HZ = 50
"""Samples per second. At 100 Hz, on two busy cores, py-spy fell seconds behind and lost about
two samples in five while unwinding the native stacks of twenty threads."""
SECONDS = 6
ATTACH_WITHIN_S = 30.0
STARTED = b"Sampling process"


class ProfileError(RuntimeError):
    """py-spy is missing or could not attach; the message says why."""


def py_spy_binary() -> str:
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise ProfileError("py-spy is not installed (the `bench` extra: py-spy>=0.4)")
    return found


@dataclass(frozen=True)
class ProfiledRun:
    raw_path: Path
    requests: int
    thread_cpu: dict[int, ThreadCpu]
    """CPU ticks of each thread of the process over the run."""
    native: bool = True
    """Native frames were unwound (`--native`); else the stacks are Python's only."""


def _reason(output: str) -> str:
    """py-spy's message without its stack backtrace, on one line."""
    message = output.partition("Stack backtrace")[0]
    return " ".join(message.split())[:300] or "no output"


def _wait_until_sampling(spy: subprocess.Popen[bytes]) -> None:
    """Returns once py-spy says it samples; raises with its output if it exits or stalls before."""
    assert spy.stdout is not None
    fd = spy.stdout.fileno()
    seen = b""
    deadline = time.monotonic() + ATTACH_WITHIN_S
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while STARTED not in seen and time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            seen += chunk
    if STARTED in seen:
        return
    spy.kill()
    spy.wait()
    raise ProfileError(f"py-spy could not attach: {_reason(seen.decode('utf-8', 'replace'))}")


def profiled_run(
    pid: int,
    base_url: str,
    script: Path,
    connections: int,
    raw_path: Path,
    wrk_threads: int,
    seconds: int = SECONDS,
    *,
    native: bool = True,
) -> ProfiledRun:
    """py-spy on `pid` for `seconds` while wrk runs the same length over `script`'s URLs;
    `native`: unwind native stacks too."""
    command = [
        py_spy_binary(),
        "record",
        *(["--native"] if native else []),
        "--threads",
        "--format",
        "raw",
        "--rate",
        str(RATE_HZ),
        "--duration",
        str(seconds),
        "--pid",
        str(pid),
        "--output",
        str(raw_path),
    ]
    spy = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0)
    try:
        _wait_until_sampling(spy)
        before = threads(pid)
        result = run_wrk(
            base_url, script, wrk_threads=wrk_threads, connections=connections, duration_s=seconds
        )
        after = threads(pid)
        rest = spy.communicate(timeout=seconds + 60)[0].decode("utf-8", errors="replace")
    finally:
        if spy.poll() is None:
            spy.kill()
            spy.wait()
    if spy.returncode != 0 or not raw_path.exists():
        raise ProfileError(f"py-spy exited with code {spy.returncode}: {_reason(rest)}")
    return ProfiledRun(raw_path, result.requests, threads_delta(before, after), native)


def summarise(scenario: str, run: ProfiledRun, loop_tid: int) -> CpuSplit:
    stacks = parse_raw(run.raw_path.read_text(encoding="utf-8", errors="replace"))
    return split_cpu(scenario, stacks, run.thread_cpu, loop_tid, run.requests, native=run.native)


def best_split(
    take: Callable[[Path, bool], CpuSplit], directory: Path, name: str, notes: list[str]
) -> CpuSplit | None:
    """The fullest of up to `ATTEMPTS` native runs (`take(raw_path, native)`), stopping at one
    with `MIN_SAMPLES`; when py-spy cannot unwind native stacks, or unwinds too few of them in
    every native run, one run of Python stacks only, kept if it has more working samples.
    What went wrong goes to `notes`; None when no run could be taken."""
    splits: list[CpuSplit] = []
    try:
        for attempt in range(ATTEMPTS):
            suffix = f"-{attempt + 1}" if attempt else ""
            splits.append(take(directory / f"{name}{suffix}.txt", True))
            if splits[-1].samples >= MIN_SAMPLES:
                break
    except ProfileError as error:
        notes.append(f"{name}: no native profile: {error}")
    fullest = max((split.samples for split in splits), default=0)
    if fullest < MIN_SAMPLES:
        if splits:
            notes.append(f"{name}: native runs took {fullest} working samples: Python stacks too")
        try:
            splits.append(take(directory / f"{name}-python.txt", False))
        except ProfileError as second:
            notes.append(f"{name}: no profile: {second}")
    if not splits:
        return None
    best = max(splits, key=lambda split: split.samples)
    if best.samples < MIN_SAMPLES:
        notes.append(f"{name}: py-spy took {best.samples} working samples, too few to split")
    return best
