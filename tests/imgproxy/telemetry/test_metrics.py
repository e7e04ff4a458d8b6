"""Metrics: each method shows up in the exposition with the expected series and values."""

from __future__ import annotations

import gc

import httpx
import pytest
import pyvips
from starlette.applications import Starlette
from starlette.routing import Route

from imgproxy.errors import (
    InvalidPath,
    OriginError,
    OriginTimeout,
    SourceNotAllowed,
    SourceNotFound,
    SourceTooLarge,
)
from imgproxy.telemetry.endpoint import MetricsEndpoint
from imgproxy.telemetry.labels import breaker_state_name, error_kind
from imgproxy.telemetry.metrics import LATENCY_BUCKETS, Metrics
from tests.imgproxy.telemetry.promql import samples, value


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


def test_request_counts_by_route_and_status_and_times_by_route(metrics):
    metrics.request("image", 200, 0.04)
    metrics.request("image", 200, 0.3)
    metrics.request("info", 404, 0.002)
    body, content_type = metrics.render()
    assert content_type.startswith("text/plain; version=")
    assert value(body, "imgproxy_requests_total", route="image", status="200") == 2
    assert value(body, "imgproxy_requests_total", route="info", status="404") == 1
    bucket = "imgproxy_request_duration_seconds_bucket"
    assert value(body, bucket, route="image", le="0.05") == 1
    assert value(body, bucket, route="image", le="0.5") == 2
    assert value(body, bucket, route="info", le="0.0025") == 1
    assert value(body, "imgproxy_request_duration_seconds_sum", route="image") == pytest.approx(
        0.34
    )


def test_a_route_outside_the_fixed_set_is_other(metrics):
    metrics.request("/some/path", 200, 0.1)  # untyped callers cannot add label values
    assert value(metrics.render()[0], "imgproxy_requests_total", route="other", status="200") == 1


def test_latency_buckets_cover_cache_hits_to_the_timeout():
    assert LATENCY_BUCKETS[0] <= 0.001
    assert LATENCY_BUCKETS[-1] >= 30
    assert list(LATENCY_BUCKETS) == sorted(LATENCY_BUCKETS)


def test_stages(metrics):
    metrics.stage("download", 0.2)
    metrics.stage("processing", 1.5)
    body = metrics.render()[0]
    span = "imgproxy_request_span_duration_seconds_count"
    assert value(body, span, span="download") == 1
    assert value(body, span, span="processing") == 1
    assert value(body, span, span="queue") == 0  # every stage exists from the start
    assert (
        value(body, "imgproxy_request_span_duration_seconds_bucket", span="processing", le="1.0")
        == 0
    )


def test_cache_hits_and_misses_per_tier(metrics):
    metrics.cache("l1", False)
    metrics.cache("l2", True)
    metrics.cache("sources", True)
    metrics.cache("sources", True)
    body = metrics.render()[0]
    assert value(body, "imgproxy_cache_misses_total", tier="l1") == 1
    assert value(body, "imgproxy_cache_hits_total", tier="l1") == 0
    assert value(body, "imgproxy_cache_hits_total", tier="l2") == 1
    assert value(body, "imgproxy_cache_hits_total", tier="sources") == 2
    assert value(body, "imgproxy_cache_misses_total", tier="sources") == 0


def test_counters_without_labels(metrics):
    metrics.coalesced()
    metrics.coalesced()
    metrics.rate_limited()
    metrics.redis_error()
    body = metrics.render()[0]
    assert value(body, "imgproxy_coalesced_requests_total") == 2
    assert value(body, "imgproxy_rate_limited_requests_total") == 1
    assert value(body, "imgproxy_redis_errors_total") == 1


def test_shed_by_reason(metrics):
    metrics.shed("queue_full")
    body = metrics.render()[0]
    assert value(body, "imgproxy_shed_requests_total", reason="queue_full") == 1
    assert value(body, "imgproxy_shed_requests_total", reason="deadline") == 0


