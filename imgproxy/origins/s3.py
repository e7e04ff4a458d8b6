"""s3://bucket/key[?version] origin: botocore signs each GET (SigV4), httpx streams the body
with the same size cap as the http origin."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import httpx
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials
from botocore.session import Session

from imgproxy.errors import (
    OriginError,
    OriginTimeout,
    ProxyError,
    SourceNotAllowed,
    SourceNotFound,
)
from imgproxy.origins import Original
from imgproxy.origins.ranged_streaming import read_head, read_span
from imgproxy.origins.ranges import Head, Span, Stops, range_header
from imgproxy.origins.streaming import read_original

# Path style accepts legacy names (capitals, underscores); a virtual host needs a DNS label, and
# a dotted one would not match the endpoint's wildcard TLS certificate.
BUCKET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")
DNS_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "NoSuchVersion"})
ERROR_CODE = re.compile(rb"<Code>([^<]{1,128})</Code>")
ERROR_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    version: str | None

    @classmethod
    def parse(cls, source: str) -> S3Object:
        """`s3://bucket/key`, optionally `?version_id` or `?version=version_id`.

        The key is taken verbatim, as imgproxy does: the proxy path already percent-decoded a
        plain source once, so `%`, `#`, spaces and non-ASCII here are part of the key."""
        if source[:5].lower() != "s3://":
            raise SourceNotAllowed("S3 sources look like s3://bucket/key", detail=source)
        location, _, version = source[5:].partition("?")
        bucket, _, key = location.partition("/")
        if not bucket or not key:
            raise SourceNotFound(detail=f"{source}: bucket name or object key is empty")
        if not BUCKET_NAME.fullmatch(bucket):
            raise SourceNotFound(detail=f"{source}: {bucket!r} cannot be a bucket name")
        if {".", ".."} & set(key.split("/")):
            # An HTTP client would collapse them and could reach another bucket's objects.
            raise SourceNotAllowed("Source key has dot segments", detail=source)
        return cls(bucket, key, version.removeprefix("version=") or None)


class S3Origin:
    def __init__(
        self,
        *,
        endpoint: str | None,
        region: str,
        path_style: bool,
        access_key: str | None,
        secret_key: str | None,
        session_token: str | None,
        connect_timeout: float,
        read_timeout: float,
    ) -> None:
        self.region = region
        if endpoint:
            if not endpoint.lower().startswith(("http://", "https://")):
                endpoint = f"http://{endpoint}"  # as imgproxy does (imgproxy#1354)
            parts = urlsplit(endpoint)
            self.scheme, self.host, self.base_path = parts.scheme, parts.netloc, parts.path
            self.base_path = self.base_path.rstrip("/")
            self.path_style = path_style
        else:
            # imgproxy's default: AWS itself, virtual-host style; `path_style` is for endpoints.
            self.scheme, self.host, self.base_path = "https", f"s3.{region}.amazonaws.com", ""
            self.path_style = False
        self.credentials: Credentials | None = None
        self.session: Session | None = None
        if access_key and secret_key:
            self.credentials = Credentials(access_key, secret_key, session_token or None)
        else:
            self.session = Session()
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=100),
            headers={"Accept-Encoding": "identity"},
        )

    def object_url(self, source: str) -> str:
        """The HTTP URL a GET of `source` goes to (path or virtual-host style)."""
        target = S3Object.parse(source)
        key = quote(target.key, safe="/")
        if self.path_style or not DNS_BUCKET_NAME.fullmatch(target.bucket):
            url = f"{self.scheme}://{self.host}{self.base_path}/{target.bucket}/{key}"
        else:
            url = f"{self.scheme}://{target.bucket}.{self.host}{self.base_path}/{key}"
        if target.version:
            url += f"?versionId={quote(target.version, safe='')}"
        return url

    async def fetch(self, source: str, max_bytes: int = 0) -> Original:
        async with self._get(source) as response:
            return await read_original(response, source, max_bytes)

    async def fetch_head(self, source: str, max_bytes: int, stops: Stops) -> Original | Head:
        async with self._get(source) as response:
            return await read_head(response, source, max_bytes, stops)

    async def fetch_range(self, source: str, start: int, end: int, max_bytes: int) -> Span:
        async with self._get(source, range_header(start, end)) as response:
            return await read_span(response, source, start, end, max_bytes=max_bytes)

    @contextlib.asynccontextmanager
    async def _get(self, source: str, byte_range: str = "") -> AsyncIterator[httpx.Response]:
        """A signed GET's answer, once it is a 200 (or the 206 of a ranged one)."""
        url = self.object_url(source)
        answers = (200, 206) if byte_range else (200,)
        try:
            signed = await self._signed_headers(url, byte_range)
            async with self.client.stream("GET", url, headers=signed) as response:
                if response.status_code not in answers:
                    raise await self._failure(response, source)
                yield response
        except httpx.TimeoutException as error:
            raise OriginTimeout(detail=f"{source}: {type(error).__name__}") from None
        except httpx.HTTPError as error:
            raise OriginError(detail=f"{source}: {type(error).__name__}: {error}") from None

    async def _signed_headers(self, url: str, byte_range: str = "") -> dict[str, str]:
        credentials: Credentials | ReadOnlyCredentials | None = self.credentials
        if self.session is not None:
            # botocore's chain (profile files, web identity, container or instance metadata)
            # may do blocking I/O to find or refresh credentials.
            credentials = await asyncio.to_thread(self._chain_credentials)
        request = AWSRequest(
            method="GET", url=url, headers={"Range": byte_range} if byte_range else {}
        )
        if credentials is not None:
            S3SigV4Auth(credentials, "s3", self.region).add_auth(request)
        return dict(request.headers.items())

    def _chain_credentials(self) -> ReadOnlyCredentials | None:
        assert self.session is not None
        found = self.session.get_credentials()
        return None if found is None else found.get_frozen_credentials()

    async def _failure(self, response: httpx.Response, source: str) -> ProxyError:
        """Missing bucket, key or version: 404. AccessDenied keeps its 403, as imgproxy passes
        S3's 4xx through. Anything else (bad credentials, wrong region, throttling, 5xx) is
        the proxy failing to reach its origin: 502, which also lets a stale copy be served."""
        body = b""
        async for chunk in response.aiter_raw():
            body += chunk
            if len(body) > ERROR_BODY_LIMIT:
                break
        match = ERROR_CODE.search(body)
        code = match.group(1).decode("utf-8", "replace") if match else ""
        status = response.status_code
        detail = f"{source}: S3 answered {status} {code}".rstrip()
        if status == 404 or code in NOT_FOUND_CODES:
            return SourceNotFound(detail=detail)
        if code == "AccessDenied":
            return SourceNotAllowed("Access to the source is denied", detail=detail)
        if status == 301:
            region = response.headers.get("x-amz-bucket-region", "?")
            detail = f"{detail}: the bucket is in region {region}, not {self.region}"
        return OriginError(f"Source answered {status}", detail=detail)

    async def close(self) -> None:
        await self.client.aclose()
