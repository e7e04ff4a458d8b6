"""Origins made to hurt the proxy, against the real server: files under the local root that are
no files (a FIFO, a socket, a device), paths the file system refuses, bodies that never end,
origins that stall, and the routes (`/info`, `raw:1`, thumbor) that reach them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import stat
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import ClassVar

import httpx
import pytest

from config.settings import Settings
from tests.support import CORPUS, raw_get, running_proxy

PHOTO = "jpeg-baseline-icc.jpg"
SMALL_PNG = "png-palette.png"
DEFAULT_CAP = Settings().max_src_file_size


def largest_tcp_buffer(name: str) -> int:
    """The most one socket's `name` buffer may grow to on this host (the third field of
    `/proc/sys/net/ipv4/<name>`): receive buffers autotune up to it on a fast loopback."""
    return int(Path("/proc/sys/net/ipv4", name).read_text().split()[2])


SOCKET_BUFFERS = largest_tcp_buffer("tcp_rmem") + largest_tcp_buffer("tcp_wmem")
"""What the proxy's receive buffer and the origin's send buffer may hold beyond what the proxy
read before it hung up."""
ENDLESS_SAFETY_BOUND = 2 * (DEFAULT_CAP + SOCKET_BUFFERS)
"""Where the endless origin gives up, so a proxy that never cuts it fails without eating RAM."""
WAIT = 20.0
"""Safety bound on waiting for an event, so a broken proxy fails instead of hanging the run."""


class HostileHandler(BaseHTTPRequestHandler):
    """`/files/<name>`: a corpus file. `/stall/<n>`: counted on arrival, then held, before any
    header, until the test releases it. `/endless/<n>`: a body that never ends."""

    arrived: ClassVar[threading.Semaphore]
    release: ClassVar[threading.Event]
    ended: ClassVar[threading.Semaphore]
    sent: ClassVar[dict[str, int]]

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        route, _, _ = self.path.lstrip("/").partition("/")
        if route == "stall":
            self.arrived.release()
            self.release.wait(timeout=60)
            self.send_file(SMALL_PNG)
        elif route == "endless":
            self.send_endless()
        elif route == "files":
            self.send_file(self.path.rpartition("/")[2])
        else:
            self.send_error(404)

    def send_file(self, name: str) -> None:
        data = (CORPUS / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        chunk, sent = b"\x89" * 65536, 0
        try:
            while sent < ENDLESS_SAFETY_BOUND:
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.sent[self.path] = sent
            self.ended.release()


@dataclass
class HostileOrigin:
    base: str
    arrived: threading.Semaphore
    """Released once per stalled request that reached the origin."""
    release: threading.Event
    ended: threading.Semaphore
    """Released once per endless response that stopped."""
    sent: dict[str, int]

    def arrivals(self, count: int) -> bool:
        return all(self.arrived.acquire(timeout=WAIT) for _ in range(count))


@contextmanager
def hostile_origin() -> Iterator[HostileOrigin]:
    origin = HostileOrigin(
        "", threading.Semaphore(0), threading.Event(), threading.Semaphore(0), {}
    )
    attributes = {
        "arrived": origin.arrived,
        "release": origin.release,
        "ended": origin.ended,
        "sent": origin.sent,
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (HostileHandler,), attributes))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield origin
    finally:
        origin.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def metric(client: httpx.Client, series: str, unseen: float | None = None) -> float:
    """One sample of the proxy's /metrics, by its full series name (labels included);
    `unseen` for a labelled series that appears on first use."""
    for line in client.get("/metrics").text.splitlines():
        name, _, value = line.rpartition(" ")
        if name == series:
            return float(value)
    if unseen is not None:
        return unseen
    raise AssertionError(f"{series} is not exposed")


async def first_answers(tasks: list[asyncio.Task[httpx.Response]], count: int) -> list[int]:
    """The statuses of the first `count` requests to be answered, in any order."""
    done: set[asyncio.Task[httpx.Response]] = set()
    pending = set(tasks)
    while len(done) < count and pending:
        finished, pending = await asyncio.wait(
            pending, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED
        )
        if not finished:
            break
        done |= finished
    return sorted(task.result().status_code for task in done)


# local:// sources that are not regular files, and paths the file system refuses


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile-root")
    shutil.copy(CORPUS / PHOTO, root / PHOTO)
    (root / "inner").mkdir()
    os.mkfifo(root / "pipe.jpg")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(root / "socket.jpg"))
    os.symlink("loop.jpg", root / "loop.jpg")
    os.symlink("ping.jpg", root / "pong.jpg")
    os.symlink("pong.jpg", root / "ping.jpg")
    # /dev/zero's numbers: a proxy that read it would stream zeros up to the size cap.
    with contextlib.suppress(PermissionError):  # a container without CAP_MKNOD
        os.mknod(root / "zero.jpg", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    return root


@pytest.fixture(scope="module")
def local_proxy(hostile_root: Path) -> Iterator[httpx.Client]:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(hostile_root),
        "IMGPROXY_WORKERS": "2",
        "IMGPROXY_TIMEOUT": "5",
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def threads_reading_local_files() -> list[str]:
    """Threads of this process (the proxy runs in it) inside a local origin's read."""
    return [
        str(ident)
        for ident, frame in sys._current_frames().items()
        if any(
            seen.f_code.co_filename.endswith(os.path.join("origins", "local.py"))
            and seen.f_code.co_name in ("_read", "_read_all", "resolve")
            for seen in _stack(frame)
        )
    ]


