"""The caller of a use case, and finding a space, thread or post *as that caller*: what they may
not see does not exist (:class:`~peerlearn.errors.NotFound`, a 404)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller, may_moderate, may_see
from peerlearn.errors import Forbidden, NotFound
from peerlearn.read_cache import ReadCache
from peerlearn_forum.adapters.store import posts as post_store
from peerlearn_forum.adapters.store import spaces as space_store
from peerlearn_forum.adapters.store import threads as thread_store
from peerlearn_forum.adapters.store.directory import DIRECTORY
from peerlearn_forum.adapters.store.people import org_of
from peerlearn_forum.domain.flags import may_review
from peerlearn_forum.domain.ids import is_id
from peerlearn_forum.domain.spaces import where_of


async def caller_of(session: AsyncSession, principal: Principal | None) -> Caller:
    """The caller as the forum's directory knows them, never at their token's word.

    A person the directory does not know yet sees public content only until their profile
    arrives; an erased person is anonymous; a demoted admin has lost their rights.
    """
    return await DIRECTORY.caller_for(session, principal)


async def reader_of(
    session: AsyncSession, principal: Principal | None, cache: ReadCache, version: int
) -> Caller:
    """:func:`caller_of` for a read, remembered per person for one content version (the
    directory's tables bump it): one lookup per person while nothing changes, not per request."""
    if principal is None:
        return await caller_of(session, principal)
    key = ("caller", principal.person_id, principal.platform_admin)
    caller: Caller | None = cache.get(key, version)
    if caller is None:
        caller = await caller_of(session, principal)
        cache.put(key, version, caller)
    return caller


async def thread_read_by(session: AsyncSession, caller: Caller, thread_id: str) -> tuple[Any, Any]:
    """:func:`thread_seen_by` for reading, in one query: ``(thread, space)``, where the thread's
    row also has its author's name and stored suggestions (``thread_store.thread_for_reading``)
    and the space is where it lives (``visibility``, ``org_id``, ``cohort_id``)."""
    if not is_id(thread_id):
        raise NotFound(f"no thread {thread_id!r}")
    thread = await thread_store.thread_for_reading(session, thread_id)
    if thread is None:
        raise NotFound(f"no thread {thread_id}")
    space = SimpleNamespace(
        id=thread.space_id,
        visibility=thread.space_visibility,
        org_id=thread.space_org_id,
        cohort_id=thread.space_cohort_id,
    )
    if not may_see(caller, where_of(space)):
        raise NotFound(f"no thread {thread_id}")
    return thread, space


async def space_seen_by(session: AsyncSession, caller: Caller, space_id: str) -> Any:
    """The space, or :class:`NotFound` when it does not exist or the caller may not see it."""
    if not is_id(space_id):
        raise NotFound(f"no space {space_id!r}")
    space = await space_store.get_space(session, space_id)
    if space is None or not may_see(caller, where_of(space)):
        raise NotFound(f"no space {space_id}")
    return space


async def thread_seen_by(session: AsyncSession, caller: Caller, thread_id: str) -> tuple[Any, Any]:
    """``(thread, space)``, or :class:`NotFound`."""
    if not is_id(thread_id):
        raise NotFound(f"no thread {thread_id!r}")
    thread = await thread_store.get_thread(session, thread_id)
    if thread is None:
        raise NotFound(f"no thread {thread_id}")
    space = await space_store.get_space(session, thread.space_id)
    if space is None or not may_see(caller, where_of(space)):
        raise NotFound(f"no thread {thread_id}")
    return thread, space


async def post_seen_by(session: AsyncSession, caller: Caller, post_id: str) -> tuple[Any, Any, Any]:
    """``(post, thread, space)``; hidden posts exist only for moderators, deleted ones for nobody."""
    if not is_id(post_id):
        raise NotFound(f"no post {post_id!r}")
    post = await post_store.get_post(session, post_id)
    if post is None or post.status in ("deleted", "removed"):
        raise NotFound(f"no post {post_id}")
    try:
        thread, space = await thread_seen_by(session, caller, post.thread_id)
    except NotFound:
        raise NotFound(f"no post {post_id}") from None
    if post.status == "hidden" and not await may_review_post(session, caller, space, post):
        raise NotFound(f"no post {post_id}")
    return post, thread, space


async def may_review_post(session: AsyncSession, caller: Caller, space: Any, post: Any) -> bool:
    """Whether ``caller`` reviews ``post`` when hidden: a moderator of its space, or an admin of
    its author's org who may see the space (``domain.flags.may_review``)."""
    where = where_of(space)
    if may_moderate(caller, where):
        return True
    if not caller.is_org_admin:
        return False
    return may_review(caller, where, await org_of(session, post.author_id))


async def post_locked_for(session: AsyncSession, caller: Caller, post_id: str) -> tuple[Any, Any, Any]:
    """:func:`post_seen_by`, then the thread's and the post's rows locked (in that order) and read
    again: a write that depends on the post's status (flag, restore, delete, remove) decides on
    what is true now, not on what a concurrent writer has just changed."""
    _post, thread, space = await post_seen_by(session, caller, post_id)
    thread = await thread_store.lock_thread(session, thread.id)
    post = await post_store.lock_post(session, post_id)
    if thread is None or post is None or post.status in ("deleted", "removed"):
        raise NotFound(f"no post {post_id}")
    if post.status == "hidden" and not await may_review_post(session, caller, space, post):
        raise NotFound(f"no post {post_id}")
    return post, thread, space


def require_person(caller: Caller) -> str:
    """The caller's person id; writes that speak as a person need one."""
    if caller.person_id is None:
        raise Forbidden("only a person (not the platform admin credential) may do this")
    return caller.person_id


def require_other_than(caller: Caller, author_id: str | None, refusal: str) -> str:
    """The caller's person id, when they are not the author (no one votes on or flags their
    own writing); else :class:`Forbidden` with ``refusal``."""
    person_id = require_person(caller)
    if author_id == person_id:
        raise Forbidden(refusal)
    return person_id
