"""The sockets one libcurl handle holds, so that another thread can cut them when the handle's
transfer is cancelled: a poll waiting on a shut-down socket wakes at once."""

from __future__ import annotations

import contextlib
import os
import socket
import threading


def shut_down(fd: int) -> None:
    """Shut the socket behind `fd` down for both directions, leaving the descriptor open."""
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fd)) as duplicate:
        duplicate.shutdown(socket.SHUT_RDWR)


class Sockets:
    """Descriptors libcurl adopted (until it closes them), and the socket being dialled."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[int] = set()
        self._dialling: socket.socket | None = None

    def dialling(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._dialling = sock

    def adopt(self, fd: int) -> None:
        with self._lock:
            self._open.add(fd)

    def close(self, fd: int) -> None:
        with self._lock:
            self._open.discard(fd)
            os.close(fd)

    def cut(self) -> None:
        with self._lock:
            if self._dialling is not None:
                with contextlib.suppress(OSError):
                    self._dialling.shutdown(socket.SHUT_RDWR)
            for fd in self._open:
                shut_down(fd)
