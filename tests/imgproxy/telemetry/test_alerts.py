"""The alert rules pass promtool's checks and their unit tests, and every alert is tested both
firing and silent. (Prometheus itself loads and evaluates them in test_prometheus.py.)"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[3] / "config" / "prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PROMTOOL, *args], cwd=CONFIG, capture_output=True, text=True, timeout=120, check=False
    )


def alert_names() -> list[str]:
    return re.findall(r"^\s*- alert: (\w+)\s*$", (CONFIG / "alerts.yml").read_text(), re.M)


def test_promtool_checks_the_rules():
    done = promtool("check", "rules", "alerts.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(alert_names())} rules found" in done.stdout


def test_promtool_checks_the_example_config_and_its_rule_file():
    done = promtool("check", "config", "prometheus.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_unit_tests_pass():
    done = promtool("test", "rules", "alerts_test.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def cases_in_tests() -> dict[str, set[bool]]:
    """alertname -> {True if some case expects it firing, False if some case expects none}."""
    cases: dict[str, set[bool]] = {}
    name = None
    for line in (CONFIG / "alerts_test.yml").read_text().splitlines():
        found = re.match(r"\s*alertname: (\w+)\s*$", line)
        if found:
            name = found.group(1)
        elif name is not None and (expected := re.match(r"\s*exp_alerts:(.*)$", line)):
            cases.setdefault(name, set()).add(expected.group(1).strip() != "[]")
            name = None
    return cases


@pytest.mark.parametrize("alert", alert_names())
def test_every_alert_has_a_firing_and_a_silent_case(alert):
    assert cases_in_tests().get(alert) == {True, False}


def test_the_expected_alerts_are_defined():
    assert set(alert_names()) == {
        "ImgproxyHighErrorRatio",
        "ImgproxyHighLatency",
        "ImgproxyQueueSaturated",
        "ImgproxyShedding",
        "ImgproxyCacheHitRatioDrop",
        "ImgproxyOriginErrors",
        "ImgproxyUnexpectedErrors",
        "ImgproxyRedisBreakerOpen",
        "ImgproxyReplicaDown",
        "ImgproxyAllReplicasDown",
    }
