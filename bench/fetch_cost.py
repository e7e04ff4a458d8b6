"""What one origin fetch costs the event loop, per http client (IMGPROXY_HTTP_CLIENT).

The bench photos are served by nginx on loopback; each client fetches them `--fetches` times,
`--concurrency` at once, through the production wiring (the same origin classes, the address
policy, the download-bytes gauge). Per fetch it reports the CPU time of the event-loop thread
(`time.thread_time` inside the loop: what the loop cannot spend on other requests) and of the
whole process (libcurl's download threads included). The clients alternate within each round
and swap order between rounds, since the host is noisy; medians over rounds, and curl/httpx.

    .venv/bin/python -m bench.fetch_cost [--rounds 9] [--fetches 300] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.nginx import static_origin
from config.settings import Settings
from imgproxy.building import build_http_origin
from imgproxy.origins import Origin
from imgproxy.security.allowed_sources import AllowedSources
from imgproxy.telemetry.metrics import Metrics

PHOTOS = Path(__file__).resolve().parent / "photos"
CLIENTS = ("httpx", "curl")


@dataclass(frozen=True)
class Round:
    client: str
    fetches: int
    loop_cpu_s: float
    process_cpu_s: float
    wall_s: float

    @property
    def loop_us(self) -> float:
        return self.loop_cpu_s / self.fetches * 1e6

    @property
    def process_us(self) -> float:
        return self.process_cpu_s / self.fetches * 1e6

    @property
    def fetches_per_s(self) -> float:
        return self.fetches / self.wall_s


def origin_for(client: str, concurrency: int) -> Origin:
    settings = Settings.from_env(
        {
            "IMGPROXY_HTTP_CLIENT": client,
            "IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES": "1",
            "IMGPROXY_CONCURRENT_DOWNLOADS": str(concurrency),
        }
    )
    metrics = Metrics(process_metrics=False)
    return build_http_origin(settings, AllowedSources(()), metrics.download_bytes)


async def fetch_all(origin: Origin, urls: list[str], fetches: int, concurrency: int) -> int:
    """Fetches `fetches` URLs round robin, `concurrency` at once; the bytes received."""
    received = 0
    next_index = 0

    async def worker() -> None:
        nonlocal received, next_index
        while next_index < fetches:
            url = urls[next_index % len(urls)]
            next_index += 1
            received += len((await origin.fetch(url, 0)).data)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return received


async def measure(
    client: str, origin: Origin, urls: list[str], fetches: int, concurrency: int
) -> Round:
    loop_cpu, process_cpu, wall = time.thread_time(), time.process_time(), time.perf_counter()
    await fetch_all(origin, urls, fetches, concurrency)
    return Round(
        client,
        fetches,
        time.thread_time() - loop_cpu,
        time.process_time() - process_cpu,
        time.perf_counter() - wall,
    )


async def run(base: str, rounds: int, fetches: int, concurrency: int) -> list[Round]:
    urls = [f"{base}/{photo.name}" for photo in sorted(PHOTOS.glob("*.jpg"))]
    origins = {client: origin_for(client, concurrency) for client in CLIENTS}
    try:
        for origin in origins.values():  # warm: connections open, threads started
            await fetch_all(origin, urls, len(urls) * 2, concurrency)
        results = []
        for index in range(rounds):
            order = CLIENTS if index % 2 == 0 else tuple(reversed(CLIENTS))
            for client in order:
                results.append(await measure(client, origins[client], urls, fetches, concurrency))
        return results
    finally:
        for origin in origins.values():
            await origin.close()


def report(results: list[Round], concurrency: int) -> str:
    photos = sorted(PHOTOS.glob("*.jpg"))
    mean_bytes = statistics.mean(photo.stat().st_size for photo in photos)
    lines = [
        f"{len(photos)} JPEGs (mean {mean_bytes / 1e6:.2f} MB) from nginx on loopback, "
        f"{concurrency} at once, {len(results) // len(CLIENTS)} rounds; medians per fetch:",
        "",
        "| client | event-loop thread CPU | process CPU | fetches/s |",
        "| --- | ---: | ---: | ---: |",
    ]
    medians: dict[str, tuple[float, float, float]] = {}
    for client in CLIENTS:
        mine = [result for result in results if result.client == client]
        medians[client] = (
            statistics.median(result.loop_us for result in mine),
            statistics.median(result.process_us for result in mine),
            statistics.median(result.fetches_per_s for result in mine),
        )
        loop_us, process_us, rate = medians[client]
        lines.append(f"| {client} | {loop_us:,.0f} µs | {process_us:,.0f} µs | {rate:,.0f} |")
    (h_loop, h_process, h_rate), (c_loop, c_process, c_rate) = (
        medians["httpx"],
        medians["curl"],
    )
    lines.append(
        f"| curl / httpx | {c_loop / h_loop:.2f} | {c_process / h_process:.2f} | "
        f"{c_rate / h_rate:.2f} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fetch_cost", description=__doc__)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--fetches", type=int, default=300, help="per client per round")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="fetch-cost-") as prefix,
        static_origin(Path(prefix), PHOTOS) as nginx,
    ):
        results = asyncio.run(run(nginx.base_url, args.rounds, args.fetches, args.concurrency))
    print(report(results, args.concurrency))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
