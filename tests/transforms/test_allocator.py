"""The allocator tuning does what it says on this (glibc) machine, and `trim` under the
allocators IMGPROXY_MALLOC can preload (jemalloc, tcmalloc: `make test` installs them)."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
import textwrap

import pytest

from transforms import allocator

PROBE = textwrap.dedent(
    """
    import ctypes, ctypes.util, threading
    from transforms.allocator import trim

    process = ctypes.CDLL(None)  # the malloc in use: glibc's or a preloaded one
    process.malloc.restype = ctypes.c_void_p
    process.free.argtypes = [ctypes.c_void_p]

    def resident_mb():
        return int(open("/proc/self/statm").read().split()[1]) * 4096 // 2**20

    churned, trimmed = threading.Event(), threading.Event()

    def churn():  # on a thread that lives on, as the server's do
        blocks = [process.malloc(64 * 1024) for _ in range(4000)]  # 250 MB, below mmap threshold
        for block in blocks:
            ctypes.memset(block, 1, 64 * 1024)
        for block in blocks[:-1]:
            process.free(block)
        churned.set()
        trimmed.wait()

    worker = threading.Thread(target=churn)
    worker.start()
    churned.wait()
    before = resident_mb()
    released = trim()
    print(before, resident_mb(), released)
    trimmed.set()
    worker.join()
    """
)


ALLOCATORS = {
    "glibc": {},
    # Each told never to hand freed memory back by itself, so only `trim` can.
    "jemalloc": {
        "LD_PRELOAD": str(ctypes.util.find_library("jemalloc")),
        "MALLOC_CONF": "narenas:2,dirty_decay_ms:-1",
    },
    "tcmalloc": {
        "LD_PRELOAD": str(ctypes.util.find_library("tcmalloc_minimal")),
        "TCMALLOC_RELEASE_RATE": "0",
    },
}


@pytest.mark.parametrize("allocator", ALLOCATORS)
def test_trim_hands_freed_memory_back(allocator: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and "MALLOC" not in k}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**env, **ALLOCATORS[allocator]},
    )
    before, after, trimmed = done.stdout.split()
    assert trimmed == "True"
    assert int(before) - int(after) > 150, done.stdout


def test_arena_cap_defers_to_the_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert allocator.limit_arenas() is False
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    assert allocator.limit_arenas() is True


LARGE_BLOCKS_PROBE = textwrap.dedent(
    """
    import ctypes, ctypes.util, sys
    from transforms.allocator import map_large_blocks

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    MB = 2**20

    def resident_mb():
        return int(open("/proc/self/statm").read().split()[1]) * 4096 // MB

    def touched(size):
        block = libc.malloc(size)
        ctypes.memset(block, 1, size)
        return block

    fixed = sys.argv[1] == "fixed" and map_large_blocks()
    libc.free(touched(24 * MB))  # glibc's own threshold would now rise to 24 MiB
    before = resident_mb()
    blocks = [touched(8 * MB) for _ in range(20)]
    for block in blocks[:-1]:  # the last one pins the heap's top, so nothing is trimmed
        libc.free(block)
    print(fixed, resident_mb() - before)
    """
)


def large_blocks_kept_mb(mode: str) -> tuple[str, int]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("MALLOC_")}
    done = subprocess.run(
        [sys.executable, "-c", LARGE_BLOCKS_PROBE, mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    )
    fixed, kept = done.stdout.split()
    return fixed, int(kept)


def test_freed_large_blocks_leave_the_process_at_the_fixed_threshold() -> None:
    fixed, kept = large_blocks_kept_mb("fixed")
    glibc_fixed, glibc_kept = large_blocks_kept_mb("glibc")

    assert (fixed, glibc_fixed) == ("True", "False")
    assert kept < 24, kept
    assert glibc_kept > 100, glibc_kept


def test_the_mmap_threshold_defers_to_the_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "1048576")
    assert allocator.map_large_blocks() is False
