"""The URL property, shared by `test_url_property.py` (bounded, in the suite) and
`fuzz_routes.py` (for as long as it is given): no request path, on any route and dialect, with
signatures on or off, is answered 500, no exception reaches the server as a bug, no header
carries a control character, and every error message is short.

The app runs in-process, driven through ASGI the way uvicorn drives it (lifespan once, then the
raw path byte for byte, `path` its percent-decoded form). Its sources are a folder of tiny
images made here and one HTTP origin on 127.0.0.1 that the caller starts;
`IMGPROXY_ALLOWED_SOURCES` names exactly those two, so any other host is refused before a
connection is made, and the suite's connect guard turns a connection anywhere else into an
`AssertionError`, which the app would count as a bug.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import anyio
import httpx
import pyvips
from hypothesis import strategies as st
from starlette.testclient import TestClient
from starlette.types import Message

from config.settings import Settings
from imgproxy.app import create_app
from imgproxy.errors import ProxyError
from imgproxy.reader import RequestReader
from imgproxy.security.encryption import encode_encrypted
from imgproxy.signing import sign
from imgproxy.telemetry.metrics import Metrics
from imgproxy.thumbor.filters import HANDLERS
from imgproxy.thumbor.image_url import source_url
from imgproxy.thumbor.signing import sign as thumbor_sign
from imgproxy.url.registry import BY_NAME
from imgproxy.url.source import encode_base64, encode_plain

KEY = bytes.fromhex("6b6579206f6620746865207573656420666f722074686520746573747300")
SALT = bytes.fromhex("73616c74")
ENCRYPTION_KEY = bytes(range(32))
THUMBOR_KEY = "thumbor key"
CLEAN_5XX = frozenset({502, 503, 504})
"""An origin that failed or was too slow, or a server that is busy: never a bug."""
MAX_ERROR_BODY = 400
HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
"""What HTTP/1.1 servers refuse in a header value (HTAB is allowed)."""
IMAGES = ("a.png", "b.jpg")


# --- the deployments --------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    name: str
    signed: bool = False
    listed: bool = True
    """IMGPROXY_ALLOWED_SOURCES names the origin and the folder. Without the list, only
    sources that cannot dial beyond loopback are generated (`dials_only_loopback`), so the
    code after that check (origins, address policy) meets malformed URLs too."""
    env: dict[str, str] = field(default_factory=dict)


def deployments(root: Path, origin: str) -> tuple[Deployment, ...]:
    """Signatures off, signatures on (with encrypted sources and a thumbor key), sources
    rewritten by IMGPROXY_BASE_URL or IMGPROXY_URL_REPLACEMENTS, and no allowed-sources list."""
    common = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES": "1",
        "IMGPROXY_ALLOW_PRIVATE_SOURCE_ADDRESSES": "0",
        "IMGPROXY_MAX_RESULT_DIMENSION": "512",
        "IMGPROXY_WORKERS": "2",
        "IMGPROXY_TIMEOUT": "10",
    }
    listed = {**common, "IMGPROXY_ALLOWED_SOURCES": f"{origin}/,local:///"}
    unsafe = {**listed, "IMGPROXY_THUMBOR_ALLOW_UNSAFE": "1"}
    signed = {
        **listed,
        "IMGPROXY_KEY": KEY.hex(),
        "IMGPROXY_SALT": SALT.hex(),
        "IMGPROXY_SOURCE_URL_ENCRYPTION_KEY": ENCRYPTION_KEY.hex(),
        "IMGPROXY_THUMBOR_KEY": THUMBOR_KEY,
    }
    replacements = {**unsafe, "IMGPROXY_URL_REPLACEMENTS": "at:*/=http://${1}/"}
    return (
        Deployment("unsigned", env=replacements),
        Deployment("signed", signed=True, env=signed),
        Deployment("based", env={**unsafe, "IMGPROXY_BASE_URL": f"{origin}/"}),
        Deployment("unlisted", listed=False, env={**common, "IMGPROXY_THUMBOR_ALLOW_UNSAFE": "1"}),
    )


def dials_only_loopback(source: str) -> bool:
    """True when fetching `source` cannot dial anything but loopback: it does not parse, its
    scheme is not http(s), or its host is `localhost` or a loopback address written plainly.
    Only narrows what is generated: the connect guard stays the check."""
    try:
        urlsplit(source).port  # noqa: B018
        url = httpx.URL(source)
    except (ValueError, httpx.InvalidURL):
        return True
    if url.scheme not in ("http", "https"):
        return True
    if url.host in ("localhost", ""):
        return True
    try:
        address = ipaddress.ip_address(url.host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def thumbor_dials_only_loopback(image: str) -> bool:
    try:
        return dials_only_loopback(source_url(unquote(image)))
    except ProxyError:
        return True


READERS: dict[tuple[tuple[str, str], ...], RequestReader] = {}


def reader_of(deployment: Deployment) -> RequestReader:
    key = tuple(sorted(deployment.env.items()))
    if key not in READERS:
        READERS[key] = RequestReader(Settings.from_env(deployment.env), "generated")
    return READERS[key]


def fetches_only_loopback(deployment: Deployment, target: str) -> bool:
    """What the deployment's own reader makes of `target` dials only loopback, or the reader
    refuses it before anything is fetched."""
    reader = reader_of(deployment)
    raw_path = target.partition("?")[0]
    try:
        if raw_path.startswith(reader.thumbor_prefix + "/"):
            parsed = reader.read_thumbor(raw_path)
            urls = [parsed.source, *(url for _, url in parsed.asset_urls)]
        else:
            urls = [reader.read(raw_path.removeprefix("/info"), "").request.source]
    except ProxyError:
        return True
    return all(dials_only_loopback(url) for url in urls)


# --- driving the app as a server does ---------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class Running:
    """One deployment's app, its lifespan started, answering raw requests."""

    def __init__(self, deployment: Deployment, client: TestClient, metrics: Metrics) -> None:
        self.deployment = deployment
        self.client = client
        self.metrics = metrics

    def get(self, target: str, method: str = "GET", accept: str = "*/*") -> Answer:
        """`target` is what the request line carries (ASCII), query string included."""
        raw_path, _, query = target.partition("?")
        portal = self.client.portal
        assert portal is not None
        return portal.call(self._request, method, raw_path, query, accept)

    async def _request(self, method: str, raw_path: str, query: str, accept: str) -> Answer:
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": unquote(raw_path),
            "raw_path": raw_path.encode("ascii"),
            "query_string": query.encode("ascii"),
            "root_path": "",
            "headers": [(b"host", b"proxy"), (b"accept", accept.encode("latin-1"))],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 80),
            "state": self.client.app_state.copy(),
        }
        sent: list[Message] = []
        done = anyio.Event()
        request_read = False

        async def receive() -> Message:
            nonlocal request_read
            if not request_read:
                request_read = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await self.client.app(scope, receive, send)
        done.set()
        start = next(message for message in sent if message["type"] == "http.response.start")
        body = b"".join(message.get("body", b"") for message in sent[1:])
        return Answer(start["status"], list(start.get("headers", [])), body)

    def unexpected_errors(self) -> float:
        return self.metrics.unexpected_errors()


