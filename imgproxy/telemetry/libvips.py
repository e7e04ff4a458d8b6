"""libvips' own allocation counters, read from the library instance pyvips loaded.

pyvips' compiled module does not declare the `vips_tracked_*` functions, so they are looked up
with ctypes through that module (whose dependencies include libvips), else by soname. The
counters belong to one loaded copy of libvips: another copy would always read zero.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
from typing import NamedTuple

import pyvips

READERS = {
    "vips_tracked_get_mem": ctypes.c_size_t,
    "vips_tracked_get_mem_highwater": ctypes.c_size_t,
    "vips_tracked_get_allocs": ctypes.c_int,
}


class TrackedMemory(NamedTuple):
    bytes: int
    highwater_bytes: int
    allocations: int


@functools.cache
def _library() -> ctypes.CDLL | None:
    spec = importlib.util.find_spec("_libvips") if pyvips.API_mode else None
    path = spec.origin if spec is not None else pyvips.library_name("vips", 42)
    try:
        library = ctypes.CDLL(path)
        for name, result_type in READERS.items():
            getattr(library, name).restype = result_type
    except (OSError, AttributeError):
        return None
    return library


def tracked_memory() -> TrackedMemory | None:
    """None when this libvips cannot be asked."""
    library = _library()
    if library is None:
        return None
    return TrackedMemory(
        library.vips_tracked_get_mem(),
        library.vips_tracked_get_mem_highwater(),
        library.vips_tracked_get_allocs(),
    )
