"""local:///path origin: files under IMGPROXY_LOCAL_FILESYSTEM_ROOT, with no way out of it."""

from __future__ import annotations

import asyncio
import mimetypes
import os
from email.utils import formatdate
from pathlib import Path
from urllib.parse import unquote, urlsplit

from imgproxy.errors import SourceNotAllowed, SourceNotFound, SourceTooLarge
from imgproxy.origins import Original


class LocalOrigin:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve(strict=True)

    def resolve(self, source: str) -> Path:
        """The real file a `local://` source names; refuses anything outside the root."""
        parts = urlsplit(source)
        relative = unquote(parts.path)
        if parts.netloc or "\x00" in relative:
            raise SourceNotAllowed("Local sources look like local:///path", detail=source)
        if ".." in Path(relative).parts:
            raise SourceNotAllowed("Source path leaves the local root", detail=source)
        candidate = (self.root / relative.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.root):
            raise SourceNotAllowed("Source path leaves the local root", detail=source)
        return candidate

    async def fetch(self, source: str, max_bytes: int = 0) -> Original:
        return await asyncio.to_thread(self._read, source, max_bytes)

    def _read(self, source: str, max_bytes: int) -> Original:
        path = self.resolve(source)
        try:
            with path.open("rb") as handle:
                stat = os.fstat(handle.fileno())
                if max_bytes and stat.st_size > max_bytes:
                    raise SourceTooLarge(detail=f"{source}: {stat.st_size} > {max_bytes}")
                data = handle.read(max_bytes + 1) if max_bytes else handle.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise SourceNotFound(detail=f"{source}: no such file") from None
        except PermissionError:
            raise SourceNotFound(detail=f"{source}: not readable") from None
        if max_bytes and len(data) > max_bytes:
            raise SourceTooLarge(detail=f"{source}: larger than {max_bytes}")
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        return Original(
            data, mimetypes.guess_type(path.name)[0], etag, formatdate(stat.st_mtime, usegmt=True)
        )

    async def close(self) -> None:
        return None
