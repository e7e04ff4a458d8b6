"""`make hostile`: every hostile case of the security review replayed at once against one server,
then what tests should not time: how fast `/health` and a cheap miss answer, how soon the
process stops burning CPU, and how soon its memory comes back.

Everything listens on loopback: the proxy, and a hostile origin this script starts (a body that
never ends, connections that never answer, and a few well-behaved files). Writes its section of
bench/RESULTS.md and bench/results.json; exits 1 when a target is missed or a 500 comes back.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyvips

from bench.machine import describe
from bench.procs import usage
from bench.results_file import write_section
from bench.server import HOST, ProxyServer, free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
PHOTO = REPO_ROOT / "tests" / "images" / "jpeg-baseline-icc.jpg"
HEALTH_TARGET_MS = 100.0
MISS_TARGET_MS = 1000.0
CPU_TARGET_PERCENT = 5.0
CPU_WITHIN_S = 2.0
RSS_TARGET_MB = 100.0
RSS_WITHIN_S = 10.0
SAMPLE_EVERY_S = 0.1
CPU_WINDOW_S = 0.5
STALLED_ORIGIN_MISSES = 12
STALLED_INFOS = 60
SLOW_HEADER_CONNECTIONS = 200
UNFINISHED_BIG_HEADERS = 30
MIB = 1024 * 1024


@dataclass
class Outcome:
    case: str
    statuses: Counter[str] = field(default_factory=Counter)
    finished_at: float = 0.0

    def record(self, status: str) -> None:
        self.statuses[status] += 1
        self.finished_at = max(self.finished_at, time.monotonic())


# --- the hostile origin --------------------------------------------------------------------


async def hostile_origin(port: int, files: dict[str, bytes], release: asyncio.Event) -> None:
    """GET /endless: a body that never ends; /stall/*: never answered until `release`;
    /ok/<name>: the file."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode("latin-1")
            if path.startswith("/endless"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n")
                chunk = b"\0" * MIB
                while True:
                    writer.write(chunk)
                    await writer.drain()
            elif path.startswith("/stall"):
                await release.wait()
            else:
                body = files.get(path.removeprefix("/ok/"), b"")
                status = b"200 OK" if body else b"404 Not Found"
                writer.write(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: image/jpeg\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                )
                await writer.drain()
        except (
            asyncio.IncompleteReadError,
            ConnectionError,
            IndexError,
            asyncio.LimitOverrunError,
        ):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, HOST, port)
    async with server:
        await server.serve_forever()


# --- the files under the local root ---------------------------------------------------------


def lying_jpeg() -> bytes:
    """A 64x48 JPEG whose frame header says 7000x7000."""
    small = pyvips.Image.black(64, 48).new_from_image([200, 40, 40]).cast("uchar")
    data = bytearray(small.write_to_buffer(".jpg", Q=80))
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = (7000).to_bytes(2, "big") + (7000).to_bytes(2, "big")
    return bytes(data)


def local_root(folder: Path) -> None:
    shutil.copy(PHOTO, folder / "photo.jpg")
    tiny = pyvips.Image.black(16, 16).new_from_image([10, 200, 30]).cast("uchar")
    (folder / "tiny.png").write_bytes(tiny.write_to_buffer(".png"))
    (folder / "lying.jpg").write_bytes(lying_jpeg())
    os.mkfifo(folder / "fifo.jpg")
    (folder / "loop-a.jpg").symlink_to(folder / "loop-b.jpg")
    (folder / "loop-b.jpg").symlink_to(folder / "loop-a.jpg")


# --- the cases ------------------------------------------------------------------------------


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode().rstrip("=")


def http_cases(origin: str, endless_origin: str) -> dict[str, list[str]]:
    digits = "9" * 5000
    sources = {
        "bracketed host": [
            f"/_/rs:fit:100:100/plain/http://[127.0.0.1]:{origin.rsplit(':', 1)[1]}/ok/photo.jpg",
            "/_/plain/http://[::1/x",
            "/_/plain/http://[zz]/x",
            "/info/_/plain/http://[::1/x",
            "/info/_/plain/http://[zz]/x",
        ],
        "huge integers": [
            f"/_/w:{digits}/plain/local:///photo.jpg",
            f"/_/q:{digits}/plain/local:///photo.jpg",
            f"/_/exp:{digits}/plain/local:///photo.jpg",
        ],
        "local file system errors": [
            f"/_/plain/local:///{'a' * 300}.jpg",
            "/_/plain/local:///loop-a.jpg",
        ],
        "control characters in the filename": [
            f"/_/fn:{encoded(name)}:1/plain/local:///photo.jpg"
            for name in ("a\r\nX-Injected: 1", "nul\0byte", "del\x7f")
        ],
        "endless origin body": [
            f"/_/plain/{endless_origin}/endless",
            f"/_/raw:1/plain/{endless_origin}/endless",
            f"/info/_/plain/{endless_origin}/endless",
        ],
        "heavy work": [
            f"/_/bl:{sigma}/rs:fit:{side}:{side}:1/cb:{index}/plain/local:///tiny.png"
            for index, (sigma, side) in enumerate(
                [(1000, 4000), (1000, 4000), (300, 4000), (200, 3000), (100, 4000), (60, 4000)]
            )
        ],
        "lying header": ["/_/rs:fit:300:300/plain/local:///lying.jpg"],
        "FIFO under the root": [f"/_/cb:{n}/plain/local:///fifo.jpg" for n in range(10)],
    }
    return sources


async def fetch_all(client: httpx.AsyncClient, case: str, paths: list[str]) -> Outcome:
    outcome = Outcome(case)

    async def one(path: str, headers: dict[str, str] | None = None) -> None:
        try:
            response = await client.get(path, headers=headers)
            outcome.record(str(response.status_code))
        except httpx.HTTPError as error:
            outcome.record(type(error).__name__)

    await asyncio.gather(*(one(path) for path in paths))
    return outcome


async def spoofed_forwarding(client: httpx.AsyncClient) -> Outcome:
    outcome = Outcome("X-Forwarded-For from an untrusted peer")
    for n in range(12):
        response = await client.get(
            f"/_/rs:fit:{90 + n}:90/plain/local:///photo.jpg",
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        outcome.record(str(response.status_code))
    return outcome


async def stalled_origins(client: httpx.AsyncClient, origin: str, healthy_origin: str) -> Outcome:
    """Misses and `/info` requests stalled on one origin host, and a miss for another host."""
    outcome = Outcome("slow origins beside a healthy miss")
    stalled = [
        f"/_/rs:fit:100:100/plain/{origin}/stall/{n}.jpg" for n in range(STALLED_ORIGIN_MISSES)
    ]
    infos = [f"/info/_/plain/{origin}/stall/info-{n}.jpg" for n in range(STALLED_INFOS)]
    pending = asyncio.gather(
        fetch_all(client, "stalled", stalled), fetch_all(client, "stalled info", infos)
    )
    healthy = await client.get(f"/_/rs:fit:120:120/plain/{healthy_origin}/ok/photo.jpg")
    outcome.record(f"healthy {healthy.status_code}")
    for part in await pending:
        for status, count in part.statuses.items():
            outcome.statuses[f"{part.case} {status}"] += count
        outcome.finished_at = max(outcome.finished_at, part.finished_at)
    return outcome


async def raw_connection(
    port: int, request: bytes, *, finish: bool, outcome: Outcome, label: str
) -> None:
    """Sends `request` (optionally without its final blank line) and waits for the server to
    answer or close."""
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError as error:
        outcome.record(f"{label}: connect {type(error).__name__}")
        return
    try:
        writer.write(request + (b"\r\n" if finish else b""))
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(64), timeout=120)
        outcome.record(f"{label}: {answer.split(b' ')[1].decode() if answer else 'closed'}")
    except (ConnectionError, TimeoutError, IndexError) as error:
        outcome.record(f"{label}: {type(error).__name__}")
    finally:
        writer.close()


async def header_abuse(port: int) -> Outcome:
    outcome = Outcome("slow and huge request headers")
    start = b"GET /health HTTP/1.1\r\nHost: x\r\n"
    big = start + b"X-Big: " + b"a" * (10 * MIB) + b"\r\n"
    unfinished = start + b"X-Big: " + b"a" * (20 * MIB)
    await asyncio.gather(
        *(
            raw_connection(port, start, finish=False, outcome=outcome, label="slow header")
            for _ in range(SLOW_HEADER_CONNECTIONS)
        ),
        raw_connection(port, big, finish=True, outcome=outcome, label="10 MB header"),
        *(
            raw_connection(
                port, unfinished, finish=False, outcome=outcome, label="20 MB unfinished"
            )
            for _ in range(UNFINISHED_BIG_HEADERS)
        ),
    )
    return outcome


# --- the measurements -------------------------------------------------------------------------


async def timed_ms(call: Callable[[], Awaitable[httpx.Response]]) -> tuple[float, int]:
    started = time.perf_counter()
    response = await call()
    return (time.perf_counter() - started) * 1000, response.status_code


@dataclass(frozen=True)
class Recovery:
    cpu_quiet_after_s: float | None
    rss_back_after_s: float | None
    idle_rss_mb: float
    peak_rss_mb: float


def watch_recovery(pid: int, since: float, idle_rss: int, peak: int) -> Recovery:
    """CPU and RSS sampled from `since` (the last deadline) on."""
    cpu_quiet: float | None = None
    rss_back: float | None = None
    samples: list[tuple[float, float]] = []
    while time.monotonic() - since < RSS_WITHIN_S + 1:
        now = time.monotonic()
        current = usage([pid])
        peak = max(peak, current.rss_bytes)
        samples.append((now, current.cpu_seconds))
        window = [s for s in samples if now - s[0] <= CPU_WINDOW_S]
        if cpu_quiet is None and len(window) > 1 and now - window[0][0] >= CPU_WINDOW_S * 0.8:
            percent = 100 * (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])
            if percent < CPU_TARGET_PERCENT:
                cpu_quiet = max(0.0, window[0][0] - since)
        if rss_back is None and current.rss_bytes <= idle_rss + RSS_TARGET_MB * MIB:
            rss_back = max(0.0, now - since)
        if cpu_quiet is not None and rss_back is not None:
            break
        time.sleep(SAMPLE_EVERY_S)  # sampling an external process
    return Recovery(cpu_quiet, rss_back, idle_rss / MIB, peak / MIB)


async def probe(client: httpx.AsyncClient, label: str, width: int) -> dict[str, float]:
    health = [await timed_ms(lambda: client.get("/health")) for _ in range(5)]
    miss_ms, miss_status = await timed_ms(
        lambda: client.get(f"/_/rs:fit:{width}:{width}/plain/local:///photo.jpg")
    )
    return {
        f"{label} /health max ms": max(ms for ms, _ in health),
        f"{label} /health median ms": statistics.median(ms for ms, _ in health),
        f"{label} cheap miss ms": miss_ms,
        f"{label} cheap miss status": float(miss_status),
        f"{label} /health non-200": float(sum(status != 200 for _, status in health)),
    }


async def replay(server: ProxyServer, files: dict[str, bytes]) -> dict[str, object]:
    release = asyncio.Event()
    origin_port, healthy_port, endless_port = free_port(), free_port(), free_port()
    origin_tasks = [
        asyncio.create_task(hostile_origin(port, files, release))
        for port in (origin_port, healthy_port, endless_port)
    ]
    origin = f"http://{HOST}:{origin_port}"
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=120, limits=limits) as client:
        idle = usage([server.pid]).rss_bytes
        cases = [
            *(
                fetch_all(client, case, paths)
                for case, paths in http_cases(origin, f"http://{HOST}:{endless_port}").items()
            ),
            spoofed_forwarding(client),
            stalled_origins(client, origin, f"http://{HOST}:{healthy_port}"),
            header_abuse(server.port),
        ]
        started = time.monotonic()
        running = asyncio.gather(*cases)
        await asyncio.sleep(1.0)  # let every case reach the server before probing under load
        during = await probe(client, "during", 201)
        peak = usage([server.pid]).rss_bytes
        outcomes: list[Outcome] = await running
        last = max(outcome.finished_at for outcome in outcomes)
        recovery = await asyncio.to_thread(watch_recovery, server.pid, last, idle, peak)
        after = await probe(client, "after", 203)
        release.set()
    for task in origin_tasks:
        task.cancel()
    return {
        "outcomes": outcomes,
        "mix_seconds": last - started,
        "recovery": recovery,
        "probes": {**during, **after},
    }


# --- the report -------------------------------------------------------------------------------


def verdicts(result: dict[str, object]) -> list[tuple[str, str, bool]]:
    probes = result["probes"]
    recovery = result["recovery"]
    outcomes = result["outcomes"]
    assert isinstance(probes, dict) and isinstance(recovery, Recovery)
    assert isinstance(outcomes, list)
    five_hundreds = sum(
        count
        for outcome in outcomes
        for status, count in outcome.statuses.items()
        if status.endswith("500")
    )
    cpu = recovery.cpu_quiet_after_s
    rss = recovery.rss_back_after_s
    return [
        ("no 500 in any answer", f"{five_hundreds} answers of 500", five_hundreds == 0),
        (
            f"/health after the mix under {HEALTH_TARGET_MS:.0f} ms",
            f"{probes['after /health max ms']:.1f} ms (during the mix: "
            f"{probes['during /health max ms']:.1f} ms)",
            probes["after /health max ms"] < HEALTH_TARGET_MS
            and probes["after /health non-200"] == 0,
        ),
        (
            f"a cheap miss after the mix under {MISS_TARGET_MS:.0f} ms",
            f"{probes['after cheap miss ms']:.0f} ms, "
            f"status {probes['after cheap miss status']:.0f}"
            f" (during: {probes['during cheap miss ms']:.0f} ms, "
            f"{probes['during cheap miss status']:.0f})",
            probes["after cheap miss ms"] < MISS_TARGET_MS
            and probes["after cheap miss status"] == 200,
        ),
        (
            f"CPU under {CPU_TARGET_PERCENT:.0f}% within {CPU_WITHIN_S:.0f} s of the last answer",
            "never" if cpu is None else f"after {cpu:.1f} s",
            cpu is not None and cpu <= CPU_WITHIN_S,
        ),
        (
            f"RSS back within idle + {RSS_TARGET_MB:.0f} MB within {RSS_WITHIN_S:.0f} s",
            f"{'never' if rss is None else f'after {rss:.1f} s'} (idle {recovery.idle_rss_mb:.0f}"
            f" MB, peak {recovery.peak_rss_mb:.0f} MB)",
            rss is not None and rss <= RSS_WITHIN_S,
        ),
    ]


def markdown(result: dict[str, object]) -> str:
    outcomes = result["outcomes"]
    assert isinstance(outcomes, list)
    machine = describe()
    lines = [
        "## `make hostile`",
        "",
        f"{machine.date}; {machine.cpu_model}, nproc {machine.nproc}; Python {machine.python}",
        "",
        f"Every case at once, against one server with its default settings; the mix took "
        f"{result['mix_seconds']:.1f} s to its last answer. Repeat: `make hostile`.",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {name} | {value} | {'yes' if ok else '**no**'} |"
        for name, value, ok in verdicts(result)
    ]
    lines += ["", "| case | answers |", "| --- | --- |"]
    for outcome in outcomes:
        answers = ", ".join(
            f"{status}: {count}" for status, count in sorted(outcome.statuses.items())
        )
        lines.append(f"| {outcome.case} | {answers} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hostile-") as folder:
        root = Path(folder) / "root"
        root.mkdir()
        local_root(root)
        files = {"photo.jpg": PHOTO.read_bytes()}
        settings = {"IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES": "true"}
        workers = 2 * (os.cpu_count() or 1)
        with ProxyServer(root, workers, Path(folder) / "proxy.log", settings=settings) as server:
            result = asyncio.run(replay(server, files))
    report = markdown(result)
    print(report)
    if args.write:
        write_section("hostile", report, {"report": report})
    return 0 if all(ok for _, _, ok in verdicts(result)) else 1


if __name__ == "__main__":
    sys.exit(main())
