"""Under load and while stopping: shedding, deadlines, disconnects, draining, processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.procs import serving_processes
from tests.support import CORPUS, REPO, OriginLog, running_proxy

PHOTO = "jpeg-baseline-icc.jpg"
ATTEMPTS = 300


def eventually(check: object, attempts: int = ATTEMPTS) -> None:
    for _ in range(attempts):
        if check():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("the expected state was not reached")


async def concurrently(base: str, paths: list[str]) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        return list(await asyncio.gather(*(client.get(path) for path in paths)))


def test_excess_misses_are_shed_while_hits_keep_flowing(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    env = {
        "IMGPROXY_WORKERS": "1",
        "IMGPROXY_REQUESTS_QUEUE_SIZE": "1",
        "IMGPROXY_TIMEOUT": "1.5",
        "IMGPROXY_DOWNLOAD_TIMEOUT": "1",
    }
    cached = f"/_/w:30/plain/{base}/files/{PHOTO}"
    hanging = [f"/_/w:{width}/plain/{base}/hang/{width}" for width in range(10, 16)]
    with running_proxy(env) as proxy, httpx.Client(base_url=proxy, timeout=30) as client:
        assert client.get(cached).status_code == 200

        async def storm() -> tuple[list[httpx.Response], list[httpx.Response]]:
            misses = asyncio.ensure_future(concurrently(proxy, hanging))
            await asyncio.sleep(0)
            hits = await concurrently(proxy, [cached] * 5)
            return await misses, hits

        misses, hits = asyncio.run(storm())
        metrics = client.get("/metrics").text
    assert 'imgproxy_shed_requests_total{reason="queue_full"} 4.0' in metrics
    assert "imgproxy_queue_capacity 1.0" in metrics
    assert "imgproxy_queue_depth 0.0" in metrics  # nothing left waiting
    counts = Counter(response.status_code for response in misses)
    assert counts == {429: 4, 504: 1, 503: 1}, counts
    for response in misses:
        if response.status_code in (429, 503):
            assert response.headers["retry-after"] == "1"
    assert [(r.status_code, r.headers["x-cache"]) for r in hits] == [(200, "HIT")] * 5


def test_a_disconnected_client_frees_its_slot(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    env = {
        "IMGPROXY_WORKERS": "1",
        "IMGPROXY_REQUESTS_QUEUE_SIZE": "0",
        "IMGPROXY_DOWNLOAD_TIMEOUT": "20",
        "IMGPROXY_TIMEOUT": "30",
    }
    with running_proxy(env) as proxy, httpx.Client(base_url=proxy, timeout=30) as client:
        host, port = proxy.removeprefix("http://").split(":")
        hog = socket.create_connection((host, int(port)))
        hog.sendall(f"GET /_/w:10/plain/{base}/hang/a HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        other = f"/_/w:11/plain/{base}/files/{PHOTO}"
        eventually(lambda: client.get(other).status_code == 429)
        hog.close()
        eventually(lambda: client.get(other).status_code == 200)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    tmp_path: Path,
    *args: str,
    stdout: Path | None = None,
    stderr: Path | None = None,
    **env: str,
) -> tuple[subprocess.Popen[bytes], str]:
    """The server on a free port, healthy; its access lines go to `stdout` and its
    diagnostics to `stderr` if given."""
    port = free_port()
    output = stdout.open("wb") if stdout is not None else subprocess.DEVNULL
    diagnostics = stderr.open("wb") if stderr is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "imgproxy", "serve", "--bind", f"127.0.0.1:{port}", *args],
        cwd=REPO,
        env={
            **os.environ,
            "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(CORPUS),
            "IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES": "1",
            **env,
        },
        stdout=output,
        stderr=diagnostics,
    )
    for opened in (output, diagnostics):
        if not isinstance(opened, int):
            opened.close()
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return httpx.get(f"{base}/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    eventually(healthy)
    return process, base


def test_sigterm_drains_then_exits(tmp_path: Path, origin: tuple[str, OriginLog]) -> None:
    origin_base, _ = origin
    process, base = start_server(tmp_path, IMGPROXY_GRACEFUL_STOP_TIMEOUT="20")
    try:
        assert httpx.get(f"{base}/ready").status_code == 200

        async def scenario() -> tuple[httpx.Response, int, httpx.Response]:
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                slow = asyncio.ensure_future(
                    client.get(f"/_/w:20/plain/{origin_base}/slow/1.5/{PHOTO}")
                )
                for _ in range(ATTEMPTS):  # the slow request is in flight once it reaches us
                    await asyncio.sleep(0.01)
                    if slow.done() or len(asyncio.all_tasks()) > 1:
                        break
                await asyncio.sleep(0.3)
                process.send_signal(signal.SIGTERM)
                ready = 200
                for _ in range(ATTEMPTS):
                    ready = (await client.get("/ready")).status_code
                    if ready == 503:
                        break
                    await asyncio.sleep(0.01)
                refused = await client.get(f"/_/w:21/plain/local:///{PHOTO}")
                return await slow, ready, refused

        slow, ready, refused = asyncio.run(scenario())
        assert ready == 503
        assert (refused.status_code, refused.text.strip()) == (503, "Draining")
        assert slow.status_code == 200
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()


def tcp_sockets(port: int, state: str) -> set[str]:
    """Inodes of the IPv4 TCP sockets on local `port` in `state` ("0A" listening, "01"
    established), from /proc/net/tcp."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == state and int(fields[1].rsplit(":", 1)[1], 16) == port:
            inodes.add(fields[9])
    return inodes


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    return inodes


