"""Multiprocess mode: worker processes write, any process collects the sum of them all."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.imgproxy.telemetry.promql import samples, value

REPO = Path(__file__).resolve().parents[3]


def start(directory: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.imgproxy.telemetry.multiprocess_worker", *args],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen[bytes]) -> bytes:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()
    return out


@contextmanager
def writing(directory: Path, *args: str) -> Iterator[None]:
    """A worker process that has recorded its request and is still running."""
    process = start(directory, "write", *args)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n", process.stderr and process.stderr.read()
        yield
    finally:
        finish(process)


def read(directory: Path) -> bytes:
    return finish(start(directory, "read"))


def test_two_processes_writing_are_collected_together(tmp_path):
    with writing(tmp_path, "image", "200", "3"), writing(tmp_path, "info", "404", "2"):
        body = read(tmp_path)
    assert value(body, "imgproxy_requests_total", route="image", status="200") == 1
    assert value(body, "imgproxy_requests_total", route="info", status="404") == 1
    assert value(body, "imgproxy_request_duration_seconds_bucket", route="info", le="0.25") == 1
    assert value(body, "imgproxy_queue_depth") == 5  # livesum over the running workers
    assert value(body, "imgproxy_redis_breaker_state", state="closed") == 2
    assert not any(name.startswith("process_") for name, _ in samples(body))


def test_an_exited_process_keeps_its_counts_but_not_its_live_gauges(tmp_path):
    with writing(tmp_path, "image", "200", "3"):
        with writing(tmp_path, "info", "502", "2"):
            pass
        body = read(tmp_path)
    assert value(body, "imgproxy_requests_total", route="image", status="200") == 1
    assert value(body, "imgproxy_requests_total", route="info", status="502") == 1
    assert value(body, "imgproxy_queue_depth") == 3
    assert value(body, "imgproxy_redis_breaker_state", state="closed") == 1
