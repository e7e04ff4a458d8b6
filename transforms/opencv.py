"""OpenCV, imported on first use and kept to the calling thread: the transform pool already
bounds how many jobs run at once, and OpenCV's own thread pool would spread each job over every
core beside them."""

from __future__ import annotations

from functools import cache
from types import ModuleType


@cache
def opencv() -> ModuleType:
    import cv2  # noqa: PLC0415 - OpenCV and numpy only once a job needs them

    cv2.setNumThreads(1)
    return cv2
