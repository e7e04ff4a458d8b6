"""The Kubernetes manifests in config/k8s: valid against the API's JSON schemas, and consistent
with the server they run (probes, ports, drain timing, Redis address).

The schemas come from the `kubernetes-validate` package, which ships them inside the wheel for
every supported Kubernetes version; validation opens no network connection (a guard below
makes any attempt fail the test). Strict schemas: an unknown or misspelt field is an error.
"""

from __future__ import annotations

import copy
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from config.settings import Settings
from tests.support import REPO

K8S = REPO / "config" / "k8s"
KUBERNETES_VERSION = "1.33.0"  # pinned: the oldest release the manifests are meant for
MANIFESTS = sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")
SIGNING_PAIR = {"IMGPROXY_KEY": "aa" * 32, "IMGPROXY_SALT": "bb" * 32}


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def all_documents() -> list[dict[str, Any]]:
    return [doc for path in MANIFESTS for doc in documents(path)]


def find(kind: str, name: str) -> dict[str, Any]:
    found = [
        doc for doc in all_documents() if doc["kind"] == kind and doc["metadata"]["name"] == name
    ]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def proxy_container() -> dict[str, Any]:
    containers = find("Deployment", "imgproxy")["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["imgproxy"]
    return dict(containers[0])


def container_env(container: dict[str, Any]) -> dict[str, str]:
    """The container's environment as the server would see it; secrets get a valid stand-in."""
    env = {}
    for item in container["env"]:
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            env[item["name"]] = SIGNING_PAIR[item["name"]]
    return env


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any connection or name lookup during the test fails it."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def test_the_pinned_version_has_bundled_schemas() -> None:
    assert KUBERNETES_VERSION in kubernetes_validate.utils.all_versions()
    assert [path.name for path in MANIFESTS] == [
        "deployment.yaml",
        "hpa.yaml",
        "redis.yaml",
        "service.yaml",
    ]


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_manifest_is_valid_for_the_pinned_kubernetes(path: Path) -> None:
    docs = documents(path)
    assert docs, f"{path.name} is empty"
    for doc in docs:
        try:
            used = kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            pytest.fail(f"{path.name}: {doc['kind']} {where}: {error.message}")
        except kubernetes_validate.utils.SchemaNotFoundError as error:
            pytest.fail(f"{path.name}: {error.message}")
        assert used == "1.33", f"validated against Kubernetes {used}, not the pinned version"


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize(
    "spoil",
    [
        lambda pod: pod.update(terminationGracePeriod=45),  # misspelt field
        lambda pod: pod.update(terminationGracePeriodSeconds="45"),  # wrong type
        lambda pod: pod["containers"][0]["readinessProbe"]["httpGet"].pop("port"),  # required
    ],
    ids=["unknown-field", "wrong-type", "missing-required"],
)
def test_the_validator_rejects_a_broken_deployment(spoil: Callable[[dict[str, Any]], Any]) -> None:
    deployment = copy.deepcopy(find("Deployment", "imgproxy"))
    spoil(deployment["spec"]["template"]["spec"])
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = documents(K8S / "kustomization.yaml")[0]
    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert kustomization["kind"] == "Kustomization"
    assert sorted(kustomization["resources"]) == [path.name for path in MANIFESTS]


def test_probes_point_at_health_and_ready() -> None:
    container = proxy_container()
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": 8080}
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    # One failed /ready takes a draining pod out of the Service.
    assert container["readinessProbe"]["failureThreshold"] == 1
    assert container["image"] == "imgproxy-py:latest"


def test_the_settings_parse_and_bind_the_probed_port() -> None:
    settings = Settings.from_env(container_env(proxy_container()))
    assert settings.bind_host_port[1] == 8080
    assert settings.processes == 1, "SIGTERM only drains with one process per container"
    assert settings.signing_enabled


def test_grace_period_exceeds_the_graceful_stop_timeout() -> None:
    pod = find("Deployment", "imgproxy")["spec"]["template"]["spec"]
    settings = Settings.from_env(container_env(proxy_container()))
    assert settings.stop_timeout == 20
    assert pod["terminationGracePeriodSeconds"] > settings.stop_timeout
    assert "lifecycle" not in proxy_container(), "the server drains on SIGTERM by itself"


def test_redis_url_names_the_redis_service() -> None:
    settings = Settings.from_env(container_env(proxy_container()))
    service = find("Service", "imgproxy-redis")
    port = service["spec"]["ports"][0]["port"]
    assert settings.redis_url == f"redis://imgproxy-redis:{port}/0"
    redis = find("Deployment", "imgproxy-redis")
    assert (
        service["spec"]["selector"].items()
        <= redis["spec"]["template"]["metadata"]["labels"].items()
    )
    args = redis["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert args[args.index("--maxmemory") + 1] == "1gb"
    limit = redis["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
    assert limit.endswith("Mi") and int(limit[:-2]) > 1024, "limit must leave room above maxmemory"


def test_service_selects_the_proxy_pods() -> None:
    service = find("Service", "imgproxy")
    deployment = find("Deployment", "imgproxy")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_hpa_scales_the_deployment_on_cpu() -> None:
    hpa = find("HorizontalPodAutoscaler", "imgproxy")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "imgproxy",
    }
    [metric] = hpa["spec"]["metrics"]
    assert (metric["type"], metric["resource"]["name"]) == ("Resource", "cpu")
    assert hpa["spec"]["minReplicas"] >= 2
    # Utilization is relative to the request: without a CPU request the HPA cannot work.
    assert "cpu" in proxy_container()["resources"]["requests"]
