"""local:///path origin: regular files under IMGPROXY_LOCAL_FILESYSTEM_ROOT, with no way out of
it, read on threads of its own.

A file is opened without following a last symlink and without blocking (a FIFO with no writer
would hold the thread forever), and read only when fstat says it is a regular file. A thread
stuck in the kernel (a hung network mount) cannot be cancelled: its request times out, and once
every reading thread is stuck, new local reads are refused at once instead of queueing."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import mimetypes
import os
import stat
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from email.utils import formatdate
from pathlib import Path
from typing import Any, NamedTuple, ParamSpec, TypeVar
from urllib.parse import unquote, urlsplit

from imgproxy.errors import (
    InvalidPath,
    OriginError,
    OriginTimeout,
    ProxyError,
    SourceNotAllowed,
    SourceNotFound,
    SourceTooLarge,
)
from imgproxy.origins import Original
from imgproxy.origins.ranges import PREFIX_BYTES, Head, Span, Stops, leaves_the_rest
from imgproxy.origins.streaming import ByteCounter, uncounted

OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_NOCTTY | os.O_CLOEXEC
MISSING = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ELOOP, errno.ENXIO})
UNREADABLE = frozenset({errno.EACCES, errno.EPERM})
CHUNK = 1024 * 1024
ONE_READ = 64 * 1024 * 1024
"""The most a file's read asks for at once (its stated size, when that is smaller)."""
P = ParamSpec("P")
T = TypeVar("T")


class Opened(NamedTuple):
    descriptor: int
    status: os.stat_result
    name: str
    """The real file's name (after any symlink), for its media type."""


def file_error(source: str, error: OSError) -> ProxyError:
    """What a client is told when the file system refuses: 4xx for what the path names,
    502 for the file system failing."""
    reason = os.strerror(error.errno) if error.errno else str(error)
    detail = f"{source}: {reason}"
    if error.errno == errno.ENAMETOOLONG:
        return InvalidPath("Source path is too long", detail=detail)
    if error.errno in MISSING or error.errno in UNREADABLE:
        return SourceNotFound(detail=detail)
    return OriginError("Source file cannot be read", detail=detail)


def regular_file(mode: int, source: str) -> None:
    if not stat.S_ISREG(mode):
        raise SourceNotFound(detail=f"{source}: not a regular file")


