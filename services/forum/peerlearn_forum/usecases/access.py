"""Finding a space, thread or post *as the caller*: what they may not see does not exist (404)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_forum.domain import Forbidden, NotFound, Viewer, can_moderate, can_see
from peerlearn_forum.schemas import is_id
from peerlearn_forum.store import posts as post_store
from peerlearn_forum.store import spaces as space_store
from peerlearn_forum.store import threads as thread_store


async def space_seen_by(session: AsyncSession, viewer: Viewer, space_id: str) -> Any:
    """The space, or :class:`NotFound` when it does not exist or the viewer may not see it."""
    if not is_id(space_id):
        raise NotFound(f"no space {space_id!r}")
    space = await space_store.get_space(session, space_id)
    if space is None or not can_see(viewer, space_store.space_ref(space)):
        raise NotFound(f"no space {space_id}")
    return space


async def thread_seen_by(session: AsyncSession, viewer: Viewer, thread_id: str) -> tuple[Any, Any]:
    """``(thread, space)``, or :class:`NotFound`."""
    if not is_id(thread_id):
        raise NotFound(f"no thread {thread_id!r}")
    thread = await thread_store.get_thread(session, thread_id)
    if thread is None:
        raise NotFound(f"no thread {thread_id}")
    space = await space_store.get_space(session, thread.space_id)
    if space is None or not can_see(viewer, space_store.space_ref(space)):
        raise NotFound(f"no thread {thread_id}")
    return thread, space


async def post_seen_by(session: AsyncSession, viewer: Viewer, post_id: str) -> tuple[Any, Any, Any]:
    """``(post, thread, space)``; hidden posts exist only for moderators, deleted ones for nobody."""
    if not is_id(post_id):
        raise NotFound(f"no post {post_id!r}")
    post = await post_store.get_post(session, post_id)
    if post is None or post.status in ("deleted", "removed"):
        raise NotFound(f"no post {post_id}")
    try:
        thread, space = await thread_seen_by(session, viewer, post.thread_id)
    except NotFound:
        raise NotFound(f"no post {post_id}") from None
    if post.status == "hidden" and not can_moderate(viewer, space_store.space_ref(space)):
        raise NotFound(f"no post {post_id}")
    return post, thread, space


async def post_locked_for(session: AsyncSession, viewer: Viewer, post_id: str) -> tuple[Any, Any, Any]:
    """:func:`post_seen_by`, then the thread's and the post's rows locked (in that order) and read
    again: a write that depends on the post's status (flag, restore, delete, remove) decides on
    what is true now, not on what a concurrent writer has just changed."""
    _post, thread, space = await post_seen_by(session, viewer, post_id)
    thread = await thread_store.lock_thread(session, thread.id)
    post = await post_store.lock_post(session, post_id)
    if thread is None or post is None or post.status in ("deleted", "removed"):
        raise NotFound(f"no post {post_id}")
    if post.status == "hidden" and not can_moderate(viewer, space_store.space_ref(space)):
        raise NotFound(f"no post {post_id}")
    return post, thread, space


def require_person(viewer: Viewer) -> str:
    """The caller's person id; writes that speak as a person need one."""
    if viewer.person_id is None:
        raise Forbidden("only a person (not the platform admin credential) may do this")
    return viewer.person_id
