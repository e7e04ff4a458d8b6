"""With signing on, a refused URL says why in its body, for images and `/info/` alike."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest

from imgproxy.signing import sign
from tests.support import CORPUS, running_proxy

KEY, SALT = b"signature-errors-key", b"signature-errors-salt"
PHOTO = "jpeg-baseline-icc.jpg"
PATH = f"/c:50:50/plain/local:///{PHOTO}"  # `crop` is both a processing and an info option
ROUTES = ["", "/info"]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("root")
    shutil.copy(CORPUS / PHOTO, root / PHOTO)
    env = {
        "IMGPROXY_KEY": KEY.hex(),
        "IMGPROXY_SALT": SALT.hex(),
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=20) as http:
        yield http


def assert_refused(response: httpx.Response, status: int, reason: str) -> None:
    assert (response.status_code, response.text) == (status, reason + "\n")
    for secret in (KEY.hex(), SALT.hex(), sign(PATH, KEY, SALT)):
        assert secret not in response.text


@pytest.mark.parametrize("route", ROUTES)
def test_a_correct_signature_is_served(client: httpx.Client, route: str) -> None:
    response = client.get(f"{route}/{sign(PATH, KEY, SALT)}{PATH}")
    assert response.status_code == 200


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "path",
    [
        f"/unsafe{PATH}",
        f"/insecure{PATH}",
        f"/_{PATH}",
        PATH,  # options where the signature belongs
        f"/plain/local:///{PHOTO}",
    ],
)
def test_an_unsigned_url_is_missing_its_signature(
    client: httpx.Client, route: str, path: str
) -> None:
    assert_refused(client.get(route + path), 403, "Missing signature")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "signature",
    [
        sign(PATH, b"another-key", SALT),
        sign(PATH, KEY, SALT)[:-2],
        sign(PATH, KEY, SALT) + "=",
        "not%20base64!",
        "%2B%2F%2B%2F",
        "A",
    ],
)
def test_a_wrong_or_garbled_signature_is_invalid(
    client: httpx.Client, route: str, signature: str
) -> None:
    assert_refused(client.get(f"{route}/{signature}{PATH}"), 403, "Invalid signature")


@pytest.mark.parametrize("route", ROUTES)
def test_a_signature_of_other_options_is_invalid(client: httpx.Client, route: str) -> None:
    tampered = f"/{sign(PATH, KEY, SALT)}{PATH.replace('50:50', '500:500')}"
    assert_refused(client.get(route + tampered), 403, "Invalid signature")


@pytest.mark.parametrize("route", ROUTES)
def test_an_expired_signed_url_is_gone(client: httpx.Client, route: str) -> None:
    expired = f"/exp:1000{PATH}"
    response = client.get(f"{route}/{sign(expired, KEY, SALT)}{expired}")
    assert (response.status_code, response.text) == (410, "Expired URL\n")
