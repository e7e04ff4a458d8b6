"""The harness of the `@imgproxy/imgproxy-js-core` option tests: a case is one call of the
library and a check of what the proxy answered; `CoreProxy` is the proxy those URLs go to, with
the settings the options need, and the paths the library wrote for every case of a module (one
`node` run)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import httpx
import pyvips

from tests.integration import pixels
from tests.integration.js_core import JsOptions, Kind, Request, generate, signed_url
from tests.support import CORPUS, running_proxy

KEY, SALT = b"js-core-key".hex(), b"js-core-salt".hex()
ENCRYPTION_KEY = bytes(range(32))
WATERMARK = "png-rgb8-pngsuite.png"  # 32x32, opaque
PRESETS = "small=w:40/f:png,square=rt:fill/h:40"
INFO_PRESETS = "colours=avg:1/p:3"
SETTINGS = {
    "IMGPROXY_KEY": KEY,
    "IMGPROXY_SALT": SALT,
    "IMGPROXY_SOURCE_URL_ENCRYPTION_KEY": ENCRYPTION_KEY.hex(),
    "IMGPROXY_ALLOW_SECURITY_OPTIONS": "true",
    "IMGPROXY_ALLOW_BYPASS_CACHE": "true",
    "IMGPROXY_PRESETS": PRESETS,
    "IMGPROXY_INFO_PRESETS": INFO_PRESETS,
    "IMGPROXY_WATERMARK_PATH": str(CORPUS / WATERMARK),
}


@dataclass
class Served:
    """What the proxy answered for a case, and for its baseline: the same source with options
    written by hand in our own syntax, for the checks to compare with."""

    response: httpx.Response
    baseline_response: httpx.Response | None
    source: str
    """The corpus file behind the URL."""

    @cached_property
    def image(self) -> pyvips.Image:
        assert self.response.status_code == 200, self.response.text[:300]
        return pixels.decode(self.response.content)

    @cached_property
    def baseline(self) -> pyvips.Image:
        assert self.baseline_response is not None, "the case has no baseline"
        assert self.baseline_response.status_code == 200, self.baseline_response.text[:300]
        return pixels.decode(self.baseline_response.content)

    @cached_property
    def original(self) -> pyvips.Image:
        return pyvips.Image.new_from_file(str(CORPUS / self.source)).autorot()

    @cached_property
    def document(self) -> dict[str, Any]:
        assert self.response.status_code == 200, self.response.text[:300]
        assert self.response.headers["content-type"] == "application/json"
        answer: dict[str, Any] = json.loads(self.response.content)
        return answer

    @property
    def source_bytes(self) -> bytes:
        return (CORPUS / self.source).read_bytes()


Check = Callable[[Served], None]


@dataclass(frozen=True)
class Case:
    option: str
    """The library's name of the option under test (its key in the options object)."""
    options: JsOptions | Callable[[str], JsOptions]
    """What a user passes to the library; a callable gets the origin's base URL."""
    check: Check
    label: str = ""
    source: str = "jpeg-baseline-icc.jpg"  # 290x442, ICC profile, EXIF, XMP
    baseline: str | None = None
    """Options in our own syntax (`w:100/f:png`, or empty) for the same source, fetched first."""
    kind: Kind = "image"

    @property
    def id(self) -> str:
        return f"{self.option}-{self.label}" if self.label else self.option

    def request(self, origin: str) -> Request:
        options = self.options(origin) if callable(self.options) else self.options
        url = {"type": "plain", "value": f"{origin}/files/{self.source}"}
        return Request(self.id, self.kind, url, options)


def ids(cases: Sequence[Case]) -> list[str]:
    names = [case.id for case in cases]
    assert len(set(names)) == len(names), "two cases share an id"
    return names


@dataclass
class CoreProxy:
    base: str
    origin: str
    client: httpx.Client
    paths: dict[str, str] = field(default_factory=dict)

    def url(self, kind: Kind, path: str) -> str:
        return signed_url(self.base, kind, path, KEY, SALT)

    def our_url(self, kind: Kind, options: str, source: str) -> str:
        """A URL written by hand in our own syntax, signed."""
        segments = f"/{options}" if options else ""
        return self.url(kind, f"{segments}/plain/{self.origin}/files/{source}")

    def serve(self, case: Case) -> Served:
        baseline = None
        if case.baseline is not None:
            baseline = self.client.get(self.our_url(case.kind, case.baseline, case.source))
        response = self.client.get(self.url(case.kind, self.paths[case.id]))
        return Served(response, baseline, case.source)


@contextmanager
def core_proxy(origin: str, requests: Sequence[Request]) -> Iterator[CoreProxy]:
    """The proxy with `SETTINGS`, and the library's paths for `requests`, written once."""
    paths = generate(requests)
    with running_proxy(SETTINGS) as base, httpx.Client(timeout=30) as client:
        yield CoreProxy(base, origin, client, paths)


def b64(text: str) -> str:
    """URL-safe base64 without padding, as imgproxy URLs carry text."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
