"""Prometheus metrics: one registry per app, every label from a fixed set, multiprocess-aware.

With `multiprocess_dir` (PROMETHEUS_MULTIPROC_DIR, which must be in the environment before
prometheus_client is first imported) values live in files shared by the worker processes and a
scrape of any worker sums them; gauges say how (`livesum`, `livemax`), counting live processes
only: a scrape drops the gauges of workers that have exited. Empty the directory at start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal, get_args
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.context_managers import InprogressTracker
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.gc_collector import GCCollector
from prometheus_client.metrics_core import Metric
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from imgproxy.telemetry.labels import (
    BREAKER_STATES,
    ORIGIN_ERROR_KINDS,
    ROUTES,
    BreakerStateName,
    CacheTier,
    CancelledOutcome,
    Route,
    ShedReason,
    Stage,
)
from imgproxy.telemetry.libvips import tracked_memory
from imgproxy.telemetry.multiprocess_dir import check_multiprocess, forget_exited_processes

DEFAULT_NAMESPACE = "imgproxy"
NAMESPACE_PATTERN = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)?")

# From cache hits (~1 ms) through typical processing (50 ms .. 2 s) to the 10 s timeout.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
SIZE_BUCKETS = tuple(float(1024 * 4**power) for power in range(10))  # 1 KiB .. 256 MiB
SERIES_SUFFIXES: Final[Mapping[str, tuple[str, ...]]] = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
}


class Metrics:
    def __init__(  # noqa: PLR0915 (one flat declaration per metric)
        self,
        namespace: str = DEFAULT_NAMESPACE,
        *,
        multiprocess_dir: str | None = None,
        process_metrics: bool = True,
    ) -> None:
        if not NAMESPACE_PATTERN.fullmatch(namespace):
            raise ValueError(
                "Expected a Prometheus name ([a-zA-Z_][a-zA-Z0-9_]*) for the metrics namespace "
                f"but received {namespace!r}"
            )
        self.namespace = namespace
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        if multiprocess_dir is not None:
            check_multiprocess(multiprocess_dir)
            multiprocess.MultiProcessCollector(self.registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
        elif process_metrics:
            ProcessCollector(registry=self.registry)
            GCCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
        own = None if multiprocess_dir is not None else self.registry
        self._all: list[Counter | Gauge | Histogram] = []

        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
            made = Counter(name, doc, labels, namespace=namespace, registry=own)
            self._all.append(made)
            return made

        def gauge(
            name: str,
            doc: str,
            labels: tuple[str, ...] = (),
            mode: Literal["livesum", "livemax"] = "livesum",
        ) -> Gauge:
            made = Gauge(
                name, doc, labels, namespace=namespace, registry=own, multiprocess_mode=mode
            )
            self._all.append(made)
            return made

        def histogram(
            name: str, doc: str, buckets: tuple[float, ...], labels: tuple[str, ...] = ()
        ) -> Histogram:
            made = Histogram(name, doc, labels, namespace=namespace, registry=own, buckets=buckets)
            self._all.append(made)
            return made

        self._requests = counter("requests", "Requests answered", ("route", "status"))
        self._duration = histogram(
            "request_duration_seconds", "Time to answer", LATENCY_BUCKETS, ("route",)
        )
        self._stages = histogram(
            "request_span_duration_seconds",
            "Time per stage of an image",
            LATENCY_BUCKETS,
            ("span",),
        )
        self._hits = counter("cache_hits", "Cache lookups that found the entry", ("tier",))
        self._misses = counter("cache_misses", "Cache lookups that did not", ("tier",))
        self._coalesced = counter("coalesced_requests", "Requests that shared identical work")
        self._jobs_cancelled = counter(
            "jobs_cancelled",
            "Image jobs whose request went while they ran: stopped early, or finished first",
            ("outcome",),
        )
        self._shed = counter("shed_requests", "Requests refused to protect the server", ("reason",))
        self._rate_limited = counter("rate_limited_requests", "Requests over a client's rate")
        self._origin_errors = counter("origin_errors", "Failed source fetches", ("kind",))
        self._redis_errors = counter("redis_errors", "Redis calls that failed or timed out")
        self._thumbor_unknown_filters = counter(
            "thumbor_unknown_filters", "Unknown filters in thumbor URLs, skipped as thumbor does"
        )
        self._unexpected_errors = counter(
            "unexpected_errors", "Exceptions no handler knew: bugs, answered 500", ("route",)
        )
        self._breaker = gauge(
            "redis_breaker_state",
            "1 for the Redis circuit breaker's state, per process",
            ("state",),
        )
        self._in_progress = gauge("requests_in_progress", "Requests being answered")
        self._images_in_progress = gauge("images_in_progress", "Images being processed")
        self._queue_depth = gauge("queue_depth", "Requests waiting for a worker")
        self._workers = gauge("workers", "Processing workers")
        self._queue_capacity = gauge("queue_capacity", "Places in the wait queue")
        self._downloads = gauge("downloads_in_progress", "Originals being downloaded")
        self._download_queue_depth = gauge(
            "download_queue_depth", "Downloads waiting for a download slot"
        )
        self._download_bytes = gauge(
            "download_bytes_in_flight", "Bytes of originals received by unfinished downloads"
        )
        self._source_bytes = histogram("source_image_bytes", "Size of originals", SIZE_BUCKETS)
        self._result_bytes = histogram("result_image_bytes", "Size of results", SIZE_BUCKETS)
        self._vips_memory = gauge("vips_memory_bytes", "Memory libvips has allocated")
        self._vips_max_memory = gauge(
            "vips_max_memory_bytes", "Most memory libvips has held at once", mode="livemax"
        )
        self._vips_allocs = gauge("vips_allocs", "Live libvips allocations")
        self._initialise_children()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Metrics:
        """IMGPROXY_PROMETHEUS_NAMESPACE (default "imgproxy"; "" for none) and
        PROMETHEUS_MULTIPROC_DIR."""
        return cls(
            env.get("IMGPROXY_PROMETHEUS_NAMESPACE", DEFAULT_NAMESPACE),
            multiprocess_dir=env.get("PROMETHEUS_MULTIPROC_DIR") or None,
        )

    def _initialise_children(self) -> None:
        """Series that exist at zero from the start, so rates and ratios are defined."""
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}
        self._request_children: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._stage_children: dict[str, Any] = {}
        self._cache_children: dict[tuple[str, bool], Any] = {}
        for tier in get_args(CacheTier):
            self._hits.labels(tier=tier)
            self._misses.labels(tier=tier)
        for reason in get_args(ShedReason):
            self._shed.labels(reason=reason)
        for outcome in get_args(CancelledOutcome):
            self._jobs_cancelled.labels(outcome=outcome)
        for stage in get_args(Stage):
            self._stages.labels(span=stage)
        for state in BREAKER_STATES:
            self._breaker.labels(state=state)
        for route in get_args(Route):
            self._unexpected_errors.labels(route=route)

    def _child(self, metric: Any, *values: str) -> Any:
        """`metric.labels(*values)`, looked up once: it takes a lock on every call."""
        key = (id(metric), values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    def request(self, route: Route, status: int, seconds: float) -> None:
        route = route if route in ROUTES else "other"
        children = self._request_children.get((route, status))
        if children is None:
            children = (
                self._child(self._requests, route, str(status)),
                self._child(self._duration, route),
            )
            self._request_children[route, status] = children
        children[0].inc()
        children[1].observe(seconds)
        if self.multiprocess_dir is not None:
            self.sample_libvips()  # a scrape reads only its own worker's libvips

    def stage(self, name: Stage, seconds: float) -> None:
        child = self._stage_children.get(name)
        if child is None:
            child = self._stage_children[name] = self._child(self._stages, name)
        child.observe(seconds)

    def cache(self, tier: CacheTier, hit: bool) -> None:
        """Once per tier consulted: an L1 miss followed by an L2 hit is two calls."""
        child = self._cache_children.get((tier, hit))
        if child is None:
            child = self._child(self._hits if hit else self._misses, tier)
            self._cache_children[tier, hit] = child
        child.inc()

    def coalesced(self) -> None:
        self._coalesced.inc()

    def job_cancelled(self, *, stopped: bool) -> None:
        """Counted once its worker thread has returned (and its processing slot is free)."""
        self._jobs_cancelled.labels(outcome="stopped" if stopped else "finished").inc()

    def shed(self, reason: ShedReason) -> None:
        self._shed.labels(reason=reason).inc()

    def rate_limited(self) -> None:
        self._rate_limited.inc()

    def origin_error(self, kind: str) -> None:
        """`kind` outside ORIGIN_ERROR_KINDS counts as "other"; see `error_kind`."""
        self._origin_errors.labels(kind=kind if kind in ORIGIN_ERROR_KINDS else "other").inc()

    def redis_error(self) -> None:
        self._redis_errors.inc()

    def thumbor_unknown_filters(self, count: int) -> None:
        self._thumbor_unknown_filters.inc(count)

    def unexpected_error(self, route: Route) -> None:
        self._unexpected_errors.labels(route=route if route in ROUTES else "other").inc()

    def unexpected_errors(self) -> float:
        """How many this process has counted so far, every route together."""
        return sum(
            sample.value
            for family in self._unexpected_errors.collect()
            for sample in family.samples
            if sample.name.endswith("_total")
        )

    def breaker(self, state: BreakerStateName) -> None:
        for name in BREAKER_STATES:
            self._breaker.labels(state=name).set(1 if name == state else 0)

    def in_flight(self) -> InprogressTracker:
        return self._in_progress.track_inprogress()

    def in_flight_change(self, change: int) -> None:
        """`in_flight` without a context manager: +1 as a request starts, -1 as it ends."""
        self._in_progress.inc(change)

    def processing(self) -> InprogressTracker:
        return self._images_in_progress.track_inprogress()

    def queue_depth(self, n: int) -> None:
        self._queue_depth.set(n)

    def downloading(self) -> InprogressTracker:
        return self._downloads.track_inprogress()

    def download_queue_depth(self, n: int) -> None:
        self._download_queue_depth.set(n)

    def download_bytes(self, change: int) -> None:
        """Bytes received (> 0) or let go (< 0) by downloads still running."""
        self._download_bytes.inc(change)

    def capacity(self, workers: int, queue: int) -> None:
        self._workers.set(workers)
        self._queue_capacity.set(queue)

    def source_bytes(self, n: int) -> None:
        self._source_bytes.observe(n)

    def result_bytes(self, n: int) -> None:
        self._result_bytes.observe(n)

    def sample_libvips(self) -> None:
        memory = tracked_memory()
        if memory is not None:
            self._vips_memory.set(memory.bytes)
            self._vips_max_memory.set(memory.highwater_bytes)
            self._vips_allocs.set(memory.allocations)

    def collect(self) -> Iterable[Metric]:
        """The Collector protocol: libvips' counters are read, then everything is collected."""
        self.sample_libvips()
        if self.multiprocess_dir is not None:
            forget_exited_processes(self.multiprocess_dir)
        return self.registry.collect()

    def render(self) -> tuple[bytes, str]:
        """The exposition (body, content type) for GET /metrics."""
        return generate_latest(self), CONTENT_TYPE_LATEST

    def serve(self, host: str, port: int) -> WSGIServer:
        """/metrics on a port of its own (IMGPROXY_PROMETHEUS_BIND), answered from a daemon
        thread off the event loop; `shutdown()` and `server_close()` the result to stop it."""
        server, _thread = start_http_server(port, host, registry=self)
        return server

    def series_names(self) -> frozenset[str]:
        """Every sample name this class can expose (for checking dashboards and alerts)."""
        return frozenset(
            family.name + suffix
            for metric in self._all
            for family in metric.describe()
            for suffix in SERIES_SUFFIXES[family.type]
        )
