"""The routing model in the database: one replica trains it, every replica routes with the same one.

Each replica used to train its own model from the same history, at its own start and on its own
schedule, so two replicas could route one question with different weights for an hour (one
started before the labels existed, one after). Now the newest row of ``routing_models`` is the
model in use: a replica loads it at start (:meth:`~peerlearn_matcher.adapters.index.LiveIndex.start`),
stores a model it trained only if no other replica stored one since it looked (the replicas'
turn makes that check and the insert one step), and logs a ``routing`` index change so the
others load it on their next catch-up. A row with no weights records that the default weights
were judged best at ``trained_at``: the schedule is the cluster's, not each replica's.

A stored model keeps what scoring and judging the next one need (weights, standardisation,
shrinkage, window, held-out MRR, how many cases it saw), not its cases: the next training
replays the history anyway.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_matcher.adapters import tables as m
from peerlearn_matcher.domain.routing_model import RoutingModel

# Rows kept: the one in use and a few before it, to see how the model moved.
KEPT = 24


class StoredModel(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The JSON of one row's ``model``: a :class:`RoutingModel` without its cases."""

    min_cases: int
    retrain_every: int
    validation: int
    folds: int
    labelled: int
    coefficients: list[float] | None = None
    mean: list[float] | None = None
    scale: list[float] | None = None
    prior: float | None = None
    window: tuple[datetime, datetime] | None = None
    held_out: tuple[float, float] | None = None


class Stored(msgspec.Struct, frozen=True):
    """A stored row: its id (the order of storing), when it was trained, and the model."""

    id: int
    trained_at: datetime
    model: RoutingModel

    @property
    def in_use(self) -> RoutingModel | None:
        """What the engine routes with: the model once learned, else None (the default weights)."""
        return self.model if self.model.learned else None


def _lists(values: np.ndarray | None) -> list[float] | None:
    return None if values is None else [float(v) for v in values]


def _array(values: list[float] | None) -> np.ndarray | None:
    return None if values is None else np.asarray(values, np.float64)


def encode(model: RoutingModel) -> bytes:
    """``model`` as the JSON a row keeps (its weights exactly: floats round-trip)."""
    return msgspec.json.encode(
        StoredModel(
            min_cases=model.min_cases,
            retrain_every=model.retrain_every,
            validation=model.validation,
            folds=model.folds,
            labelled=model.labelled,
            coefficients=_lists(model.coefficients),
            mean=_lists(model.mean),
            scale=_lists(model.scale),
            prior=model.prior,
            window=model.window,
            held_out=model.held_out,
        )
    )


def decode(data: bytes) -> RoutingModel:
    """The model a row keeps (not learned: the default weights, after ``labelled`` cases)."""
    stored = msgspec.json.decode(data, type=StoredModel)
    return RoutingModel(
        min_cases=stored.min_cases,
        retrain_every=stored.retrain_every,
        validation=stored.validation,
        folds=stored.folds,
        coefficients=_array(stored.coefficients),
        mean=_array(stored.mean),
        scale=_array(stored.scale),
        prior=stored.prior,
        window=stored.window,
        held_out=stored.held_out,
        stored_cases=stored.labelled,
    )


async def latest(session: AsyncSession) -> Stored | None:
    """The model in use (the newest row), or None when no replica has stored one yet."""
    row = (
        await session.execute(
            sa.select(m.routing_models.c.id, m.routing_models.c.trained_at, m.routing_models.c.model)
            .order_by(m.routing_models.c.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return Stored(id=int(row.id), trained_at=row.trained_at, model=decode(row.model))


async def put(session: AsyncSession, model: RoutingModel, trained_at: datetime) -> int:
    """Store ``model`` (not learned: the default weights stay) as the one in use; forget all
    but the newest :data:`KEPT`. Returns its id."""
    data = encode(model)
    new_id = int(
        await session.scalar(
            sa.insert(m.routing_models)
            .values(trained_at=trained_at, model=data)
            .returning(m.routing_models.c.id)
        )
        or 0
    )
    await session.execute(sa.delete(m.routing_models).where(m.routing_models.c.id <= new_id - KEPT))
    return new_id
