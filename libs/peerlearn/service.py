"""The app factory every service is built with: the parts that make a service a peerlearn service.

``create_service_app`` gives each service ``GET /health``, ``GET /ready``, OpenAPI at
``/schema``, one error format (``{"status_code", "detail", "extra"}``, domain errors of
:mod:`peerlearn.errors` mapped once), the unit of work injected as ``uow``, a request body
limit (413), bearer authentication, per-caller rate limits on writes and on reads
(:mod:`peerlearn.rate_counts`), ``Idempotency-Key`` on every write, and, around every request
(:mod:`peerlearn.request_envelope`), a request id, security headers, request metrics and one JSON
log line; and a lifespan that migrates the database,
connects to NATS without blocking start-up, runs the outbox relay and the consumers, and
drains them on shutdown.
It does no I/O until the app starts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.types import Scope
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import api_docs
from peerlearn.auth import Principal, TokenVerifier, bearer_auth, principal_of
from peerlearn.bus import Bus, Consumer
from peerlearn.errors import DomainError
from peerlearn.http_errors import domain_error_response
from peerlearn.http_methods import ServiceApp
from peerlearn.idempotency import IdempotencyMiddleware
from peerlearn.idempotency import metadata as idempotency_metadata
from peerlearn.json_bodies import StrictJsonMiddleware
from peerlearn.logs import configure_logging
from peerlearn.loop_reads import close_loop_reads
from peerlearn.metrics import ScrapeHook, metrics_route, transport_hooks
from peerlearn.outbox import OutboxRelay
from peerlearn.rate_counts import Limit, RateLimits, rate_counts
from peerlearn.read_cache import close_read_cache
from peerlearn.request_envelope import RequestEnvelope
from peerlearn.settings import ServiceSettings
from peerlearn.store import Database
from peerlearn.unit_of_work import UnitOfWork

log = logging.getLogger("peerlearn.service")

Hook = Callable[[Litestar], Awaitable[None]]


class Health(msgspec.Struct, frozen=True):
    status: str
    service: str


class Readiness(msgspec.Struct, frozen=True):
    status: str
    service: str
    checks: dict[str, str]


def make_store(redis_url: str, namespace: str) -> Store:
    """The shared fast store: Redis when configured, else memory in this process."""
    if redis_url:
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=redis_url, namespace=f"peerlearn:{namespace}")
    return MemoryStore()


def _rate_limit_bucket(scope: Scope) -> str:
    # The platform admin has a bucket of its own: sharing the per-IP bucket of anonymous
    # traffic let 120 unauthenticated requests lock the admin out.
    principal = scope.get("user")
    if isinstance(principal, Principal):
        if principal.platform_admin:
            return "platform-admin"
        if principal.person_id:
            return f"person:{principal.person_id}"
    # The address uvicorn gives: the peer's, or X-Forwarded-For's when the peer is a trusted
    # proxy (peerlearn.trusted_proxies).
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def _internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request_id = request.scope.get("state", {}).get("request_id", "")
    log.exception(
        "unhandled error on %s %s (request %s)", request.method, request.url.path, request_id, exc_info=exc
    )
    return Response(
        {"status_code": 500, "detail": "internal error; quote request id " + str(request_id)},
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    body: dict[str, Any] = {"status_code": exc.status_code, "detail": exc.detail}
    if exc.extra:
        body["extra"] = exc.extra
    return Response(body, status_code=exc.status_code, headers=exc.headers)


async def _bounded(what: str, step: Awaitable[Any], *, seconds: float = 10.0) -> None:
    try:
        await asyncio.wait_for(step, seconds)
    except TimeoutError:
        log.error("shutdown: %s took longer than %gs; going on without it", what, seconds)
    except Exception as exc:
        log.error("shutdown: %s failed: %r", what, exc)


def _conflict(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    # A uniqueness or reference violation that a domain check did not catch first (a race
    # between two requests, say) is the caller's conflict, not a server error.
    log.info("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
    return Response(
        {
            "status_code": 409,
            "detail": "this conflicts with existing data (a duplicate or a missing reference)",
        },
        status_code=409,
    )


def _provide_uow(state: State) -> UnitOfWork:
    uow: UnitOfWork = state.uow
    return uow


async def _provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    async with state.database.transaction() as session:
        yield session


def _provide_principal(request: Request[Any, Any, Any], uow: UnitOfWork) -> Principal | None:
    # ``uow`` is taken only to be resolved first: Litestar resolves the dependencies of a handler
    # that do not depend on each other concurrently, in an anyio task group (a task each and turns
    # of the loop: about 30% of a cached read's time in the app) although both are a dictionary lookup.
    # Almost every handler asks for both; one after the other they cost nothing.
    del uow
    return principal_of(request)


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    route_handlers: Sequence[Any],
    migrations: Path | str,
    database: Database | None = None,
    bus: Bus | None = None,
    consumers: Callable[[Bus, Database], Sequence[Consumer]] | None = None,
    dependencies: dict[str, Provide] | None = None,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    stores: dict[str, Store] | None = None,
    state: dict[str, Any] | None = None,
    description: str = "",
    idempotency_max_body: int | None = None,
    unit_of_work: UnitOfWork | None = None,
    scrape_hooks: Sequence[ScrapeHook] = (),
) -> Litestar:
    """Build a service's Litestar app; adapters may be passed in (tests), else made from settings."""
    configure_logging(settings.log_level)
    database = database or Database(settings.sqlalchemy_url, schema=settings.service)
    bus = bus or Bus.for_service(settings)
    # One unit of work per service: a composition root whose handlers were built with one passes it.
    uow = unit_of_work or UnitOfWork(database)
    if uow.database is not database:
        raise ValueError("the unit of work must be on the service's database")
    relay = OutboxRelay(database, bus.publish_raw)
    # Sessions made by this factory wake the relay right after they commit an event.
    database.sessions.configure(info={"outbox_signal": relay.wake})
    verifier = TokenVerifier(settings.jwt_secret, admin_token=settings.admin_token)
    the_consumers = list(consumers(bus, database)) if consumers else []

    @get("/health", tags=["operations"], summary="Liveness", sync_to_thread=False)
    def health() -> Health:
        return Health(status="ok", service=settings.service)

    @get("/ready", tags=["operations"], summary="Readiness: database and NATS reachable")
    async def ready() -> Response[Readiness]:
        checks: dict[str, str] = {}
        for name, probe in (("database", database.ping), ("nats", bus.ping)):
            try:
                await asyncio.wait_for(probe(), 2.0)
                checks[name] = "ok"
            except Exception as exc:
                checks[name] = f"down: {exc}" if str(exc) else f"down: {type(exc).__name__}"
        down = [name for name, value in checks.items() if value != "ok"]
        status = "ready" if not down else "unavailable: " + ", ".join(down) + " down"
        return Response(
            Readiness(status=status, service=settings.service, checks=checks),
            status_code=HTTP_503_SERVICE_UNAVAILABLE if down else 200,
        )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await database.migrate(migrations)
        await database.create_tables(idempotency_metadata)
        api_docs.complete(app)
        bus.connect_in_background()
        tasks = [asyncio.create_task(relay.run(), name=f"{settings.service}-outbox")]
        tasks += [asyncio.create_task(c.run(), name=f"consumer-{c.durable}") for c in the_consumers]
        for hook in on_startup:
            await hook(app)
        try:
            yield
        finally:
            # Every step is bounded: a stuck step is logged and shutdown goes on, so that a
            # process manager's stop never hangs (what was not done is redone at next start).
            for hook in on_shutdown:
                await _bounded(f"shutdown hook {getattr(hook, '__name__', hook)}", hook(app))
            # Consumers first (an unacked message is redelivered), then the outbox drains.
            for task in tasks:
                task.cancel()
            await _bounded("stopping consumers and relay", asyncio.gather(*tasks, return_exceptions=True))
            if bus.connected:
                await _bounded("draining the outbox", relay.drain(), seconds=6)
            await _bounded("closing the NATS connection", bus.close())
            await _bounded("closing the read cache", close_read_cache(database))
            await _bounded("closing the database", database.dispose())
            await _bounded("closing the rate counts", counts.close())
            close_loop_reads(database)

    app_stores: dict[str, Store] = {
        "idempotency": make_store(settings.redis_url, f"{settings.service}:idem"),
        **(stores or {}),
    }
    unlimited = ["^/schema", "^/health$", "^/ready$", "^/metrics$"]
    metrics = metrics_route(
        settings.service, [*transport_hooks(settings.service, bus, relay, the_consumers), *scrape_hooks]
    )
    counts = rate_counts(settings.redis_url, f"{settings.service}:rate-counts")
    return ServiceApp(
        route_handlers=[health, ready, metrics, *route_handlers],
        lifespan=[lifespan],
        middleware=[
            # Outermost: a request refused by any middleware below is counted and logged with
            # its status, and its answer has the same headers as every other.
            DefineMiddleware(RequestEnvelope, service=settings.service, unmetered=["^/metrics$"]),
            bearer_auth(verifier),
            DefineMiddleware(
                RateLimits,
                counts=counts,
                writes=Limit("writes", settings.rate_limit_per_minute),
                reads=Limit("reads", settings.read_rate_limit_per_minute),
                caller_of=_rate_limit_bucket,
                unlimited=unlimited,
            ),
            DefineMiddleware(
                IdempotencyMiddleware,
                max_body=idempotency_max_body or settings.max_body_bytes,
                keep_seconds=settings.idempotency_ttl_seconds,
            ),
            DefineMiddleware(StrictJsonMiddleware, max_body=settings.max_body_bytes),
        ],
        dependencies={
            "uow": Provide(_provide_uow, sync_to_thread=False),
            "db_session": Provide(_provide_db_session),
            "principal": Provide(_provide_principal, sync_to_thread=False),
            **(dependencies or {}),
        },
        exception_handlers={
            DomainError: domain_error_response,
            HTTPException: _http_error,
            IntegrityError: _conflict,
            Exception: _internal_error,
        },
        openapi_config=OpenAPIConfig(
            title=title,
            version="1",
            description=description,
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        request_max_body_size=settings.max_body_bytes,
        stores=app_stores,
        state=State(
            {
                "settings": settings,
                "database": database,
                "uow": uow,
                "bus": bus,
                "relay": relay,
                "consumers": the_consumers,
                **(state or {}),
            }
        ),
    )
