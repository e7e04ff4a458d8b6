"""glibc's allocator, tuned for libvips: few malloc arenas, and freed memory handed back.

glibc gives each thread that allocates its own arena (up to eight per core), and libvips'
threads allocate large, short-lived pixel buffers: the arenas fragment and the process keeps
memory it no longer uses. Two arenas and a periodic `malloc_trim` keep the resident size close
to what is in use. Elsewhere (musl, macOS) these calls do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import cache

M_ARENA_MAX = -8
"""`mallopt` parameter number, from glibc's malloc.h."""
DEFAULT_ARENAS = 2


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    library = ctypes.CDLL(name)
    return library if hasattr(library, "malloc_trim") and hasattr(library, "mallopt") else None


def limit_arenas(arenas: int = DEFAULT_ARENAS) -> bool:
    """Cap the malloc arenas threads created from now on may use, unless the operator set
    `MALLOC_ARENA_MAX` (glibc then reads it itself). True when the cap was set here."""
    library = _glibc()
    if library is None or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    return bool(library.mallopt(M_ARENA_MAX, arenas))


def trim() -> bool:
    """Return the free memory at the top of every arena to the system; True if any was."""
    library = _glibc()
    return library is not None and bool(library.malloc_trim(0))
