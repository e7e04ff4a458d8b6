"""Several replicas behind a real load balancer, all real processes on loopback.

Two `python -m imgproxy serve` processes share one real redis-server and stand behind the
shipped config/nginx-lb.conf (first section) or config/haproxy.cfg (second section), with only
addresses and file paths rewritten for the test. The scenarios: a result made on one replica is
a Redis hit on the other; a replica killed while it answers loses no request; a replica draining
after SIGTERM hands new requests to the other one, finishes its own, and exits 0; haproxy takes a
replica whose /ready says 503 out of rotation.

Which replica answered is read from a header the test adds to its copy of the config (nginx's
$upstream_addr and $upstream_status, haproxy's server name), and which replica is fetching a
source from the User-Agent it sends to the origin (each replica has its own).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from tests.cache.redis_procs import RedisProcess, cli, free_port
from tests.support import CORPUS, REPO, OriginHandler, OriginLog

PHOTO = "jpeg-baseline-icc.jpg"
START_TIMEOUT = 30.0  # seconds a starting process may take to answer (two busy cores)
SLOW = 2.5  # seconds the origin takes for the requests that must be in flight
SLOWER = 2 * SLOW
"""The other replica's request outlasts the draining one's, so a balancer counting connections
sees a tie for the whole drain (under load the two could end before any request was streamed)."""
REQUEST_TIMEOUT = 30.0
TIMEOUT = 8  # IMGPROXY_TIMEOUT of the replicas
GRACE = 8  # IMGPROXY_GRACEFUL_STOP_TIMEOUT of the replicas


# --- processes --------------------------------------------------------------------------------


def wait_for(check: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
    """Readiness polling of a real process or of a balancer's view of it, bounded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def answers(url: str, status: int = 200) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == status
    except httpx.TransportError:
        return False


class RecordingOrigin(OriginHandler):
    """The corpus origin of tests/support.py, also noting who fetched what (User-Agent)."""

    fetches: ClassVar[list[tuple[str, str]]]

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.fetches.append((self.path, self.headers.get("User-Agent", "")))
        super().do_GET()


@dataclass
class Origin:
    base: str
    fetches: list[tuple[str, str]]

    def fetcher_of(self, path: str, exclude: str = "") -> str:
        """Wait until some replica other than `exclude` fetches `path`; its User-Agent."""
        found: list[str] = []

        def fetched() -> bool:
            found[:] = [agent for p, agent in list(self.fetches) if p == path and agent != exclude]
            return bool(found)

        wait_for(fetched, f"a fetch of {path}", timeout=REQUEST_TIMEOUT)
        return found[0]


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A replica killed mid-download breaks its connection: expected here, not news."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def running_recording_origin() -> Iterator[Origin]:
    fetches: list[tuple[str, str]] = []
    release = threading.Event()
    handler = type(
        "Handler",
        (RecordingOrigin,),
        {"log": OriginLog([], {}), "release": release, "fetches": fetches},
    )
    server = QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Origin(f"http://127.0.0.1:{server.server_address[1]}", fetches)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class Replica:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base(self) -> str:
        return f"http://{self.address}"

    @property
    def agent(self) -> str:
        return f"imgproxy-test-{self.name}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)

    def exit_code(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"replica {self.name} still runs {timeout}s later; its log:\n{self.output()}"
            ) from None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


def start_replicas(
    stack: ExitStack, workdir: Path, redis_url: str, names: tuple[str, ...]
) -> list[Replica]:
    root = workdir / "root"
    root.mkdir()
    shutil.copy(CORPUS / PHOTO, root / PHOTO)
    base_env = {key: value for key, value in os.environ.items() if not key.startswith("IMGPROXY_")}
    replicas = []
    for name in names:
        port = free_port()
        env = {
            **base_env,
            "PYTHONUNBUFFERED": "1",
            "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
            "IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES": "true",
            "IMGPROXY_REDIS_URL": redis_url,
            "IMGPROXY_REDIS_TIMEOUT": "1",  # two busy cores: 50 ms can run out
            "IMGPROXY_REDIS_BREAKER_RESET": "0.2",
            "IMGPROXY_USER_AGENT": f"imgproxy-test-{name}",
            # A slow download holds one of the processing slots (as in imgproxy): keep another.
            "IMGPROXY_WORKERS": "2",
            "IMGPROXY_TIMEOUT": str(TIMEOUT),
            "IMGPROXY_DOWNLOAD_TIMEOUT": str(TIMEOUT),
            "IMGPROXY_GRACEFUL_STOP_TIMEOUT": str(GRACE),
        }
        log = workdir / f"replica-{name}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "imgproxy", "serve", "--bind", f"127.0.0.1:{port}"],
                cwd=REPO,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        replica = Replica(name, port, process, log)
        stack.callback(replica.stop)
        replicas.append(replica)
    for replica in replicas:

        def up(replica: Replica = replica) -> bool:
            if replica.process.poll() is not None:
                raise AssertionError(f"replica {replica.name} exited:\n{replica.output()}")
            return answers(replica.base + "/health")

        wait_for(up, f"replica {replica.name} to answer /health")
    return replicas


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def replace_once(text: str, old: str, new: str) -> str:
    """Rewrite one line of a shipped config; fails loudly when the config no longer has it."""
    assert text.count(old) == 1, f"expected exactly one {old!r} in the shipped config"
    return text.replace(old, new)


