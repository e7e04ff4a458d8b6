"""`python -m imgproxy serve`: the banner comes once the socket listens, a taken port is one
line on stderr."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import httpx
import pytest

from tests.support import REPO

STARTUP_SECONDS = 60
EXAMPLE_HEADING = "Open this example (600x400, cropped to fill):"


def clean_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("IMGPROXY_")}
    return env | extra


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Lines:
    """The lines of a child's output, read on a thread so that waiting can time out."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.reader.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def after(self, wanted: str, timeout: float = STARTUP_SECONDS) -> str:
        """The line that follows the first line equal to `wanted`."""
        seen: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                pytest.fail(f"no {wanted!r} within {timeout}s; output so far: {seen}")
            if line is None:
                pytest.fail(f"output ended without {wanted!r}: {seen}")
            if seen and seen[-1] == wanted:
                return line
            seen.append(line)


@contextmanager
def serving(*args: str, **env: str) -> Iterator[Lines]:
    process = subprocess.Popen(
        [sys.executable, "-m", "imgproxy", "serve", *args],
        cwd=REPO,
        env=clean_env(**env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    output = Lines(process.stdout)
    try:
        yield output
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.reader.join(timeout=30)
        process.stdout.close()


@pytest.mark.parametrize("how", ["--bind", "IMGPROXY_BIND"])
def test_the_banner_points_at_the_port_it_listens_on(how: str) -> None:
    port = free_port()
    bind = f"127.0.0.1:{port}"
    args, env = (["--bind", bind], {}) if how == "--bind" else ([], {"IMGPROXY_BIND": bind})
    with serving("--dev", *args, **env) as output:
        example = output.after(EXAMPLE_HEADING).strip()
        playground = output.after("Playground (try options, get signed URLs):").strip()
        assert example.startswith(f"http://127.0.0.1:{port}/")
        assert playground == f"http://127.0.0.1:{port}/"
        response = httpx.get(example, timeout=30)
        assert (response.status_code, response.headers["content-type"]) == (200, "image/jpeg")


@pytest.mark.parametrize("dev", [["--dev"], []])
def test_a_taken_port_is_one_line_and_no_banner(dev: list[str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "imgproxy", "serve", *dev, "--bind", f"127.0.0.1:{port}"],
            cwd=REPO,
            env=clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=STARTUP_SECONDS,
            check=False,
        )
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        f"Cannot listen on 127.0.0.1:{port}: address already in use"
    ]
    assert result.stdout == ""
