"""Prometheus metrics: what an operator on call watches, at ``GET /metrics`` on every service.

Requests (count and latency by route template, method and status) are counted by
:class:`RequestMeters` (the kit's services, from :mod:`peerlearn.request_envelope`) or by Litestar's
Prometheus middleware (:func:`request_metrics`, the web): the same series either way. The state
an operator asks about — how far behind each consumer is, how many events wait in the outbox,
whether NATS is connected — is read when Prometheus scrapes (from JetStream and the database): it
is right just after a restart and costs nothing between scrapes. What happens once (a message
handled, retried or dead-lettered) is a counter. A service adds its own state through
``scrape_hooks`` (the matcher's index size, notify's mail queue).

Labels are route templates, stream and durable names, never ids or people: the series are bounded
and carry no personal data.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Any, NamedTuple, Protocol

from litestar import Litestar, Request, Response, get
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from peerlearn.logs import answered_status

log = logging.getLogger("peerlearn.metrics")

ScrapeHook = Callable[[Litestar], Awaitable[None]]
# Seconds; from a cached read (5 ms) to a slow page (10 s).
BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]

CONSUMER_MESSAGES = Counter(
    "peerlearn_consumer_messages_total",
    "Messages a durable consumer finished with, by outcome: handled (acked), retried (nak'd to come back), "
    "dead_lettered (given up on; see `peerlearn deadletters`)",
    ["stream", "durable", "outcome"],
)
CONSUMER_PENDING = Gauge(
    "peerlearn_consumer_pending_messages",
    "Messages of the stream not yet delivered to the durable consumer: its lag",
    ["service", "stream", "durable"],
)
CONSUMER_ACK_PENDING = Gauge(
    "peerlearn_consumer_ack_pending_messages",
    "Messages delivered to the durable consumer and not acknowledged yet",
    ["service", "stream", "durable"],
)
CONSUMER_REDELIVERED = Gauge(
    "peerlearn_consumer_redelivered_messages",
    "Messages the durable consumer got more than once and has not acknowledged yet",
    ["service", "stream", "durable"],
)
OUTBOX_BACKLOG = Gauge(
    "peerlearn_outbox_backlog_events",
    "Events committed by the service and not yet acknowledged by JetStream",
    ["service"],
)
NATS_CONNECTED = Gauge("peerlearn_nats_connected", "1 while the service is connected to NATS", ["service"])
SCRAPE_ERRORS = Counter(
    "peerlearn_metrics_scrape_errors_total",
    "Parts of a scrape that could not be read (NATS or the database down); their gauges keep the last value",
    ["service", "part"],
)


# The request series, made here rather than by Litestar's middleware on its first request, and
# handed to it (its class-level registry of metrics by name): a process that runs both (the tests)
# counts into one set of series. Label names in Litestar's order, which it passes positionally.
_REQUEST_LABELS = ["method", "path", "status_code", "app_name"]
REQUESTS = Counter("peerlearn_requests_total", "Total requests", _REQUEST_LABELS)
REQUEST_SECONDS = Histogram(
    "peerlearn_request_duration_seconds", "Request duration, in seconds", _REQUEST_LABELS, buckets=BUCKETS
)
REQUESTS_IN_PROGRESS = Gauge(
    "peerlearn_requests_in_progress",
    "Total requests currently in progress",
    _REQUEST_LABELS,
    multiprocess_mode="livesum",
)
REQUEST_ERRORS = Counter("peerlearn_requests_error_total", "Total errors in requests", _REQUEST_LABELS)
for _name, _metric in (
    ("peerlearn_requests_total", REQUESTS),
    ("peerlearn_request_duration_seconds", REQUEST_SECONDS),
    ("peerlearn_requests_in_progress", REQUESTS_IN_PROGRESS),
    ("peerlearn_requests_error_total", REQUEST_ERRORS),
):
    PrometheusMiddleware._metrics.setdefault(_name, _metric)


class _Answered(NamedTuple):
    count: Any
    seconds: Any
    error: Any | None


class RequestMeters:
    """A service's request series, each child looked up once per (method, route, status).

    prometheus-client's ``labels()`` validates and joins its label values on every call; a
    request's three lookups cost more than the counting itself, so the children are kept here
    (bounded: routes x methods x statuses).
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self._answered: dict[tuple[str, str, int], _Answered] = {}
        self._in_progress: dict[tuple[str, str], Any] = {}

    def started(self, method: str, route: str) -> None:
        """A request on ``route`` (its template) began."""
        gauge = self._in_progress.get((method, route))
        if gauge is None:
            # Litestar's middleware labels requests in progress with status 200: the same series.
            gauge = self._in_progress[(method, route)] = REQUESTS_IN_PROGRESS.labels(
                method, route, "200", self.service
            )
        gauge.inc()

    def answered(self, method: str, route: str, status: int, seconds: float) -> None:
        """The request :meth:`started` on ``route`` was answered with ``status`` after ``seconds``."""
        self._in_progress[(method, route)].dec()
        answered = self._answered.get((method, route, status))
        if answered is None:
            labels = (method, route, str(status), self.service)
            answered = self._answered[(method, route, status)] = _Answered(
                REQUESTS.labels(*labels),
                REQUEST_SECONDS.labels(*labels),
                REQUEST_ERRORS.labels(*labels) if status >= 500 else None,
            )
        answered.count.inc()
        answered.seconds.observe(seconds)
        if answered.error is not None:
            answered.error.inc()


