from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cache.redis_procs import RedisClusterProcesses, RedisProcess, cli


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    """One real redis-server for the session (tests use their own keys)."""
    server = RedisProcess(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisProcess) -> str:
    """The shared server, emptied before the test."""
    assert cli(redis_server.port, "flushall") == "OK"
    return redis_server.url


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterProcesses]:
    """A real three-node Redis Cluster (no replicas), cluster_state:ok."""
    cluster = RedisClusterProcesses(tmp_path_factory.mktemp("cluster")).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def cluster_url(redis_cluster: RedisClusterProcesses) -> str:
    for node in redis_cluster.nodes:
        assert cli(node.port, "flushall") == "OK"
    return redis_cluster.url


@pytest.fixture
def start_redis(tmp_path: Path) -> Iterator[Callable[[], RedisProcess]]:
    """Start dedicated servers a test may kill, pause and restart; all stopped afterwards."""
    started: list[RedisProcess] = []

    def start() -> RedisProcess:
        server = RedisProcess(tmp_path / f"redis{len(started)}").start()
        started.append(server)
        return server

    yield start
    for server in started:
        if server.process is not None:
            server.resume()  # a paused one must run to handle SIGTERM
        server.stop()
