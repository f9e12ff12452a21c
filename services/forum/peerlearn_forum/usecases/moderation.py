"""Flags, the review queue, and a moderator's restore or remove."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_forum import schemas, views
from peerlearn_forum.access import post_locked_for, require_person
from peerlearn_forum.answers import withdraw_post
from peerlearn_forum.domain import (
    Conflict,
    Forbidden,
    Viewer,
    can_moderate,
    cursor_id,
    decode_cursor,
    encode_cursor,
)
from peerlearn_forum.store import posts as post_store
from peerlearn_forum.store import readmodel, search
from peerlearn_forum.store import spaces as space_store
from peerlearn_forum.store import threads as thread_store


async def flag_post(
    session: AsyncSession, viewer: Viewer, post_id: str, reason: str, *, threshold: int
) -> schemas.FlagResult:
    """Anyone who sees a post may flag it once; at ``threshold`` flags it is hidden pending review."""
    post, thread, _space = await post_locked_for(session, viewer, post_id)
    flagger = require_person(viewer)
    if post.author_id == flagger:
        raise Forbidden("you cannot flag your own post")
    count = await post_store.add_flag(
        session, post_id=post_id, flagger_id=flagger, reason=reason.strip(), at=datetime.now(UTC)
    )
    hidden = post.status == "hidden"
    if count is not None and count >= threshold and post.status == "visible":
        await post_store.update_post(session, post_id, status="hidden")
        await thread_store.touch(session, thread.id, at=None, posts_delta=-1)
        await search.set_visible(session, post_id, False)
        hidden = True
    return schemas.FlagResult(post_id=post_id, flagged=True, hidden=hidden)


async def review_queue(
    session: AsyncSession, viewer: Viewer, *, cursor: str | None, limit: int
) -> schemas.ReviewPage:
    """Hidden posts in the spaces the caller moderates, with the reasons given."""
    if not viewer.platform_admin and not viewer.is_org_admin:
        raise Forbidden("only org admins and the platform admin review flagged posts")
    after = cursor_id(decode_cursor(cursor), "id") if cursor else None
    rows = await post_store.review_queue(
        session, space_store.moderated_spaces(viewer), after=after, limit=limit
    )
    more = len(rows) > limit
    rows = rows[:limit]
    names = await readmodel.display_names(session, {r.author_id for r in rows})
    flags = await post_store.flags_of(session, [r.id for r in rows])
    items = [
        schemas.ReviewItem(
            post=views.post(r, names, None),
            thread_title=r.thread_title,
            space_id=r.space_id,
            flags=[
                schemas.Flag(
                    reason=f.reason, created_at=f.created_at.replace(tzinfo=f.created_at.tzinfo or UTC)
                )
                for f in flags.get(r.id, [])
            ],
        )
        for r in rows
    ]
    return schemas.ReviewPage(items=items, next_cursor=encode_cursor({"id": rows[-1].id}) if more else None)


async def _moderated_post(session: AsyncSession, viewer: Viewer, post_id: str) -> tuple[Any, Any, Any]:
    post, thread, space = await post_locked_for(session, viewer, post_id)
    if not can_moderate(viewer, space_store.space_ref(space)):
        raise Forbidden("only a moderator of this space reviews its posts")
    return post, thread, space


async def restore_post(session: AsyncSession, viewer: Viewer, post_id: str) -> schemas.Post:
    """A moderator finds the flags unfounded: the post shows again and its flags are cleared."""
    post, thread, _space = await _moderated_post(session, viewer, post_id)
    if post.status != "hidden":
        raise Conflict("only a hidden post can be restored")
    await post_store.update_post(session, post_id, status="visible")
    await post_store.clear_flags(session, post_id)
    await thread_store.touch(session, thread.id, at=None, posts_delta=1)
    await search.set_visible(session, post_id, True)
    row = await post_store.get_post(session, post_id)
    names = await readmodel.display_names(session, {row.author_id})
    return views.post(row, names, thread.accepted_post_id)


async def remove_post(session: AsyncSession, viewer: Viewer, post_id: str) -> None:
    """A moderator removes a post for good (hidden or not)."""
    post, thread, space = await _moderated_post(session, viewer, post_id)
    await withdraw_post(session, post, thread, space, status="removed", actor_id=viewer.person_id)
