"""thumbor signatures: HMAC-SHA1 over the raw path after `/HASH/`, URL-safe base64 with padding.

Only the *leading* `/HASH/` is removed (a global replace let crafted paths reuse a signature,
CVE-2026-53501), and the comparison is constant-time. Standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from urllib.parse import unquote

from imgproxy.errors import InvalidPath, InvalidSignature

UNSAFE = "unsafe"


def sign(key: str, path: str) -> str:
    """The signature thumbor and libthumbor put before `path` (no leading slash)."""
    digest = hmac.new(key.encode("utf-8"), path.encode("utf-8"), hashlib.sha1).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def split_signature(path: str) -> tuple[str, str]:
    """`/HASH/rest` into (HASH, rest), `rest` still percent-encoded and without its slash."""
    signature, slash, rest = path.removeprefix("/").partition("/")
    if not signature or not slash or not rest:
        raise InvalidPath(detail=f"thumbor path has no signature or no image: {path}")
    return signature, rest


@dataclass(frozen=True)
class ThumborVerifier:
    key: str = field(default="", repr=False)
    allow_unsafe: bool = False

    def verify(self, signature: str, path: str) -> None:
        if signature == UNSAFE:
            if not self.allow_unsafe:
                raise InvalidSignature("Unsafe URLs are not allowed")
            return
        if not self.key:
            raise InvalidSignature("Signed URLs are not enabled", detail="no thumbor key set")
        expected = sign(self.key, path).encode("ascii")
        given = unquote(signature).encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            raise InvalidSignature("Invalid signature", detail=f"bad thumbor signature for {path}")
