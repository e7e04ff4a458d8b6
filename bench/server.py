"""Run the proxy as a subprocess on a free loopback port for the length of a `with` block."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx

HOST = "127.0.0.1"
HEALTH_ATTEMPTS = 150
HEALTH_INTERVAL_S = 0.2
STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(corpus_dir: Path, workers: int) -> dict[str, str]:
    """No inherited IMGPROXY_* settings (so no key or salt): every run is configured alike."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("IMGPROXY_")}
    env["IMGPROXY_LOCAL_FILESYSTEM_ROOT"] = str(corpus_dir)
    env["IMGPROXY_WORKERS"] = str(workers)
    # The processing path is what is measured: no result cache, so every request is a miss.
    env["IMGPROXY_CACHE_MEMORY_BYTES"] = "0"
    env["IMGPROXY_REQUESTS_QUEUE_SIZE"] = "1000"
    return env


class ServerError(RuntimeError):
    pass


class ProxyServer:
    def __init__(self, repo_root: Path, corpus_dir: Path, workers: int, log_path: Path) -> None:
        self.repo_root = repo_root
        self.corpus_dir = corpus_dir
        self.workers = workers
        self.log_path = log_path
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        self._log = self.log_path.open("wb")
        command = [sys.executable, "-m", "imgproxy", "serve", "--bind", f"{HOST}:{self.port}"]
        self._process = subprocess.Popen(
            command,
            cwd=self.repo_root,
            env=server_env(self.corpus_dir, self.workers),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise

    def _wait_healthy(self) -> None:
        url = f"{self.base_url}/health"
        with httpx.Client(timeout=2.0) as client:
            for _ in range(HEALTH_ATTEMPTS):
                self._raise_if_exited()
                try:
                    if client.get(url).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(HEALTH_INTERVAL_S)
        raise ServerError(
            f"server did not answer 200 on {url} within "
            f"{HEALTH_ATTEMPTS * HEALTH_INTERVAL_S:.0f} s\n{self.log_tail()}"
        )

    def _raise_if_exited(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            raise ServerError(
                f"server exited with code {self._process.returncode} before it was healthy\n"
                f"{self.log_tail()}"
            )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_S)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_text(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        tail = self.log_text().splitlines()[-lines:]
        return "--- server log (tail) ---\n" + "\n".join(tail)
