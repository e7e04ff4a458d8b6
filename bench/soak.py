"""`make soak`: one million requests through one proxy process, RSS sampled every few seconds.

A few hundred distinct URLs: mostly L1 hits, a steady share of misses (the L1 is too small
for the cold URLs), sources behind a slow origin and a failing one. Passes when no 5xx comes
back other than the 502 the failing origin earns (`imgproxy.errors.OriginError`), and reports
RSS growth after warm-up. Writes its section of bench/RESULTS.md and bench/results.json.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.machine import describe, nproc
from bench.mix import CORPUS_DIR, read_manifest
from bench.nginx import static_origin
from bench.procs import Sampler
from bench.results_file import write_section
from bench.scenarios import Target, ours_path, select_sources
from bench.server import HOST, ManagedProcess, ProxyServer, free_port
from bench.wrk import WrkResult, parse_wrk_output, wrk_binary

REQUESTS = 1_000_000
CONNECTIONS = 32
WRK_THREADS = 2
HOT_WIDTHS = range(100, 300, 20)
COLD_WIDTHS = range(64, 64 + 8 * 36, 8)
HOT_WEIGHT = 40
"""Each hot URL appears this many times in the cycle, each cold, slow or failing URL once."""
L1_BYTES = 2 * 1024 * 1024
SLOW_DELAY_S = 0.3
SAMPLE_EVERY_S = 5.0
WARMUP_SHARE = 0.2
WINDOW_SHARE = 0.2
EXPECTED_5XX = 502
"""What the proxy answers when the origin answers 500 (imgproxy.errors.OriginError)."""

_STATUS_RE = re.compile(r"^status (\d{3}) (\d+)$", re.M)
_FAIL_RE = re.compile(r"^failing_sent (\d+)$", re.M)


@dataclass(frozen=True)
class UrlMix:
    paths: list[str]
    distinct: int
    failing: frozenset[str]


def url_mix(origin: str, troubled: str, files: list[str]) -> UrlMix:
    hot = [ours_path(origin, f, Target(w, w, "webp")) for f in files[:3] for w in HOT_WIDTHS]
    cold = [ours_path(origin, f, Target(w, w, "jpeg")) for f in files for w in COLD_WIDTHS]
    slow = [ours_path(f"{troubled}/slow", f, Target(200, 200, "jpeg")) for f in files]
    failing = [ours_path(f"{troubled}/fail", f, Target(200, 200, "jpeg")) for f in files]
    extra = cold + slow + failing
    paths: list[str] = []
    for index, path in enumerate(extra):
        paths.append(path)
        paths.extend(hot[(index * HOT_WEIGHT + k) % len(hot)] for k in range(HOT_WEIGHT))
    distinct = len(hot) + len(extra)
    return UrlMix(paths, distinct, frozenset(failing))


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def soak_script(mix: UrlMix) -> str:
    """Cycles the paths; counts statuses and requests to the failing origin."""
    entries = ",\n".join(
        f"  {{{_lua_string(p)}, {'true' if p in mix.failing else 'false'}}}" for p in mix.paths
    )
    return f"""local paths = {{
{entries}
}}
local threads = {{}}
local count = 0

