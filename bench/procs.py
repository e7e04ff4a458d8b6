"""RSS and CPU time of a process tree, read from /proc (no psutil)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

PROC = Path("/proc")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Stat:
    pid: int
    ppid: int
    cpu_ticks: int
    """utime + stime of the process itself (its reaped children are not counted)."""
    rss_bytes: int


def parse_stat(text: str) -> Stat:
    """One /proc/<pid>/stat line. The command name may hold spaces and parentheses."""
    pid_part, _, rest = text.partition(" (")
    fields = rest.rpartition(") ")[2].split()
    # fields[0] is field 3 (state) of proc(5): ppid is 4, utime 14, stime 15, rss 24 (pages).
    return Stat(
        pid=int(pid_part),
        ppid=int(fields[1]),
        cpu_ticks=int(fields[11]) + int(fields[12]),
        rss_bytes=int(fields[21]) * PAGE_BYTES,
    )


def read_all(proc: Path = PROC) -> dict[int, Stat]:
    stats: dict[int, Stat] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stats[int(entry.name)] = parse_stat((entry / "stat").read_text(encoding="utf-8"))
        except (OSError, ValueError, IndexError):
            continue  # gone between listing and reading
    return stats


def tree(stats: dict[int, Stat], roots: list[int]) -> list[Stat]:
    """The roots and every descendant that is alive in `stats`."""
    children: dict[int, list[int]] = {}
    for stat in stats.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    found: list[Stat] = []
    pending = [pid for pid in roots if pid in stats]
    seen: set[int] = set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        found.append(stats[pid])
        pending.extend(children.get(pid, []))
    return found


@dataclass(frozen=True)
class Usage:
    rss_bytes: int
    cpu_seconds: float
    processes: int


def usage(roots: list[int], proc: Path = PROC) -> Usage:
    members = tree(read_all(proc), roots)
    return Usage(
        rss_bytes=sum(s.rss_bytes for s in members),
        cpu_seconds=sum(s.cpu_ticks for s in members) / TICKS_PER_S,
        processes=len(members),
    )


class Sampler:
    """Samples the tree's RSS on a thread while a `with` block runs; CPU time before and after.

    CPU seconds are summed over the processes alive at each end, so a worker that exits during
    the block loses its share: the servers measured here keep their workers.
    """

    def __init__(self, roots: list[int], interval_s: float = 0.25) -> None:
        self.roots = roots
        self.interval_s = interval_s
        self.samples: list[tuple[float, int]] = []
        self.cpu_seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._cpu_before = 0.0

    @property
    def peak_rss_bytes(self) -> int:
        return max((rss for _, rss in self.samples), default=0)

    def _loop(self) -> None:
        started = time.monotonic()
        while True:
            self.samples.append((time.monotonic() - started, usage(self.roots).rss_bytes))
            if self._stop.wait(self.interval_s):
                return

    def __enter__(self) -> Self:
        self._cpu_before = usage(self.roots).cpu_seconds
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(
            (self.samples[-1][0] if self.samples else 0.0, usage(self.roots).rss_bytes)
        )
        self.cpu_seconds = usage(self.roots).cpu_seconds - self._cpu_before
