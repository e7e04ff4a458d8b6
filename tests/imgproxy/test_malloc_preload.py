"""IMGPROXY_MALLOC: which environment `serve` runs itself again in, and the real server under
each allocator (jemalloc and tcmalloc from Debian packages; `make test` installs them), glibc's
asking for transparent huge pages."""

from __future__ import annotations

import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from config.declared import DECLARED
from config.env import SettingsError
from imgproxy.malloc_preload import CHOICES, PreloadError, preloaded_env
from tests.support import CORPUS, REPO
from transforms.allocator import ALLOCATORS, Allocator, huge_pages_on_request, loaded

JEMALLOC = ctypes.util.find_library("jemalloc")
TCMALLOC = ctypes.util.find_library("tcmalloc_minimal")
PHOTO = "jpeg-baseline-icc.jpg"
STARTUP_POLLS = 3000
"""Checks of /health 20 ms apart before a server that neither answers nor exits fails."""


HUGE = "glibc.malloc.hugetlb=1"


def kernel_thp(tmp_path: Path, enabled: str) -> Path:
    """A copy of /sys/kernel/mm/transparent_hugepage/enabled as the kernel words it."""
    setting = tmp_path / "enabled"
    setting.write_text(enabled + "\n", encoding="ascii")
    return setting


@pytest.mark.parametrize("env", [{}, {"IMGPROXY_MALLOC": " Malloc "}])
def test_glibc_malloc_starts_again_asking_for_huge_pages(
    tmp_path: Path, env: dict[str, str]
) -> None:
    preloaded = preloaded_env({**env, "A": "b"}, kernel_thp(tmp_path, "always [madvise] never"))

    assert preloaded == {**env, "A": "b", "GLIBC_TUNABLES": HUGE}


def test_the_operators_other_tunables_are_kept(tmp_path: Path) -> None:
    env = {"GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"}

    preloaded = preloaded_env(env, kernel_thp(tmp_path, "always [madvise] never"))

    assert preloaded is not None
    assert preloaded["GLIBC_TUNABLES"] == f"glibc.malloc.tcache_count=0:{HUGE}"


@pytest.mark.parametrize(
    "tunables", ["glibc.malloc.hugetlb=0", HUGE, f"glibc.malloc.tcache_count=0:{HUGE}"]
)
def test_huge_pages_already_settled_stay_in_this_process(tmp_path: Path, tunables: str) -> None:
    """The operator's own choice, or the second start."""
    madvise = kernel_thp(tmp_path, "always [madvise] never")

    assert preloaded_env({"GLIBC_TUNABLES": tunables}, madvise) is None


@pytest.mark.parametrize("enabled", ["[always] madvise never", "always madvise [never]", None])
def test_huge_pages_are_asked_for_only_where_asking_changes_something(
    tmp_path: Path, enabled: str | None
) -> None:
    setting = tmp_path / "absent" if enabled is None else kernel_thp(tmp_path, enabled)

    assert not huge_pages_on_request(setting)
    assert preloaded_env({}, setting) is None


def test_unknown_values_stay_in_this_process(tmp_path: Path) -> None:
    madvise = kernel_thp(tmp_path, "always [madvise] never")

    assert preloaded_env({"IMGPROXY_MALLOC": "hoard"}, madvise) is None  # settings refuse it


def test_jemalloc_goes_first_in_ld_preload_with_two_arenas() -> None:
    env = preloaded_env({"IMGPROXY_MALLOC": " JEmalloc ", "LD_PRELOAD": "libother.so", "A": "b"})

    assert env is not None
    assert env["LD_PRELOAD"] == f"{JEMALLOC} libother.so"
    assert env["MALLOC_CONF"] == "narenas:2"
    assert env["A"] == "b"


def test_the_operators_allocator_settings_win() -> None:
    env = preloaded_env({"IMGPROXY_MALLOC": "jemalloc", "MALLOC_CONF": "narenas:8"})

    assert env is not None
    assert env["MALLOC_CONF"] == "narenas:8"


def test_tcmalloc_is_preloaded_as_it_is() -> None:
    env = preloaded_env({"IMGPROXY_MALLOC": "tcmalloc"})

    assert env is not None
    assert env["LD_PRELOAD"] == TCMALLOC
    assert "MALLOC_CONF" not in env


def test_a_missing_library_names_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    absent = Allocator("no-such-allocator", "no_such_symbol", "libnosuch1", {})
    monkeypatch.setitem(ALLOCATORS, "jemalloc", absent)

    with pytest.raises(PreloadError, match=r"libno-such-allocator is not installed.*libnosuch1"):
        preloaded_env({"IMGPROXY_MALLOC": "jemalloc"})


