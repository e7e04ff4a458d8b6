"""Drive the server with wrk over the URL mix and parse wrk's text report."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_SIZE = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}

_REQUESTS_RE = re.compile(
    r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h), ([\d.]+)([KMGT]?B) read", re.M
)
_RPS_RE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_PERCENTILE_RE = re.compile(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.M)
_NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_RE = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
)


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    bytes_read: float
    requests_per_sec: float
    percentiles_ms: dict[int, float]
    non_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    raw: str = ""

    @property
    def p50_ms(self) -> float:
        return self.percentiles_ms[50]

    @property
    def p99_ms(self) -> float:
        return self.percentiles_ms[99]

    @property
    def error_count(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())


def _to_ms(value: str, unit: str) -> float:
    return float(value) * _UNIT_MS[unit]


def parse_wrk_output(text: str) -> WrkResult:
    totals = _REQUESTS_RE.search(text)
    rps = _RPS_RE.search(text)
    if totals is None or rps is None:
        raise ValueError(f"could not parse wrk output:\n{text}")
    percentiles = {int(p): _to_ms(v, u) for p, v, u in _PERCENTILE_RE.findall(text)}
    if 50 not in percentiles or 99 not in percentiles:
        raise ValueError(f"wrk output has no latency distribution (run with --latency):\n{text}")
    non_2xx = _NON_2XX_RE.search(text)
    sockets = _SOCKET_RE.search(text)
    socket_errors = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, sockets.groups()), strict=True))
        if sockets
        else {}
    )
    return WrkResult(
        requests=int(totals.group(1)),
        seconds=_to_ms(totals.group(2), totals.group(3)) / 1000.0,
        bytes_read=float(totals.group(4)) * _SIZE[totals.group(5)],
        requests_per_sec=float(rps.group(1)),
        percentiles_ms=percentiles,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=socket_errors,
        raw=text,
    )


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_script(paths: list[str], wrk_threads: int) -> str:
    """Each wrk thread cycles through all paths, starting at an evenly spread offset."""
    entries = ",\n".join(f"  {_lua_string(path)}" for path in paths)
    step = max(1, len(paths) // max(1, wrk_threads))
    return f"""local paths = {{
{entries}
}}
local thread_count = 0
local counter = 1

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  counter = (thread_index * {step}) % #paths + 1
end

request = function()
  local path = paths[counter]
  counter = counter % #paths + 1
  return wrk.format("GET", path)
end
"""


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: `apt-get install -y wrk` (or run `make bench`)")
    return found


def run_wrk(
    base_url: str,
    script: Path,
    *,
    wrk_threads: int,
    connections: int,
    duration_s: int,
    timeout_s: int = 30,
) -> WrkResult:
    command = [
        wrk_binary(),
        f"-t{wrk_threads}",
        f"-c{connections}",
        f"-d{duration_s}s",
        f"--timeout={timeout_s}s",
        "--latency",
        "-s",
        str(script),
        base_url,
    ]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=duration_s + timeout_s + 30,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"wrk exited with {completed.returncode}:\n{completed.stdout}\n{completed.stderr}"
        )
    return parse_wrk_output(completed.stdout)