def point_servers_at(text: str, pattern: str, replicas: list[Replica]) -> str:
    """Replace the shipped `server` lines' addresses (in order) by the replicas'."""
    addresses = iter(replica.address for replica in replicas)
    text, count = re.subn(pattern, lambda match: match.group(1) + next(addresses), text)
    assert count == len(replicas), f"the shipped config lists {count} replicas, the test runs 2"
    return text


# --- balancers --------------------------------------------------------------------------------


@dataclass
class Balancer:
    base: str
    replicas: list[Replica]
    workdir: Path
    stats_socket: Path | None = None
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.base, timeout=REQUEST_TIMEOUT)

    def get(self, path: str, **headers: str) -> httpx.Response:
        return self.client.get(path, headers=headers)

    def stats(self) -> dict[str, dict[str, str]]:
        """haproxy's `show stat` for the backend's servers, by server name."""
        assert self.stats_socket is not None
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(self.stats_socket))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        lines = data.decode().lstrip("# ").splitlines()
        return {
            row["svname"]: row
            for row in csv.DictReader(lines)
            if row["pxname"] == "imgproxy_replicas"
        }

    def command(self, line: str) -> str:
        assert self.stats_socket is not None
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(self.stats_socket))
            sock.sendall(line.encode() + b"\n")
            return sock.recv(65536).decode()


