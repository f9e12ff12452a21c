"""What the matcher suggested for a thread, cut to what the reader may see."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn.directory.caller import Caller, may_see_person
from peerlearn_forum.adapters.store.people import known_people
from peerlearn_forum.adapters.store.spaces import visible_spaces
from peerlearn_forum.adapters.store.suggestions import suggestions_for
from peerlearn_forum.adapters.store.tables import spaces, threads
from peerlearn_forum.http import schemas


async def suggestions_for_caller(
    session: AsyncSession, caller: Caller, thread_id: str
) -> tuple[list[schemas.SuggestedAnswerer], list[schemas.RelatedThread]]:
    """The matcher's last suggestions, keeping only the people and threads the caller may see."""
    return await suggestions_seen_by(session, caller, thread_id, await suggestions_for(session, thread_id))


async def suggestions_seen_by(
    session: AsyncSession, caller: Caller, thread_id: str, payload: bytes | None
) -> tuple[list[schemas.SuggestedAnswerer], list[schemas.RelatedThread]]:
    """Of the stored suggestions ``payload`` of a thread, what ``caller`` may see."""
    if payload is None:
        return [], []
    data = msgspec.json.decode(payload, type=events.AnswerersSuggested)
    related_ids = [r.thread_id for r in data.related]
    seen_threads: dict[str, str] = {}
    if related_ids:
        rows = await session.execute(
            sa.select(threads.c.id, threads.c.title)
            .join(spaces, spaces.c.id == threads.c.space_id)
            .where(threads.c.id.in_(related_ids), visible_spaces(caller))
        )
        seen_threads = {row.id: row.title for row in rows}
    related = [
        schemas.RelatedThread(thread_id=r.thread_id, title=seen_threads[r.thread_id], score=r.score)
        for r in data.related
        if r.thread_id in seen_threads and r.thread_id != thread_id
    ]
    # Nobody's card is shown to an anonymous reader (``may_see_person``): no query for them.
    anonymous = caller.person_id is None and not caller.platform_admin
    wanted = set() if anonymous else {a.person_id for a in data.answerers}
    known = await known_people(session, wanted)
    seen = {
        person_id: person
        for person_id, person in known.items()
        if may_see_person(caller, person_id, person.org_id, person.cohort_ids)
    }
    answerers = [
        schemas.SuggestedAnswerer(
            person_id=a.person_id,
            display_name=seen[a.person_id].display_name or a.display_name,
            score=a.score,
            reasons=[r.text for r in a.reasons],
        )
        for a in data.answerers
        if a.person_id in seen
    ]
    return answerers, related
