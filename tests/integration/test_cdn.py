"""A real CDN stand-in in front of the proxy: Varnish with the shipped config/varnish.vcl."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import CORPUS, REPO, RequestLog, running_proxy

PHOTO = "jpeg-baseline-icc.jpg"
READY_ATTEMPTS = 200


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cdn:
    client: httpx.Client
    proxy_log: RequestLog

    def proxy_hits(self) -> int:
        return sum(1 for _, path in self.proxy_log.requests if path != "/health")


def wait_until_serving(client: httpx.Client) -> None:
    for _ in range(READY_ATTEMPTS):
        try:
            if client.get("/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # readiness polling of a starting process, bounded
    raise AssertionError("varnishd did not start")


@pytest.fixture
def cdn(tmp_path: Path) -> Iterator[Cdn]:
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(CORPUS / PHOTO, root / PHOTO)
    shutil.copy(CORPUS / "png-rgba8-photo.png", root / "other.png")
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_AUTO_WEBP": "1",
        "IMGPROXY_AUTO_AVIF": "1",
        "IMGPROXY_AUTO_JXL": "1",
        "IMGPROXY_TTL": "3600",
    }
    logs: list[RequestLog] = []
    with running_proxy(env, logs) as base:
        backend_port = base.rsplit(":", 1)[1]
        vcl = (REPO / "config" / "varnish.vcl").read_text()
        (tmp_path / "test.vcl").write_text(
            vcl.replace('.port = "8080"', f'.port = "{backend_port}"')
        )
        port = free_port()
        varnish = subprocess.Popen(
            [
                "varnishd",
                "-F",
                "-a",
                f"127.0.0.1:{port}",
                "-f",
                str(tmp_path / "test.vcl"),
                "-n",
                str(tmp_path / "varnish"),
                "-s",
                "malloc,32m",
                "-T",
                "none",
                "-j",
                "none",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                wait_until_serving(client)
                logs[0].requests.clear()
                yield Cdn(client, logs[0])
        finally:
            varnish.terminate()
            varnish.wait(timeout=30)


def test_second_request_is_a_cdn_hit(cdn: Cdn) -> None:
    path = f"/_/w:60/plain/local:///{PHOTO}@jpg"
    first = cdn.client.get(path)
    second = cdn.client.get(path)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert second.content == first.content
    assert cdn.proxy_hits() == 1


def test_accept_variants_are_cached_separately(cdn: Cdn) -> None:
    path = f"/_/w:60/plain/local:///{PHOTO}"
    types = {}
    for accept in (
        "image/avif,image/webp,*/*",
        "image/webp,*/*",
        "text/html,*/*",
        "image/jxl,image/avif,image/webp,*/*",
    ):
        types[accept] = cdn.client.get(path, headers={"Accept": accept}).headers["content-type"]
    assert list(types.values()) == ["image/avif", "image/webp", "image/jpeg", "image/jxl"]
    assert cdn.proxy_hits() == 4
    again = cdn.client.get(path, headers={"Accept": "image/webp,image/apng,*/*;q=0.8"})
    assert (again.headers["content-type"], again.headers["x-cache"]) == ("image/webp", "HIT")
    jxl = cdn.client.get(path, headers={"Accept": "image/webp,image/jxl,image/avif"})
    assert (jxl.headers["content-type"], jxl.headers["x-cache"]) == ("image/jxl", "HIT")
    assert cdn.proxy_hits() == 4


def test_revalidation_yields_304(cdn: Cdn) -> None:
    path = f"/_/w:60/plain/local:///{PHOTO}@png"
    etag = cdn.client.get(path).headers["etag"]
    revalidated = cdn.client.get(path, headers={"If-None-Match": etag})
    assert (revalidated.status_code, revalidated.content) == (304, b"")
    assert cdn.proxy_hits() == 1


def test_ban_by_surrogate_key_empties_every_variant(cdn: Cdn) -> None:
    paths = [f"/_/w:{width}/plain/local:///{PHOTO}@jpg" for width in (20, 40)]
    other = "/_/w:20/plain/local:///other.png"
    key = cdn.client.get(paths[0]).headers["surrogate-key"]
    cdn.client.get(paths[1])
    cdn.client.get(other)
    assert all(cdn.client.get(p).headers["x-cache"] == "HIT" for p in [*paths, other])
    assert cdn.proxy_hits() == 3
    banned = cdn.client.request("BAN", "/", headers={"Surrogate-Key": key})
    assert banned.status_code == 200
    assert [cdn.client.get(p).headers["x-cache"] for p in [*paths, other]] == [
        "MISS",
        "MISS",
        "HIT",
    ]
    assert cdn.proxy_hits() == 5


def test_nginx_example_is_valid(tmp_path: Path) -> None:
    example = (REPO / "config" / "nginx-cdn.conf").read_text()
    example = example.replace("/var/cache/nginx/imgproxy", str(tmp_path / "cache"))
    example = example.replace("listen 80;", "listen 127.0.0.1:1;")
    (tmp_path / "cdn.conf").write_text(example)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; include {tmp_path}/cdn.conf; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