@contextmanager
def running_nginx(workdir: Path, replicas: list[Replica]) -> Iterator[Balancer]:
    port = free_port()
    conf = (REPO / "config" / "nginx-lb.conf").read_text()
    conf = point_servers_at(conf, r"(\n\s*server )127\.0\.0\.1:\d+", replicas)
    conf = replace_once(conf, "listen 80;", f"listen 127.0.0.1:{port};")
    conf = replace_once(
        conf,
        "proxy_pass http://imgproxy_replicas;",
        "proxy_pass http://imgproxy_replicas;\n"
        "        add_header X-Upstream $upstream_addr always;\n"
        "        add_header X-Upstream-Status $upstream_status always;",
    )
    (workdir / "nginx-lb.conf").write_text(conf)
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {workdir}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (workdir / "nginx.conf").write_text(
        f"{user}worker_processes 1;\nerror_log {workdir}/nginx-error.log info;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n    access_log {workdir}/nginx-access.log;\n    {temp}\n"
        f"    include {workdir}/nginx-lb.conf;\n}}\n"
    )
    with (workdir / "nginx-stderr.log").open("wb") as log:
        nginx = subprocess.Popen(
            [
                "nginx",
                "-c",
                str(workdir / "nginx.conf"),
                "-p",
                str(workdir),
                "-g",
                f"daemon off; pid {workdir}/nginx.pid;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:

        def up() -> bool:
            if nginx.poll() is not None:
                raise AssertionError((workdir / "nginx-stderr.log").read_text())
            return answers(f"http://127.0.0.1:{port}/health")

        wait_for(up, "nginx to answer /health")
        balancer = Balancer(f"http://127.0.0.1:{port}", replicas, workdir)
        with balancer.client:
            yield balancer
    finally:
        stop_process(nginx)


@contextmanager
def running_haproxy(workdir: Path, replicas: list[Replica]) -> Iterator[Balancer]:
    # A Unix socket path must stay short (108 bytes); pytest's tmp_path may not be.
    with tempfile.TemporaryDirectory(prefix="lb-haproxy-") as socket_dir:
        yield from _running_haproxy(workdir, replicas, Path(socket_dir) / "admin.sock")


def _running_haproxy(
    workdir: Path, replicas: list[Replica], stats_socket: Path
) -> Iterator[Balancer]:
    port = free_port()
    cfg = (REPO / "config" / "haproxy.cfg").read_text()
    cfg = point_servers_at(cfg, r"(\n\s*server replica\d+ )127\.0\.0\.1:\d+", replicas)
    cfg = replace_once(cfg, "bind :80", f"bind 127.0.0.1:{port}")
    cfg = replace_once(
        cfg, "stats socket /run/haproxy/imgproxy.sock", f"stats socket {stats_socket}"
    )
    cfg = replace_once(cfg, "log /dev/log local0", "log stderr format raw local0 info")
    cfg = replace_once(cfg, "    chroot /var/lib/haproxy\n", "")
    cfg = replace_once(cfg, "    user haproxy\n", "")
    cfg = replace_once(cfg, "    group haproxy\n", "")
    cfg = replace_once(
        cfg, "balance leastconn", "balance leastconn\n    http-response set-header X-Served-By %s"
    )
    (workdir / "haproxy.cfg").write_text(cfg)
    with (workdir / "haproxy.log").open("wb") as log:
        haproxy = subprocess.Popen(
            ["haproxy", "-f", str(workdir / "haproxy.cfg"), "-db"],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        balancer = Balancer(f"http://127.0.0.1:{port}", replicas, workdir, stats_socket)

        def up() -> bool:
            if haproxy.poll() is not None:
                raise AssertionError((workdir / "haproxy.log").read_text())
            if not stats_socket.exists() or not answers(f"{balancer.base}/health"):
                return False
            return all(row["status"] == "UP" for row in balancer.stats().values())

        wait_for(up, "haproxy with both replicas UP")
        with balancer.client:
            yield balancer
    finally:
        stop_process(haproxy)


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path_factory.mktemp("lb-redis")).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Rig:
    origin: Origin
    replicas: list[Replica]
    workdir: Path
    stack: ExitStack

    def nginx(self) -> Balancer:
        return self.stack.enter_context(running_nginx(self.workdir, self.replicas))

    def haproxy(self) -> Balancer:
        return self.stack.enter_context(running_haproxy(self.workdir, self.replicas))

    def by_agent(self, agent: str) -> Replica:
        return next(replica for replica in self.replicas if replica.agent == agent)

    def other(self, replica: Replica) -> Replica:
        return next(other for other in self.replicas if other is not replica)

    def slow_path(self, width: int, seconds: float = SLOW) -> str:
        return f"/_/w:{width}/plain/{self.origin.base}/slow/{seconds}/{PHOTO}@jpg"


@pytest.fixture
def rig(tmp_path: Path, redis: RedisProcess) -> Iterator[Rig]:
    assert cli(redis.port, "flushall") == "OK"
    with ExitStack() as stack:
        origin = stack.enter_context(running_recording_origin())
        replicas = start_replicas(stack, tmp_path, redis.url, ("replica1", "replica2"))
        yield Rig(origin, replicas, tmp_path, stack)


def variant(width: int) -> str:
    return f"/_/w:{width}/plain/local:///{PHOTO}@jpg"


class InFlight:
    """A request through the balancer that runs in a thread while the test goes on."""

    def __init__(self, balancer: Balancer, path: str) -> None:
        self.path = path
        self.response: httpx.Response | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(balancer,), daemon=True)
        self.thread.start()

    def _run(self, balancer: Balancer) -> None:
        try:
            with httpx.Client(base_url=balancer.base, timeout=REQUEST_TIMEOUT) as client:
                self.response = client.get(self.path)
        except BaseException as error:
            self.error = error

    def result(self) -> httpx.Response:
        self.thread.join(timeout=REQUEST_TIMEOUT + 5)
        assert not self.thread.is_alive(), f"{self.path} did not finish"
        if self.error is not None:
            raise self.error
        assert self.response is not None
        return self.response


def describe(response: httpx.Response) -> str:
    upstream = response.headers.get("x-upstream") or response.headers.get("x-served-by")
    status = response.headers.get("x-upstream-status", "")
    body = "" if response.status_code == 200 else repr(response.text[:80])
    return f"{response.status_code} via {upstream} [{status}] {body}"


def sequential(balancer: Balancer, widths: range) -> list[httpx.Response]:
    return [balancer.get(variant(width)) for width in widths]


def kill_while_in_flight(rig: Rig, balancer: Balancer) -> None:
    """Sequential requests through the balancer; one of them, a new variant whose source is
    slow, is in flight on a replica when that replica is SIGKILLed. Then more requests."""
    before = sequential(balancer, range(20, 26))
    in_flight = InFlight(balancer, rig.slow_path(77))
    victim = rig.by_agent(rig.origin.fetcher_of(f"/slow/{SLOW}/{PHOTO}"))
    victim.process.send_signal(signal.SIGKILL)
    assert victim.exit_code(timeout=10) == -signal.SIGKILL
    killed = in_flight.result()
    after = sequential(balancer, range(26, 46))
    responses = [*before, killed, *after]
    assert [r.status_code for r in responses] == [200] * len(responses), (
        f"{victim.name} was killed while answering {rig.slow_path(77)}:\n"
        + "\n".join(describe(r) for r in responses)
        + f"\nsurvivor's log:\n{rig.other(victim).output()}"
    )


def start_two_slow_requests(rig: Rig, balancer: Balancer) -> tuple[InFlight, InFlight, Replica]:
    """One slow request in flight on each replica (the balancer sends the second one to the
    replica that is not busy). Returns them and the replica holding the first."""
    first = InFlight(balancer, rig.slow_path(71))
    target = rig.by_agent(rig.origin.fetcher_of(f"/slow/{SLOW}/{PHOTO}"))
    second = InFlight(balancer, rig.slow_path(72, SLOWER))
    other = rig.by_agent(rig.origin.fetcher_of(f"/slow/{SLOWER}/{PHOTO}", exclude=target.agent))
    assert other is rig.other(target)
    return first, second, target


def stream_until_exit(
    balancer: Balancer, replica: Replica, first_width: int
) -> list[httpx.Response]:
    """Sequential requests through the balancer until `replica` has exited, then five more;
    bounded in time only, as a quick host gets through any fixed count before the replica's
    in-flight request has finished."""
    responses: list[httpx.Response] = []
    deadline = time.monotonic() + GRACE + 10
    width = first_width
    while replica.process.poll() is None and time.monotonic() < deadline:
        responses.append(balancer.get(variant(width)))
        width += 1
    assert replica.process.poll() is not None, f"{replica.name} did not exit:\n{replica.output()}"
    return responses + sequential(balancer, range(width, width + 5))


def assert_drained_cleanly(
    replica: Replica, draining: InFlight, statuses: list[httpx.Response]
) -> httpx.Response:
    slow = draining.result()
    assert slow.status_code == 200, describe(slow)
    assert replica.exit_code(timeout=GRACE + 5) == 0, replica.output()
    assert [r.status_code for r in statuses] == [200] * len(statuses), "\n".join(
        describe(r) for r in statuses
    )
    return slow


def made_through_balancer_then_hit_on_the_other(rig: Rig, lb: Balancer, header: str) -> None:
    """(a) A new variant through the balancer, then straight from the replica that did not make
    it: a Redis hit. `header` names the replica that answered (its address for nginx, its name
    for haproxy). Also: the caller's X-Request-ID comes back, an insane one is replaced."""

    def label(replica: Replica) -> str:
        return replica.address if header == "x-upstream" else replica.name

    made = lb.get(variant(100), **{"X-Request-ID": "lb-test-1"})
    assert (made.status_code, made.headers["x-cache"]) == (200, "MISS"), describe(made)
    assert made.headers.get_list("x-request-id") == ["lb-test-1"]
    maker = next(replica for replica in rig.replicas if label(replica) == made.headers[header])
    other = rig.other(maker)
    direct = httpx.get(other.base + variant(100), timeout=REQUEST_TIMEOUT)
    assert (direct.status_code, direct.headers["x-cache"]) == (200, "HIT")
    assert direct.content == made.content
    # Both replicas now answer it from their caches, whichever the balancer picks.
    again = [lb.get(variant(100)) for _ in range(4)]
    assert {r.headers["x-cache"] for r in again} == {"HIT"}
    assert {r.headers[header] for r in again} == {label(maker), label(other)}
    insane = lb.get(variant(100), **{"X-Request-ID": "a b"}).headers.get_list("x-request-id")
    assert len(insane) == 1, insane
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,128}", insane[0]), insane


