"""A round-robin TCP proxy for tests of replicas: each accepted connection goes to the next
backend that takes a connection (a dead replica is skipped, as a load balancer's health check
would), and bytes are copied both ways until either side closes.

It works below HTTP on purpose: a replica killed mid-request resets the client's connection as
it would behind a real balancer, and the client's retry (with its ``Idempotency-Key``) decides
what happens next. With ``lose_every = N`` it also loses the answer of every Nth connection (the
backend did the work, its answer never reaches the client: what a crash just after a commit, or
a network cut, does), so a test can show that a retried write still lands once; the clients
should open one connection per request for that to hit single requests.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass
class RoundRobinProxy:
    """Listens on 127.0.0.1 (a free port); ``url`` is where clients go."""

    backends: list[tuple[str, int]]
    server: asyncio.Server | None = None
    connections: int = 0
    skipped: int = 0
    lose_every: int = 0
    lost: int = 0
    _next: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        assert self.server is not None, "start() the proxy first"
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def start(self) -> RoundRobinProxy:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 5)

    async def _open_backend(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        for _ in range(len(self.backends)):
            host, port = self.backends[self._next % len(self.backends)]
            self._next += 1
            try:
                return await asyncio.wait_for(asyncio.open_connection(host, port), 2)
            except (OSError, TimeoutError):
                self.skipped += 1
        return None

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        lose = bool(self.lose_every) and self.connections % self.lose_every == 0
        try:
            backend = await self._open_backend()
            if backend is None:  # every replica is down: the client sees a closed connection
                return
            backend_reader, backend_writer = backend
            pipes = [
                asyncio.ensure_future(_pipe(client_reader, backend_writer)),
                asyncio.ensure_future(
                    self._lose_answer(backend_reader) if lose else _pipe(backend_reader, client_writer)
                ),
            ]
            try:
                # HTTP needs no half-closed connections: when either side is done, both are.
                await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pipe in pipes:
                    pipe.cancel()
                await asyncio.gather(*pipes, return_exceptions=True)
                backend_writer.close()
        finally:
            client_writer.close()
            self._tasks.discard(task)

    async def _lose_answer(self, backend_reader: asyncio.StreamReader) -> None:
        """Wait for the backend's answer and drop it (closing the connection)."""
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            if await backend_reader.read(65536):
                self.lost += 1


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until EOF or an error on either side (a reset reaches the other end as a close)."""
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
