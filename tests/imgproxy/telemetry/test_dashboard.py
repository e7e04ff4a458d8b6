"""The Grafana dashboard: well formed, and its PromQL uses only series the Metrics class makes.
(Prometheus itself evaluates every panel's query in test_prometheus.py.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from imgproxy.telemetry.metrics import Metrics
from tests.imgproxy.telemetry.promql import PROMETHEUS_SERIES, metric_names

DASHBOARD = Path(__file__).resolve().parents[3] / "config" / "grafana" / "imgproxy-py.json"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def panels() -> list[dict]:
    return [panel for panel in dashboard()["panels"] if panel["type"] != "row"]


def expressions() -> list[str]:
    return [target["expr"] for panel in panels() for target in panel["targets"]]


def variable_queries() -> list[str]:
    found = []
    for variable in dashboard()["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"]
            found.append(re.fullmatch(r"label_values\((.+), *\w+\)", query).group(1))
    return found


def test_dashboard_header():
    board = dashboard()
    assert board["schemaVersion"] >= 36
    assert board["uid"] == "imgproxy-py"
    assert board["title"]
    assert board["id"] is None
    names = [variable["name"] for variable in board["templating"]["list"]]
    assert names == ["datasource", "job", "instance"]


def test_panels_are_well_formed():
    ids = [panel["id"] for panel in dashboard()["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard()["panels"]:
        grid = panel["gridPos"]
        assert all(isinstance(grid[key], int) for key in ("h", "w", "x", "y")), panel["title"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
    for panel in panels():
        assert panel["type"] in {"timeseries", "stat"}, panel["title"]
        assert panel["title"]
        assert panel["description"]
        assert panel["datasource"] == DATASOURCE
        assert panel["targets"], panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE
            assert target["expr"].strip()


def test_panels_do_not_overlap():
    taken: set[tuple[int, int]] = set()
    for panel in dashboard()["panels"]:
        grid = panel["gridPos"]
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & taken, panel["title"]
        taken |= cells


@pytest.mark.parametrize("expr", expressions() + variable_queries())
def test_queries_use_only_series_the_metrics_class_defines(expr):
    names = metric_names(expr)
    assert names, expr
    assert names <= Metrics().series_names() | PROMETHEUS_SERIES, expr


def test_queries_filter_by_the_job_variable():
    for panel in panels():
        for target in panel["targets"]:
            assert 'job="$job"' in target["expr"], panel["title"]


def test_every_metric_is_on_the_dashboard():
    used = {name for expr in expressions() for name in metric_names(expr)}
    families = {re.sub(r"_(total|bucket|count|sum|created)$", "", name) for name in used}
    defined = {
        re.sub(r"_(total|bucket|count|sum|created)$", "", name) for name in Metrics().series_names()
    }
    assert defined <= families


def test_the_panels_alert_descriptions_refer_to_exist():
    titles = {panel["title"] for panel in panels()}
    assert {
        "Requests by status",
        "Image latency p50 / p90 / p99",
        "Stage latency p99",
        "Cache hit ratio per tier",
        "Shed and rate-limited",
        "Queue and in-flight",
        "Origin errors by kind",
        "Redis errors",
        "Redis breaker state",
        "libvips memory",
    } <= titles
