"""A connection's writes within one event-loop turn leave in one system call.

uvicorn writes a response's head and its body separately, so a cache hit costs two `send`s
where one `writev` would do; on hosts where a system call is dear that is a tenth of a hit's
CPU. `TurnWritesTransport` wraps the socket's transport: writes are queued, and at the end of
the loop turn they go out together. Anything that ends the connection (close, write_eof)
sends what is queued first; abort drops it, as aborting drops the transport's own buffer.
Once `SEND_AT` bytes are queued they go at once, so that a body streamed without a pause in
between still meets the transport's flow control (`pause_writing`) as it grows.
"""

from __future__ import annotations

import asyncio
from typing import Any

Chunk = bytes | bytearray | memoryview
SEND_AT = 256 * 1024


class TurnWritesTransport(asyncio.Transport):
    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._queued: list[Chunk] = []
        self._queued_bytes = 0

    def write(self, data: Chunk) -> None:
        if not data:
            return
        if not self._queued:
            self._loop.call_soon(self.send_queued)
        chunk = data if isinstance(data, bytes) else bytes(data)
        self._queued.append(chunk)
        self._queued_bytes += len(chunk)
        if self._queued_bytes >= SEND_AT:
            self.send_queued()

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def send_queued(self) -> None:
        queued, self._queued, self._queued_bytes = self._queued, [], 0
        if not queued or self._transport.is_closing():
            return
        if len(queued) == 1:
            self._transport.write(queued[0])
        else:
            self._transport.writelines(queued)

    def close(self) -> None:
        self.send_queued()
        self._transport.close()

    def write_eof(self) -> None:
        self.send_queued()
        self._transport.write_eof()

    def abort(self) -> None:
        self._queued, self._queued_bytes = [], 0
        self._transport.abort()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def get_write_buffer_size(self) -> int:
        return self._queued_bytes + self._transport.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)
