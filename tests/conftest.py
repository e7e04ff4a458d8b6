from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.guard import ConnectGuard, guarded
from tests.support import CORPUS, REPO, OriginLog, running_origin

# Modules that start real peers outside tests/integration (servers, browsers, other processes).
INTEGRATION_MODULES = frozenset(
    {
        "tests/cache/test_redis_tier.py",
        "tests/imgproxy/origins/test_s3.py",
        "tests/imgproxy/test_helper_isolation.py",
        "tests/imgproxy/playground/test_browser.py",
        "tests/imgproxy/playground/test_compare_browser.py",
        "tests/imgproxy/telemetry/test_prometheus.py",
        "tests/imgproxy/telemetry/test_alerts.py",
        "tests/imgproxy/telemetry/test_multiprocess.py",
        "tests/test_standalone_clone.py",
        "tests/imgproxy/test_cli_sign.py",
        "tests/imgproxy/test_malloc_preload.py",
        "tests/imgproxy/test_client.py",
        "tests/imgproxy/playground/test_routes.py",
        "tests/imgproxy/thumbor/test_filters_http.py",
        "tests/imgproxy/thumbor/test_http.py",
    }
)
# Property-based or whole-corpus modules that take seconds each.
SLOW_MODULES = frozenset(
    {
        "tests/imgproxy/url/test_generator.py",
        "tests/imgproxy/test_client_dimensions.py",
        "tests/imgproxy/test_html.py",
        "tests/imgproxy/security/test_hostile_urls.py",
        "tests/imgproxy/security/test_url_property.py",
        "tests/imgproxy/url/test_canonical.py",
        "tests/transforms/test_options_crop.py",
        "tests/transforms/test_options_encoding.py",
        "tests/transforms/test_options_resize.py",
        "tests/transforms/test_decoders.py",
        "tests/transforms/test_svg.py",
        "tests/cache/test_singleflight.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`integration` for tests that start real peers, `slow` for them and the long modules:
    `pytest -m "not slow"` is the fast tier."""
    for item in items:
        module = item.path.relative_to(REPO).as_posix()
        if module.startswith("tests/integration/") or module in INTEGRATION_MODULES:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.slow)
        elif module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def corpus() -> object:
    assert (CORPUS / "MANIFEST.tsv").is_file(), f"test corpus missing at {CORPUS}"
    return CORPUS


@pytest.fixture(scope="module")
def origin() -> Iterator[tuple[str, OriginLog]]:
    with running_origin() as served:
        yield served


@pytest.fixture(scope="session", autouse=True)
def session_connect_guard() -> Iterator[ConnectGuard]:
    """Every test runs with the connect guard: nothing may leave loopback."""
    yield from guarded()