def make_images(root: Path) -> dict[str, bytes]:
    """Tiny sources, so that the requests that get through to processing stay cheap."""
    image = pyvips.Image.black(12, 9, bands=3).draw_rect([200, 40, 10], 2, 2, 6, 4, fill=True)
    made = {"a.png": image.pngsave_buffer(), "b.jpg": image.jpegsave_buffer()}
    for name, data in made.items():
        (root / name).write_bytes(data)
    return made


@contextlib.contextmanager
def running(deployment: Deployment) -> Iterator[Running]:
    settings = Settings.from_env(deployment.env)
    metrics = Metrics(process_metrics=False)
    with TestClient(create_app(settings, metrics)) as client:
        yield Running(deployment, client, metrics)


# --- the property -----------------------------------------------------------------------------


def brief(text: str, most: int = 240) -> str:
    return text if len(text) <= most else f"{text[:most]}... ({len(text)} characters)"


def describe(target: str, answer: Answer) -> str:
    return f"{brief(target)} -> {answer.status} {brief(answer.body.decode('latin-1'))!r}"


def check_answer(target: str, answer: Answer) -> None:
    assert answer.status != 500, describe(target, answer)
    assert answer.status < 500 or answer.status in CLEAN_5XX, describe(target, answer)
    for name, value in answer.headers:
        text = value.decode("latin-1")
        assert not HEADER_CONTROL.search(text), f"{brief(target)}: {name!r} = {value!r}"
    if answer.status >= 400:
        assert len(answer.body) <= MAX_ERROR_BODY, describe(target, answer)


