"""URLs from the official imgproxy Node client (`@imgproxy/imgproxy-node`) are served unchanged.

`make test` installs the client into tests/node/node_modules (pinned by its lock file); the
test only runs `node` with tests/node/generate_urls.js, then fetches every URL it printed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import pyvips

from imgproxy.client import UrlBuilder, parse_options
from tests.support import REPO, running_origin, running_proxy

NODE_DIR = REPO / "tests" / "node"
CLIENT = NODE_DIR / "node_modules" / "@imgproxy" / "imgproxy-node" / "package.json"
KEY = "943b421c9eb07c830af81030552c86009268de4e532ba2ee2eab8247c6da0881"
SALT = "520f986b998545b4785e0defbc4f3c1203f22de2374a3d53cb7a7fe9fea309c5"
ENCRYPTION_KEY = bytes(range(32)).hex()  # the Node client encrypts with AES-256 only
SOURCE = "jpeg-exif-orientation-1.jpg"  # 1800x1200
SIGNED = {
    "IMGPROXY_KEY": KEY,
    "IMGPROXY_SALT": SALT,
    "IMGPROXY_SOURCE_URL_ENCRYPTION_KEY": ENCRYPTION_KEY,
}

# name: (arguments for generateImageUrl besides endpoint and keys, same request in our
#        option syntax, format name and media type, width, height)
IMAGE_CASES: dict[str, tuple[dict[str, Any], str, str, int, int]] = {
    "plain source, fill, webp": (
        {
            "url": {"displayAs": "plain"},
            "options": {
                "resize": {"resizing_type": "fill", "width": 300, "height": 200},
                "format": "webp",
                "quality": 70,
            },
        },
        "rs:fill:300:200/f:webp/q:70",
        "webp",
        300,
        200,
    ),
    "base64 source (the default), fit, png": (
        {"options": {"resizing_type": "fit", "width": 300, "height": 300, "format": "png"}},
        "rt:fit/w:300/h:300/f:png",
        "png",
        300,
        200,
    ),
    "many options": (
        {
            "options": {
                "resize": {"resizing_type": "fill", "width": 200, "height": 100},
                "gravity": {"type": "sm"},
                "dpr": 2,
                "padding": {"top": 5, "right": 5, "bottom": 5, "left": 5},
                "background": "ff0000",
                "rotate": 90,
                "blur": 1,
                "sharpen": 0.5,
                "strip_metadata": 1,
                "cachebuster": "v1",
                "format": "jpg",
                "quality": 80,
            }
        },
        "rs:fill:200:100/g:sm/dpr:2/pd:5/bg:ff0000/rot:90/bl:1/sh:0.5/sm:1/cb:v1/f:jpg/q:80",
        "jpeg",
        420,  # 400x200 at dpr 2 (sizes apply after the turn), plus 10 px of padding each side
        220,
    ),
    "encrypted source with a given IV, avif": (
        {
            "url": {"displayAs": "encrypted"},
            "options": {"width": 450, "format": "avif"},
            "encryptIV": "00112233445566778899aabbccddeeff",
        },
        "w:450/f:avif",
        "heif",
        450,
        300,
    ),
    "encrypted source with a random IV": (
        {"url": {"displayAs": "encrypted"}, "options": {"height": 100, "format": "jpg"}},
        "h:100/f:jpg",
        "jpeg",
        150,
        100,
    ),
}
MEDIA_TYPES = {"webp": "image/webp", "png": "image/png", "jpeg": "image/jpeg", "heif": "image/avif"}


def generate(cases: list[dict[str, Any]], env: Mapping[str, str] = {}) -> dict[str, str]:
    """Runs the Node client over `cases`; the environment carries nothing but `env` and PATH."""
    node = shutil.which("node")
    if node is None or not CLIENT.is_file():
        pytest.fail(
            "node or the imgproxy Node client is missing: `make test` installs nodejs and runs "
            "`npm ci --prefix tests/node`"
        )
    result = subprocess.run(
        [node, str(NODE_DIR / "generate_urls.js")],
        input=json.dumps({"cases": cases}),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-1500:]  # the minified source comes first
    urls: dict[str, str] = json.loads(result.stdout)
    return urls


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str, str]]:
    """(signed proxy, unsigned proxy, origin)."""
    with (
        running_origin() as (origin, _),
        running_proxy(SIGNED) as signed,
        running_proxy({}) as unsigned,
    ):
        yield signed, unsigned, origin


def image_case(name: str, origin: str, proxy: str) -> dict[str, Any]:
    arguments = IMAGE_CASES[name][0]
    source = f"{origin}/files/{SOURCE}"
    url = arguments.get("url", {})
    return {
        "name": name,
        "kind": "image",
        "endpoint": proxy,
        "key": KEY,
        "salt": SALT,
        "encryptKey": ENCRYPTION_KEY,
        **arguments,
        "url": {**url, "value": source} if url else source,
    }


def decode(body: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(body, "")


@pytest.mark.parametrize("name", list(IMAGE_CASES))
def test_node_client_urls_are_served(servers: tuple[str, str, str], name: str) -> None:
    signed, _, origin = servers
    url = generate([image_case(name, origin, signed)])[name]
    _, ours, loader, width, height = IMAGE_CASES[name]
    status, content_type, body = fetch(url)
    assert (status, content_type) == (200, MEDIA_TYPES[loader]), body[:200]
    image = decode(body)
    assert image.get("vips-loader").startswith(loader)
    assert (image.width, image.height) == (width, height)
    # The same request written with our helper gives the same pixels.
    builder = UrlBuilder(signed, KEY, SALT)
    _, _, expected = fetch(builder.url(f"{origin}/files/{SOURCE}", parse_options(*ours.split("/"))))
    assert (decode(expected) - image).abs().max() == 0


def test_node_client_padding_and_background_land_in_the_pixels(
    servers: tuple[str, str, str],
) -> None:
    signed, _, origin = servers
    url = generate([image_case("many options", origin, signed)])["many options"]
    image = decode(fetch(url)[2])
    red, green, blue = image.getpoint(2, 2)[:3]
    assert red > 240 and green < 15 and blue < 15


def test_random_iv_urls_differ_and_both_serve(servers: tuple[str, str, str]) -> None:
    signed, _, origin = servers
    case = image_case("encrypted source with a random IV", origin, signed)
    urls = generate([case, {**case, "name": "again"}])
    assert urls[case["name"]] != urls["again"]
    assert "/enc/" in urls["again"]
    for url in urls.values():
        status, content_type, _ = fetch(url)
        assert (status, content_type) == (200, "image/jpeg")


def test_info_url(servers: tuple[str, str, str]) -> None:
    signed, _, origin = servers
    case = {
        "name": "info",
        "kind": "info",
        "endpoint": signed,
        "url": f"{origin}/files/{SOURCE}",
        "key": KEY,
        "salt": SALT,
    }
    url = generate([case])["info"]
    assert url.startswith(f"{signed}/info/")
    status, content_type, body = fetch(url)
    assert (status, content_type) == (200, "application/json")
    document = json.loads(body)
    assert (document["width"], document["height"], document["format"]) == (1800, 1200, "jpeg")


def test_key_and_salt_from_the_environment(servers: tuple[str, str, str]) -> None:
    signed, _, origin = servers
    case = {"name": "env", "kind": "image", "endpoint": signed, "url": f"{origin}/files/{SOURCE}"}
    case["options"] = {"width": 180, "format": "png"}
    url = generate([case], {"IMGPROXY_KEY": KEY, "IMGPROXY_SALT": SALT})["env"]
    assert "/insecure/" not in url
    status, content_type, body = fetch(url)
    assert (status, content_type) == (200, "image/png")
    assert (decode(body).width, decode(body).height) == (180, 120)


def test_unsigned_urls(servers: tuple[str, str, str]) -> None:
    signed, unsigned, origin = servers
    cases = [
        {
            "name": name,
            "kind": "image",
            "endpoint": endpoint,
            "url": f"{origin}/files/{SOURCE}",
            "options": {"width": 90, "format": "webp"},
        }
        for name, endpoint in (("unsigned", unsigned), ("refused", signed))
    ]
    urls = generate(cases)
    assert urls["unsigned"].startswith(f"{unsigned}/insecure/")
    status, content_type, body = fetch(urls["unsigned"])
    assert (status, content_type) == (200, "image/webp")
    assert (decode(body).width, decode(body).height) == (90, 60)
    status, _, body = fetch(urls["refused"])
    assert (status, body) == (403, b"Missing signature\n")
