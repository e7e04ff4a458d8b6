"""One piece of work against another in this process: CPU per item over alternating rounds, and
instructions per item under valgrind, which give the same count on every run where this host's
timings move by a tenth from one run to the next."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence

CACHEGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]


def cpu_ms_per_item(
    sides: Mapping[str, Callable[[bytes], object]], data: Sequence[bytes], rounds: int
) -> dict[str, float]:
    """Median process CPU per item, in ms, of each side over `data` after one pass of each to
    warm up, the sides' order reversed every other round."""
    for side in sides.values():
        for item in data:
            side(item)
    times: dict[str, list[float]] = {name: [] for name in sides}
    for round_number in range(rounds):
        order = list(sides) if round_number % 2 == 0 else list(reversed(list(sides)))
        for name in order:
            started = time.process_time()
            for item in data:
                sides[name](item)
            times[name].append((time.process_time() - started) / len(data) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def instructions(command: list[str]) -> int:
    """Instructions `command` executes (needs `valgrind`, a Debian package)."""
    done = subprocess.run([*CACHEGRIND, *command], capture_output=True, text=True, check=True)
    line = next(line for line in done.stderr.splitlines() if "I   refs:" in line)
    return int(line.rsplit(":", 1)[1].replace(",", ""))


def loop_instructions(
    module: str, sides: Sequence[str], options: list[str], items: int
) -> dict[str, float]:
    """Instructions per item of each side of `python -m <module> --loop <side> --passes N
    <options>`, a loop over `items` items, run once and three times: the difference leaves
    start-up and imports out."""
    counts: dict[str, float] = {}
    for side in sides:
        loop = [sys.executable, "-m", module, "--loop", side, *options]
        once = instructions([*loop, "--passes", "1"])
        thrice = instructions([*loop, "--passes", "3"])
        counts[side] = (thrice - once) / 2 / items
    return counts
