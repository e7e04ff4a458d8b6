"""Run the application under uvicorn with the settings read from the environment."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import uvicorn

from config.settings import Settings, SettingsError
from imgproxy.app import create_app


def serve(env: Mapping[str, str]) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("pyvips").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env(env)
        host, port = settings.bind_host_port
    except (SettingsError, ValueError) as error:
        logging.getLogger("imgproxy").error("Invalid configuration: %s", error)
        return 2
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        server_header=False,
        timeout_graceful_shutdown=int(settings.timeout * 2),
    )
    return 0
