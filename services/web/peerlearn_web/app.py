"""The web service's composition root: pages over the upstream services, sessions, CSRF,
templates and static files. No database, no NATS; no I/O until the app starts."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE
from litestar.stores.base import Store
from litestar.template.config import TemplateConfig

from peerlearn.logs import RequestLogMiddleware, configure_logging
from peerlearn.metrics import metrics_route, request_metrics
from peerlearn.service import make_store
from peerlearn_web.adapters.markdown import render
from peerlearn_web.adapters.upstreams import Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.http import admin, forum, home, inbox, insights, mentorships, org_settings, people, signin
from peerlearn_web.http import webhooks as webhook_pages
from peerlearn_web.http.errors import HANDLERS
from peerlearn_web.http.session import SESSION_COOKIE, current_caller, required_caller
from peerlearn_web.settings import WebSettings

HERE = Path(__file__).parent


class Health(msgspec.Struct, frozen=True):
    status: str
    service: str


class Readiness(msgspec.Struct, frozen=True):
    status: str
    service: str
    checks: dict[str, str]


def _csrf_secret(settings: WebSettings) -> str:
    # Derived from the admin credential when no secret is set, so every replica of one
    # deployment agrees without another file; the hash keeps the credential itself out of it.
    base = settings.jwt_secret or settings.admin_token or "peerlearn-web-development"
    return hashlib.sha256(("peerlearn-web-csrf:" + base).encode()).hexdigest()


def create_app(
    settings: WebSettings, *, upstreams: Upstreams | None = None, store: Store | None = None
) -> Litestar:
    """Build the web app; ``upstreams`` and the session ``store`` may be passed in (tests)."""
    configure_logging(settings.log_level)
    # httpx logs every upstream call at INFO: several lines per page, the request log has enough.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    ups = upstreams or Upstreams.from_urls(
        settings.upstream_urls(), timeout=settings.upstream_timeout_seconds
    )
    sessions = store or make_store(settings.redis_url, "web:sessions")

    @get("/health", sync_to_thread=False, include_in_schema=False)
    def health() -> Health:
        return Health(status="ok", service="web")

    @get("/ready", include_in_schema=False)
    async def ready() -> Response[Readiness]:
        checks = await ups.check()
        down = [name for name, value in checks.items() if value != "ok"]
        status = "ready" if not down else "unavailable: " + ", ".join(down) + " down"
        return Response(
            Readiness(status=status, service="web", checks=checks),
            status_code=HTTP_503_SERVICE_UNAVAILABLE if down else 200,
        )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await asyncio.wait_for(ups.close(), 5)

    def provide_upstreams() -> Upstreams:
        return ups

    def provide_settings() -> WebSettings:
        return settings

    def provide_caller(request: Request[Any, Any, Any]) -> Caller | None:
        return current_caller(request)

    def provide_me(request: Request[Any, Any, Any]) -> Caller:
        return required_caller(request)

    def engine_callback(engine: JinjaTemplateEngine) -> None:
        engine.engine.filters["markdown"] = render
        # The templates ship with the code: no stat() of each one per render to see if it changed.
        engine.engine.auto_reload = False

    session_config = ServerSideSessionConfig(
        store="sessions",
        key=SESSION_COOKIE,
        max_age=settings.session_ttl_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        renew_on_access=True,
    )
    return Litestar(
        route_handlers=[
            health,
            ready,
            metrics_route("web"),
            home.HomeController,
            signin.SignInController,
            signin.sign_out,
            forum.ForumController,
            people.PeopleController,
            admin.AdminController,
            admin.ModerationController,
            org_settings.OrgSettingsController,
            inbox.InboxController,
            mentorships.MentorshipsController,
            mentorships.ProgrammeController,
            insights.InsightsController,
            webhook_pages.WebhooksController,
            create_static_files_router(path="/static", directories=[HERE / "static"], name="static"),
        ],
        lifespan=[lifespan],
        # The header's unread count on every page (one call to notify; none when it fails).
        before_request=inbox.unread_in_header,
        middleware=[request_metrics("web").middleware, RequestLogMiddleware, session_config.middleware],
        csrf_config=CSRFConfig(
            secret=_csrf_secret(settings),
            cookie_name="peerlearn_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
        ),
        template_config=TemplateConfig(
            directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=engine_callback
        ),
        dependencies={
            "ups": Provide(provide_upstreams, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "caller": Provide(provide_caller, sync_to_thread=False),
            "me": Provide(provide_me, sync_to_thread=False),
        },
        exception_handlers=HANDLERS,
        stores={"sessions": sessions},
        request_max_body_size=settings.max_body_bytes * 5,
        # The pages and their forms, for whoever looks (`peerlearn up` prints /schema for each service).
        openapi_config=OpenAPIConfig(title="peerlearn web", version="1", path="/schema"),
        state=State({"settings": settings, "upstreams": ups, "session_config": session_config}),
    )