def check_request(app: Running, target: str, method: str = "GET", accept: str = "*/*") -> Answer:
    answer = app.get(target, method, accept)
    check_answer(target, answer)
    assert app.unexpected_errors() == 0, f"{brief(target)}: counted as an unexpected error"
    return answer


# --- the URLs -----------------------------------------------------------------------------------

CLIENT_SAFE = "".join(chr(code) for code in range(0x21, 0x7F))


def on_the_wire(path: str) -> str:
    """What a client puts on the request line: spaces, controls and non-ASCII percent-encoded,
    everything else (a stray `%` included) as written."""
    return quote(path, safe=CLIENT_SAFE)


def digits(count: int) -> str:
    return "7" * count


ARGUMENTS: Sequence[str] = (
    "",
    "0",
    "1",
    "2",
    "8",
    "50",
    "100",
    "300",
    "-1",
    "65536",
    "99999999999",
    "0.5",
    "1e3",
    "1e999",
    "nan",
    "inf",
    "-0",
    "+5",
    "t",
    "true",
    "false",
    "fill",
    "fit",
    "force",
    "auto",
    "ce",
    "sm",
    "no",
    "png",
    "jpg",
    "webp",
    "ff0000",
    "fff",
    "zz",
    "YQ0KYgBjfw",
    "aHR0cDovL2EuY29tL2EuanBn",
    "%0d%0a",
    "a\r\nb",
)
WORDS = st.text(st.characters(codec="utf-8", exclude_characters="/"), max_size=10)
HUGE = st.integers(4290, 5200).map(digits)
"""Past Python's 4,300-digit limit for reading an integer."""


