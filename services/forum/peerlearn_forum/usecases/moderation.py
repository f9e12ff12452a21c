"""Flags, the review queue, and a moderator's restore or remove."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller, may_moderate
from peerlearn.errors import Conflict, Forbidden
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.adapters.store import posts as post_store
from peerlearn_forum.adapters.store import search
from peerlearn_forum.adapters.store import threads as thread_store
from peerlearn_forum.adapters.store.directory import DIRECTORY
from peerlearn_forum.adapters.store.people import org_of
from peerlearn_forum.domain.cursors import cursor_id, decode_cursor, encode_cursor
from peerlearn_forum.domain.flags import flag_weight, hides
from peerlearn_forum.domain.spaces import where_of
from peerlearn_forum.http import schemas, views
from peerlearn_forum.usecases.access import caller_of, may_review_post, post_locked_for, require_other_than
from peerlearn_forum.usecases.posts import shown_post, withdraw_post


async def flag_post(
    uow: UnitOfWork, principal: Principal | None, post_id: str, reason: str, *, threshold: int
) -> schemas.FlagResult:
    """Anyone who sees a post may flag it once; when the flags weigh ``threshold`` (one org's
    flaggers count once outside it: ``domain.flags``) it is hidden pending review."""
    async with uow.writing() as tx:
        caller = await caller_of(tx.session, principal)
        post, thread, _space = await post_locked_for(tx.session, caller, post_id)
        flagger = require_other_than(caller, post.author_id, "you cannot flag your own post")
        count = await post_store.add_flag(
            tx.session, post_id=post_id, flagger_id=flagger, reason=reason.strip(), at=datetime.now(UTC)
        )
        hidden = post.status == "hidden"
        # The raw count bounds the weight (one org's flaggers weigh less together): checked first.
        if count is not None and count >= threshold and post.status == "visible":
            weight = flag_weight(
                await post_store.flagger_orgs(tx.session, post_id), await org_of(tx.session, post.author_id)
            )
            hidden = hides(weight, threshold)
        if hidden and post.status == "visible":
            await post_store.update_post(tx.session, post_id, status="hidden")
            await thread_store.touch(tx.session, thread.id, at=None, posts_delta=-1)
            await search.set_visible(tx.session, post_id, False)
    return schemas.FlagResult(post_id=post_id, flagged=True, hidden=hidden)


async def review_queue(
    uow: UnitOfWork, principal: Principal | None, *, cursor: str | None, limit: int
) -> schemas.ReviewPage:
    """Hidden posts the caller may review (in spaces they moderate, or by their org's people),
    with the reasons given."""
    after = cursor_id(decode_cursor(cursor), "id") if cursor else None
    async with uow.reading() as tx:
        caller = await caller_of(tx.session, principal)
        if not caller.platform_admin and not caller.is_org_admin:
            raise Forbidden("only org admins and the platform admin review flagged posts")
        rows = await post_store.review_queue(tx.session, caller, after=after, limit=limit)
        more = len(rows) > limit
        rows = rows[:limit]
        names = await DIRECTORY.display_names(tx.session, {r.author_id for r in rows})
        flags = await post_store.flags_of(tx.session, [r.id for r in rows])
    items = [
        schemas.ReviewItem(
            post=views.post(r, names, None),
            thread_title=r.thread_title,
            space_id=r.space_id,
            flags=[schemas.Flag(reason=f.reason, created_at=f.created_at) for f in flags.get(r.id, [])],
        )
        for r in rows
    ]
    return schemas.ReviewPage(items=items, next_cursor=encode_cursor({"id": rows[-1].id}) if more else None)


async def _moderated_post(session: AsyncSession, caller: Caller, post_id: str) -> tuple[Any, Any, Any]:
    post, thread, space = await post_locked_for(session, caller, post_id)
    # The admins of the author's org review the post only while it is hidden (post_locked_for
    # already let them see it); the space's moderators always.
    reviews = post.status == "hidden" and await may_review_post(session, caller, space, post)
    if not reviews and not may_moderate(caller, where_of(space)):
        raise Forbidden("only a moderator of this space reviews its posts")
    return post, thread, space


async def restore_post(uow: UnitOfWork, principal: Principal | None, post_id: str) -> schemas.Post:
    """A moderator finds the flags unfounded: the post shows again and its flags are cleared."""
    async with uow.writing() as tx:
        caller = await caller_of(tx.session, principal)
        post, thread, _space = await _moderated_post(tx.session, caller, post_id)
        if post.status != "hidden":
            raise Conflict("only a hidden post can be restored")
        await post_store.update_post(tx.session, post_id, status="visible")
        await post_store.clear_flags(tx.session, post_id)
        await thread_store.touch(tx.session, thread.id, at=None, posts_delta=1)
        await search.set_visible(tx.session, post_id, True)
        return await shown_post(tx.session, post_id, thread.accepted_post_id)


async def remove_post(uow: UnitOfWork, principal: Principal | None, post_id: str) -> None:
    """A moderator removes a post for good (hidden or not)."""
    async with uow.writing() as tx:
        caller = await caller_of(tx.session, principal)
        post, thread, space = await _moderated_post(tx.session, caller, post_id)
        await withdraw_post(tx, post, thread, space, status="removed", actor_id=caller.person_id)
