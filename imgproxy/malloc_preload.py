"""IMGPROXY_MALLOC: the server under jemalloc or tcmalloc instead of glibc's malloc, and glibc's
malloc asking for transparent huge pages.

An allocator replaces malloc only if it is loaded before anything allocates, so `serve` runs
itself again with the library in `LD_PRELOAD` (as imgproxy's Docker image does), once: the new
process finds the allocator loaded and goes on. glibc reads `GLIBC_TUNABLES` only as a process
starts, so its huge pages (`transforms.allocator.with_huge_pages`) take the same second start.
Worker processes inherit the environment.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from transforms.allocator import (
    ALLOCATORS,
    TRANSPARENT_HUGE_PAGES,
    huge_pages_on_request,
    loaded,
    runs_on_glibc,
    with_huge_pages,
)

SETTING = "IMGPROXY_MALLOC"
SYSTEM = "malloc"
CHOICES = (SYSTEM, *ALLOCATORS)
"""What IMGPROXY_MALLOC accepts (`config/declared.py` spells the same list)."""


class PreloadError(Exception):
    """The allocator asked for cannot be loaded."""


def huge_pages_env(
    env: Mapping[str, str], thp_setting: Path = TRANSPARENT_HUGE_PAGES
) -> dict[str, str] | None:
    """The environment in which glibc's malloc asks for transparent huge pages, or None when
    asking would change nothing or `GLIBC_TUNABLES` already says (as after the second start)."""
    if not runs_on_glibc() or not huge_pages_on_request(thp_setting):
        return None
    tunables = with_huge_pages(env.get("GLIBC_TUNABLES", ""))
    return None if tunables is None else {**env, "GLIBC_TUNABLES": tunables}


def preloaded_env(
    env: Mapping[str, str], thp_setting: Path = TRANSPARENT_HUGE_PAGES
) -> dict[str, str] | None:
    """The environment to run `serve` again in, or None to go on in this process: glibc's
    malloc already as it should run, the allocator asked for already loaded, or a value the
    settings check will refuse with its own message."""
    choice = env.get(SETTING, SYSTEM).strip().lower()
    if choice == SYSTEM:
        return huge_pages_env(env, thp_setting)
    allocator = ALLOCATORS.get(choice)
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
    running as it should; returns only when nothing needs to change."""
    restart_in(preloaded_env(env))


def restart_in(env: Mapping[str, str] | None) -> None:
    """The same command again in `env`, replacing this process; nothing when `env` is None."""
    if env is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, sys.orig_argv, env)
