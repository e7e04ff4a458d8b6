"""What the run was measured on."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Machine:
    date: str
    nproc: int
    cpu_model: str
    python: str
    wrk: str
    glibc_tunables: str
    """Those every process of the run started with: the ceiling, thumbor and our servers."""


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    try:
        lines = cpuinfo.read_text(encoding="utf-8").splitlines()
    except OSError:
        return platform.processor() or "unknown"
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return "unknown"


def nproc() -> int:
    return len(os.sched_getaffinity(0))


def wrk_version() -> str:
    binary = shutil.which("wrk")
    if binary is None:
        return "not installed"
    completed = subprocess.run(
        [binary, "-v"], capture_output=True, text=True, timeout=10, check=False
    )
    first = (completed.stdout or completed.stderr).splitlines()
    return first[0].split(" Copyright")[0].strip() if first else "unknown"


def describe() -> Machine:
    return Machine(
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        nproc=nproc(),
        cpu_model=cpu_model(),
        python=platform.python_version(),
        wrk=wrk_version(),
        glibc_tunables=os.environ.get("GLIBC_TUNABLES", ""),
    )
