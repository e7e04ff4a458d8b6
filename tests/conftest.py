from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.guard import ConnectGuard, guarded
from tests.support import CORPUS, OriginLog, running_origin


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
