"""Real redis-server processes on random loopback ports (a single server and a 3-node Cluster),
plus an async helper that opens and closes a guarded client inside a test's own event loop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from cache.redis_guard import GuardedRedis

REDIS_SERVER = "/usr/bin/redis-server"
REDIS_CLI = "/usr/bin/redis-cli"


def free_port(*, cluster: bool = False) -> int:
    """A loopback port nothing listens on. A Cluster node also needs port + 10000 (its bus),
    so its port must be 55535 or less."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if not cluster:
            return port
        if port <= 55535 and _bindable(port + 10000):
            return port
    raise RuntimeError("No free loopback port for a Redis Cluster node")


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def cli(port: int, *args: str, check: bool = False) -> str:
    done = subprocess.run(
        [REDIS_CLI, "-h", "127.0.0.1", "-p", str(port), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=check,
    )
    return done.stdout.strip()


def poll_until(ready: Callable[[], bool], what: str, attempts: int = 250) -> None:
    """Readiness polling of a real process, bounded (about 5 s)."""
    for _ in range(attempts):
        if ready():
            return
        time.sleep(0.02)
    raise RuntimeError(f"Timed out waiting for {what}")


class RedisProcess:
    def __init__(self, workdir: Path, *, cluster: bool = False) -> None:
        self.workdir = workdir
        self.cluster = cluster
        self.port = free_port(cluster=cluster)
        self.process: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> RedisProcess:
        args = [
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]
        if self.cluster:
            args += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        process = self.process

        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(
                    f"redis-server exited: {(self.workdir / 'redis.log').read_text()}"
                )
            return cli(self.port, "ping") == "PONG"

        poll_until(ready, f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        """Terminate the process (as a crash would, from a client's point of view)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: the port stays open but nothing answers (a slow, hung Redis)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


class RedisClusterProcesses:
    def __init__(self, workdir: Path, nodes: int = 3) -> None:
        self.nodes = [RedisProcess(workdir / f"node{i}", cluster=True) for i in range(nodes)]

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def start(self) -> RedisClusterProcesses:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        for node in self.nodes:
            node.start()
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        cli(
            self.nodes[0].port,
            "--cluster",
            "create",
            *addresses,
            "--cluster-replicas",
            "0",
            "--cluster-yes",
            check=True,
        )
        for node in self.nodes:
            poll_until(
                lambda node=node: "cluster_state:ok" in cli(node.port, "cluster", "info"),
                f"cluster_state:ok on port {node.port}",
            )

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


@asynccontextmanager
async def guarded(url: str, **options: Any) -> AsyncIterator[GuardedRedis]:
    """A client whose calls may take up to a second unless a test asks for less: on two busy
    cores a 50 ms budget can run out, and only the timeout tests are about that."""
    options.setdefault("op_timeout", 1.0)
    redis = GuardedRedis.from_url(url, **options)
    try:
        yield redis
    finally:
        await redis.close()


class FakeClock:
    """A clock tests move by hand instead of sleeping."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