class LocalOrigin:
    def __init__(self, root: Path, *, threads: int = 4, counted: ByteCounter = uncounted) -> None:
        """`threads`: reads at once, stuck ones included; `counted` hears of the bytes of
        reads in progress."""
        self.root = root.resolve(strict=True)
        self.threads = threads
        self.counted = counted
        self._free_threads = threading.BoundedSemaphore(threads)
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="local-origin")

    def resolve(self, source: str) -> Path:
        """The real file a `local://` source names; refuses anything outside the root."""
        try:
            parts = urlsplit(source)
        except ValueError:
            raise SourceNotAllowed("Local sources look like local:///path", detail=source) from None
        relative = unquote(parts.path)
        if parts.netloc or "\x00" in relative:
            raise SourceNotAllowed("Local sources look like local:///path", detail=source)
        if ".." in Path(relative).parts:
            raise SourceNotAllowed("Source path leaves the local root", detail=source)
        try:
            real = Path(os.path.realpath(self.root / relative.lstrip("/"), strict=True))
        except OSError as error:
            raise file_error(source, error) from None
        except ValueError as error:  # a name the file system cannot encode
            raise InvalidPath("Invalid source path", detail=f"{source}: {error}") from None
        if not real.is_relative_to(self.root):
            raise SourceNotAllowed("Source path leaves the local root", detail=source)
        return real

    async def fetch(self, source: str, max_bytes: int = 0) -> Original:
        return await self._on_thread(source, self._read, source, max_bytes)

    async def fetch_head(self, source: str, max_bytes: int, stops: Stops) -> Original | Head:
        return await self._on_thread(source, self._read_head, source, max_bytes, stops)

    async def fetch_range(self, source: str, start: int, end: int, max_bytes: int) -> Span:
        return await self._on_thread(source, self._read_span, source, start, end)

    async def _on_thread(
        self, source: str, read: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        if not self._free_threads.acquire(blocking=False):
            raise OriginTimeout(
                detail=f"{source}: all {self.threads} reading threads are taken (a hung mount?)"
            )
        try:
            future = self._executor.submit(read, *args, **kwargs)
        except RuntimeError:  # shut down
            self._free_threads.release()
            raise
        future.add_done_callback(self._thread_freed)
        return await asyncio.wrap_future(future)

    def _thread_freed(self, _future: Future[Any]) -> None:
        """On the reading thread when the read ends, or wherever it was cancelled unstarted."""
        self._free_threads.release()

    @contextlib.contextmanager
    def _opened(self, source: str, max_bytes: int = 0) -> Iterator[Opened]:
        """The regular file's descriptor and status; refused over `max_bytes` (0: no cap)."""
        path = self.resolve(source)
        try:
            regular_file(os.stat(path).st_mode, source)  # devices are never opened
            descriptor = os.open(path, OPEN_FLAGS)
        except OSError as error:
            raise file_error(source, error) from None
        try:
            status = os.fstat(descriptor)
            regular_file(status.st_mode, source)  # still, after opening
            if max_bytes and status.st_size > max_bytes:
                raise SourceTooLarge(detail=f"{source}: {status.st_size} > {max_bytes}")
            yield Opened(descriptor, status, path.name)
        except OSError as error:
            raise file_error(source, error) from None
        finally:
            os.close(descriptor)

    def _read(self, source: str, max_bytes: int) -> Original:
        with self._opened(source, max_bytes) as opened:
            data = self._read_all(opened, source, max_bytes)
        return original_from_file(data, opened)

    def _read_head(self, source: str, max_bytes: int, stops: Stops) -> Original | Head:
        with self._opened(source, max_bytes) as opened:
            size, first = opened.status.st_size, os.pread(opened.descriptor, PREFIX_BYTES, 0)
            if leaves_the_rest(size, len(first), lambda: first, stops):
                return Head(original_from_file(first, opened), size)
            data = self._read_all(opened, source, max_bytes)
        return original_from_file(data, opened)

    def _read_span(self, source: str, start: int, end: int) -> Span:
        """Bytes `start` to `end` (exclusive), fewer at the end of the file; asked for at once
        (at most 64 MiB a read), so that the join returns the one piece itself, uncopied."""
        pieces: list[bytes] = []
        read = 0
        with self._opened(source) as opened:
            while read < end - start and (
                piece := os.pread(
                    opened.descriptor, min(end - start - read, ONE_READ), start + read
                )
            ):
                pieces.append(piece)
                read += len(piece)
        return Span(b"".join(pieces), start, opened.status.st_size, etag_of(opened.status))

    def _read_all(self, opened: Opened, source: str, max_bytes: int) -> bytes:
        """Up to end of file, refused past `max_bytes` (a file may grow after fstat). The size
        fstat gave, and one byte more, is asked for at once: a file that did not change comes
        back in one piece, which `bytes.join` returns itself, without copying it."""
        stated = opened.status.st_size + 1
        pieces: list[bytes] = []
        read = 0
        try:
            while piece := os.read(
                opened.descriptor, min(stated - read, ONE_READ) if read < stated else CHUNK
            ):
                pieces.append(piece)
                read += len(piece)
                self.counted(len(piece))
                if max_bytes and read > max_bytes:
                    raise SourceTooLarge(detail=f"{source}: larger than {max_bytes}")
            return b"".join(pieces)
        finally:
            self.counted(-read)

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def etag_of(status: os.stat_result) -> str:
    return f'"{status.st_mtime_ns:x}-{status.st_size:x}"'


def original_from_file(data: bytes, opened: Opened) -> Original:
    status = opened.status
    return Original(
        data,
        mimetypes.guess_type(opened.name)[0],
        etag_of(status),
        formatdate(status.st_mtime, usegmt=True),
    )