def test_a_preload_that_did_not_load_is_not_tried_again() -> None:
    with pytest.raises(PreloadError, match="in LD_PRELOAD but not loaded"):
        preloaded_env({"IMGPROXY_MALLOC": "jemalloc", "LD_PRELOAD": str(JEMALLOC)})


def test_the_setting_accepts_exactly_the_allocators_serve_can_preload() -> None:
    declared = next(row for row in DECLARED if row.variable == "IMGPROXY_MALLOC")

    for choice in CHOICES:
        assert declared.parse("IMGPROXY_MALLOC", choice) == choice
    with pytest.raises(SettingsError):
        declared.parse("IMGPROXY_MALLOC", "hoard")


def test_the_running_allocator_is_known_by_its_own_symbol() -> None:
    assert not loaded(ALLOCATORS["jemalloc"])  # pytest runs on glibc's malloc
    assert not loaded(ALLOCATORS["tcmalloc"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(*args: str, **env: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`python -m imgproxy serve` as an operator starts it (no allocator settings inherited)."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and "MALLOC" not in k}
    process = subprocess.Popen(
        [sys.executable, "-m", "imgproxy", "serve", "--bind", f"127.0.0.1:{port}", *args],
        cwd=REPO,
        env={**clean, "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(CORPUS), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(STARTUP_POLLS):
            if process.poll() is not None or healthy(base):
                break
            time.sleep(0.02)
        else:
            pytest.fail("the server neither answered /health nor exited")
        yield process, base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def allocators_mapped(process: subprocess.Popen[str]) -> list[set[str]]:
    """For the server process and each of its workers, the allocator libraries it has loaded."""
    children = subprocess.run(
        ["pgrep", "-P", str(process.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    found = []
    for pid in [process.pid, *map(int, children)]:
        maps = Path(f"/proc/{pid}/maps").read_text()
        found.append({name for name in ("libjemalloc", "libtcmalloc") if name in maps})
    return found


def rendered(base: str) -> httpx.Response:
    return httpx.get(f"{base}/_/rs:fit:64:64/plain/local:///{PHOTO}@webp", timeout=30)


def test_serve_runs_every_process_under_jemalloc() -> None:
    with serving("--workers", "2", IMGPROXY_MALLOC="jemalloc") as (process, base):
        response = rendered(base)
        mapped = allocators_mapped(process)

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/webp"
    assert len(mapped) >= 3, mapped  # uvicorn's supervisor, its two workers and their helper
    assert all(libraries == {"libjemalloc"} for libraries in mapped), mapped


def test_serve_runs_under_tcmalloc() -> None:
    with serving(IMGPROXY_MALLOC="tcmalloc") as (process, base):
        response = rendered(base)
        mapped = allocators_mapped(process)

    assert response.status_code == 200
    assert mapped == [{"libtcmalloc"}]


def test_serve_keeps_glibc_malloc_by_default() -> None:
    with serving() as (process, base):
        response = rendered(base)
        mapped = allocators_mapped(process)
        environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")

    assert response.status_code == 200
    assert mapped == [set()]
    tunables = [item for item in environ if item.startswith(b"GLIBC_TUNABLES=")]
    expected = [f"GLIBC_TUNABLES={HUGE}".encode()] if huge_pages_on_request() else []
    assert tunables == expected


MAPPED_BLOCK = """
import ctypes, re, sys
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
block = libc.malloc(8 * 1024 * 1024)
for mapping in re.split(r"\\n(?=[0-9a-f]+-[0-9a-f]+ )", open("/proc/self/smaps").read()):
    start, end = (int(bound, 16) for bound in mapping.split()[0].split("-"))
    if start <= block < end:
        sys.stdout.write(re.search(r"VmFlags:(.*)", mapping).group(1))
"""


def test_glibc_here_maps_large_blocks_for_huge_pages_in_that_environment() -> None:
    def flags(env: dict[str, str]) -> list[str]:
        ran = subprocess.run(
            [sys.executable, "-c", MAPPED_BLOCK],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return ran.stdout.split()

    plain = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    asking = {**plain, "GLIBC_TUNABLES": HUGE}  # what `huge_pages_env` gives where it asks

    assert "hg" in flags(asking)  # VM_HUGEPAGE: madvise(MADV_HUGEPAGE) on the block's mapping
    assert "hg" not in flags(plain)


def test_an_unknown_allocator_stops_the_server_with_its_choices() -> None:
    with serving(IMGPROXY_MALLOC="hoard") as (process, _):
        code = process.wait(timeout=30)
        assert process.stderr is not None
        errors = process.stderr.read()

    assert code == 2
    assert "IMGPROXY_MALLOC must be one of malloc, jemalloc, tcmalloc, got 'hoard'" in errors
