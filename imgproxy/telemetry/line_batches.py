"""A log handler that writes the lines of one event-loop turn together.

Every request ends with an access line; written and flushed one by one, each is a system call
on the event loop. Emitted on a thread running an event loop, a line waits in a list until the
end of the current turn (one `call_soon` per batch), then the batch goes out in one write and
one flush. Anywhere else, and at `logging.shutdown`, lines are written at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TextIO


class TurnBatchedStreamHandler(logging.StreamHandler[TextIO]):
    terminator = "\n"

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._flush_on: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
        except Exception:  # logging's contract: report, never raise
            self.handleError(record)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._write([line])
            return
        if self._flush_on is not loop:
            self._flush_on = loop
            loop.call_soon(self.flush)
        self._pending.append(line)

    def flush(self) -> None:
        lines, self._pending, self._flush_on = self._pending, [], None
        if lines:
            self._write(lines)
        else:
            super().flush()

    def _write(self, lines: list[str]) -> None:
        self.acquire()
        try:
            self.stream.write("".join(lines))
            self.stream.flush()
        except Exception:  # logging's contract: report, never raise
            self.handleError(logging.makeLogRecord({"msg": f"{len(lines)} lines lost"}))
        finally:
            self.release()
