"""N identical requests at once: every connection is opened first, then all requests are sent."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass

from bench.server import HOST

_STATUS_RE = re.compile(rb"^HTTP/1\.[01] (\d{3})")


@dataclass(frozen=True)
class Stampede:
    statuses: list[int]
    seconds: float
    latencies_ms: list[float]


async def _one(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes, go: asyncio.Event
) -> tuple[int, float]:
    await go.wait()
    started = time.perf_counter()
    writer.write(request)
    await writer.drain()
    response = await reader.read()  # Connection: close, so the answer ends at EOF
    writer.close()
    match = _STATUS_RE.match(response)
    return (int(match.group(1)) if match else 0), (time.perf_counter() - started) * 1000.0


async def _stampede(port: int, path: str, count: int) -> Stampede:
    connections = [await asyncio.open_connection(HOST, port) for _ in range(count)]
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode()
    go = asyncio.Event()
    tasks = [asyncio.create_task(_one(r, w, request, go)) for r, w in connections]
    await asyncio.sleep(0)  # let every task reach go.wait()
    started = time.perf_counter()
    go.set()
    answers = await asyncio.gather(*tasks)
    return Stampede(
        [status for status, _ in answers],
        time.perf_counter() - started,
        [ms for _, ms in answers],
    )


def stampede(port: int, path: str, count: int) -> Stampede:
    return asyncio.run(_stampede(port, path, count))


def metric_value(text: str, name: str, labels: str = "") -> float:
    """Sum of one Prometheus series over every sample whose labels contain `labels`."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        series, _, label_text = head.partition("{")
        if series != name or labels not in label_text:
            continue
        total += float(value)
    return total