def _stack(frame: FrameType | None) -> Iterator[FrameType]:
    while frame is not None:
        yield frame
        frame = frame.f_back


def test_files_that_are_no_files_are_404_at_once_and_hold_no_thread(
    local_proxy: httpx.Client, hostile_root: Path
) -> None:
    """More FIFO reads than there are download slots and reading threads: each one is a 404
    (a FIFO opened to read would block until a writer came), and a real file still reads."""
    base = str(local_proxy.base_url).rstrip("/")
    not_found = 'imgproxy_origin_errors_total{kind="not_found"}'
    not_found_before = metric(local_proxy, not_found, unseen=0)
    names = ["pipe.jpg"] * 5 + ["socket.jpg", "inner"]
    if (hostile_root / "zero.jpg").exists():
        names.append("zero.jpg")
    for name in names:
        for path in (f"/_/w:10/plain/local:///{name}", f"/info/_/plain/local:///{name}"):
            assert raw_get(base, path) == (404, "Source image not found\n"), path

    assert threads_reading_local_files() == []
    # Counted where every download is: they went through the download bound.
    assert metric(local_proxy, not_found) - not_found_before == 2 * len(names)
    assert local_proxy.get(f"/_/w:10/plain/local:///{PHOTO}").status_code == 200


@pytest.mark.parametrize(
    ("source", "status", "message"),
    [
        ("local:///" + "n" * 300 + ".jpg", 400, "Source path is too long"),
        ("local:///inner/" + "n" * 300, 400, "Source path is too long"),
        ("local:///loop.jpg", 404, "Source image not found"),
        ("local:///ping.jpg", 404, "Source image not found"),
        ("local:///loop.jpg/photo.jpg", 404, "Source image not found"),
        (f"local:///{PHOTO}/photo.jpg", 404, "Source image not found"),
    ],
)
def test_paths_the_file_system_refuses_are_client_errors(
    local_proxy: httpx.Client, source: str, status: int, message: str
) -> None:
    base = str(local_proxy.base_url).rstrip("/")
    for path in (f"/_/w:10/plain/{source}", f"/info/_/plain/{source}"):
        assert raw_get(base, path) == (status, message + "\n"), path


# Origins whose body never ends: the default size cap cuts them on every route that fetches


def test_an_endless_body_is_cut_at_the_default_cap_on_every_route() -> None:
    with (
        hostile_origin() as origin,
        running_proxy({"IMGPROXY_THUMBOR_ALLOW_UNSAFE": "1"}) as proxy,
        httpx.Client(base_url=proxy, timeout=30) as client,
    ):
        routes = {
            "/endless/image": f"/_/w:10/plain/{origin.base}/endless/image",
            "/endless/raw": f"/_/raw:1/plain/{origin.base}/endless/raw",
            "/endless/info": f"/info/_/plain/{origin.base}/endless/info",
            "/endless/thumbor": f"/thumbor/unsafe/10x10/{origin.base}/endless/thumbor",
            "/endless/meta": f"/thumbor/unsafe/meta/{origin.base}/endless/meta",
        }
        for origin_path, path in routes.items():
            response = client.get(path)
            expected = (422, "Source image file is too big\n")
            assert (response.status_code, response.text) == expected, path
            assert origin.ended.acquire(timeout=WAIT), f"{path}: the origin is still sending"
            assert origin.sent[origin_path] <= DEFAULT_CAP + SOCKET_BUFFERS, path

        assert metric(client, "imgproxy_download_bytes_in_flight") == 0


