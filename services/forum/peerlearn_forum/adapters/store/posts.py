"""Posts (answers and replies) and the flags raised on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.directory.caller import Caller
from peerlearn_forum.adapters.store.spaces import moderated_spaces, visible_spaces
from peerlearn_forum.adapters.store.tables import flags, people, posts, spaces, threads

SHOWN = ("visible",)
SHOWN_TO_MODERATORS = ("visible", "hidden")


async def insert_post(session: AsyncSession, **values: Any) -> None:
    """Store a new post."""
    await session.execute(sa.insert(posts).values(**values))


async def get_post(session: AsyncSession, post_id: str) -> Any:
    """The post's row, or None."""
    return (await session.execute(sa.select(posts).where(posts.c.id == post_id))).first()


async def lock_post(session: AsyncSession, post_id: str) -> Any:
    """The post as it is now, its row locked until the transaction ends (PostgreSQL ``FOR UPDATE``;
    SQLite's ``BEGIN IMMEDIATE`` already serialises writers). Decisions that depend on a post's
    status (hide, restore, withdraw) read it here, never from an earlier unlocked read."""
    return (await session.execute(sa.select(posts).where(posts.c.id == post_id).with_for_update())).first()


async def update_post(session: AsyncSession, post_id: str, **values: Any) -> None:
    """Change a post."""
    await session.execute(sa.update(posts).where(posts.c.id == post_id).values(**values))


_author = people.alias("author")
# Built once (see ``threads._THREAD_FOR_READING``): a page of posts with their authors' names,
# from the start of the thread or after a cursor's (created_at, id).
_POSTS = (
    sa.select(posts, _author.c.display_name.label("author_name"))
    .outerjoin(_author, sa.and_(_author.c.id == posts.c.author_id, _author.c.erased.is_(False)))
    .where(posts.c.thread_id == sa.bindparam("thread_id"))
    .where(posts.c.status.in_(sa.bindparam("statuses", expanding=True)))
)
_ORDER = (posts.c.created_at, posts.c.id)
_FIRST_POSTS = _POSTS.order_by(*_ORDER).limit(sa.bindparam("limit"))
_POSTS_AFTER = (
    _POSTS.where(
        sa.or_(
            posts.c.created_at > sa.bindparam("created"),
            sa.and_(posts.c.created_at == sa.bindparam("created"), posts.c.id > sa.bindparam("last_id")),
        )
    )
    .order_by(*_ORDER)
    .limit(sa.bindparam("limit"))
)


async def list_posts(
    session: AsyncSession,
    thread_id: str,
    *,
    statuses: tuple[str, ...],
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Any]:
    """Posts of a thread, oldest first, ``limit`` + 1 rows (new posts only ever append), each with
    its author's name (``author_name``, None when erased or unknown): one query for the page."""
    values: dict[str, Any] = {"thread_id": thread_id, "statuses": list(statuses), "limit": limit + 1}
    if after is None:
        return list((await session.execute(_FIRST_POSTS, values)).all())
    values["created"], values["last_id"] = after
    return list((await session.execute(_POSTS_AFTER, values)).all())


async def add_flag(
    session: AsyncSession, *, post_id: str, flagger_id: str, reason: str, at: datetime
) -> int | None:
    """Record a flag; return the post's new flag count, or None when this person flagged it before."""
    exists = await session.scalar(
        sa.select(flags.c.post_id).where(flags.c.post_id == post_id, flags.c.flagger_id == flagger_id)
    )
    if exists is not None:
        return None
    await session.execute(
        sa.insert(flags).values(post_id=post_id, flagger_id=flagger_id, reason=reason, created_at=at)
    )
    await session.execute(
        sa.update(posts).where(posts.c.id == post_id).values(flag_count=posts.c.flag_count + 1)
    )
    return int(await session.scalar(sa.select(posts.c.flag_count).where(posts.c.id == post_id)) or 0)


async def clear_flags(session: AsyncSession, post_id: str) -> None:
    """Forget every flag of a post (a moderator restored it)."""
    await session.execute(sa.delete(flags).where(flags.c.post_id == post_id))
    await session.execute(sa.update(posts).where(posts.c.id == post_id).values(flag_count=0))


async def flags_of(session: AsyncSession, post_ids: list[str]) -> dict[str, list[Any]]:
    """The flags of each of ``post_ids``, oldest first."""
    if not post_ids:
        return {}
    rows = await session.execute(
        sa.select(flags.c.post_id, flags.c.reason, flags.c.created_at)
        .where(flags.c.post_id.in_(post_ids))
        .order_by(flags.c.created_at)
    )
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(row.post_id, []).append(row)
    return found


async def flagger_orgs(session: AsyncSession, post_id: str) -> list[str | None]:
    """The org of each person who flagged the post (None for one the directory does not know)."""
    rows = await session.execute(
        sa.select(people.c.org_id)
        .select_from(flags)
        .outerjoin(people, people.c.id == flags.c.flagger_id)
        .where(flags.c.post_id == post_id)
    )
    return [row.org_id for row in rows]


def reviewed_by(caller: Caller) -> sa.ColumnElement[bool]:
    """A WHERE clause on posts joined with their spaces: the posts ``caller`` may review when
    hidden (``domain.flags.may_review``): those in spaces they moderate, and, for an org admin,
    those of their org's people in spaces they may see."""
    clauses = [moderated_spaces(caller)]
    if caller.person_id is not None and caller.is_org_admin and caller.org_id is not None:
        of_their_org = sa.select(people.c.id).where(
            people.c.org_id == caller.org_id, people.c.erased.is_(False)
        )
        clauses.append(sa.and_(posts.c.author_id.in_(of_their_org), visible_spaces(caller)))
    return sa.or_(*clauses)


async def review_queue(session: AsyncSession, caller: Caller, *, after: str | None, limit: int) -> list[Any]:
    """Hidden posts ``caller`` may review, with their thread's title and space, in id order."""
    query = (
        sa.select(posts, threads.c.title.label("thread_title"), threads.c.space_id)
        .join(threads, threads.c.id == posts.c.thread_id)
        .join(spaces, spaces.c.id == threads.c.space_id)
        .where(posts.c.status == "hidden", reviewed_by(caller))
        .order_by(posts.c.id)
        .limit(limit + 1)
    )
    if after:
        query = query.where(posts.c.id > after)
    return list((await session.execute(query)).all())
