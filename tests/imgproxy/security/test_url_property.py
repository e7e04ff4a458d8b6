"""No URL yields a 500: any path, option string and source spelling, on every route and dialect
(imgproxy images, `/info`, `raw`, thumbor images and `meta`), with signatures on and off.

Bounded here (`EXAMPLES` per route); `fuzz_routes.py` runs the same property for as long as it
is given. The property and the app harness are in `url_property.py`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

from tests.guard import ConnectGuard
from tests.imgproxy.security.conftest import Origin, serve
from tests.imgproxy.security.url_property import (
    ROUTES,
    Origins,
    Request,
    Running,
    check_request,
    deployments,
    imgproxy_path,
    make_images,
    on_the_wire,
    origin_routes,
    requests,
    running,
)

EXAMPLES = 200
bounded = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def origin_server_with_images() -> Iterator[Origin]:
    yield from serve()


@pytest.fixture(scope="module")
def apps(
    tmp_path_factory: pytest.TempPathFactory, origin_server_with_images: Origin
) -> Iterator[dict[str, Running]]:
    root: Path = tmp_path_factory.mktemp("sources")
    origin_server_with_images.routes.update(origin_routes(make_images(root)))
    origin = origin_server_with_images.url("")
    with contextlib.ExitStack() as stack:
        yield {
            deployment.name: stack.enter_context(running(deployment))
            for deployment in deployments(root, origin)
        }


@pytest.fixture(scope="module")
def origins(origin_server_with_images: Origin) -> Origins:
    return Origins(origin_server_with_images.url(""))


@pytest.fixture(autouse=True)
def nothing_left_loopback(connect_guard: ConnectGuard) -> Iterator[None]:
    before = len(connect_guard.blocked)
    yield
    assert connect_guard.blocked[before:] == []


def test_the_harness_reaches_every_route(apps: dict[str, Running], origins: Origins) -> None:
    """Good URLs get a 200 on every route, so the property below is not all 4xx."""
    source = f"{origins.origin}/a.png"
    rest = f"rs:fit:6:6/plain/{source}"
    for name in ("unsigned", "based", "unlisted"):
        app = apps[name]
        info = f"/info/unsafe/d:1/plain/{source}"  # /info takes info options only
        for target in (f"/unsafe/{rest}", info, f"/unsafe/raw:1/{rest}"):
            assert check_request(app, target).status == 200, (name, target)
        thumbor = f"/thumbor/unsafe/6x6/{origins.host_port}/a.png"
        assert check_request(app, thumbor).status == 200
        assert check_request(app, thumbor.replace("6x6", "meta/6x6")).status == 200
    signed = apps["signed"]
    assert check_request(signed, imgproxy_path("good", rest)).status == 200
    assert check_request(signed, imgproxy_path("unsafe", rest)).status == 403


@pytest.mark.parametrize(
    "target",
    [
        "/unsafe/plain/http://[127.0.0.1]:1/a.png",
        "/unsafe/plain/http://[::1/x",
        "/info/unsafe/plain/http://[zz]/x",
        "/unsafe/w:" + "7" * 5000 + "/plain/local:///a.png",
        "/unsafe/fn:YQ0KYgBjfw:1/plain/local:///a.png",
        "/thumbor/unsafe/meta/[::1/x",
        "/unsafe/plain/http://" + "1" * 5000 + "/x",
    ],
)
@pytest.mark.parametrize("deployment", ["unsigned", "unlisted"])
def test_the_issues_cases(apps: dict[str, Running], deployment: str, target: str) -> None:
    answer = check_request(apps[deployment], on_the_wire(target))
    assert answer.status in (200, 400, 403)


@pytest.mark.parametrize("route", ROUTES)
def test_no_url_is_a_500(apps: dict[str, Running], origins: Origins, route: str) -> None:
    chosen = [app.deployment for app in apps.values()]

    @bounded
    @given(requests(origins, route, chosen))
    @example(Request("unsigned", "/unsafe/plain/http://[zz]/x"))
    def no_500(request: Request) -> None:
        check_request(apps[request.deployment], request.target, request.method, request.accept)

    no_500()
