"""Run the application under uvicorn with the settings read from the environment.

One process (the default) drains on SIGTERM: `/ready` and new image requests answer 503 so a
load balancer moves on, in-flight requests finish (up to IMGPROXY_GRACEFUL_STOP_TIMEOUT), then
it exits. With IMGPROXY_PROCESSES > 1 uvicorn's supervisor runs the workers and stops each
gracefully (in-flight requests finish) but without the readiness flip: prefer one process per
container and more replicas.

The application is imported only where it runs, so that a supervisor of worker processes holds
uvicorn and the settings, not libvips, Redis' client and the rest (about 40 MB less in it).
"""

from __future__ import annotations

import logging
import math
import os
import signal
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from config.settings import Settings, SettingsError
from imgproxy.http_limits import ConnectionLimits, limited_protocol, raise_open_files_limit
from imgproxy.lifecycle import Lifecycle
from imgproxy.startup_checks import check
from imgproxy.telemetry.line_batches import TurnBatchedStreamHandler
from imgproxy.telemetry.request_id import RequestIdFilter
from imgproxy.worker_sockets import listening_sockets, supervisor

log = logging.getLogger("imgproxy")
DRAIN_SIGNALS = (signal.SIGTERM, signal.SIGINT)
BACKLOG = 2048
Announce = Callable[[str, int], None]
"""Called with the bound host and port once the server listens."""


class DrainingServer(uvicorn.Server):
    """On the first SIGTERM/SIGINT drain instead of closing at once; a second one stops."""

    def __init__(
        self,
        config: uvicorn.Config,
        lifecycle: Lifecycle,
        grace: float,
        minimum: float,
        on_started: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(config)
        self.lifecycle = lifecycle
        self.grace = grace
        self.minimum = minimum
        self.on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.on_started()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig in DRAIN_SIGNALS and not self.lifecycle.draining:
            log.info(
                "draining: /ready answers 503, finishing %d requests", self.lifecycle.in_flight
            )
            self.lifecycle.start_draining(self.grace, self.minimum)
            return
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if self.lifecycle.may_exit():
            self.should_exit = True
        return await super().on_tick(counter)


def uvicorn_config(app: Any, settings: Settings, **options: Any) -> uvicorn.Config:
    """uvicorn configured in one place: our HTTP protocol with its limits (read timeout,
    header size, connection cap), and no proxy headers of uvicorn's own, so that
    IMGPROXY_TRUSTED_PROXIES alone decides whose X-Forwarded-For is believed."""
    limits = ConnectionLimits(
        read_request_timeout=settings.read_request_timeout,
        max_header_size=settings.max_header_size,
        max_url_length=settings.max_url_length,
        max_clients=settings.max_clients_per_process,
    )
    defaults: dict[str, Any] = {
        "http": limited_protocol(limits),
        "ws": "none",
        "proxy_headers": False,
        "server_header": False,
        "access_log": False,
        "backlog": BACKLOG,
    }
    return uvicorn.Config(app, **(defaults | options))


def app_from_environment() -> object:
    """The factory uvicorn's worker processes call (IMGPROXY_PROCESSES > 1)."""
    from imgproxy.app import create_app  # noqa: PLC0415 - see module docstring

    configure_logging()  # a worker spawned (not forked) starts without the parent's set-up
    return create_app(Settings.from_env())


def configure_logging() -> None:
    """Diagnostics on stderr with the request id; access lines as bare JSON on stdout. No line
    names its caller, thread or process, so records skip finding them (the logging docs'
    "Optimization": a third of an access line's CPU)."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    access = logging.getLogger("imgproxy.access")
    if access.handlers:  # a worker forked from a supervisor that set it all up already
        return
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
    logging.getLogger("pyvips").setLevel(logging.WARNING)
    access.addHandler(TurnBatchedStreamHandler(sys.stdout, message_only=True))
    access.propagate = False


@contextmanager
def shared_metrics_dir(env: dict[str, str]) -> Iterator[None]:
    """Worker processes share their metrics through files: the configured directory emptied of
    an earlier run's, or a temporary one removed once the workers have stopped."""
    configured = env.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        for stale in Path(configured).glob("*.db"):
            stale.unlink()
        yield
        return
    with tempfile.TemporaryDirectory(prefix="imgproxy-metrics-") as directory:
        env["PROMETHEUS_MULTIPROC_DIR"] = directory
        yield


def address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def serve(env: Mapping[str, str], announce: Announce | None = None) -> int:
    """Listen, then `announce` the address (after binding, so it never points at another
    server), then serve until stopped."""
    configure_logging()
    try:
        settings = Settings.from_env(env)
        check(settings)
        host, port = settings.bind_host_port
    except (SettingsError, ValueError) as error:
        log.error("Invalid configuration: %s", error)
        return 2
    raise_open_files_limit(settings.max_clients_per_process)
    with ExitStack() as stack:
        try:
            sockets = stack.enter_context(
                listening_sockets(host, port, settings.processes, BACKLOG)
            )
        except OSError as error:
            reason = (error.strerror or str(error)).lower()
            print(f"Cannot listen on {address(host, port)}: {reason}", file=sys.stderr, flush=True)
            return 1
        host, port = sockets[0].getsockname()[:2]

        def started() -> None:
            log.info("Listening on http://%s", address(host, port))
            if announce is not None:
                announce(host, port)

        if settings.processes > 1:
            run_workers(env, settings, sockets, started)
        else:
            run_one(settings, sockets[0], started)
    return 0


def run_workers(
    env: Mapping[str, str],
    settings: Settings,
    sockets: list[socket.socket],
    started: Callable[[], None],
) -> None:
    """uvicorn's supervisor over IMGPROXY_PROCESSES workers: each serving a socket of its own,
    or all sharing the one socket there is."""
    env = dict(env)
    with shared_metrics_dir(env):
        os.environ.update(env)
        config = uvicorn_config(
            "imgproxy.server:app_from_environment",
            settings,
            factory=True,
            workers=settings.processes,
            log_level="info",
            timeout_graceful_shutdown=math.ceil(settings.stop_timeout),
        )
        started()  # the workers accept on sockets that already listen
        # uvicorn's supervisor given the TCP sockets themselves: its `fd=` path would take a
        # socket for a Unix one, and the workers would then answer without TCP_NODELAY.
        supervisor(config, sockets).run()


def run_one(settings: Settings, sock: socket.socket, started: Callable[[], None]) -> None:
    from imgproxy.app import create_app  # noqa: PLC0415 - see module docstring

    app = create_app(settings)
    config = uvicorn_config(
        app,
        settings,
        log_level="info",
        # The drain below already waited for in-flight requests; uvicorn only closes up.
        timeout_graceful_shutdown=1,
    )
    lifecycle = app.state.lifecycle
    server = DrainingServer(config, lifecycle, settings.stop_timeout, settings.drain_delay, started)
    server.run(sockets=[sock])