# === nginx ====================================================================================


def test_nginx_variant_made_on_one_replica_is_a_redis_hit_on_the_other(rig: Rig) -> None:
    lb = rig.nginx()
    made_through_balancer_then_hit_on_the_other(rig, lb, "x-upstream")
    generated = lb.get(variant(100)).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated), generated  # nginx's $request_id


def test_nginx_replica_killed_mid_stream_loses_no_request(rig: Rig) -> None:
    kill_while_in_flight(rig, rig.nginx())


def test_nginx_moves_requests_off_a_draining_replica(rig: Rig) -> None:
    lb = rig.nginx()
    first, second, target = start_two_slow_requests(rig, lb)
    target.process.send_signal(signal.SIGTERM)
    wait_for(lambda: answers(target.base + "/ready", 503), f"{target.name}'s /ready to say 503")
    refused = httpx.get(target.base + variant(300), timeout=REQUEST_TIMEOUT)
    assert refused.status_code == 503
    assert "retry-after" in refused.headers
    # Both replicas have one request in flight, so least_conn keeps choosing the draining one
    # in turn: its 503s must be retried on the other replica.
    streamed = stream_until_exit(lb, target, 120)
    slow = assert_drained_cleanly(target, first, streamed)
    assert (slow.headers["x-upstream"], slow.headers["x-upstream-status"]) == (
        target.address,
        "200",
    ), "the in-flight request was not finished by the draining replica"
    assert second.result().status_code == 200
    bounced = [r for r in streamed if r.headers["x-upstream-status"] == "503, 200"]
    assert bounced, "no request reached the draining replica: " + ", ".join(
        describe(r) for r in streamed
    )
    assert all(r.headers["x-upstream"].startswith(target.address + ", ") for r in bounced)