def mostly(common: st.SearchStrategy[str], rare: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`rare` about one time in eight."""
    return st.integers(0, 7).flatmap(lambda roll: rare if roll == 0 else common)


argument = mostly(st.one_of(st.sampled_from(ARGUMENTS), st.integers(-3, 400).map(str), WORDS), HUGE)
OPTION_NAMES = sorted(set(BY_NAME) | {"raw", "pr", "preset", "zz", ""})
option = st.builds(
    lambda name, args: ":".join([name, *args]),
    st.sampled_from(OPTION_NAMES),
    st.lists(argument, max_size=4),
)
WORKING_OPTIONS = (
    "rs:fit:6:6",
    "rs:fill:5:4:1",
    "w:5",
    "h:4",
    "q:50",
    "el:1",
    "g:sm",
    "bl:1",
    "sh:1",
    "f:png",
    "c:4:4",
    "pd:1",
    "rot:90",
    "fn:YQ0KYgBjfw:1",
    "fn:a%0d%0ab%7f",
    "filename:IgpcIgo:1",
    "att:1",
    "exp:9999999999",
    "bg:ff0000",
    "dpr:2",
    "z:1.5",
    "cb:1",
)
options = st.lists(st.one_of(st.sampled_from(WORKING_OPTIONS), option), max_size=4)


@dataclass(frozen=True)
class Origins:
    origin: str
    """`http://127.0.0.1:PORT`, serving IMAGES and a few misbehaving paths."""

    @property
    def host_port(self) -> str:
        return self.origin.removeprefix("http://")


ORIGIN_PATHS = (
    "/a.png",
    "/b.jpg",
    "/missing.png",
    "/redirect-out",
    "/redirect-loop",
    "/redirect-home",
    "/html",
    "/empty",
    "/",
    "//a.png",
    "/%2e%2e/a.png",
    "/../a.png",
    "/a.png?x=1",
    "/a.png#frag",
    "/a%00.png",
    "/a%zz.png",
)
ODD_HOSTS = (
    "[127.0.0.1]",
    "[::1",
    "::1]",
    "[zz]",
    "[v1.x]",
    "[::1]",
    "[::1]:1",
    "[::ffff:127.0.0.1]",
    "[fe80::1%25eth0]",
    "localhost",
    "127.1",
    "0x7f.1",
    "2130706433",
    digits(5000),
    "%31%32%37.0.0.1",
    "evil.example",
    "evil.example@127.0.0.1",
    "user:pass@127.0.0.1",
    "127.0.0.1:",
    "127.0.0.1:0",
    "127.0.0.1:65536",
    "127.0.0.1:-1",
    "127.0.0.1:x",
    "127.0.0.1:" + digits(5000),
    "ex\u2100ample.example",
    "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com",  # full-width letters
    "10.0.0.1",
    "",
)
SCHEMES = ("http", "https", "HTTP", "local", "s3", "ftp", "file", "data", "javascript", "")
LOCAL_SOURCES = (
    "local:///a.png",
    "local:///b.jpg",
    "local:///missing.png",
    "local:///../etc/passwd",
    "local:///%2e%2e/a.png",
    "local:///",
    "local://a.png",
    "local:/a.png",
    "local:///a.png?x#y",
    "local:///" + "n" * 300 + ".png",
)
EXTENSIONS = ("", "", "png", "jpg", "webp", "avif", "gif", "svg", "bmp", "zz", "png@jpg")


@functools.cache
def sources(origins: Origins, listed: bool = True) -> st.SearchStrategy[str]:
    """Sources that work, on the origin, in the folder or under IMGPROXY_BASE_URL, about half
    the time; any other spelling the rest."""
    good = st.sampled_from(
        [f"{origins.origin}/{name}" for name in IMAGES] + list(LOCAL_SOURCES) + list(IMAGES)
    )
    hosts = st.one_of(st.sampled_from((origins.host_port, *ODD_HOSTS)), WORDS)
    paths = st.one_of(st.sampled_from(ORIGIN_PATHS), WORDS.map(lambda text: "/" + text))
    composed = st.builds(
        lambda scheme, host, path: f"{scheme}://{host}{path}",
        st.one_of(st.sampled_from(SCHEMES), WORDS),
        hosts,
        paths,
    )
    rewritten = st.builds(lambda host, path: f"at:{host}{path}", hosts, paths)
    every = st.one_of(good, good, good, composed, rewritten, st.text(max_size=40))
    return every if listed else every.filter(dials_only_loopback)


def source_part(source: str, extension: str, spelling: str) -> str:
    if spelling == "plain":
        return f"plain/{source}" + (f"@{extension}" if extension else "")
    if spelling == "escaped":
        return encode_plain(source, extension)
    if spelling == "encrypted":
        return encode_encrypted(source, ENCRYPTION_KEY, extension)
    return encode_base64(source, extension)


SPELLINGS = ("plain", "escaped", "base64", "encrypted")
SIGNATURES = ("good", "good", "good", "unsafe", "_", "bad", "")
""""good": signed with the key when the deployment signs, `unsafe` when it does not."""


def imgproxy_path(signature: str, rest: str, signed: bool = True) -> str:
    if signature == "good":
        signature = sign("/" + rest, KEY, SALT) if signed else "unsafe"
    elif signature == "bad":
        signature = sign("/" + rest, SALT, KEY)
    return f"/{signature}/{rest}"


@st.composite
def image_paths(draw: st.DrawFn, origins: Origins, route: str, deployment: Deployment) -> str:
    """An imgproxy path: `route` is "image", "info" or "raw"."""
    chosen = draw(options)
    if route == "raw":
        chosen = [*chosen, draw(st.sampled_from(["raw:1", "raw:t", "raw:0", "raw"]))]
    part = source_part(
        draw(sources(origins, deployment.listed)),
        draw(st.sampled_from(EXTENSIONS)),
        draw(st.sampled_from(SPELLINGS)),
    )
    rest = "/".join([*chosen, part])
    path = imgproxy_path(draw(st.sampled_from(SIGNATURES)), rest, deployment.signed)
    return ("/info" if route == "info" else "") + path


THUMBOR_PARTS = (
    "debug",
    "trim",
    "trim:top-left:10",
    "trim:bottom-right:" + digits(4400),
    "10x20:300x400",
    "0x0:" + digits(5000) + "x1",
    "fit-in",
    "adaptive-full-fit-in",
    "100x100",
    "-10x-0",
    "origx20",
    "x" + digits(4400),
    "left",
    "top",
    "smart",
)
THUMBOR_PART_INDEXES = st.lists(st.integers(0, len(THUMBOR_PARTS) - 1), max_size=4, unique=True)
FILTER_NAMES = sorted(set(HANDLERS) | {"zz", "blur", "extract_focal"})
thumbor_filter = st.builds(
    lambda name, args: f"{name}({','.join(args)})",
    st.sampled_from(FILTER_NAMES),
    st.lists(argument.filter(lambda text: ")" not in text), max_size=4),
)

FILTER_CALLS = st.lists(thumbor_filter, max_size=3)


@functools.cache
def thumbor_image(origins: Origins, listed: bool = True) -> st.SearchStrategy[str]:
    every = st.one_of(
        st.sampled_from([f"{origins.host_port}/{name}" for name in IMAGES]),
        sources(origins),
        sources(origins).map(lambda text: quote(text, safe="")),
    )
    return every if listed else every.filter(thumbor_dials_only_loopback)


@st.composite
def thumbor_paths(draw: st.DrawFn, origins: Origins, meta: bool, deployment: Deployment) -> str:
    picked = draw(THUMBOR_PART_INDEXES)
    parts = [THUMBOR_PARTS[index] for index in sorted(picked)]
    if meta or draw(st.integers(0, 9)) == 0:
        parts.insert(0, "meta")
    calls = draw(FILTER_CALLS)
    if calls:
        parts.append("filters:" + ":".join(calls))
    rest = "/".join([*parts, draw(thumbor_image(origins, deployment.listed))])
    signature = draw(st.sampled_from(SIGNATURES))
    if signature == "good":
        signature = thumbor_sign(THUMBOR_KEY, rest) if deployment.signed else "unsafe"
    elif signature == "bad":
        signature = thumbor_sign("not the key", rest)
    query = draw(st.sampled_from(["", "", "?callback=cb", "?callback=a(b)", "?x=%zz"]))
    return f"/thumbor/{signature}/{rest}{query}"


PREFIXES = ("/", "/info/", "/thumbor/", "/thumbor/unsafe/", "/unsafe/", "/info/unsafe/plain/")
any_path = st.builds(
    lambda prefix, text: prefix + text, st.sampled_from(PREFIXES), st.text(max_size=80)
)

ROUTES = ("image", "info", "raw", "thumbor", "thumbor_meta", "any")
ACCEPTS = ("*/*", "image/avif,image/webp,*/*", "image/webp", "", "\u00ff;q=x")


def paths(origins: Origins, route: str, deployment: Deployment) -> st.SearchStrategy[str]:
    if route in ("image", "info", "raw"):
        return image_paths(origins, route, deployment)
    if route in ("thumbor", "thumbor_meta"):
        return thumbor_paths(origins, route == "thumbor_meta", deployment)
    return any_path


@dataclass(frozen=True)
class Request:
    deployment: str
    target: str
    method: str = "GET"
    accept: str = "*/*"


def requests(
    origins: Origins, route: str, chosen: Sequence[Deployment]
) -> st.SearchStrategy[Request]:
    def for_deployment(deployment: Deployment) -> st.SearchStrategy[Request]:
        return st.builds(
            Request,
            st.just(deployment.name),
            paths(origins, route, deployment).map(on_the_wire),
            st.sampled_from(["GET", "GET", "GET", "HEAD"]),
            st.sampled_from(ACCEPTS),
        ).filter(
            lambda request: deployment.listed or fetches_only_loopback(deployment, request.target)
        )

    # Arbitrary text holds host names too often to narrow it: listed deployments only.
    chosen = [deployment for deployment in chosen if deployment.listed or route != "any"]
    return st.one_of([for_deployment(deployment) for deployment in chosen])


# --- the origin's routes ------------------------------------------------------------------------


def origin_routes(images: dict[str, bytes]) -> dict[str, tuple[int, dict[str, str], bytes]]:
    """What the loopback origin answers, by request path (tests/imgproxy/security/conftest.py)."""
    types = {"a.png": "image/png", "b.jpg": "image/jpeg"}
    routes = {
        f"/{name}": (200, {"Content-Type": types[name]}, data) for name, data in images.items()
    }
    routes.update(
        {
            "/redirect-out": (302, {"Location": "http://10.0.0.1/a.png"}, b""),
            "/redirect-loop": (302, {"Location": "/redirect-loop"}, b""),
            "/redirect-home": (302, {"Location": "/a.png"}, b""),
            "/html": (200, {"Content-Type": "text/html"}, b"<html></html>"),
            "/empty": (200, {"Content-Type": "image/png"}, b""),
        }
    )
    return routes
