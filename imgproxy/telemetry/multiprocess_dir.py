"""PROMETHEUS_MULTIPROC_DIR: checked at start, and cleared of the live gauges of exited workers."""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import multiprocess, values


def forget_exited_processes(directory: str) -> None:
    """Drop the live gauges of worker processes that no longer run (their counts stay)."""
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and not _running(int(pid)):
            multiprocess.mark_process_dead(int(pid), directory)  # type: ignore[no-untyped-call]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_multiprocess(directory: str) -> None:
    if not os.path.isdir(directory):
        raise ValueError(f"Expected a directory for PROMETHEUS_MULTIPROC_DIR but got {directory!r}")
    if values.ValueClass is values.MutexValue:
        raise ValueError(
            "PROMETHEUS_MULTIPROC_DIR must be in the environment before prometheus_client is "
            "first imported; set it for the whole server process"
        )