def answered(sock: socket.socket) -> bool:
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(4096)
        if not chunk:
            return False
        received += chunk
    return received.startswith(b"HTTP/1.1 200")


@contextlib.contextmanager
def two_serving_processes(
    tmp_path: Path, stdout: Path | None = None, stderr: Path | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str, int]]:
    """A server with two worker processes: the supervisor, its base URL and its port."""
    process, base = start_server(tmp_path, "--workers", "2", stdout=stdout, stderr=stderr)
    try:
        yield process, base, int(base.rsplit(":", 1)[1])
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_each_worker_process_gets_a_socket_and_a_share_of_a_burst(tmp_path: Path) -> None:
    """Connections made while both workers are stopped wait in the queues of their sockets:
    with one socket shared, the worker that resumed first would take every one of them."""
    with two_serving_processes(tmp_path) as (process, _, port):
        workers = serving_processes(process.pid)
        listening = tcp_sockets(port, "0A")
        own = [socket_inodes(pid) & listening for pid in workers]
        assert len(workers) == 2
        assert [len(inodes) for inodes in own] == [1, 1]
        assert own[0] != own[1]
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        try:
            burst = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(64)]
        finally:
            for pid in workers:
                os.kill(pid, signal.SIGCONT)
        try:
            assert all(answered(sock) for sock in burst)
            established = tcp_sockets(port, "01")
            shares = [len(socket_inodes(pid) & established) for pid in workers]
        finally:
            for sock in burst:
                sock.close()
    assert sum(shares) == 64
    assert min(shares) >= 16, shares


def mapped_libraries(pid: int) -> set[str]:
    """The file names of the shared objects process `pid` has mapped."""
    names = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        path = line.split()[-1]
        if ".so" in path:
            names.add(path.rsplit("/", 1)[-1])
    return names


