"""Stopping image work whose request is gone: one `Cancellation` per job, fired from the event
loop (deadline passed, client left), noticed by the worker thread.

libvips looks at an image's kill flag each time it computes a region of that image, so
killing the image an evaluation reads stops the evaluation at its next tile with a
`pyvips.Error`. `cancel()` sets the flag itself, from the firing thread, on every image being
evaluated at that moment (`watching`): no Python runs per tile, and no tile is waited for
before the flag is up. Between evaluations the worker calls `check()`. A job's images are its
own (libvips' operation cache is off, `configure_libvips`), so a kill stops no other job.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator

import pyvips

from imgproxy.errors import DeadlineExceeded


class WorkCancelled(DeadlineExceeded):
    """Raised in the worker once it notices its job was cancelled."""


class Cancellation:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fired = False
        self._tickets = itertools.count()
        self._watched: dict[int, pyvips.Image] = {}
        self._callbacks: dict[int, Callable[[], object]] = {}
        self.noticed = False
        """The work raised `WorkCancelled`, i.e. stopped early (whatever it became later)."""

    @property
    def fired(self) -> bool:
        return self._fired

    def cancel(self) -> None:
        """From any thread: stop the images being evaluated now, and every later check."""
        with self._lock:
            self._fired = True
            for image in self._watched.values():
                image.set_kill(True)
            callbacks = list(self._callbacks.values())
        for callback in callbacks:
            callback()

    @contextlib.contextmanager
    def calling(self, callback: Callable[[], object]) -> Iterator[None]:
        """Inside, cancelling calls `callback` (on the cancelling thread): what the work
        waits for other than libvips (a ranged read of its source) stops waiting."""
        with self._lock:
            self.check()
            ticket = next(self._tickets)
            self._callbacks[ticket] = callback
        try:
            yield
        finally:
            with self._lock:
                del self._callbacks[ticket]

    def check(self) -> None:
        if self._fired:
            self.noticed = True
            raise WorkCancelled(detail="image work stopped: its request's deadline passed")

    @contextlib.contextmanager
    def watching(self, image: pyvips.Image) -> Iterator[pyvips.Image]:
        """Inside, cancelling kills `image`: what evaluates it, or anything made from it, stops
        at its next tile and leaves as `WorkCancelled`."""
        with self._lock:
            self.check()
            ticket = next(self._tickets)
            self._watched[ticket] = image
        try:
            yield image
        except pyvips.Error:
            self.check()
            raise
        finally:
            with self._lock:
                del self._watched[ticket]

    def in_memory(self, image: pyvips.Image) -> pyvips.Image:
        """`image.copy_memory()`, stopped when cancelled."""
        with self.watching(image):
            return image.copy_memory()
