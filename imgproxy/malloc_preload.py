"""IMGPROXY_MALLOC: the server under jemalloc or tcmalloc instead of glibc's malloc.

An allocator replaces malloc only if it is loaded before anything allocates, so `serve` runs
itself again with the library in `LD_PRELOAD` (as imgproxy's Docker image does), once: the new
process finds the allocator loaded and goes on. Worker processes inherit the environment.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Mapping

from transforms.allocator import ALLOCATORS, loaded

SETTING = "IMGPROXY_MALLOC"
SYSTEM = "malloc"
CHOICES = (SYSTEM, *ALLOCATORS)
"""What IMGPROXY_MALLOC accepts (`config/declared.py` spells the same list)."""


class PreloadError(Exception):
    """The allocator asked for cannot be loaded."""


def preloaded_env(env: Mapping[str, str]) -> dict[str, str] | None:
    """The environment to run `serve` again in, or None to go on in this process: the system
    allocator asked for, the one asked for already loaded, or a value the settings check will
    refuse with its own message."""
    allocator = ALLOCATORS.get(env.get(SETTING, SYSTEM).strip().lower())
    if allocator is None or loaded(allocator):
        return None
    path = ctypes.util.find_library(allocator.library)
    if path is None:
        raise PreloadError(
            f"{SETTING}={env[SETTING]}: lib{allocator.library} is not installed "
            f"(Debian package {allocator.package})"
        )
    preload = env.get("LD_PRELOAD", "").split()
    if path in preload:
        raise PreloadError(f"{SETTING}={env[SETTING]}: {path} is in LD_PRELOAD but not loaded")
    return {**allocator.defaults, **env, "LD_PRELOAD": " ".join([path, *preload])}


def run_preloaded(env: Mapping[str, str]) -> None:
    """Replace this process with the same command under the allocator asked for, if it is not
    the one running; returns only when nothing needs to change."""
    preloaded = preloaded_env(env)
    if preloaded is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, sys.orig_argv, preloaded)
