"""Real servers on loopback for the telemetry tests: an ASGI app under uvicorn, Prometheus."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx
import uvicorn
from starlette.types import ASGIApp

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def poll(ready: Callable[[], T | None], what: str, seconds: float = 30.0) -> T:
    """Readiness polling of a started process, bounded: `ready()`'s first non-None answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = ready()
        if found is not None:
            return found
        time.sleep(0.1)
    raise TimeoutError(f"Timed out after {seconds:g}s waiting for {what}")


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """`app` under uvicorn on a loopback socket that listens before this returns."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


SCRAPE_CONFIG = """\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - alerts.yml
scrape_configs:
  - job_name: imgproxy-py
    static_configs:
      - targets: ["{target}"]
"""


@contextmanager
def running_prometheus(workdir: Path, target: str, rules: Path) -> Iterator[str]:
    """A Prometheus server on loopback scraping `target` every second with `rules` loaded;
    yields its base URL once it is ready."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(rules, workdir / "alerts.yml")
    (workdir / "prometheus.yml").write_text(SCRAPE_CONFIG.format(target=target))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = workdir / "prometheus.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def ready() -> bool | None:
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited: {log_path.read_text()}")
        try:
            return httpx.get(f"{base}/-/ready", timeout=2).status_code == 200 or None
        except httpx.TransportError:
            return None

    try:
        poll(ready, f"prometheus on port {port}")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