# Every route that fetches takes the rate limit and the download bound


def test_info_raw_and_meta_are_rate_limited() -> None:
    env = {
        "IMGPROXY_RATE_LIMIT": "0.001",
        "IMGPROXY_RATE_LIMIT_BURST": "3",
        "IMGPROXY_THUMBOR_ALLOW_UNSAFE": "1",
    }
    with (
        hostile_origin() as origin,
        running_proxy(env) as proxy,
        httpx.Client(base_url=proxy, timeout=30) as client,
    ):
        source = f"{origin.base}/files/{PHOTO}"
        paths = [
            f"/info/_/plain/{source}",
            f"/_/raw:1/plain/{source}",
            f"/thumbor/unsafe/meta/{source}",
        ]
        assert [client.get(path).status_code for path in paths] == [200, 200, 200]
        # A stored /info answer is a hit, not limited (as an image hit): ask for another one.
        uncached = [paths[0].replace("/info/_/", "/info/_/cb:2/"), *paths[1:]]
        for path in uncached:
            refused = client.get(path)
            assert (refused.status_code, refused.text) == (429, "Too many requests\n"), path
            assert int(refused.headers["retry-after"]) >= 1


def test_stalled_info_requests_queue_behind_the_download_bound() -> None:
    """Two download slots and two places in the queue: of twelve `/info` requests to an origin
    that stalls, two reach it, two wait, and the other eight are refused at once."""
    env = {
        "IMGPROXY_WORKERS": "2",
        "IMGPROXY_REQUESTS_QUEUE_SIZE": "2",
        "IMGPROXY_MAX_DOWNLOADS_PER_HOST": "2",
        "IMGPROXY_DOWNLOAD_TIMEOUT": "30",
        "IMGPROXY_TIMEOUT": "30",
    }
    with hostile_origin() as origin, running_proxy(env) as proxy:

        async def scenario() -> tuple[list[int], bool, list[int]]:
            async with httpx.AsyncClient(base_url=proxy, timeout=60) as client:
                tasks = [
                    asyncio.create_task(client.get(f"/info/_/plain/{origin.base}/stall/{n}"))
                    for n in range(12)
                ]
                refused = await first_answers(tasks, 8)
                reached = await asyncio.to_thread(origin.arrivals, 2)
                more = origin.arrived.acquire(blocking=False)
                origin.release.set()
                answered = [response.status_code for response in await asyncio.gather(*tasks)]
                return refused, reached and not more, answered

        refused, reached_two, answered = asyncio.run(scenario())
        assert refused == [429] * 8
        assert reached_two
        assert sorted(answered) == [200] * 4 + [429] * 8


def test_a_stalled_origin_leaves_download_slots_for_the_others() -> None:
    """Four download slots (half of them for one host) and more stalled misses for one origin
    than there are slots: a miss for another origin is still served while they are held."""
    env = {
        "IMGPROXY_WORKERS": "4",
        "IMGPROXY_REQUESTS_QUEUE_SIZE": "16",
        "IMGPROXY_DOWNLOAD_TIMEOUT": "30",
        "IMGPROXY_TIMEOUT": "10",
    }
    with (
        hostile_origin() as stalled,
        hostile_origin() as healthy,
        running_proxy(env) as proxy,
    ):

        async def scenario() -> tuple[list[int], bool, int, list[int]]:
            async with httpx.AsyncClient(base_url=proxy, timeout=60) as client:
                tasks = [
                    asyncio.create_task(client.get(f"/_/w:10/plain/{stalled.base}/stall/{n}"))
                    for n in range(12)
                ]
                # 2 downloading and 8 waiting fill the host's share; the last 2 are refused.
                refused = await first_answers(tasks, 2)
                reached = await asyncio.to_thread(stalled.arrivals, 2)
                other = await client.get(f"/_/w:10/plain/{healthy.base}/files/{PHOTO}")
                more = stalled.arrived.acquire(blocking=False)
                stalled.release.set()
                answered = [response.status_code for response in await asyncio.gather(*tasks)]
                return refused, reached and not more, other.status_code, answered

        refused, reached_two, other, answered = asyncio.run(scenario())
        assert refused == [429, 429]
        assert reached_two  # the host's share of the slots, and not one more
        assert other == 200  # answered while the stalled downloads were still held
        assert sorted(answered) == [200] * 10 + [429] * 2
