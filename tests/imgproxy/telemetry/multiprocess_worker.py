"""Run with PROMETHEUS_MULTIPROC_DIR set. `write ROUTE STATUS DEPTH` records one request and a
queue depth, says "ready" and stays alive until its stdin closes; `read` prints the exposition
of every process."""

from __future__ import annotations

import os
import sys

from imgproxy.telemetry.metrics import Metrics


def main(command: str, *args: str) -> None:
    metrics = Metrics.from_env(os.environ)
    if command == "write":
        route, status, depth = args
        metrics.request(route, int(status), 0.2)
        metrics.queue_depth(int(depth))
        metrics.breaker("closed")
        print("ready", flush=True)
        sys.stdin.read()
    else:
        sys.stdout.buffer.write(metrics.render()[0])


if __name__ == "__main__":
    main(*sys.argv[1:])
