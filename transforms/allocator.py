"""glibc's allocator, tuned for libvips: few malloc arenas, and freed memory handed back.

glibc gives each thread that allocates its own arena (up to eight per core), and libvips'
threads allocate large, short-lived pixel buffers: the arenas fragment and the process keeps
memory it no longer uses. Two arenas and a periodic `malloc_trim` keep the resident size close
to what is in use. Large blocks are mapped on their own at a fixed threshold: glibc's own
threshold rises after each large block is freed (up to 32 MiB), so the buffers of whole-image
decodes would come to live in the arenas and stay resident. Those mapped blocks ask for
transparent huge pages (`glibc.malloc.hugetlb=1`, which `serve` puts in `GLIBC_TUNABLES` before
it starts, `imgproxy.malloc_preload`): each fresh mapping then faults in 2 MiB at a time instead
of 4 KiB, where the faults of a large decode's buffers cost a tenth of its CPU. Elsewhere (musl,
macOS) these calls do nothing, and so do the glibc settings under jemalloc or tcmalloc
(IMGPROXY_MALLOC), whose freed memory `trim` hands back through their own calls.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

M_ARENA_MAX = -8
M_MMAP_THRESHOLD = -3
"""`mallopt` parameter numbers, from glibc's malloc.h."""
DEFAULT_ARENAS = 2
DEFAULT_MMAP_THRESHOLD = 4 * 1024 * 1024
"""Blocks from this size up are mapped when allocated and unmapped when freed."""
HUGE_PAGES_TUNABLE = "glibc.malloc.hugetlb"
"""glibc 2.35+: 1 advises transparent huge pages for what malloc maps; older ones ignore it."""
TRANSPARENT_HUGE_PAGES = Path("/sys/kernel/mm/transparent_hugepage/enabled")


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    library = ctypes.CDLL(name)
    return library if hasattr(library, "malloc_trim") and hasattr(library, "mallopt") else None


def _mallopt(parameter: int, value: int, operator_setting: str) -> bool:
    """`mallopt(parameter, value)` unless the operator set `operator_setting` (glibc then
    reads it itself). True when it was set here."""
    library = _glibc()
    if library is None or os.environ.get(operator_setting):
        return False
    return bool(library.mallopt(parameter, value))


def limit_arenas(arenas: int = DEFAULT_ARENAS) -> bool:
    """Cap the malloc arenas threads created from now on may use (`MALLOC_ARENA_MAX`)."""
    return _mallopt(M_ARENA_MAX, arenas, "MALLOC_ARENA_MAX")


def map_large_blocks(threshold: int = DEFAULT_MMAP_THRESHOLD) -> bool:
    """Fix the size from which blocks are mapped on their own, which also stops glibc moving
    it (`MALLOC_MMAP_THRESHOLD_`)."""
    return _mallopt(M_MMAP_THRESHOLD, threshold, "MALLOC_MMAP_THRESHOLD_")


def runs_on_glibc() -> bool:
    return _glibc() is not None


def huge_pages_on_request(setting: Path = TRANSPARENT_HUGE_PAGES) -> bool:
    """The kernel backs memory with transparent huge pages where a process asks (`madvise`):
    only then does asking change anything (`always` gives them unasked, `never` not at all)."""
    try:
        return "[madvise]" in setting.read_text(encoding="ascii")
    except OSError:
        return False


def with_huge_pages(tunables: str) -> str | None:
    """`GLIBC_TUNABLES` with malloc asking for huge pages, or None when they already say either
    way (the operator's `glibc.malloc.hugetlb` stands)."""
    names = {item.partition("=")[0] for item in tunables.split(":")}
    if HUGE_PAGES_TUNABLE in names:
        return None
    return ":".join(filter(None, (tunables, f"{HUGE_PAGES_TUNABLE}=1")))


@dataclass(frozen=True)
class Allocator:
    library: str
    """The name `ctypes.util.find_library` knows it by."""
    marker: str
    """A symbol only this allocator defines, to tell that it is the one loaded."""
    package: str
    """The Debian package that installs it."""
    defaults: Mapping[str, str]
    """Its own settings, unless the operator set them."""


ALLOCATORS = {
    "jemalloc": Allocator(
        "jemalloc",
        "mallctl",
        "libjemalloc2",
        # Two arenas, as glibc's are capped (`limit_arenas`): the memory of a miss
        # storm stays near glibc's, where jemalloc's default of four per core holds 120 MB more.
        {"MALLOC_CONF": "narenas:2"},
    ),
    "tcmalloc": Allocator(
        "tcmalloc_minimal", "MallocExtension_ReleaseFreeMemory", "libtcmalloc-minimal4", {}
    ),
}


@cache
def this_process() -> ctypes.CDLL:
    """The symbols this process resolves, preloaded allocators first."""
    return ctypes.CDLL(None)


def loaded(allocator: Allocator) -> bool:
    return hasattr(this_process(), allocator.marker)


JEMALLOC_PURGE_ALL = b"arena.4096.purge"
"""`mallctl` name that purges every arena (4096 is jemalloc's MALLCTL_ARENAS_ALL)."""


def trim() -> bool:
    """Return free memory to the system: glibc's free memory at the top of every arena, or
    every unused page of jemalloc's or tcmalloc's, whichever allocator runs. True if glibc
    returned any, or if jemalloc or tcmalloc ran its release."""
    process = this_process()
    if loaded(ALLOCATORS["jemalloc"]):
        return bool(process.mallctl(JEMALLOC_PURGE_ALL, None, None, None, ctypes.c_size_t(0)) == 0)
    if loaded(ALLOCATORS["tcmalloc"]):
        process.MallocExtension_ReleaseFreeMemory()
        return True
    library = _glibc()
    return library is not None and bool(library.malloc_trim(0))
