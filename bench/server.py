"""Servers as subprocesses on free loopback ports, for the length of a `with` block."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx

HOST = "127.0.0.1"
READY_WITHIN_S = 30.0
POLL_INTERVAL_S = 0.1
STOP_TIMEOUT_S = 10.0
REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class ServerError(RuntimeError):
    pass


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


class ManagedProcess:
    """One command; ready when `health_url` answers 200 (or, without one, when the port accepts)."""

    def __init__(
        self,
        command: list[str],
        log_path: Path,
        *,
        health_url: str | None,
        port: int,
        env: Mapping[str, str] | None = None,
        cwd: Path = REPO_ROOT,
    ) -> None:
        self.command = command
        self.log_path = log_path
        self.health_url = health_url
        self.port = port
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise ServerError(f"{self.command[0]} is not running")
        return self.process.pid

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
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _ready(self, client: httpx.Client) -> bool:
        if self.health_url is None:
            return _accepts(self.port)
        try:
            return client.get(self.health_url).status_code == 200
        except httpx.TransportError:
            return False

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_WITHIN_S
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise ServerError(
                        f"{self.command[0]} exited with code {self.process.returncode} "
                        f"before it was ready\n{self.log_tail()}"
                    )
                if self._ready(client):
                    return
                time.sleep(POLL_INTERVAL_S)  # polling an external process, not synchronising
        raise ServerError(
            f"{' '.join(self.command[:3])} was not ready within {READY_WITHIN_S:.0f} s\n"
            f"{self.log_tail()}"
        )

    def stop(self) -> None:
        process, self.process = self.process, None
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
        return f"--- {self.log_path.name} (tail) ---\n" + "\n".join(tail)


def proxy_env(
    corpus_dir: Path, workers: int, processes: int, extra: Mapping[str, str]
) -> dict[str, str]:
    """No inherited IMGPROXY_* settings (so no key or salt): every run is configured alike."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("IMGPROXY_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env["IMGPROXY_LOCAL_FILESYSTEM_ROOT"] = str(corpus_dir)
    env["IMGPROXY_WORKERS"] = str(workers)
    env["IMGPROXY_PROCESSES"] = str(processes)
    env["IMGPROXY_REQUESTS_QUEUE_SIZE"] = "1000"
    env["IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES"] = "true"
    env.update(extra)
    return env


def settings_from(pairs: Sequence[str]) -> dict[str, str]:
    """`NAME=VALUE` arguments as environment variables; a pair without `=` is an error."""
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"{pair!r} is not NAME=VALUE")
    return dict(pair.split("=", 1) for pair in pairs)


def miss_settings() -> dict[str, str]:
    """Every request is a full miss: no result cache, no sources cache."""
    return {"IMGPROXY_CACHE_MEMORY_BYTES": "0", "IMGPROXY_SOURCES_CACHE_BYTES": "0"}


class ProxyServer(ManagedProcess):
    def __init__(
        self,
        corpus_dir: Path,
        workers: int,
        log_path: Path,
        *,
        processes: int = 1,
        settings: Mapping[str, str] | None = None,
        tree: Path = REPO_ROOT,
        python: Path = Path(sys.executable),
    ) -> None:
        port = free_port()
        command = [str(python), "-m", "imgproxy", "serve", "--bind", f"{HOST}:{port}"]
        super().__init__(
            command,
            log_path,
            health_url=f"http://{HOST}:{port}/health",
            port=port,
            env=proxy_env(
                corpus_dir, workers, processes, miss_settings() if settings is None else settings
            ),
            cwd=tree,
        )
        self.processes = processes