# === haproxy ==================================================================================


def test_haproxy_variant_made_on_one_replica_is_a_redis_hit_on_the_other(rig: Rig) -> None:
    made_through_balancer_then_hit_on_the_other(rig, rig.haproxy(), "x-served-by")


def test_haproxy_replica_killed_mid_stream_loses_no_request(rig: Rig) -> None:
    kill_while_in_flight(rig, rig.haproxy())


def test_haproxy_retries_the_503s_of_a_draining_replica(rig: Rig) -> None:
    """With the active check off for the draining replica, haproxy keeps sending it requests:
    `retry-on 503` with `option redispatch 1` must resend each to the other replica."""
    lb = rig.haproxy()
    first, second, target = start_two_slow_requests(rig, lb)
    assert lb.command(f"disable health imgproxy_replicas/{target.name}").strip() == ""
    before = lb.stats()[target.name]
    target.process.send_signal(signal.SIGTERM)
    wait_for(lambda: answers(target.base + "/ready", 503), f"{target.name}'s /ready to say 503")
    streamed = stream_until_exit(lb, target, 120)
    slow = assert_drained_cleanly(target, first, streamed)
    assert slow.headers["x-served-by"] == target.name
    assert second.result().status_code == 200
    # Requests the draining replica refused and haproxy sent to the other one (a retried
    # response is not counted in hrsp_5xx).
    redispatched = int(lb.stats()[target.name]["wredis"]) - int(before["wredis"])
    assert redispatched > 0, "no request reached the draining replica"
    assert {r.headers["x-served-by"] for r in streamed} == {rig.other(target).name}


def test_haproxy_marks_a_replica_down_while_its_ready_says_503(rig: Rig) -> None:
    lb = rig.haproxy()
    first, second, target = start_two_slow_requests(rig, lb)
    other = rig.other(target)
    target.process.send_signal(signal.SIGTERM)
    wait_for(
        lambda: lb.stats()[target.name]["status"] == "DOWN",
        f"haproxy to mark {target.name} DOWN",
        timeout=5,
    )
    # DOWN because /ready said 503: the process still runs its in-flight request.
    assert target.process.poll() is None
    assert lb.stats()[other.name]["status"] == "UP"
    sessions = int(lb.stats()[target.name]["stot"])
    responses = sequential(lb, range(200, 210))
    assert [(r.status_code, r.headers["x-served-by"]) for r in responses] == [
        (200, other.name)
    ] * 10
    assert int(lb.stats()[target.name]["stot"]) == sessions
    slow = assert_drained_cleanly(target, first, [])
    assert slow.headers["x-served-by"] == target.name
    assert second.result().status_code == 200
