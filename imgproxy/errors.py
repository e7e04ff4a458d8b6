"""One exception hierarchy for every failure a client can see.

Each class carries its HTTP status and a short public message; one handler in `imgproxy.app`
turns any of them into a response. No status code is written anywhere else.
"""

from __future__ import annotations


class ProxyError(Exception):
    """Base of every error that becomes an HTTP response."""

    status: int = 500
    public_message: str = "Internal error"
    retry_after: int | None = None

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        self.message = message or self.public_message
        self.detail = detail or self.message
        super().__init__(self.detail)


# 400: the client's path is malformed.
class InvalidPath(ProxyError):
    status = 400
    public_message = "Invalid URL"


class InvalidOption(InvalidPath):
    """An option name is unknown or one of its arguments is out of range."""


class UrlTooLong(ProxyError):
    status = 414
    public_message = "URL too long"


# 403: the request is refused.
class Forbidden(ProxyError):
    status = 403
    public_message = "Forbidden"


class InvalidSignature(Forbidden):
    public_message = "Invalid signature"


class MissingSignature(InvalidSignature):
    """Signing is on but the path carries no signature (`unsafe`, `_`, or options first)."""

    public_message = "Missing signature"


class SourceNotAllowed(Forbidden):
    pass


# 404
class NotFound(ProxyError):
    status = 404
    public_message = "Not found"


class SourceNotFound(NotFound):
    public_message = "Source image not found"


# 410
class ExpiredURL(ProxyError):
    status = 410
    public_message = "Expired URL"


# 422: the source cannot be turned into the result.
class UnprocessableSource(ProxyError):
    status = 422
    public_message = "Invalid source image"


class SourceTooLarge(UnprocessableSource):
    public_message = "Source image file is too big"


class SourceResolutionTooLarge(UnprocessableSource):
    pass


class UndecodableSource(UnprocessableSource):
    pass


class UnsupportedFormat(UnprocessableSource):
    pass


class SourceHashsumMismatch(ProxyError):
    """The source is not the one the URL's `hashsum` names: answered as it is, never with a
    fallback image in its place."""

    status = 422
    public_message = "Source image hashsum mismatch"


# 429 / 503: back off and retry.
class TooManyRequests(ProxyError):
    status = 429
    public_message = "Too many requests"
    retry_after = 1


class ServiceUnavailable(ProxyError):
    status = 503
    public_message = "Service unavailable"
    retry_after = 5


class DeadlineExceeded(ProxyError):
    status = 503
    public_message = "Timeout"
    retry_after = 1


# 502 / 504: the origin failed.
class OriginError(ProxyError):
    status = 502
    public_message = "Source is unreachable"


class OriginTimeout(ProxyError):
    status = 504
    public_message = "Source timed out"
