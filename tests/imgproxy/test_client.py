"""UrlBuilder (the standard-library signing helper) and `python -m imgproxy sign`."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from imgproxy.client import InvalidOptions, UrlBuilder, parse_options
from imgproxy.errors import InvalidSignature
from imgproxy.security.encryption import decode_encrypted
from imgproxy.signing import Verifier, sign
from imgproxy.url.info_options import InfoOptions
from imgproxy.url.info_path import InfoPathParser, InfoRequest
from imgproxy.url.options import (
    Extend,
    Gravity,
    GravityType,
    ImageFormat,
    ImageRequest,
    Options,
    ResizingType,
)
from imgproxy.url.parser import PathParser, split_signature

ROOT = Path(__file__).resolve().parents[2]
KEY = "943b421c9eb07c830af81030552c86009268de4e532ba2ee2eab8247c6da0881"
SALT = "520f986b998545b4785e0defbc4f3c1203f22de2374a3d53cb7a7fe9fea309c5"
BASE = "https://img.example.com"
SOURCE = "https://example.com/images/cat.jpg"
SERVER_DEPS = ("pyvips", "starlette", "httpx", "uvicorn", "orjson")


def check(url: str, *, size: int = 32, separator: str = ":") -> ImageRequest:
    """Verify the signature of a built URL and parse it back, as the server would."""
    assert url.startswith(BASE + "/")
    signature, rest = split_signature(url.removeprefix(BASE))
    Verifier((bytes.fromhex(KEY),), (bytes.fromhex(SALT),), size).verify(signature, "/" + rest)
    return PathParser(separator=separator).parse(rest)


def clean_env(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("IMGPROXY_")}
    return env | {"PYTHONPATH": str(ROOT)} | extra


def run(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "code",
    [
        "import imgproxy",
        "import imgproxy.client",
        "import imgproxy.html, imgproxy.dimensions, imgproxy.integrations.template_calls",
        "from imgproxy.cli import main; main(['sign', 'http://a.com/b.jpg', 'w:10'])",
    ],
)
def test_client_side_imports_need_no_server_dependencies(code: str) -> None:
    loaded = "{name.split('.')[0] for name in sys.modules}"
    probe = f"; import sys; print(sorted({loaded} & {set(SERVER_DEPS)}))"
    result = run("-c", code + probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


def test_known_signatures() -> None:
    path = "/rs:fit:300:300/plain/http://img.example.com/pretty/image.jpg"
    assert UrlBuilder(key=KEY, salt=SALT).signature(path) == (
        "m3k5QADfcKPDj-SDI2AIogZbC3FlAXszuwhtWXYqavc"
    )
    assert UrlBuilder(key=KEY, salt=SALT, signature_size=8).signature(path) == "m3k5QADfcKM"
    docs = "/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png"
    assert UrlBuilder(key="736563726574", salt="68656C6C6F").signature(docs) == (
        "oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8"
    )


OPTIONS = [
    Options(),
    Options(
        resizing_type=ResizingType.FILL, width=300, height=200, format=ImageFormat.WEBP, quality=75
    ),
    Options(
        resizing_type=ResizingType.FILL_DOWN,
        width=640,
        height=0,
        dpr=2.0,
        enlarge=True,
        extend=Extend(True, Gravity(GravityType.SOUTH_WEST, 4.0, 0.25)),
        gravity=Gravity(GravityType.FOCUS_POINT, 0.3, 0.7),
        auto_rotate=False,
        strip_metadata=True,
        cachebuster="v7",
        expires=4_000_000_000,
    ),
]
SOURCES = [SOURCE, "https://example.com/a b/cat@2x.jpg?size=big&v=1%2", "local:///photos/é.png"]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("base64_source", "separator", "size"), [(False, ":", 32), (True, ":", 32), (False, ",", 8)]
)
def test_signed_url_verifies_and_parses_back(
    options: Options, source: str, base64_source: bool, separator: str, size: int
) -> None:
    builder = UrlBuilder(BASE, KEY, SALT, size, separator, base64_source)
    url = builder.url(source, options)
    assert check(url, size=size, separator=separator) == ImageRequest(options, source)
    assert url == BASE + builder.path(source, options)


def test_tampered_url_does_not_verify() -> None:
    url = UrlBuilder(BASE, KEY, SALT).url(SOURCE, width=300)
    with pytest.raises(InvalidSignature) as caught:
        check(url.replace("w:300", "w:301"))
    assert (caught.value.status, caught.value.message) == (403, "Invalid signature")


def test_fields_override_options() -> None:
    url = UrlBuilder(BASE, KEY, SALT).url(SOURCE, Options(width=10, quality=50), width=20, dpr=3.0)
    assert check(url).options == Options(width=20, quality=50, dpr=3.0)


def test_integer_numbers_where_floats_are_typed() -> None:
    # `dpr: float` accepts an int for type checkers; Python 3.11's int has no is_integer().
    options = Options(dpr=2, gravity=Gravity(GravityType.NORTH, 5, 0))
    url = UrlBuilder(BASE, KEY, SALT).url(SOURCE, options)
    assert url.endswith(f"/dpr:2/g:no:5/plain/{SOURCE}")
    assert check(url).options == options


def test_unsigned_builder() -> None:
    assert UrlBuilder().path(SOURCE, width=300) == f"/unsafe/w:300/plain/{SOURCE}"
    assert UrlBuilder("http://localhost:8080/").url(SOURCE, format=ImageFormat.PNG) == (
        f"http://localhost:8080/unsafe/plain/{SOURCE}@png"
    )
    encoded = base64.urlsafe_b64encode(SOURCE.encode()).decode().rstrip("=")
    assert UrlBuilder(base64_source=True).path(SOURCE) == f"/unsafe/{encoded}"


def expected_url(path: str) -> str:
    return f"{BASE}/{sign(path, bytes.fromhex(KEY), bytes.fromhex(SALT))}{path}"


def test_srcset_widths() -> None:
    builder = UrlBuilder(BASE, KEY, SALT)
    srcset = builder.srcset(SOURCE, [320, 640], height=200, resizing_type=ResizingType.FILL)
    first = expected_url(f"/rt:fill/w:320/h:200/plain/{SOURCE}")
    second = expected_url(f"/rt:fill/w:640/h:200/plain/{SOURCE}")
    assert srcset == f"{first} 320w, {second} 640w"
    for entry, width in zip(srcset.split(", "), [320, 640], strict=True):
        url, descriptor = entry.split(" ")
        assert descriptor == f"{width}w"
        assert check(url).options == Options(
            resizing_type=ResizingType.FILL, width=width, height=200
        )


def test_srcset_dpr() -> None:
    builder = UrlBuilder(BASE, KEY, SALT)
    srcset = builder.srcset_dpr(SOURCE, (1, 2), width=300)
    first = expected_url(f"/w:300/plain/{SOURCE}")
    second = expected_url(f"/w:300/dpr:2/plain/{SOURCE}")
    assert srcset == f"{first} 1x, {second} 2x"
    for entry, dpr in zip(srcset.split(", "), [1, 2], strict=True):
        url, descriptor = entry.split(" ")
        assert descriptor == f"{dpr}x"
        assert check(url).options == Options(width=300, dpr=dpr)
    assert builder.srcset_dpr(SOURCE, (1.5,)).endswith(f"/dpr:1.5/plain/{SOURCE} 1.5x")


def test_builder_from_env_uses_the_first_pair() -> None:
    env = {
        "IMGPROXY_KEY": f"{KEY}, 00",
        "IMGPROXY_SALT": f"{SALT},11",
        "IMGPROXY_SIGNATURE_SIZE": "8",
        "IMGPROXY_ARGUMENTS_SEPARATOR": ",",
    }
    builder = UrlBuilder.from_env(BASE, env)
    assert builder == UrlBuilder(BASE, KEY, SALT, 8, ",")
    assert check(builder.url(SOURCE, width=5), size=8, separator=",").options == Options(width=5)
    assert UrlBuilder.from_env(env={}) == UrlBuilder()


def sign_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run(
        "-m", "imgproxy", "sign", *args, **({"IMGPROXY_KEY": KEY, "IMGPROXY_SALT": SALT} | env)
    )


def test_cli_sign_prints_a_verifying_url() -> None:
    result = sign_cli(SOURCE, "rs:fill:300:200", "q:75", "--format", "webp", "--base-url", BASE)
    assert (result.returncode, result.stderr) == (0, "")
    url = result.stdout.strip()
    assert url == expected_url(f"/rt:fill/w:300/h:200/q:75/plain/{SOURCE}@webp")
    assert check(url) == ImageRequest(
        Options(
            resizing_type=ResizingType.FILL,
            width=300,
            height=200,
            quality=75,
            format=ImageFormat.WEBP,
        ),
        SOURCE,
    )


def test_cli_sign_flags_and_base64() -> None:
    result = run(
        "-m", "imgproxy", "sign", SOURCE, "w:10", "--key", KEY, "--salt", SALT,
        "--base64", "--base-url", BASE,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert "/plain/" not in url
    assert check(url) == ImageRequest(Options(width=10), SOURCE)


def test_cli_sign_unsigned_is_unsafe() -> None:
    result = run("-m", "imgproxy", "sign", SOURCE, "h:5", "--unsigned")
    assert (result.returncode, result.stdout) == (0, f"/unsafe/h:5/plain/{SOURCE}\n")


@pytest.mark.parametrize(
    "source",
    ["https://example.com/cat@2x.jpg", "https://example.com/a%2Fb.jpg", "https://e.com/x?y=1%"],
)
def test_cli_sign_keeps_the_source_as_given(source: str) -> None:
    result = sign_cli(source, "w:300", "--base-url", BASE)
    assert result.returncode == 0, result.stderr
    assert check(result.stdout.strip()) == ImageRequest(Options(width=300), source)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["w:abc"], "error: Expected integer 0..65535 for width but received 'abc'"),
        (["zz:1"], "error: Unknown option: zz"),
        (["--format", "bmpx"], "error: Expected one of jpeg, png, webp, avif, gif, tiff, heic, "
         "bmp, ico, svg, jxl, jpg, tif, heif, best for format but received 'bmpx'"),
    ],
)  # fmt: skip
def test_cli_sign_rejects_invalid_options(args: list[str], message: str) -> None:
    result = sign_cli(SOURCE, *args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")


def test_encrypted_sources_are_deterministic_and_decrypt() -> None:
    key = bytes(range(16)).hex()
    builder = UrlBuilder(key=b"k".hex(), salt=b"s".hex(), encryption_key=key)
    first = builder.path("https://example.com/cat.jpg", width=300, format=ImageFormat.WEBP)
    assert builder.path("https://example.com/cat.jpg", width=300, format=ImageFormat.WEBP) == first
    signature, _, rest = first.removeprefix("/").partition("/")
    Verifier([b"k"], [b"s"]).verify(signature, "/" + rest)
    options, _, token = rest.partition("/enc/")
    assert options == "w:300"
    source, extension = decode_encrypted([token], bytes.fromhex(key))
    assert (source, extension) == ("https://example.com/cat.jpg", "webp")


def test_info_url_writes_info_options_signed_like_an_image_path() -> None:
    builder = UrlBuilder(BASE, KEY, SALT)
    assert builder.info_url(SOURCE) == f"{BASE}/info{builder.path(SOURCE)}"
    asked = InfoOptions(exif=False, palette=8, blurhash=(4, 3), cachebuster="x")
    url = builder.info_url(SOURCE, asked)
    signature, rest = split_signature(url.removeprefix(BASE + "/info"))
    Verifier((bytes.fromhex(KEY),), (bytes.fromhex(SALT),)).verify(signature, "/" + rest)
    assert rest == f"exif:0:0/p:8/bh:4:3/cb:x/plain/{SOURCE}"
    assert InfoPathParser().parse(rest) == InfoRequest(asked, SOURCE)
    assert UrlBuilder().info_url(SOURCE, InfoOptions(size=False)) == (
        f"/info/unsafe/s:0/plain/{SOURCE}"
    )


def test_parse_options_reads_url_segments() -> None:
    assert parse_options("rs:fill:300:200", "q:75", "f:webp") == Options(
        resizing_type=ResizingType.FILL, width=300, height=200, quality=75, format=ImageFormat.WEBP
    )
    assert parse_options("w,10", separator=",") == Options(width=10)
    assert parse_options() == Options()


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        (["w:abc"], "Expected integer 0..65535 for width but received 'abc'"),
        (["zz:1"], "Unknown option: zz"),
    ],
)
def test_parse_options_refuses_what_the_server_would(segments: list[str], message: str) -> None:
    with pytest.raises(InvalidOptions) as caught:
        parse_options(*segments)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)
