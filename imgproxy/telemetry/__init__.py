"""Observability: Prometheus metrics, the JSON access log and request ids."""

from imgproxy.telemetry.access_log import AccessLogMiddleware, classify_route, log_fields
from imgproxy.telemetry.endpoint import MetricsEndpoint
from imgproxy.telemetry.labels import breaker_state_name, error_kind
from imgproxy.telemetry.metrics import Metrics
from imgproxy.telemetry.request_id import RequestIdFilter, current_request_id

__all__ = [
    "AccessLogMiddleware",
    "Metrics",
    "MetricsEndpoint",
    "RequestIdFilter",
    "breaker_state_name",
    "classify_route",
    "current_request_id",
    "error_kind",
    "log_fields",
]