def test_origin_error_kinds_are_bounded(metrics):
    metrics.origin_error("timeout")
    metrics.origin_error("Connection refused by 10.0.0.1")
    body = metrics.render()[0]
    assert value(body, "imgproxy_origin_errors_total", kind="timeout") == 1
    assert value(body, "imgproxy_origin_errors_total", kind="other") == 1
    assert {labels for name, labels in samples(body) if name == "imgproxy_origin_errors_total"} == {
        frozenset({("kind", "timeout")}),
        frozenset({("kind", "other")}),
    }


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (OriginTimeout(), "timeout"),
        (TimeoutError(), "timeout"),
        (SourceNotFound(), "not_found"),
        (SourceTooLarge(), "too_large"),
        (SourceNotAllowed(), "not_allowed"),
        (OriginError(), "unreachable"),
        (ConnectionRefusedError(), "unreachable"),
        (InvalidPath(), "other"),
        (ValueError(), "other"),
    ],
)
def test_error_kind(error, kind):
    assert error_kind(error) == kind


def test_breaker_state_is_one_for_the_current_state(metrics):
    body = metrics.render()[0]
    assert value(body, "imgproxy_redis_breaker_state", state="closed") == 0  # no Redis yet
    metrics.breaker("open")
    metrics.breaker(breaker_state_name("half-open"))
    body = metrics.render()[0]
    assert value(body, "imgproxy_redis_breaker_state", state="half_open") == 1
    assert value(body, "imgproxy_redis_breaker_state", state="open") == 0
    assert value(body, "imgproxy_redis_breaker_state", state="closed") == 0


def test_breaker_state_names():
    assert [breaker_state_name(s) for s in ("closed", "open", "half-open", "half_open")] == [
        "closed",
        "open",
        "half_open",
        "half_open",
    ]
    with pytest.raises(ValueError, match=r"Expected a breaker state .* but received 'ajar'"):
        breaker_state_name("ajar")


def test_in_flight_and_processing_count_while_inside(metrics):
    with metrics.in_flight(), metrics.in_flight(), metrics.processing():
        body = metrics.render()[0]
        assert value(body, "imgproxy_requests_in_progress") == 2
        assert value(body, "imgproxy_images_in_progress") == 1
    body = metrics.render()[0]
    assert value(body, "imgproxy_requests_in_progress") == 0
    assert value(body, "imgproxy_images_in_progress") == 0


def test_in_flight_change_counts_as_in_flight_does(metrics):
    metrics.in_flight_change(1)
    with metrics.in_flight():
        assert value(metrics.render()[0], "imgproxy_requests_in_progress") == 2
    metrics.in_flight_change(-1)
    assert value(metrics.render()[0], "imgproxy_requests_in_progress") == 0


def test_queue_depth_and_capacity(metrics):
    metrics.queue_depth(7)
    metrics.capacity(workers=4, queue=16)
    body = metrics.render()[0]
    assert value(body, "imgproxy_queue_depth") == 7
    assert value(body, "imgproxy_workers") == 4
    assert value(body, "imgproxy_queue_capacity") == 16


def test_source_and_result_sizes(metrics):
    metrics.source_bytes(3_000_000)
    metrics.result_bytes(40_000)
    body = metrics.render()[0]
    assert value(body, "imgproxy_source_image_bytes_bucket", le="1.048576e+06") == 0
    assert value(body, "imgproxy_source_image_bytes_bucket", le="4.194304e+06") == 1
    assert value(body, "imgproxy_result_image_bytes_bucket", le="65536.0") == 1
    assert value(body, "imgproxy_result_image_bytes_sum") == 40_000


def test_libvips_memory_is_read_when_rendering(metrics):
    image = pyvips.Image.black(1000, 1000).copy_memory()  # 1 MB held by libvips
    body = metrics.render()[0]
    held = value(body, "imgproxy_vips_memory_bytes")
    assert held >= 1_000_000
    assert value(body, "imgproxy_vips_max_memory_bytes") >= held
    assert value(body, "imgproxy_vips_allocs") >= 1
    del image
    gc.collect()
    assert value(metrics.render()[0], "imgproxy_vips_memory_bytes") <= held - 1_000_000


