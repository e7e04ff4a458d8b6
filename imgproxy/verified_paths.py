"""Image paths to verified, parsed requests, remembered so that a repeated path is read once.

Verifying and parsing a path (signature, options, source rewriting, the canonical form for the
cache key) is a pure function of the path and the settings, and it costs more than answering an
L1 hit. Failures are not remembered: a bad path is checked again each time. Paths with an
`expires` option are read afresh every time, so that they stop working when they expire.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from cache.keys import canonical_options
from imgproxy.errors import NotFound
from imgproxy.signing import Verifier
from imgproxy.url.options import ImageRequest
from imgproxy.url.parser import PathParser, split_signature
from imgproxy.url.source import SourceRewriter

REMEMBERED_PATHS = 8192


@dataclass(frozen=True, slots=True)
class ReadPath:
    request: ImageRequest
    canonical: str
    """`canonical_options(request.options)`, for the cache key."""


class VerifiedPaths:
    def __init__(
        self,
        prefix: str,
        verifier: Verifier,
        parser: PathParser,
        rewriter: SourceRewriter,
        remembered: int = REMEMBERED_PATHS,
    ) -> None:
        self.prefix = prefix
        self.verifier = verifier
        self.parser = parser
        self.rewriter = rewriter
        self._remembered = lru_cache(maxsize=remembered)(self._read)

    def read(self, raw_path: str) -> ReadPath:
        found = self._remembered(raw_path)
        if found.request.options.expires is not None:
            return self._read(raw_path)
        return found

    def _read(self, raw_path: str) -> ReadPath:
        if self.prefix:
            if not raw_path.startswith(self.prefix + "/"):
                raise NotFound(detail=f"Path outside {self.prefix}: {raw_path}")
            raw_path = raw_path[len(self.prefix) :]
        if raw_path.strip("/").count("/") == 0:
            raise NotFound(detail=f"No route for {raw_path}")
        signature, rest = split_signature(raw_path)
        self.verifier.verify(signature, "/" + rest)
        request = self.parser.parse(rest)
        request = replace(request, source=self.rewriter.rewrite(request.source))
        return ReadPath(request, canonical_options(request.options))
