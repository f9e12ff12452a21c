"""What the matcher suggested for a thread, cut to what the reader may see."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn_forum import schemas
from peerlearn_forum.domain import Viewer
from peerlearn_forum.models import cohort_members, people, spaces, threads
from peerlearn_forum.store import readmodel
from peerlearn_forum.store import spaces as space_store


async def suggestions_for_viewer(
    session: AsyncSession, viewer: Viewer, thread_id: str
) -> tuple[list[schemas.SuggestedAnswerer], list[schemas.RelatedThread]]:
    """The matcher's last suggestions, keeping only people and threads the viewer may see."""
    payload = await readmodel.suggestions_for(session, thread_id)
    if payload is None:
        return [], []
    data = msgspec.json.decode(payload, type=events.AnswerersSuggested)
    related_ids = [r.thread_id for r in data.related]
    seen_threads: dict[str, str] = {}
    if related_ids:
        rows = await session.execute(
            sa.select(threads.c.id, threads.c.title)
            .join(spaces, spaces.c.id == threads.c.space_id)
            .where(threads.c.id.in_(related_ids), space_store.visible_spaces(viewer))
        )
        seen_threads = {row.id: row.title for row in rows}
    related = [
        schemas.RelatedThread(thread_id=r.thread_id, title=seen_threads[r.thread_id], score=r.score)
        for r in data.related
        if r.thread_id in seen_threads and r.thread_id != thread_id
    ]
    visible_people = await _people_seen_by(session, viewer, {a.person_id for a in data.answerers})
    answerers = [
        schemas.SuggestedAnswerer(
            person_id=a.person_id,
            display_name=visible_people[a.person_id] or a.display_name,
            score=a.score,
            reasons=[r.text for r in a.reasons],
        )
        for a in data.answerers
        if a.person_id in visible_people
    ]
    return answerers, related


async def _people_seen_by(session: AsyncSession, viewer: Viewer, person_ids: set[str]) -> dict[str, str]:
    """Of ``person_ids``, those the viewer may see (same org, or a shared cohort), with their names."""
    if not person_ids or (viewer.person_id is None and not viewer.platform_admin):
        return {}
    rows = (
        await session.execute(
            sa.select(people.c.id, people.c.org_id, people.c.display_name).where(
                people.c.id.in_(person_ids), people.c.erased.is_(False)
            )
        )
    ).all()
    if viewer.platform_admin:
        return {r.id: r.display_name for r in rows}
    shared: set[str] = set()
    if viewer.cohort_ids:
        shared = set(
            await session.scalars(
                sa.select(cohort_members.c.person_id).where(
                    cohort_members.c.person_id.in_(person_ids),
                    cohort_members.c.active.is_(True),
                    cohort_members.c.cohort_id.in_(sorted(viewer.cohort_ids)),
                )
            )
        )
    return {r.id: r.display_name for r in rows if r.org_id == viewer.org_id or r.id in shared}
