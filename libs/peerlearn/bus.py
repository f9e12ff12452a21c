"""The event bus on NATS JetStream: streams, deduplicated publishing, durable consumers.

Publishing sets ``Nats-Msg-Id`` to the event id so JetStream drops a duplicate inside
its window. A :class:`Consumer` hands each event to an async handler (after an optional
``prepare`` saw the whole fetched batch), acks only after the handler returned, naks with
back-off when it raised, and after ``max_deliver`` attempts (or at once for a payload that is
not an event) publishes a :class:`~peerlearn.events.DeadLetter` to ``deadletter.<stream>`` and
terminates the message, so nothing is silently dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from peerlearn import events, nats_access
from peerlearn.metrics import CONSUMER_MESSAGES
from peerlearn.retrying import backoff_delay

if TYPE_CHECKING:
    from peerlearn.settings import ServiceSettings

log = logging.getLogger("peerlearn.bus")

Handler = Callable[[events.Event], Awaitable[None]]


class NotYet(Exception):
    """Raised by a handler whose event depends on another not applied yet, one of a stream
    consumed apart (an answer before its asker's profile): the event is tried again, with
    back-off, for up to the consumer's ``patience`` since it was published — past a crashed
    replica's ack wait, when the event it waits for comes back — and only then dead-lettered.
    A failure (any other exception) has ``max_deliver`` tries."""


# Sees every event of a fetch before the first is handled (to do batch work once, e.g. embed all
# their texts in one model call); it changes nothing durable: acks still follow each handler.
Prepare = Callable[[Sequence[events.Event]], Awaitable[None]]

DUPLICATE_WINDOW_SECONDS = 2 * 60 * 60.0


class BusUnavailable(ConnectionError):
    """NATS is not connected right now; the caller keeps the event and retries later."""


class NatsCredentials(msgspec.Struct, frozen=True, kw_only=True):
    """How a process proves who it is to NATS: user and password, an NKey seed or a creds file.

    ``nkey_seed`` is a seed (``SU…``) or the path of a file holding one; ``creds`` the path
    of a ``.creds`` file (JWT and seed); ``tls_ca`` the CA that signed the servers' certificates
    when it is not a public one. All empty: connect without credentials.
    """

    user: str = ""
    password: str = ""
    nkey_seed: str = ""
    creds: str = ""
    tls_ca: str = ""

    @classmethod
    def of(cls, settings: ServiceSettings) -> NatsCredentials:
        """The credentials a service's settings name (``PEERLEARN_<SERVICE>_NATS_USER``…)."""
        return cls(
            user=settings.nats_user,
            password=settings.nats_password,
            nkey_seed=settings.nats_nkey_seed,
            creds=settings.nats_creds,
            tls_ca=settings.nats_tls_ca,
        )

    @property
    def present(self) -> bool:
        """Whether any way of authenticating is set."""
        return bool(self.user or self.nkey_seed or self.creds)

    def connect_options(self) -> dict[str, Any]:
        """Keyword arguments of ``nats.connect`` for these credentials."""
        options: dict[str, Any] = {}
        if self.user:
            options.update(user=self.user, password=self.password)
        if self.nkey_seed:
            if Path(self.nkey_seed).is_file():
                options["nkeys_seed"] = self.nkey_seed
            else:
                options["nkeys_seed_str"] = self.nkey_seed
        if self.creds:
            options["user_credentials"] = self.creds
        if self.tls_ca:
            options["tls"] = ssl.create_default_context(cafile=self.tls_ca)
        return options


class Bus:
    """One NATS connection with its JetStream context, shared by a service's tasks."""

    def __init__(
        self,
        url: str,
        *,
        name: str = "peerlearn",
        publish_timeout: float = 5.0,
        replicas: int = 1,
        credentials: NatsCredentials | None = None,
        streams: Sequence[str] | None = None,
    ) -> None:
        # For messages (and /ready, which anyone may read): a password in the URL never shows.
        self.url = nats_access.redacted(url)
        # "nats://a:4222,nats://b:4222" names the nodes of a cluster.
        self.servers = [part.strip() for part in url.split(",") if part.strip()]
        self.replicas = replicas
        self.credentials = credentials or NatsCredentials()
        # The streams this bus creates/updates at connect (None: all); a service's NATS user
        # may manage only its own stream and DEADLETTER.
        self.streams = None if streams is None else tuple(streams)
        self.name = name
        self.publish_timeout = publish_timeout
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._connecting: asyncio.Task[None] | None = None

    @classmethod
    def for_service(cls, settings: ServiceSettings, *, name: str = "") -> Bus:
        """The bus of a service: its URL, replicas, NATS credentials and the streams it manages.

        A service with credentials manages only its own stream and DEADLETTER (all its NATS
        user may touch); without credentials (a development server) it ensures every stream.
        """
        credentials = NatsCredentials.of(settings)
        return cls(
            settings.nats_url,
            name=name or f"peerlearn-{settings.service}",
            replicas=settings.stream_replicas,
            credentials=credentials,
            streams=nats_access.managed_streams(settings.service) if credentials.present else None,
        )

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    @property
    def js(self) -> JetStreamContext:
        if self._js is None or not self.connected:
            raise BusUnavailable(f"NATS at {self.url} is not connected")
        return self._js

    async def connect(self, *, timeout: float | None = None) -> None:
        """Connect, retrying until NATS answers (or ``timeout`` passes), then ensure streams."""

        async def _connect() -> None:
            self._nc = await nats.connect(
                self.servers,
                name=self.name,
                allow_reconnect=True,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                connect_timeout=2,
                error_cb=self._on_error,
                **self.credentials.connect_options(),
            )
            self._js = self._nc.jetstream(timeout=self.publish_timeout)
            await ensure_streams(self._js, replicas=self.replicas, only=self.streams)

        if timeout is None:
            await _connect()
        else:
            try:
                await asyncio.wait_for(_connect(), timeout)
            except TimeoutError:
                raise BusUnavailable(f"cannot reach NATS at {self.url} within {timeout:g}s") from None

    def connect_in_background(self) -> asyncio.Task[None]:
        """Start connecting without blocking start-up: a service serves writes while NATS is down."""
        if self._connecting is None:
            self._connecting = asyncio.create_task(self.connect(), name=f"{self.name}-nats-connect")
        return self._connecting

    async def wait_connected(self) -> None:
        """Wait until the connection and the streams are there."""
        if self._connecting is not None:
            await asyncio.shield(self._connecting)
        while not self.connected:  # noqa: ASYNC110 - nats-py offers no event for "reconnected"
            await asyncio.sleep(0.05)

    async def _on_error(self, exc: Exception) -> None:
        # Refused credentials or a refused subject are a configuration error, not a hiccup.
        if isinstance(exc, nats.errors.Error) and "violation" in str(exc).lower():
            log.error("nats (%s as %r): %s", self.url, self.credentials.user or "anonymous", exc)
        else:
            log.debug("nats: %s", exc)

    async def ping(self) -> None:
        """Raise :class:`BusUnavailable` unless the server answers a round trip."""
        if not self.connected or self._nc is None:
            raise BusUnavailable(f"NATS at {self.url} is not connected")
        await self._nc.flush(timeout=1)

    async def publish_raw(self, subject: str, payload: bytes, msg_id: str) -> bool:
        """Publish and wait for JetStream's ack; return False when it was a duplicate."""
        try:
            ack = await self.js.publish(subject, payload, headers={"Nats-Msg-Id": msg_id})
        except (NatsTimeoutError, nats.errors.ConnectionClosedError, nats.errors.NoRespondersError) as exc:
            raise BusUnavailable(f"publish to {subject} not acknowledged: {exc!r}") from exc
        return not ack.duplicate

    async def publish(self, event: events.Event) -> bool:
        """Publish ``event`` on its subject with its id as ``Nats-Msg-Id``."""
        return await self.publish_raw(events.subject_of(event), events.encode(event), event.id)

    async def listen(
        self, subject: str, handler: Callable[[events.Event], Awaitable[None]]
    ) -> Callable[[], Awaitable[None]]:
        """Hear every event published on ``subject`` from now on, as plain NATS (at most once, no
        acks, nothing replayed): for live fan-out to each replica, never for work that must happen.
        The subscription survives reconnects; undecodable messages are skipped. Returns the
        coroutine function that stops listening."""
        await self.wait_connected()

        async def heard(message: Msg) -> None:
            try:
                event = events.decode(message.data)
            except events.EventDecodeError as exc:
                log.warning("ignored an undecodable message on %s: %s", message.subject, exc)
                return
            await handler(event)

        assert self._nc is not None
        subscription = await self._nc.subscribe(subject, cb=heard)

        async def stop() -> None:
            with contextlib.suppress(Exception):  # the connection may be closing already
                await subscription.unsubscribe()

        return stop

    async def close(self) -> None:
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._connecting
        if self._nc is not None and not self._nc.is_closed:
            # Not drain(): consumers are already cancelled and their unacked messages come back
            # to the next replica; drain would wait out pending pull requests (up to 30 s).
            with contextlib.suppress(Exception):
                await self._nc.flush(timeout=1)
            try:
                await asyncio.wait_for(self._nc.close(), 5)
            except Exception as exc:  # closing must not hang a shutdown (nats-py can wait on a dead socket)
                log.warning("closing the NATS connection: %r", exc)
        self._nc = None
        self._js = None


async def ensure_streams(
    js: JetStreamContext, *, replicas: int = 1, only: Sequence[str] | None = None
) -> None:
    """Create (or update) the PROFILES, FORUM, MATCHER and DEADLETTER streams (or ``only`` some)."""
    wanted = {**events.STREAMS, events.DEADLETTER_STREAM: [f"{events.DEADLETTER_PREFIX}.>"]}
    for name, subjects in wanted.items():
        if only is not None and name not in only:
            continue
        config = StreamConfig(
            name=name,
            subjects=subjects,
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            num_replicas=replicas,
            max_msgs_per_subject=events.KEEP_PER_SUBJECT.get(name, -1),  # -1: no limit
        )
        try:
            await js.stream_info(name)
        except NotFoundError:
            with contextlib.suppress(nats.js.errors.BadRequestError):  # created by a racing replica
                await js.add_stream(config)
            continue
        await js.update_stream(config)
        # What a keyed type put on its bare subject before it was keyed (the newest of it is
        # kept by the per-subject limit): one person's old address, which their erasure, on
        # their own subject, would never replace. `peerlearn profiles publish-contacts`
        # republishes every current address on the keyed subjects.
        for bare in events.keyed_types(subjects):
            await js.purge_stream(name, subject=bare)


def _being_cancelled() -> bool:
    """Whether this task was asked to stop. nats-py turns a cancelled ``next_msg`` into
    ``ConnectionClosedError`` when the connection closes meanwhile, and a handler may wrap a
    cancellation too: taken for a hiccup, it would be retried forever (a shutdown that never ends)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class Consumer:
    """A durable pull consumer that feeds one handler until cancelled."""

    def __init__(
        self,
        bus: Bus,
        *,
        stream: str,
        durable: str,
        handler: Handler,
        subjects: Sequence[str] = (),
        max_deliver: int = 5,
        ack_wait: float = 30.0,
        batch: int = 64,
        fetch_timeout: float = 1.0,
        backoff: Callable[[int], float] = backoff_delay,
        prepare: Prepare | None = None,
        patience: float = 600.0,
    ) -> None:
        self.bus = bus
        self.stream = stream
        self.durable = durable
        self.handler = handler
        self.subjects = list(subjects) or events.STREAMS.get(stream, [">"])
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.batch = batch
        self.fetch_timeout = fetch_timeout
        self.backoff = backoff
        self.patience = patience
        self.prepare = prepare
        self.processed = 0
        self.dead_lettered = 0

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        config = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            # No server-side bound: the server would drop a message silently at its bound.
            # We dead-letter at max_deliver ourselves, and a message whose dead-lettering
            # failed (NATS hiccup) simply comes back and is dead-lettered on the next try.
            max_deliver=-1,
            filter_subjects=self.subjects if len(self.subjects) > 1 else None,
            filter_subject=self.subjects[0] if len(self.subjects) == 1 else None,
        )
        await self.bus.wait_connected()
        await self._refilter(config)
        return await self.bus.js.pull_subscribe(
            self.subjects[0], durable=self.durable, stream=self.stream, config=config
        )

    async def _refilter(self, config: ConsumerConfig) -> None:
        """Give an existing durable the subjects handled now (nats-py would reuse its old filter).

        A service that gained a handler keeps its durable and its position: the new subject is
        delivered from here on, not from the stream's start (a rebuild applies its history).
        """
        try:
            info = await self.bus.js.consumer_info(self.stream, self.durable)
        except NotFoundError:
            return  # pull_subscribe creates it with this config
        had = sorted(info.config.filter_subjects or [info.config.filter_subject or ">"])
        if had == sorted(self.subjects):
            return
        await self.bus.js.add_consumer(self.stream, config)
        log.info("consumer %s on %s now filters %s (was %s)", self.durable, self.stream, self.subjects, had)

    async def run(self) -> None:
        """Fetch and handle messages until cancelled; survives NATS restarts."""
        subscription: JetStreamContext.PullSubscription | None = None
        while True:
            try:
                if subscription is None:
                    subscription = await self._subscribe()
                try:
                    messages = await subscription.fetch(self.batch, timeout=self.fetch_timeout)
                except TimeoutError:  # nats-py raises its subclass, or asyncio's, when nothing came
                    continue
                if self.prepare is not None:
                    await self._prepare(messages)
                for message in messages:
                    await self._handle(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a consumer must outlive NATS hiccups
                if _being_cancelled():
                    raise asyncio.CancelledError from exc
                log.warning("consumer %s on %s paused: %r", self.durable, self.stream, exc)
                subscription = None
                await asyncio.sleep(0.5)

    async def _prepare(self, messages: Sequence[Msg]) -> None:
        """Hand the fetch's events to ``prepare``; its failure only costs the batch's head start."""
        assert self.prepare is not None
        batch = []
        for message in messages:
            with contextlib.suppress(events.EventDecodeError):  # _handle dead-letters it
                batch.append(events.decode(message.data))
        if not batch:
            return
        try:
            await self.prepare(batch)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # each handler still does (or fails) its own work
            if _being_cancelled():
                raise asyncio.CancelledError from exc
            log.warning("consumer %s: preparing %d events failed: %r", self.durable, len(batch), exc)

    async def _handle(self, message: Msg) -> None:
        delivered = message.metadata.num_delivered
        try:
            event = events.decode(message.data)
        except events.EventDecodeError as exc:
            await self._dead_letter_or_retry(message, delivered, str(exc))
            return
        try:
            await self.handler(event)
        except asyncio.CancelledError:
            # Leave the message unacked: it is redelivered after ack_wait to whoever runs next.
            raise
        except NotYet as exc:
            waited = (datetime.now(UTC) - message.metadata.timestamp).total_seconds()
            if waited >= self.patience:
                await self._dead_letter_or_retry(message, delivered, f"waited {waited:.0f} s: {exc}")
            else:
                log.info("%s waits (delivery %d, %.0f s so far): %s", event.type, delivered, waited, exc)
                await message.nak(delay=self.backoff(delivered))
                CONSUMER_MESSAGES.labels(self.stream, self.durable, "retried").inc()
            return
        except Exception as exc:  # the handler's failure is the message's fate
            if _being_cancelled():
                raise asyncio.CancelledError from exc
            if delivered >= self.max_deliver:
                await self._dead_letter_or_retry(message, delivered, f"{type(exc).__name__}: {exc}")
            else:
                log.info("handler for %s failed (delivery %d): %r", event.type, delivered, exc)
                await message.nak(delay=self.backoff(delivered))
                CONSUMER_MESSAGES.labels(self.stream, self.durable, "retried").inc()
            return
        await message.ack()
        self.processed += 1
        CONSUMER_MESSAGES.labels(self.stream, self.durable, "handled").inc()

    async def _dead_letter_or_retry(self, message: Msg, delivered: int, error: str) -> None:
        try:
            await self._dead_letter(message, delivered, error)
        except Exception as exc:  # never lose it: leave it to come back
            log.warning("could not dead-letter %s (%r); it will be redelivered", message.subject, exc)
            await message.nak(delay=self.backoff(delivered))
            CONSUMER_MESSAGES.labels(self.stream, self.durable, "retried").inc()

    async def _dead_letter(self, message: Msg, delivered: int, error: str) -> None:
        meta = message.metadata
        letter = events.DeadLetter(
            stream=self.stream,
            subject=message.subject,
            consumer=self.durable,
            stream_seq=meta.sequence.stream,
            deliveries=delivered,
            error=error,
            msg_id=(message.headers or {}).get("Nats-Msg-Id"),
            payload=message.data.decode("utf-8", errors="replace"),
            failed_at=datetime.now(UTC),
        )
        subject = events.deadletter_subject(self.stream)
        msg_id = f"{self.durable}:{meta.sequence.stream}"
        await self.bus.js.publish(subject, msgspec.json.encode(letter), headers={"Nats-Msg-Id": msg_id})
        await message.term()
        self.dead_lettered += 1
        CONSUMER_MESSAGES.labels(self.stream, self.durable, "dead_lettered").inc()
        log.error(
            "dead-lettered %s #%d after %d deliveries: %s",
            message.subject,
            meta.sequence.stream,
            delivered,
            error,
        )


async def run_consumers(consumers: Sequence[Consumer]) -> None:
    """Run several consumers until cancelled."""
    async with asyncio.TaskGroup() as group:
        for consumer in consumers:
            group.create_task(consumer.run(), name=f"consumer-{consumer.durable}")
