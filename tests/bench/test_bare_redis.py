"""The L2 baseline: the bare endpoint answers each request with one GET from a real Redis."""

import sys
from pathlib import Path

import httpx
import redis

from bench.bare import KEY_PREFIX
from bench.scenario_run import redis_server
from bench.server import HOST, ManagedProcess, free_port


def test_each_get_reads_the_bytes_from_redis(tmp_path: Path) -> None:
    bodies = tmp_path / "bodies"
    bodies.mkdir()
    (bodies / "0.jpg").write_bytes(b"\xff\xd8first")
    with redis_server(tmp_path) as redis_url:
        port = free_port()
        command = [sys.executable, "-m", "bench.bare", "--port", str(port)]
        command += ["--dir", str(bodies), "--redis", redis_url]
        health = f"http://{HOST}:{port}/health"
        with (
            ManagedProcess(command, tmp_path / "bare.log", health_url=health, port=port) as bare,
            httpx.Client(base_url=bare.base_url) as client,
            redis.Redis.from_url(redis_url) as store,
        ):
            first = client.get("/0.jpg")
            assert (first.status_code, first.content) == (200, b"\xff\xd8first")
            assert first.headers["content-type"] == "image/jpeg"
            store.set(KEY_PREFIX + "0.jpg", b"\xff\xd8second")  # no copy kept in the process
            assert client.get("/0.jpg").content == b"\xff\xd8second"
            store.delete(KEY_PREFIX + "0.jpg")
            assert client.get("/0.jpg").status_code == 404
            assert client.get("/1.jpg").status_code == 404
