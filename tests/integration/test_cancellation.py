"""Image work stops with its request, through the real server (uvicorn on loopback).

The heavy request blurs a 20x20 PNG enlarged to 2600x2600 with a sigma of 250: just under the
cost bound (`transforms.costs`), about a minute of one core here, so it is still running when
a deadline of one second passes on any machine. Every check below is an event: the job counted
as stopped, the slot given back (a cheap miss behind it is served by the only worker), /health
answered while the metrics show every worker busy, a refusal instead of a timeout.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import pytest
import pyvips
from prometheus_client.parser import text_string_to_metric_families

from tests.support import running_proxy

HEAVY = "/unsafe/bl:{sigma}/rs:fit:2600:2600:1/plain/local:///tiny.png@png"
CHEAP = "/unsafe/rs:fit:{width}:0:1/plain/local:///tiny.png@png"
WAIT_FOR_EVENT = 20.0
"""Seconds to wait for the server to reach a state (a safety net, never a measure)."""
widths = count(30)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("images")
    tiny = pyvips.Image.new_from_list([[200] * 20] * 20).cast("uchar").colourspace("srgb")
    (root / "tiny.png").write_bytes(tiny.pngsave_buffer())
    return root


def proxy_env(images: Path, workers: int, timeout: float) -> dict[str, str]:
    return {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(images),
        "IMGPROXY_WORKERS": str(workers),
        "IMGPROXY_TIMEOUT": str(timeout),
    }


@pytest.fixture(scope="module")
def one_worker(images: Path) -> Iterator[str]:
    with running_proxy(proxy_env(images, workers=1, timeout=1)) as base:
        yield base


def get(base: str, path: str) -> tuple[int, str]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=WAIT_FOR_EVENT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def cheap_miss() -> str:
    """A URL not asked before: a miss that needs the worker for a few milliseconds."""
    return CHEAP.format(width=next(widths))


def scrape(base: str) -> dict[str, float]:
    """Every sample of /metrics, keyed `name{label="value"}` (or `name` without labels)."""
    status, text = get(base, "/metrics")
    assert status == 200
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


STOPPED = 'imgproxy_jobs_cancelled_total{outcome="stopped"}'
FINISHED = 'imgproxy_jobs_cancelled_total{outcome="finished"}'


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_FOR_EVENT
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def test_a_heavy_request_past_its_deadline_is_stopped_and_gives_its_slot_back(one_worker):
    before = scrape(one_worker)

    assert get(one_worker, HEAVY.format(sigma=250))[0] == 503
    # one worker: this miss is served only once the heavy job's thread has returned
    assert get(one_worker, cheap_miss())[0] == 200

    after = scrape(one_worker)
    assert after[STOPPED] - before[STOPPED] == 1
    assert after[FINISHED] == before[FINISHED]
    assert after["imgproxy_images_in_progress"] == 0
    assert after["imgproxy_workers"] == 1


def test_after_more_heavy_requests_than_workers_a_cheap_miss_is_served(one_worker):
    before = scrape(one_worker)

    for sigma in (249.9, 249.8, 249.7):
        assert get(one_worker, HEAVY.format(sigma=sigma))[0] == 503
    assert get(one_worker, cheap_miss())[0] == 200

    after = scrape(one_worker)
    assert after[STOPPED] - before[STOPPED] == 3
    assert after[FINISHED] == before[FINISHED]


def test_heavy_requests_arriving_together_leave_the_workers_free(images):
    with running_proxy(proxy_env(images, workers=2, timeout=1)) as base:
        statuses: list[int] = []
        heavy = [
            threading.Thread(
                target=lambda s=sigma: statuses.append(get(base, HEAVY.format(sigma=s))[0])
            )
            for sigma in (249, 248, 247, 246)
        ]
        for thread in heavy:
            thread.start()
        for thread in heavy:
            thread.join(WAIT_FOR_EVENT)

        assert statuses == [503] * 4
        wait_until(lambda: scrape(base)["imgproxy_images_in_progress"] == 0, "workers free")
        after = scrape(base)
        assert after[STOPPED] >= 2  # those that reached a worker; the rest left from the queue
        assert after[FINISHED] == 0
        assert get(base, cheap_miss())[0] == 200


def test_health_answers_while_every_worker_is_busy_and_a_client_leaving_stops_its_job(images):
    with running_proxy(proxy_env(images, workers=1, timeout=20)) as base:
        host, port = base.removeprefix("http://").split(":")
        heavy = http.client.HTTPConnection(host, int(port), timeout=WAIT_FOR_EVENT)
        heavy.request("GET", HEAVY.format(sigma=250))
        wait_until(lambda: scrape(base)["imgproxy_images_in_progress"] == 1, "the worker is busy")

        assert get(base, "/health") == (200, "imgproxy-py is running\n")
        assert get(base, "/ready")[0] == 200
        assert scrape(base)["imgproxy_images_in_progress"] == 1  # busy all along

        heavy.close()  # the client leaves: its job is cancelled
        assert get(base, cheap_miss())[0] == 200
        after = scrape(base)
        assert after[STOPPED] == 1
        assert after["imgproxy_images_in_progress"] == 0


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "/unsafe/bl:1000/rs:fit:4000:4000:1/plain/local:///tiny.png@png",
            "Expected blur of at most 159.4 for a 4000x4000 result but received 1000",
        ),
        (
            "/unsafe/rs:fit:8000:8000:1/plain/local:///tiny.png@png",
            "Expected a result of at most 50 MP but received 8000x8000",
        ),
    ],
)
def test_work_over_the_bounds_is_refused_instead_of_started(one_worker, path, message):
    before = scrape(one_worker)

    assert get(one_worker, path) == (422, message + "\n")

    after = scrape(one_worker)
    assert after[STOPPED] == before[STOPPED]
    assert after["imgproxy_images_in_progress"] == 0
