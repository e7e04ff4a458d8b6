"""`/info` paths to what they ask, before any I/O: signature, info options (imgproxy Pro's
grammar), the rewritten source and the cache key; and what the answer carries back."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from cache.keys import info_key, source_key
from cache.record import CachedVariant
from config.settings import Settings
from imgproxy.errors import NotFound
from imgproxy.signing import Verifier
from imgproxy.url.info_path import InfoPathParser, InfoRequest
from imgproxy.url.info_rows import canonical_info_options
from imgproxy.url.parser import split_signature
from imgproxy.url.source import SourceRewriter

REMEMBERED_PATHS = 4096


@dataclass(frozen=True)
class InfoVariant:
    """A read `/info` path and what identifies its answer in every cache."""

    request: InfoRequest
    key: str
    source_key: str


@dataclass(frozen=True)
class InfoResult:
    variant: InfoVariant
    stored: CachedVariant
    """The JSON document and its validators, as the result tiers keep it."""
    cache_status: str
    """HIT, MISS, WAIT (shared another request's work), STALE or BYPASS (`bypass_cache`)."""
    not_modified: bool = False


def info_parser(settings: Settings) -> InfoPathParser:
    only_presets = settings.info_only_presets
    return InfoPathParser(
        settings.arguments_separator,
        settings.info_presets,
        allow_security_options=settings.allow_security_options,
        allow_bypass_cache=settings.allow_bypass_cache,
        allowed_options=settings.allowed_info_options,
        only_presets=settings.only_presets if only_presets is None else only_presets,
        # Unsigned encrypted URLs would be a padding oracle: only with signatures.
        encryption_key=settings.source_url_encryption_key if settings.signing_enabled else None,
    )


class InfoReader:
    """Reads `/info` paths (the part after `/info`) as the image route reads image paths:
    behind IMGPROXY_PATH_PREFIX, signed alike, sources rewritten alike. A path read once is
    remembered unless it carries `expires`."""

    def __init__(self, settings: Settings, settings_version: str) -> None:
        self.prefix = settings.path_prefix
        self.verifier = Verifier(
            settings.keys, settings.salts, settings.signature_size, settings.trusted_signatures
        )
        self.parser = info_parser(settings)
        self.rewriter = SourceRewriter(settings.base_url, settings.url_replacements)
        self.settings_version = settings_version
        self._remembered = lru_cache(maxsize=REMEMBERED_PATHS)(self._read)

    def read(self, raw_path: str) -> InfoVariant:
        found = self._remembered(raw_path)
        if found.request.options.expires is not None:
            return self._read(raw_path)
        return found

    def _read(self, raw_path: str) -> InfoVariant:
        if self.prefix:
            if not raw_path.startswith(self.prefix + "/"):
                raise NotFound(detail=f"Path outside {self.prefix}: {raw_path}")
            raw_path = raw_path[len(self.prefix) :]
        if raw_path.strip("/").count("/") == 0:
            raise NotFound(detail=f"No route for /info{raw_path}")
        signature, rest = split_signature(raw_path)
        self.verifier.verify(signature, "/" + rest)
        request = self.parser.parse(rest)
        request = replace(request, source=self.rewriter.rewrite(request.source))
        canonical = canonical_info_options(request.options)
        key = info_key(canonical, request.source, self.settings_version)
        return InfoVariant(request, key, source_key(request.source))
