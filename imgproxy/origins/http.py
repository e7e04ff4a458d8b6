"""http(s) origin: one pooled httpx client, bounded redirects and time, body size capped while
streaming."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx

from imgproxy.errors import InvalidPath, OriginError, OriginTimeout, SourceNotFound
from imgproxy.origins import Original
from imgproxy.origins.ranged_streaming import read_head, read_span
from imgproxy.origins.ranges import Head, Span, Stops, range_header
from imgproxy.origins.streaming import ByteCounter, read_original, uncounted
from imgproxy.security.addresses import AddressPolicy
from imgproxy.security.allowed_sources import AllowedSources
from imgproxy.security.network import guarded_transport, source_check_hook

MISSING_STATUSES = frozenset({404, 410})


class HttpOrigin:
    def __init__(
        self,
        *,
        max_redirects: int,
        connect_timeout: float,
        read_timeout: float,
        user_agent: str,
        policy: AddressPolicy | None = None,
        allowed_sources: AllowedSources | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        counted: ByteCounter = uncounted,
    ) -> None:
        """Every connection goes through the address policy (checked on the resolved address
        actually dialled, redirects included); every hop's URL through the allowed sources.
        `counted` hears of the body bytes while they stream in."""
        self.counted = counted
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
        sources = allowed_sources or AllowedSources(())
        self.client = httpx.AsyncClient(
            follow_redirects=max_redirects > 0,
            max_redirects=max_redirects,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={"User-Agent": user_agent, "Accept-Encoding": "identity"},
            transport=transport or guarded_transport(policy or AddressPolicy(), limits=limits),
            event_hooks={"request": [source_check_hook(sources.check)]},
        )

    async def fetch(self, source: str, max_bytes: int = 0) -> Original:
        async with self._errors(source), self.client.stream("GET", source) as response:
            self._check_status(response, source)
            return await read_original(response, source, max_bytes, self.counted)

    async def fetch_head(self, source: str, max_bytes: int, stops: Stops) -> Original | Head:
        async with self._errors(source), self.client.stream("GET", source) as response:
            self._check_status(response, source)
            return await read_head(response, source, max_bytes, stops, self.counted)

    async def fetch_range(self, source: str, start: int, end: int, max_bytes: int) -> Span:
        headers = {"Range": range_header(start, end)}
        async with (
            self._errors(source),
            self.client.stream("GET", source, headers=headers) as response,
        ):
            self._check_status(response, source)
            return await read_span(
                response, source, start, end, max_bytes=max_bytes, counted=self.counted
            )

    @contextlib.asynccontextmanager
    async def _errors(self, source: str) -> AsyncIterator[None]:
        """httpx's failures as the proxy's errors."""
        try:
            yield
        except httpx.TimeoutException as error:
            raise OriginTimeout(detail=f"{source}: {type(error).__name__}") from None
        except httpx.TooManyRedirects:
            raise OriginError(
                "Too many redirects", detail=f"{source}: too many redirects"
            ) from None
        except httpx.InvalidURL as error:
            raise InvalidPath("Invalid source URL", detail=f"{source}: {error}") from None
        except httpx.HTTPError as error:
            raise OriginError(detail=f"{source}: {type(error).__name__}: {error}") from None

    def _check_status(self, response: httpx.Response, source: str) -> None:
        status = response.status_code
        if status in MISSING_STATUSES:
            raise SourceNotFound(detail=f"{source}: origin answered {status}")
        if response.is_redirect:
            raise OriginError("Redirects are disabled", detail=f"{source}: origin redirected")
        if not response.is_success:
            raise OriginError(f"Source answered {status}", detail=f"{source}: origin {status}")

    async def close(self) -> None:
        await self.client.aclose()