function setup(thread)
  thread:set("offset", #threads * {max(1, len(mix.paths) // WRK_THREADS)})
  table.insert(threads, thread)
end

function init(args)
  counter = offset % #paths + 1
  statuses = {{}}
  failing_sent = 0
end

request = function()
  local entry = paths[counter]
  counter = counter % #paths + 1
  if entry[2] then failing_sent = failing_sent + 1 end
  return wrk.format("GET", entry[1])
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {{}}
  local sent = 0
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do totals[code] = (totals[code] or 0) + n end
    sent = sent + thread:get("failing_sent")
  end
  for code, n in pairs(totals) do io.write(string.format("status %d %d\\n", code, n)) end
  io.write(string.format("failing_sent %d\\n", sent))
end
"""


@dataclass(frozen=True)
class SoakResult:
    requests: int
    seconds: float
    requests_per_sec: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    failing_sent: int
    unexpected_5xx: int
    socket_errors: dict[str, int]
    rss_mb_after_warmup: float
    rss_mb_end: float
    rss_mb_peak: float
    rss_growth_percent: float
    distinct_urls: int
    rss_samples_mb: list[float]


def unexpected_5xx(statuses: dict[int, int], failing_sent: int) -> int:
    """Every 5xx but the 502s the failing origin accounts for."""
    other = sum(n for code, n in statuses.items() if code >= 500 and code != EXPECTED_5XX)
    return other + max(0, statuses.get(EXPECTED_5XX, 0) - failing_sent)


def rss_growth(
    samples: list[float], warmup_share: float = WARMUP_SHARE, window_share: float = WINDOW_SHARE
) -> tuple[float, float, float]:
    """RSS just after warm-up, at the end, and the growth between, in percent: medians of the
    first and of the last `window_share` of the samples after warm-up, because RSS saws up and
    down between two `malloc_trim` calls and a single sample lands anywhere in that band."""
    measured = samples[int(len(samples) * warmup_share) :]
    if not measured:
        return 0.0, 0.0, 0.0
    window = max(1, int(len(measured) * window_share))
    start = statistics.median(measured[:window])
    end = statistics.median(measured[-window:])
    return start, end, (end - start) / start * 100.0 if start else 0.0


CHUNK_S = 60
FIRST_CHUNK_S = 10


def _wrk_chunk(base_url: str, script: Path, seconds: int) -> tuple[WrkResult, str]:
    command = [
        wrk_binary(),
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout=30s",
        "--latency",
        "-s",
        str(script),
        base_url,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"wrk failed:\n{completed.stdout}\n{completed.stderr}")
    return parse_wrk_output(completed.stdout), completed.stdout


def drive(base_url: str, script: Path, requests: int) -> list[WrkResult]:
    """wrk in chunks of about a minute (the last one sized by the rate so far) until `requests`
    have been answered; wrk itself only stops on time."""
    chunks: list[WrkResult] = []
    done = 0
    while done < requests:
        rate = sum(c.requests for c in chunks) / sum(c.seconds for c in chunks) if chunks else 0
        left = requests - done
        seconds = FIRST_CHUNK_S if not rate else max(1, min(CHUNK_S, math.ceil(left / rate)))
        result, _ = _wrk_chunk(base_url, script, seconds)
        chunks.append(result)
        done += result.requests
        print(f"  {done:,} requests, {result.requests_per_sec:.0f}/s", flush=True)
    return chunks


@dataclass
class Totals:
    requests: int = 0
    seconds: float = 0.0
    failing_sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    socket_errors: dict[str, int] = field(default_factory=dict)

    def add(self, chunk: WrkResult) -> None:
        self.requests += chunk.requests
        self.seconds += chunk.seconds
        for code, count in _STATUS_RE.findall(chunk.raw):
            self.statuses[int(code)] = self.statuses.get(int(code), 0) + int(count)
        failing = _FAIL_RE.search(chunk.raw)
        self.failing_sent += int(failing.group(1)) if failing else 0
        for kind, count in chunk.socket_errors.items():
            self.socket_errors[kind] = self.socket_errors.get(kind, 0) + count


def run(requests: int, workdir: Path) -> SoakResult:
    files = [p.file for p in select_sources(read_manifest(), "jpeg")]
    port = free_port()
    troubled = ManagedProcess(
        [
            sys.executable,
            "-m",
            "bench.troubled_origin",
            "--port",
            str(port),
            "--root",
            str(CORPUS_DIR),
            "--delay",
            str(SLOW_DELAY_S),
        ],
        workdir / "troubled.log",
        health_url=None,
        port=port,
    )
    settings = {"IMGPROXY_CACHE_MEMORY_BYTES": str(L1_BYTES)}
    with (
        static_origin(workdir / "origin", CORPUS_DIR) as origin,
        troubled,
        ProxyServer(CORPUS_DIR, nproc(), workdir / "server.log", settings=settings) as server,
    ):
        mix = url_mix(origin.base_url, f"http://{HOST}:{port}", files)
        script = workdir / "soak.lua"
        script.write_text(soak_script(mix), encoding="utf-8")
        print(f"soak: {requests:,} requests over {mix.distinct} distinct URLs", flush=True)
        with Sampler([server.pid], interval_s=SAMPLE_EVERY_S) as sampler:
            chunks = drive(server.base_url, script, requests)
    total = Totals()
    for chunk in chunks:
        total.add(chunk)
    samples = [rss / 1e6 for _, rss in sampler.samples]
    start, end, growth = rss_growth(samples)
    return SoakResult(
        requests=total.requests,
        seconds=total.seconds,
        requests_per_sec=total.requests / total.seconds if total.seconds else 0.0,
        p50_ms=statistics.median(c.p50_ms for c in chunks),
        p99_ms=max(c.p99_ms for c in chunks),
        statuses=total.statuses,
        failing_sent=total.failing_sent,
        unexpected_5xx=unexpected_5xx(total.statuses, total.failing_sent),
        socket_errors=total.socket_errors,
        rss_mb_after_warmup=start,
        rss_mb_end=end,
        rss_mb_peak=max(samples, default=0.0),
        rss_growth_percent=growth,
        distinct_urls=mix.distinct,
        rss_samples_mb=samples,
    )


def report(result: SoakResult, date: str) -> list[str]:
    statuses = ", ".join(f"{code}: {n:,}" for code, n in sorted(result.statuses.items()))
    return [
        f"date: {date}; one proxy process, {nproc()} workers, L1 {L1_BYTES // 2**20} MiB, "
        f"wrk -t{WRK_THREADS} -c{CONNECTIONS}",
        f"- {result.requests:,} requests in {result.seconds:.0f} s "
        f"({result.requests_per_sec:.0f}/s), p50 {result.p50_ms:.1f} ms (median of the "
        f"minutes), p99 {result.p99_ms:.1f} ms (worst minute), "
        f"{result.distinct_urls} distinct URLs",
        f"- statuses: {statuses}; requests to the failing origin: {result.failing_sent:,}",
        f"- 5xx other than the failing origin's {EXPECTED_5XX}: {result.unexpected_5xx}; "
        f"socket errors: {result.socket_errors or 'none'}",
        f"- RSS after warm-up {result.rss_mb_after_warmup:.0f} MB, at the end "
        f"{result.rss_mb_end:.0f} MB, peak {result.rss_mb_peak:.0f} MB: growth "
        f"{result.rss_growth_percent:+.1f} % (sampled every {SAMPLE_EVERY_S:g} s, "
        f"{len(result.rss_samples_mb)} samples; warm-up = first {WARMUP_SHARE:.0%}; medians "
        f"of the first and last {WINDOW_SHARE:.0%} after it)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        result = run(args.requests, Path(tmp))
    date = describe().date
    lines = report(result, date)
    print("\n".join(lines))
    if not args.no_write:
        body = "\n".join(["## make soak", "", *lines])
        write_section("soak", body, {"date": date, **asdict(result)})
        print("wrote bench/RESULTS.md and bench/results.json")
    return 0 if result.unexpected_5xx == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
