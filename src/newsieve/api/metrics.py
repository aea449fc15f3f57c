"""Prometheus metrics of the API, on a registry of its own (one per app).

Names are ``newsieve_api_*``. Requests are counted by route template (``/v1/review/{item_id}``),
never by raw path, so ids do not explode the label space. Queue lags and the review backlog
are read from storage when scraped.

With several uvicorn workers (``newsieve serve --workers N``) each process counts on its own;
``serve`` then sets ``PROMETHEUS_MULTIPROC_DIR`` before the workers start, prometheus-client
keeps the counters in files there, and a scrape of any worker adds up all of them
(``exposition()``).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MULTIPROC_ENV", "ApiMetrics", "MetricsMiddleware"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

log = logging.getLogger("newsieve.api")

# Filter latencies run from ~5 ms to a few hundred for big pages; review calls are Redis-bound.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "newsieve_api_requests", "HTTP requests answered", ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "newsieve_api_request_duration_seconds", "Time to answer, by route", ("method", "route"),
            buckets=_BUCKETS, registry=self.registry,
        )
        self.verdicts = Counter(
            "newsieve_api_verdicts", "Verdicts the filter endpoints returned, by action", ("action",),
            registry=self.registry,
        )
        self.removals = Counter(
            "newsieve_api_removals", "Spans the filter endpoints removed, by reason", ("reason",),
            registry=self.registry,
        )
        self.decisions = Counter(
            "newsieve_api_review_decisions", "Moderator decisions, by decision", ("decision",),
            registry=self.registry,
        )

    def observe_verdict(self, verdict: Any) -> None:
        self.verdicts.labels(verdict.action).inc()
        for span in verdict.removed:
            self.removals.labels(span.reason).inc()

    def watch_storage(self, status: Callable[[], dict[str, Any]]) -> None:
        self._storage_collector = _StorageCollector(status)
        self.registry.register(self._storage_collector)

    def exposition(self) -> bytes:
        """The text format of every metric: this process's, or all workers' in multiprocess mode."""
        if not os.environ.get(MULTIPROC_ENV):
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        collector = getattr(self, "_storage_collector", None)
        if collector is not None:
            registry.register(collector)
        return generate_latest(registry)


class _StorageCollector(Collector):
    """Reads ``storage.status()`` at scrape time: stream lengths, consumer lags, review states."""

    def __init__(self, status: Callable[[], dict[str, Any]]) -> None:
        self._status = status

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("newsieve_api_storage_up", "1 when Redis answered the last scrape")
        try:
            status = self._status()
        except Exception as exc:  # a scrape must not fail because Redis is down
            log.warning("metrics: storage status unavailable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        length = GaugeMetricFamily("newsieve_queue_length", "Entries in each stream", labels=["stream"])
        lag = GaugeMetricFamily(
            "newsieve_queue_lag", "Entries not yet delivered to a consumer group", labels=["stream", "group"]
        )
        pending = GaugeMetricFamily(
            "newsieve_queue_pending", "Entries delivered but not acked", labels=["stream", "group"]
        )
        backlog = GaugeMetricFamily("newsieve_review_items", "Review items by state", labels=["state"])
        for stream, info in _as_dict(status.get("streams")).items():
            info = _as_dict(info)
            if isinstance(info.get("length"), int | float):
                length.add_metric([stream], info["length"])
            groups = info.get("groups")
            for ginfo in groups if isinstance(groups, list) else []:
                ginfo = _as_dict(ginfo)
                group = str(ginfo.get("name", "?"))
                if isinstance(ginfo.get("lag"), int | float):
                    lag.add_metric([stream, group], ginfo["lag"])
                if isinstance(ginfo.get("pending"), int | float):
                    pending.add_metric([stream, group], ginfo["pending"])
        for state, count in _as_dict(status.get("review")).items():
            if isinstance(count, int | float):
                backlog.add_metric([state], count)
        yield from (length, lag, pending, backlog)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
