"""The envelope every event travels in, and what all events share.

An event travels as one JSON envelope (DESIGN §2): ``id`` (time-ordered, also the
``Nats-Msg-Id``), ``type`` (also the subject), ``version``, ``occurred_at``, ``org_id``,
``actor_id`` and ``data``. ``data`` is one of the frozen Structs of the producer's module
(:mod:`peerlearn.events.profiles`, ``.forum``, ``.matcher``), chosen by ``(type, version)``
through the registry (:mod:`peerlearn.events.registry`).
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from typing import ClassVar

import msgspec


class Data(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every event payload.

    ``subject_key`` names a field whose value ends the subject (``<type>.<value>``): a payload
    that says the whole current state of one thing (a person's contact) is published per thing,
    so a stream that keeps one message per subject keeps only each thing's newest.
    """

    subject_key: ClassVar[str | None] = None


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """The envelope. ``type`` is also the NATS subject; ``id`` is the ``Nats-Msg-Id``."""

    id: str
    type: str
    version: int
    occurred_at: datetime
    org_id: str | None
    actor_id: str | None
    data: Data


class EventDecodeError(ValueError):
    """A payload that is not a known, well-formed event; consumers dead-letter it."""


_counter = 0


def new_id() -> str:
    """A unique, time-ordered id: 12 hex digits of milliseconds, then 16 random hex digits.

    Sorting ids as strings sorts them by creation time, which keeps cursors and outbox
    order simple; the random tail keeps replicas from colliding.
    """
    global _counter
    _counter = (_counter + 1) & 0xFFFF
    millis = time.time_ns() // 1_000_000
    return f"{millis:012x}{_counter:04x}{os.urandom(6).hex()}"
