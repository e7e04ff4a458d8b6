"""nginx on loopback in a directory of its own: the static origin, thumbor's round-robin front."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from bench.server import HOST, ManagedProcess, free_port

ACCESS_FORMAT = "$request_uri $status $body_bytes_sent"


def _main_block(prefix: Path, http_body: str) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    log_format bench '{ACCESS_FORMAT}';
    keepalive_requests 1000000;
{http_body}
}}
"""


def origin_config(prefix: Path, port: int, root: Path) -> str:
    return _main_block(
        prefix,
        f"""    server {{
        listen {HOST}:{port};
        root {root};
        access_log {prefix}/access.log bench;
        sendfile on;
        location / {{ try_files $uri =404; }}
    }}""",
    )


def round_robin_config(prefix: Path, port: int, upstream_ports: list[int]) -> str:
    servers = "\n".join(f"        server {HOST}:{p};" for p in upstream_ports)
    return _main_block(
        prefix,
        f"""    upstream backends {{
{servers}
        keepalive 64;
    }}
    server {{
        listen {HOST}:{port};
        access_log off;
        location / {{
            proxy_pass http://backends;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_read_timeout 120s;
            proxy_buffers 64 16k;
            proxy_max_temp_file_size 0;
        }}
    }}""",
    )


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        raise SystemExit("nginx is not installed: `apt-get install -y nginx` (or run `make bench`)")
    return found


class Nginx(ManagedProcess):
    """`config(prefix, port)` writes the configuration; the process runs in the foreground."""

    def __init__(self, prefix: Path, config: str, port: int) -> None:
        prefix.mkdir(parents=True, exist_ok=True)
        conf = prefix / "nginx.conf"
        conf.write_text(config, encoding="utf-8")
        command = [
            nginx_binary(),
            "-p",
            str(prefix),
            "-c",
            str(conf),
            "-e",
            str(prefix / "error.log"),
        ]
        super().__init__(command, prefix / "stdout.log", health_url=None, port=port)
        self.prefix = prefix

    @property
    def access_log(self) -> Path:
        return self.prefix / "access.log"

    def access_lines(self) -> list[str]:
        if not self.access_log.exists():
            return []
        return self.access_log.read_text(encoding="utf-8", errors="replace").splitlines()


def static_origin(prefix: Path, root: Path) -> Nginx:
    port = free_port()
    return Nginx(prefix, origin_config(prefix, port, root), port)


def round_robin(prefix: Path, upstream_ports: list[int]) -> Nginx:
    port = free_port()
    return Nginx(prefix, round_robin_config(prefix, port, upstream_ports), port)


def nginx_version() -> str:
    completed = subprocess.run(
        [nginx_binary(), "-v"], capture_output=True, text=True, timeout=10, check=False
    )
    return (completed.stderr or completed.stdout).strip().replace("nginx version: ", "")
