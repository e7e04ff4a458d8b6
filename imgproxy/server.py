"""Run the application under uvicorn with the settings read from the environment.

One process (the default) drains on SIGTERM: `/ready` and new image requests answer 503 so a
load balancer moves on, in-flight requests finish (up to IMGPROXY_GRACEFUL_STOP_TIMEOUT), then
it exits. With IMGPROXY_PROCESSES > 1 uvicorn's supervisor runs the workers and stops each
gracefully (in-flight requests finish) but without the readiness flip: prefer one process per
container and more replicas.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

import uvicorn

from config.settings import Settings, SettingsError
from imgproxy.app import create_app
from imgproxy.lifecycle import Lifecycle
from imgproxy.telemetry import RequestIdFilter

log = logging.getLogger("imgproxy")
DRAIN_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class DrainingServer(uvicorn.Server):
    """On the first SIGTERM/SIGINT drain instead of closing at once; a second one stops."""

    def __init__(
        self, config: uvicorn.Config, lifecycle: Lifecycle, grace: float, minimum: float
    ) -> None:
        super().__init__(config)
        self.lifecycle = lifecycle
        self.grace = grace
        self.minimum = minimum

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


def app_from_environment() -> object:
    """The factory uvicorn's worker processes call (IMGPROXY_PROCESSES > 1)."""
    configure_logging()  # a spawned worker starts without the parent's logging set-up
    return create_app(Settings.from_env())


def configure_logging() -> None:
    """Diagnostics on stderr with the request id; access lines as bare JSON on stdout."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
    logging.getLogger("pyvips").setLevel(logging.WARNING)
    access = logging.getLogger("imgproxy.access")
    lines = logging.StreamHandler(sys.stdout)
    lines.setFormatter(logging.Formatter("%(message)s"))
    access.addHandler(lines)
    access.propagate = False


def shared_metrics_dir(env: dict[str, str]) -> None:
    """Worker processes share their metrics through files: a fresh directory for this run."""
    directory = env.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="imgproxy-metrics-")
    for stale in Path(directory).glob("*.db"):
        stale.unlink()
    env["PROMETHEUS_MULTIPROC_DIR"] = directory


def serve(env: Mapping[str, str]) -> int:
    configure_logging()
    try:
        settings = Settings.from_env(env)
        host, port = settings.bind_host_port
    except (SettingsError, ValueError) as error:
        log.error("Invalid configuration: %s", error)
        return 2
    graceful = math.ceil(settings.stop_timeout)
    if settings.processes > 1:
        env = dict(env)
        shared_metrics_dir(env)
        os.environ.update(env)
        uvicorn.run(
            "imgproxy.server:app_from_environment",
            factory=True,
            workers=settings.processes,
            host=host,
            port=port,
            log_level="info",
            server_header=False,
            access_log=False,
            timeout_graceful_shutdown=graceful,
        )
        return 0
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        server_header=False,
        access_log=False,
        # The drain below already waited for in-flight requests; uvicorn only closes up.
        timeout_graceful_shutdown=1,
    )
    DrainingServer(config, app.state.lifecycle, settings.stop_timeout, settings.drain_delay).run()
    return 0
