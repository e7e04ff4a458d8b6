"""thumbor 7.8 in its production shape: one single-process thumbor per core behind nginx.

It runs from its own virtual environment, `bench/.thumbor-venv` (made by `make bench`).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import TracebackType
from typing import Self

from bench.nginx import Nginx, round_robin
from bench.server import HOST, REPO_ROOT, ManagedProcess, free_port

VENV = REPO_ROOT / "bench" / ".thumbor-venv"
THUMBOR = VENV / "bin" / "thumbor"


def thumbor_config(result_storage: Path | None) -> str:
    """HTTP loader, no source storage; result storage only for the hit scenario."""
    lines = [
        "SECURITY_KEY = 'bench'",
        "ALLOW_UNSAFE_URL = True",
        "LOADER = 'thumbor.loaders.http_loader'",
        "STORAGE = 'thumbor.storages.no_storage'",
        "QUALITY = 80",
        "AUTO_WEBP = False",
        "HTTP_LOADER_MAX_CLIENTS = 64",
    ]
    if result_storage is None:
        lines.append("RESULT_STORAGE = None")
    else:
        lines += [
            "RESULT_STORAGE = 'thumbor.result_storages.file_storage'",
            f"RESULT_STORAGE_FILE_STORAGE_ROOT_PATH = {str(result_storage)!r}",
            "RESULT_STORAGE_STORES_UNSAFE = True",
            "RESULT_STORAGE_EXPIRATION_SECONDS = 0",
        ]
    return "\n".join(lines) + "\n"


def thumbor_installed() -> bool:
    return THUMBOR.exists()


def thumbor_version() -> str:
    completed = subprocess.run(
        [
            str(VENV / "bin" / "python"),
            "-c",
            "import thumbor, PIL; print(thumbor.__version__, PIL.__version__)",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    parts = completed.stdout.split()
    return f"thumbor {parts[0]} (Pillow {parts[1]})" if len(parts) == 2 else "thumbor unknown"


class ThumborCluster:
    """`instances` thumbor processes and their nginx round-robin front; `pids` are thumbor's."""

    def __init__(self, workdir: Path, instances: int, *, result_storage: bool = False) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        storage = workdir / "result-storage" if result_storage else None
        config = workdir / "thumbor.conf"
        config.write_text(thumbor_config(storage), encoding="utf-8")
        self.instances: list[ManagedProcess] = []
        for index in range(instances):
            port = free_port()
            command = [str(THUMBOR), "-i", HOST, "-p", str(port), "-c", str(config), "-l", "error"]
            self.instances.append(
                ManagedProcess(
                    command,
                    workdir / f"thumbor-{index}.log",
                    health_url=f"http://{HOST}:{port}/healthcheck",
                    port=port,
                )
            )
        self.front: Nginx = round_robin(workdir / "nginx", [i.port for i in self.instances])

    @property
    def base_url(self) -> str:
        return self.front.base_url

    @property
    def pids(self) -> list[int]:
        return [instance.pid for instance in self.instances]

    def __enter__(self) -> Self:
        try:
            for instance in self.instances:
                instance.start()
            self.front.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self.front.stop()
        for instance in self.instances:
            instance.stop()

    def log_tail(self) -> str:
        return "\n".join(instance.log_tail(10) for instance in self.instances)
