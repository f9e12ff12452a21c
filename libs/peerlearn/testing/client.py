"""An HTTP client for a service app that runs in the test's own event loop.

Litestar's ``AsyncTestClient`` runs the lifespan in a helper thread with its own loop, so
the app's database pool, NATS connection and tasks would live in another loop than the
requests — asyncpg refuses that. Here the lifespan (migrations, NATS, relay, consumers)
and the requests share the loop of the test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from litestar import Litestar


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[Litestar]:
    """Run ``app``'s lifespan in a task of its own, so that pytest fixtures may enter and leave it
    from different tasks (anyio's cancel scopes insist on one task)."""
    started = asyncio.Event()
    stop = asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold(), name="app-lifespan")
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # start-up failed: raise its error here
    try:
        yield app
    finally:
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), 60)
        except TimeoutError:
            # A hang in shutdown: say where every task is waiting, then fail the test.
            for other in asyncio.all_tasks():
                other.print_stack(limit=8)
            raise AssertionError("the app did not shut down within 60 s (task stacks above)") from None


@asynccontextmanager
async def app_client(app: Litestar, *, wait_for_nats: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    """Start ``app``'s lifespan and yield a client that calls it in-process."""
    async with running(app):
        if wait_for_nats:
            try:
                await asyncio.wait_for(app.state.bus.wait_connected(), 30)
            except TimeoutError:
                raise AssertionError(f"the app did not reach NATS at {app.state.bus.url} in 30 s") from None
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


@asynccontextmanager
async def served_over_http(app: Litestar) -> AsyncIterator[str]:
    """A started ``app`` behind a real uvicorn server on a free port (server-sent event streams
    need a real connection); yields its base URL. The app's lifespan is the caller's."""
    import uvicorn

    from peerlearn.runner import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # it could not start: raise why
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
