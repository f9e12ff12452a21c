"""The registry of every event type, assembled from its producers, and the JSON codec.

Each producer module (:mod:`peerlearn.events.profiles`, ``.forum``, ``.matcher``) lists
its own ``EVENTS``; this module only joins them, so adding a service's events touches
that service's module and one line here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import msgspec

from peerlearn.events import contacts, forum, matcher, profiles
from peerlearn.events.base import Data, Event, EventDecodeError, new_id

PRODUCERS = (profiles, forum, matcher, contacts)

EVENT_TYPES: dict[tuple[str, int], type[Data]] = {
    key: cls for producer in PRODUCERS for key, cls in producer.EVENTS.items()
}
EVENT_TYPES_BY_CLASS: dict[type[Data], tuple[str, int]] = {cls: key for key, cls in EVENT_TYPES.items()}


class _RawEvent(msgspec.Struct, kw_only=True):
    id: str
    type: str
    version: int = 1
    occurred_at: datetime
    org_id: str | None = None
    actor_id: str | None = None
    data: msgspec.Raw


# What may end a subject: one NATS token (no dots, wildcards or spaces).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,100}")


def subject_of(event: Event) -> str:
    """The subject ``event`` is published on: its type, and for a payload with a
    :attr:`~peerlearn.events.base.Data.subject_key` the key's value after it."""
    key = type(event.data).subject_key
    if key is None:
        return event.type
    value = str(getattr(event.data, key))
    if not _TOKEN.fullmatch(value):
        raise ValueError(f"{event.type}: {key}={value!r} cannot end a subject")
    return f"{event.type}.{value}"


def subject_filters(type_: str) -> list[str]:
    """The subjects a consumer of events of ``type_`` filters on: the type, and for a keyed type
    every key's subject too (the type alone is what was published before it was keyed)."""
    keyed = any(cls.subject_key for (name, _), cls in EVENT_TYPES.items() if name == type_)
    return [type_, f"{type_}.*"] if keyed else [type_]


def keyed_types(patterns: list[str]) -> list[str]:
    """The keyed event types among the subjects ``patterns`` cover (a stream's)."""
    prefixes = tuple(pattern.rstrip(">") for pattern in patterns)
    return sorted(
        {name for (name, _), cls in EVENT_TYPES.items() if cls.subject_key and name.startswith(prefixes)}
    )


def make_event(
    data: Data,
    *,
    org_id: str | None = None,
    actor_id: str | None = None,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """Wrap ``data`` in an envelope, taking its type and version from the registry."""
    try:
        type_, version = EVENT_TYPES_BY_CLASS[type(data)]
    except KeyError:
        raise TypeError(f"{type(data).__name__} is not a registered event") from None
    return Event(
        id=event_id or new_id(),
        type=type_,
        version=version,
        occurred_at=occurred_at or datetime.now(UTC),
        org_id=org_id,
        actor_id=actor_id,
        data=data,
    )


_encoder = msgspec.json.Encoder()
_raw_decoder = msgspec.json.Decoder(_RawEvent)
_data_decoders: dict[tuple[str, int], msgspec.json.Decoder[Any]] = {
    key: msgspec.json.Decoder(cls) for key, cls in EVENT_TYPES.items()
}


def encode(event: Event) -> bytes:
    """The event as JSON bytes."""
    return _encoder.encode(event)


def decode(payload: bytes) -> Event:
    """Parse an envelope and its data; raise :class:`EventDecodeError` saying what is wrong."""
    try:
        raw = _raw_decoder.decode(payload)
    except msgspec.DecodeError as exc:
        raise EventDecodeError(f"malformed envelope: {exc}") from exc
    decoder = _data_decoders.get((raw.type, raw.version))
    if decoder is None:
        raise EventDecodeError(f"unknown event type {raw.type!r} version {raw.version}")
    try:
        data = decoder.decode(raw.data)
    except msgspec.DecodeError as exc:
        raise EventDecodeError(f"malformed data of {raw.type} v{raw.version}: {exc}") from exc
    return Event(
        id=raw.id,
        type=raw.type,
        version=raw.version,
        occurred_at=raw.occurred_at,
        org_id=raw.org_id,
        actor_id=raw.actor_id,
        data=data,
    )