def test_the_supervisor_of_worker_processes_loads_no_application(tmp_path: Path) -> None:
    """The workers load libvips; the supervisor, which only starts them, keeps out of it. No
    process loads `cryptography` without a source URL encryption key, redis-py (with its
    hiredis parser) without Redis, or pillow-heif's codecs before a HEIC is asked for."""
    with two_serving_processes(tmp_path) as (process, _, _):
        workers = serving_processes(process.pid)
        supervisor_libraries = mapped_libraries(process.pid)
        worker_libraries = [mapped_libraries(pid) for pid in workers]
    assert len(workers) == 2
    assert all(any("libvips" in name for name in names) for names in worker_libraries)
    assert not any("libvips" in name for name in supervisor_libraries)
    for names in [supervisor_libraries, *worker_libraries]:
        assert not any(name.startswith(("_rust.", "hiredis.", "libx265")) for name in names)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid`, by pid."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return sorted(int(child) for child in found.stdout.split())


def caught_signals(pid: int) -> set[signal.Signals]:
    """The signals process `pid` has a handler for (SigCgt in its status)."""
    status = Path(f"/proc/{pid}/status").read_text()
    mask = int(
        next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1], 16
    )
    return {number for number in signal.Signals if mask >> (number - 1) & 1}


def test_the_workers_are_forked_and_keep_nothing_of_the_supervisor(tmp_path: Path) -> None:
    """No resource tracker beside them (spawning starts one); each access line written once
    (not also by a handler set up before the fork); the supervisor's signal handlers dropped.
    The supervisor runs no thread of its own, which a fork could leave holding a lock."""
    access = tmp_path / "access.log"
    paths = [f"/_/w:{width}/plain/local:///{PHOTO}" for width in (20, 21, 22, 23)]
    with two_serving_processes(tmp_path, stdout=access) as (process, base, _):
        workers = serving_processes(process.pid)
        children = children_of(process.pid)
        for path in paths:
            assert httpx.get(base + path, timeout=30).status_code == 200
        handled = [caught_signals(pid) for pid in workers]
        supervisor_threads = len(list(Path(f"/proc/{process.pid}/task").iterdir()))
    lines = access.read_text().splitlines()
    assert len(workers) == 2
    assert children == sorted(workers)
    assert supervisor_threads == 1
    assert [sum(path in line for line in lines) for path in paths] == [1, 1, 1, 1]
    for caught in handled:
        assert signal.SIGTERM in caught
        assert not caught & {signal.SIGHUP, signal.SIGUSR1, signal.SIGTTIN, signal.SIGWINCH}


def test_a_worker_that_dies_is_replaced_on_its_own_socket(tmp_path: Path) -> None:
    with two_serving_processes(tmp_path) as (process, _, port):
        workers = serving_processes(process.pid)
        listening = tcp_sockets(port, "0A")
        sockets_before = {pid: socket_inodes(pid) & listening for pid in workers}
        killed, kept = workers
        os.kill(killed, signal.SIGKILL)
        connections = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(16)]
        try:
            assert all(answered(sock) for sock in connections)
        finally:
            for sock in connections:
                sock.close()

        def replaced() -> list[int]:
            return [pid for pid in serving_processes(process.pid) if pid not in workers]

        eventually(lambda: len(replaced()) == 1, 5 * ATTEMPTS)
        replacement = replaced()
        assert socket_inodes(replacement[0]) & listening == sockets_before[killed]
        assert kept in serving_processes(process.pid)


def test_sighup_replaces_each_worker_on_the_same_socket(tmp_path: Path) -> None:
    """...and each worker replaced stops quietly, as do the rest at the end."""
    diagnostics = tmp_path / "stderr.log"
    with two_serving_processes(tmp_path, stderr=diagnostics) as (process, base, port):
        workers = serving_processes(process.pid)
        listening = tcp_sockets(port, "0A")
        slots_before = {frozenset(socket_inodes(pid) & listening) for pid in workers}
        process.send_signal(signal.SIGHUP)
        eventually(lambda: not set(serving_processes(process.pid)) & set(workers), 5 * ATTEMPTS)
        replacements = serving_processes(process.pid)
        assert len(replacements) == 2
        slots_after = {frozenset(socket_inodes(pid) & listening) for pid in replacements}
        assert len(slots_before) == 2
        assert slots_after == slots_before
        assert httpx.get(f"{base}/health", timeout=30).status_code == 200
    stopped = diagnostics.read_text()
    assert stopped.count("Terminated child process") == 4
    assert "Traceback" not in stopped


def test_a_second_server_on_a_port_taken_by_worker_processes_is_refused(tmp_path: Path) -> None:
    """SO_REUSEPORT would let a second group join the first and take half its connections."""
    with two_serving_processes(tmp_path) as (_, base, _):
        taken = base.removeprefix("http://")
        second = subprocess.run(
            [sys.executable, "-m", "imgproxy", "serve", "--bind", taken, "--workers", "2"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert second.returncode == 1
    assert f"Cannot listen on {taken}" in second.stderr


def test_several_worker_processes_serve_and_leave_no_metrics_files(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process, base = start_server(tmp_path, "--workers", "2", TMPDIR=str(temporary))
    try:
        response = httpx.get(f"{base}/_/w:20/plain/local:///{PHOTO}", timeout=30)
        assert response.status_code == 200
        children = children_of(process.pid)
        assert len(children) >= 2
        assert [path.name[:16] for path in temporary.iterdir()] == ["imgproxy-metrics"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert list(temporary.iterdir()) == []