_span: ContextVar[dict[str, float]] = ContextVar("peerlearn_request_span")


class RequestMetricsMiddleware(PrometheusMiddleware):
    """Litestar's request metrics, except that a request refused by a middleware further in (the
    rate limiter's 429, a 500) is counted with the status it is answered with: Litestar turns that
    exception into the answer outside this middleware, which alone would count it as a 200."""

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        super().__init__(app=_refusals_counted(app), config=config)

    def _get_wrapped_send(self, send: Send, request_span: dict[str, float]) -> Callable[..., Any]:
        _span.set(request_span)
        return super()._get_wrapped_send(send, request_span)


def _refusals_counted(app: ASGIApp) -> ASGIApp:
    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        except Exception as exc:
            span = _span.get(None)
            if span is not None:
                span["status_code"] = answered_status(exc)
                span["duration"] = time.perf_counter() - span["start_time"]
            raise

    return call


def request_metrics(service: str) -> PrometheusConfig:
    """Litestar's request metrics for ``service`` (for an app not built by the kit, which counts
    with :class:`RequestMeters`): the same series, by route template (never the raw path)."""
    return PrometheusConfig(
        app_name=service,
        prefix="peerlearn",
        group_path=True,
        exclude=["^/metrics$"],
        buckets=list(BUCKETS),
        middleware_class=RequestMetricsMiddleware,
    )


def metrics_route(service: str, hooks: Sequence[ScrapeHook] = ()) -> Any:
    """``GET /metrics``: refresh the service's state gauges (each hook bounded), then expose all."""

    @get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics (text exposition format)",
        media_type=CONTENT_TYPE_LATEST,
    )
    async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
        for hook in hooks:
            part = getattr(hook, "__name__", "hook")
            try:
                await asyncio.wait_for(hook(request.app), 2.0)
            except Exception as exc:  # a scrape still answers with what it has
                SCRAPE_ERRORS.labels(service, part).inc()
                log.warning("metrics: %s not refreshed: %r", part, exc)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return metrics


class _Bus(Protocol):
    @property
    def connected(self) -> bool: ...
    @property
    def js(self) -> Any: ...


class _Relay(Protocol):
    async def pending(self) -> int: ...


class _Consumer(Protocol):
    @property
    def stream(self) -> str: ...
    @property
    def durable(self) -> str: ...


# Protocols, not peerlearn.bus's classes: the bus counts its messages here (no import cycle).
def transport_hooks(
    service: str, bus: _Bus, relay: _Relay, consumers: Sequence[_Consumer]
) -> list[ScrapeHook]:
    """The scrape hooks every service with a database and NATS has: connection, outbox, consumer lag."""

    async def nats_connection(_app: Litestar) -> None:
        NATS_CONNECTED.labels(service).set(1 if bus.connected else 0)

    async def outbox_backlog(_app: Litestar) -> None:
        OUTBOX_BACKLOG.labels(service).set(await relay.pending())

    async def consumer_lag(_app: Litestar) -> None:
        if not bus.connected:
            return
        for consumer in consumers:
            info = await bus.js.consumer_info(consumer.stream, consumer.durable)
            labels = (service, consumer.stream, consumer.durable)
            CONSUMER_PENDING.labels(*labels).set(info.num_pending or 0)
            CONSUMER_ACK_PENDING.labels(*labels).set(info.num_ack_pending or 0)
            CONSUMER_REDELIVERED.labels(*labels).set(info.num_redelivered or 0)

    return [nats_connection, outbox_backlog, consumer_lag]


def histogram(name: str, documentation: str, labels: Sequence[str] = ()) -> Histogram:
    """A latency histogram with the buckets the request metrics use (seconds)."""
    return Histogram(name, documentation, list(labels), buckets=BUCKETS)