def test_namespace_prefixes_every_metric():
    body = Metrics("shop_images").render()[0]
    assert ("shop_images_queue_depth", frozenset()) in samples(body)
    assert not any(name.startswith("imgproxy_") for name, _ in samples(body))
    assert ("queue_depth", frozenset()) in samples(Metrics("").render()[0])


def test_namespace_from_env():
    body = Metrics.from_env({"IMGPROXY_PROMETHEUS_NAMESPACE": "img"}).render()[0]
    assert ("img_workers", frozenset()) in samples(body)
    assert Metrics.from_env({}).namespace == "imgproxy"


def test_a_namespace_that_is_not_a_prometheus_name_is_refused():
    with pytest.raises(ValueError) as raised:
        Metrics("image-proxy")
    assert str(raised.value) == (
        "Expected a Prometheus name ([a-zA-Z_][a-zA-Z0-9_]*) for the metrics namespace "
        "but received 'image-proxy'"
    )


def test_multiprocess_needs_an_existing_directory(tmp_path):
    with pytest.raises(ValueError) as raised:
        Metrics(multiprocess_dir=str(tmp_path / "missing"))
    assert str(raised.value).startswith("Expected a directory for PROMETHEUS_MULTIPROC_DIR")


def test_multiprocess_needs_the_variable_before_prometheus_client_is_imported(tmp_path):
    # this test process imported prometheus_client without PROMETHEUS_MULTIPROC_DIR
    with pytest.raises(ValueError, match="must be in the environment before prometheus_client"):
        Metrics(multiprocess_dir=str(tmp_path))


def test_process_metrics_are_exported_in_single_process_mode(metrics):
    names = {name for name, _ in samples(metrics.render()[0])}
    assert "process_resident_memory_bytes" in names
    assert "process_resident_memory_bytes" not in {
        name for name, _ in samples(Metrics(process_metrics=False).render()[0])
    }


def test_series_names_are_exactly_what_render_shows_once_every_method_ran(metrics):
    metrics.request("image", 200, 0.1)
    metrics.origin_error("timeout")
    metrics.source_bytes(1)
    metrics.result_bytes(1)
    shown = {name for name, _ in samples(metrics.render()[0]) if name.startswith("imgproxy_")}
    assert shown == metrics.series_names()


def test_two_instances_do_not_share_values():
    first, second = Metrics(), Metrics()
    first.coalesced()
    assert value(second.render()[0], "imgproxy_coalesced_requests_total") == 0


async def test_metrics_endpoint_serves_the_exposition(metrics):
    metrics.request("image", 200, 0.1)
    app = Starlette(routes=[Route("/metrics", MetricsEndpoint(metrics), methods=["GET", "HEAD"])])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
        got = await client.get("/metrics")
        head = await client.head("/metrics")
        post = await client.post("/metrics")
    assert got.status_code == 200
    assert got.headers["content-type"] == metrics.render()[1]
    assert got.headers["cache-control"] == "no-store"
    assert value(got.content, "imgproxy_requests_total", route="image", status="200") == 1
    assert head.status_code == 200
    assert head.content == b""
    assert post.status_code == 405


def test_serve_answers_on_a_port_of_its_own(metrics):
    metrics.request("image", 200, 0.1)
    image = pyvips.Image.black(500, 500).copy_memory()
    server = metrics.serve("127.0.0.1", 0)
    try:
        got = httpx.get(f"http://127.0.0.1:{server.server_port}/metrics", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    assert got.status_code == 200
    assert value(got.content, "imgproxy_requests_total", route="image", status="200") == 1
    assert value(got.content, "imgproxy_vips_memory_bytes") >= 250_000  # read when scraped
    del image
