"""Bounded-time fuzzing of every route with the URL property of `url_property.py`:

    .venv/bin/python tests/imgproxy/security/fuzz_routes.py      # FUZZ_SECONDS, default 120

Rounds of hypothesis examples go over every route (imgproxy images, `/info`, `raw`, thumbor
images and `meta`, arbitrary paths) and every deployment (signatures on and off, rewritten
sources, no allowed-sources list) until the time is up: many more examples than the suite's
bounded run of the same property in `test_url_property.py`. The first 500, exception counted
as unexpected, header with a control character, long error message or connection beyond
loopback (the suite's connect guard is installed here too) stops it: the shrunk request is
printed and the exit status is 1. Not collected by pytest (no `test_` prefix).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from hypothesis import HealthCheck, given, settings

from tests.guard import guarded
from tests.imgproxy.security.conftest import serve
from tests.imgproxy.security.url_property import (
    ROUTES,
    Origins,
    Request,
    Running,
    check_request,
    deployments,
    make_images,
    origin_routes,
    requests,
    running,
)

DEFAULT_SECONDS = 120.0
ROUND_EXAMPLES = 100
"""Per route and round: the time limit is overshot by at most one round of one route."""


def fuzz_route(
    apps: dict[str, Running], origins: Origins, route: str, statuses: collections.Counter[int]
) -> None:
    """One round of `route`; raises (after hypothesis shrinks it) on the first failure."""

    @settings(
        max_examples=ROUND_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests(origins, route, [app.deployment for app in apps.values()]))
    def property_holds(request: Request) -> None:
        app = apps[request.deployment]
        answer = check_request(app, request.target, request.method, request.accept)
        statuses[answer.status] += 1

    property_holds()


def fuzz(seconds: float) -> int:
    statuses: collections.Counter[int] = collections.Counter()
    rounds = 0
    with contextlib.ExitStack() as stack:
        guard = stack.enter_context(contextlib.contextmanager(guarded)())
        root = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        origin = stack.enter_context(contextlib.contextmanager(serve)())
        origin.routes.update(origin_routes(make_images(root)))
        apps = {
            deployment.name: stack.enter_context(running(deployment))
            for deployment in deployments(root, origin.url(""))
        }
        origins = Origins(origin.url(""))
        end = time.monotonic() + seconds
        try:
            while time.monotonic() < end:
                for route in ROUTES:
                    if time.monotonic() >= end:
                        break
                    fuzz_route(apps, origins, route, statuses)
                rounds += 1
        except Exception as error:  # the finding: report it, whatever its kind
            traceback.print_exception(error)  # with hypothesis' notes: the shrunk request
            print(f"FAILED after {sum(statuses.values())} requests", file=sys.stderr)
            return 1
        assert not guard.blocked, f"connections beyond loopback: {guard.blocked}"
    total = sum(statuses.values())
    by_status = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    print(f"{total} requests in {rounds} rounds over {len(ROUTES)} routes, no 500 ({by_status})")
    return 0


def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # a bug's traceback, not every 4xx
    sys.exit(fuzz(float(os.environ.get("FUZZ_SECONDS", DEFAULT_SECONDS))))


if __name__ == "__main__":
    main()
