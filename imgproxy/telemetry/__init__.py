"""Observability: Prometheus metrics, the JSON access log and request ids.

The package imports none of its modules: a supervisor of worker processes configures logging
from `request_id` and `line_batches` without loading Prometheus, Starlette or libvips."""
