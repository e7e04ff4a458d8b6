"""RSS and CPU time of a process tree, and of single threads, read from /proc (no psutil)."""

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


def wait_until_idle(
    roots: list[int], *, window_s: float = 0.2, busy_share: float = 0.1, timeout_s: float = 15.0
) -> bool:
    """Poll until the tree used less than `busy_share` of a core over one `window_s`: the
    requests still in flight when a load stopped are done. False if that took over `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    before = usage(roots).cpu_seconds
    while time.monotonic() < deadline:
        time.sleep(window_s)
        after = usage(roots).cpu_seconds
        if after - before < busy_share * window_s:
            return True
        before = after
    return False


SPAWNED_WORKER = "multiprocessing.spawn"
"""In the command line of a worker process uvicorn's own supervisor spawns; ours forks its
workers, which keep the supervisor's command line."""


def _cmdline(pid: int, proc: Path) -> str:
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", errors="replace")


def serving_processes(root: int, proc: Path = PROC) -> list[int]:
    """The processes whose main thread runs uvicorn's event loop: the root itself, or, when the
    root is a supervisor, its workers (forked or spawned; not a resource tracker)."""
    children = sorted(s.pid for s in read_all(proc).values() if s.ppid == root)
    own = _cmdline(root, proc)
    workers = [
        pid
        for pid in children
        if (command := _cmdline(pid, proc)) == own or SPAWNED_WORKER in command
    ]
    return workers or [root]


@dataclass(frozen=True)
class ThreadCpu:
    tid: int
    name: str
    """The kernel's name of the thread (`comm`), e.g. "libvips worker"."""
    cpu_ticks: int


def thread_ticks(pid: int, tid: int, proc: Path = PROC) -> int:
    """utime + stime of one thread; 0 when it is gone."""
    try:
        return parse_stat(
            (proc / str(pid) / "task" / str(tid) / "stat").read_text("utf-8")
        ).cpu_ticks
    except (OSError, ValueError, IndexError):
        return 0


def main_threads_cpu_seconds(pids: list[int], proc: Path = PROC) -> float:
    """CPU seconds of each process's main thread (its tid is its pid), summed."""
    return sum(thread_ticks(pid, pid, proc) for pid in pids) / TICKS_PER_S


def threads(pid: int, proc: Path = PROC) -> dict[int, ThreadCpu]:
    """Every thread of one process with its CPU ticks so far."""
    found: dict[int, ThreadCpu] = {}
    try:
        entries = list((proc / str(pid) / "task").iterdir())
    except OSError:
        return found
    for entry in entries:
        try:
            name = (entry / "comm").read_text("utf-8").strip()
            ticks = parse_stat((entry / "stat").read_text("utf-8")).cpu_ticks
        except (OSError, ValueError, IndexError):
            continue  # the thread ended between listing and reading
        found[int(entry.name)] = ThreadCpu(int(entry.name), name, ticks)
    return found


def threads_delta(
    before: dict[int, ThreadCpu], after: dict[int, ThreadCpu]
) -> dict[int, ThreadCpu]:
    """CPU ticks each thread alive at the end spent between the two readings."""
    return {
        tid: ThreadCpu(
            tid, now.name, now.cpu_ticks - (before[tid].cpu_ticks if tid in before else 0)
        )
        for tid, now in after.items()
    }


class Sampler:
    """Samples the tree's RSS on a thread while a `with` block runs; CPU time before and after.

    CPU seconds are summed over the processes alive at each end, so a worker that exits during
    the block loses its share: the servers measured here keep their workers. With
    `event_loops`, the CPU seconds of the serving processes' main threads (where uvicorn runs
    the event loop) are measured too, in `loop_cpu_seconds`.
    """

    def __init__(
        self, roots: list[int], interval_s: float = 0.25, *, event_loops: bool = False
    ) -> None:
        self.roots = roots
        self.interval_s = interval_s
        self.samples: list[tuple[float, int]] = []
        self.cpu_seconds = 0.0
        self.loop_cpu_seconds: float | None = None
        self._loop_pids = (
            [pid for root in roots for pid in serving_processes(root)] if event_loops else []
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._cpu_before = 0.0
        self._loop_before = 0.0

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
        self._loop_before = main_threads_cpu_seconds(self._loop_pids)
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
        if self._loop_pids:
            self.loop_cpu_seconds = main_threads_cpu_seconds(self._loop_pids) - self._loop_before
