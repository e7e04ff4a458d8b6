"""The allocator tuning does what it says on this (glibc) machine."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from transforms import allocator

PROBE = textwrap.dedent(
    """
    import ctypes, ctypes.util, threading
    from transforms.allocator import trim

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]

    def resident_mb():
        return int(open("/proc/self/statm").read().split()[1]) * 4096 // 2**20

    def churn():
        blocks = [libc.malloc(64 * 1024) for _ in range(4000)]  # 250 MB below the mmap threshold
        for block in blocks:
            ctypes.memset(block, 1, 64 * 1024)
        for block in blocks[:-1]:
            libc.free(block)

    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()
    before = resident_mb()
    trimmed = trim()
    print(before, resident_mb(), trimmed)
    """
)


def test_trim_hands_freed_memory_back() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    before, after, trimmed = done.stdout.split()
    assert trimmed == "True"
    assert int(before) - int(after) > 150, done.stdout


def test_arena_cap_defers_to_the_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert allocator.limit_arenas() is False
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    assert allocator.limit_arenas() is True
