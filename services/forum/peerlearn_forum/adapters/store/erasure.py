"""What the forum forgets of an erased person, beside the directory's tombstone.

Their threads and posts stay (other people's answers hang on them) but lose their author:
they show as written by a deleted user. Their votes are taken back from the scores they
counted in, their flags from the posts' counts, and their reputation is dropped.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_forum.adapters.store.tables import flags, posts, reputation, threads
from peerlearn_forum.adapters.store.votes import retract_all_votes_of


async def forget_person(session: AsyncSession, person_id: str) -> None:
    """Retract the person's votes and flags, drop their reputation and their authorship."""
    await retract_all_votes_of(session, person_id)
    flagged = list(await session.scalars(sa.select(flags.c.post_id).where(flags.c.flagger_id == person_id)))
    for post_id in flagged:
        await session.execute(
            sa.update(posts).where(posts.c.id == post_id).values(flag_count=posts.c.flag_count - 1)
        )
    await session.execute(sa.delete(flags).where(flags.c.flagger_id == person_id))
    await session.execute(sa.delete(reputation).where(reputation.c.person_id == person_id))
    await session.execute(sa.update(posts).where(posts.c.author_id == person_id).values(author_id=None))
    await session.execute(sa.update(threads).where(threads.c.author_id == person_id).values(author_id=None))
