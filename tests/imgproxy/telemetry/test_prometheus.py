"""A real Prometheus scrapes a tiny app serving Metrics.render(), loads the alert rules and
evaluates every dashboard query. Loopback only; waits are bounded readiness polls."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from imgproxy.telemetry.access_log import AccessLogMiddleware
from imgproxy.telemetry.endpoint import MetricsEndpoint
from imgproxy.telemetry.metrics import Metrics
from tests.imgproxy.telemetry.promql import PROMETHEUS_SERIES, metric_names
from tests.imgproxy.telemetry.servers import poll, running_prometheus, serving

REPO = Path(__file__).resolve().parents[3]
RULES = REPO / "config" / "prometheus" / "alerts.yml"
DASHBOARD = REPO / "config" / "grafana" / "imgproxy-py.json"
JOB = "imgproxy-py"


class Scraped:
    def __init__(self, prometheus: str, metrics: Metrics) -> None:
        self.prometheus = prometheus
        self.metrics = metrics
        up = f'up{{job="{JOB}"}} == 1'
        poll(lambda: self.query(up) or None, "the first successful scrape")
        self.first_scrape = float(self.query(f'timestamp(up{{job="{JOB}"}})')[0]["value"][1])

    def api(self, path: str, **params: str) -> Any:
        answer = httpx.get(f"{self.prometheus}/api/v1/{path}", params=params, timeout=10).json()
        assert answer["status"] == "success", answer
        return answer["data"]

    def query(self, expr: str) -> list[dict]:
        return self.api("query", query=expr)["result"]

    def values(self, expr: str) -> dict[frozenset[tuple[str, str]], float]:
        return {
            frozenset(item["metric"].items()): float(item["value"][1]) for item in self.query(expr)
        }


def seconds(rfc3339: str) -> float:
    """Prometheus's nanosecond timestamps, to the microsecond datetime can read."""
    return datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", rfc3339)).timestamp()


def make_app(metrics: Metrics) -> AccessLogMiddleware:
    async def image(request: Request) -> Response:
        return PlainTextResponse("image")

    routes = [
        Route("/metrics", MetricsEndpoint(metrics), methods=["GET", "HEAD"]),
        Route("/{path:path}", image),
    ]
    return AccessLogMiddleware(Starlette(routes=routes), metrics)


@pytest.fixture(scope="module")
def scraped(tmp_path_factory) -> Iterator[Scraped]:
    metrics = Metrics()
    with serving(make_app(metrics)) as target:
        for _ in range(3):
            assert httpx.get(f"http://{target}/sig/plain/a.jpg", timeout=10).status_code == 200
        metrics.cache("l1", False)
        metrics.cache("l2", True)
        metrics.stage("download", 0.12)
        metrics.breaker("closed")
        metrics.capacity(workers=4, queue=16)
        metrics.origin_error("timeout")
        metrics.source_bytes(250_000)
        metrics.result_bytes(20_000)
        workdir = tmp_path_factory.mktemp("prometheus")
        with running_prometheus(workdir, target, RULES) as prometheus:
            yield Scraped(prometheus, metrics)


def test_the_series_arrive_in_prometheus(scraped):
    requests = scraped.values(f'imgproxy_requests_total{{job="{JOB}", route="image"}}')
    assert [(dict(labels)["status"], count) for labels, count in requests.items()] == [("200", 3)]
    buckets = scraped.values('imgproxy_request_duration_seconds_bucket{route="image"}')
    assert {dict(labels)["le"] for labels in buckets} >= {"0.001", "1.0", "+Inf"}
    assert scraped.values('imgproxy_cache_hits_total{tier="l2"}').popitem()[1] == 1
    assert scraped.values('imgproxy_request_span_duration_seconds_count{span="download"}')
    assert scraped.values('imgproxy_redis_breaker_state{state="closed"}').popitem()[1] == 1
    assert scraped.values("imgproxy_workers").popitem()[1] == 4
    assert scraped.values("imgproxy_vips_memory_bytes")
    assert scraped.values("process_resident_memory_bytes")


def test_every_metric_the_class_defines_is_stored(scraped):
    stored = set(scraped.api("label/__name__/values"))
    assert scraped.metrics.series_names() <= stored


def test_the_scrapes_themselves_go_through_the_middleware(scraped):
    def counted() -> float | None:
        found = scraped.values('imgproxy_requests_total{route="metrics", status="200"}')
        return next(iter(found.values())) if found else None

    assert poll(counted, "a scrape counted by the access-log middleware") >= 1


def test_the_alert_rules_load_and_evaluate_cleanly(scraped):
    def evaluated() -> list[dict] | None:
        groups = scraped.api("rules")["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        after = all(seconds(rule["lastEvaluation"]) > scraped.first_scrape + 1 for rule in rules)
        return rules if rules and after else None

    rules = poll(evaluated, "every rule evaluated after the first scrape")
    allowed = scraped.metrics.series_names() | PROMETHEUS_SERIES
    assert len(rules) == 10
    for rule in rules:
        assert rule["health"] == "ok", rule
        assert rule["type"] == "alerting"
        assert rule["duration"] > 0, rule["name"]
        assert rule["labels"]["severity"] in {"critical", "warning"}
        assert rule["annotations"]["summary"]
        assert rule["annotations"]["description"]
        assert metric_names(rule["query"]) <= allowed, rule["name"]
        assert rule["state"] == "inactive", rule["name"]  # a healthy replica raises nothing


def test_every_dashboard_query_evaluates(scraped):
    board = json.loads(DASHBOARD.read_text())
    exprs = [target["expr"] for panel in board["panels"] for target in panel.get("targets", ())]
    for expr in exprs:
        concrete = (
            expr.replace("$__rate_interval", "1m").replace("$instance", ".*").replace("$job", JOB)
        )
        scraped.query(concrete)
    by_status = f'sum by (status) (rate(imgproxy_requests_total{{job="{JOB}"}}[1m]))'
    assert poll(lambda: scraped.query(by_status) or None, "two scrapes for a rate")
