"""Instructions a command executes, counted under valgrind: the same count on every run, where
this host's timings move by a tenth from one run to the next."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

CACHEGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]


def instructions(command: list[str]) -> int:
    """Instructions `command` executes (needs `valgrind`, a Debian package)."""
    done = subprocess.run([*CACHEGRIND, *command], capture_output=True, text=True, check=True)
    line = next(line for line in done.stderr.splitlines() if "I   refs:" in line)
    return int(line.rsplit(":", 1)[1].replace(",", ""))


def per_item(command_for: Callable[[int], list[str]], items: int) -> float:
    """Instructions per item of a loop over `items` items, run once and three times (`command_for`
    takes the number of passes): the difference leaves start-up and imports out."""
    once, thrice = instructions(command_for(1)), instructions(command_for(3))
    return (thrice - once) / 2 / items
