"""Rows to response Structs: what a reader of a space, thread or post is shown."""

from __future__ import annotations

from typing import Any

import msgspec

from peerlearn_forum.domain.text import excerpt, render_html
from peerlearn_forum.http import schemas

DELETED_AUTHOR = "[deleted user]"
UNKNOWN_AUTHOR = "unknown"


def author(author_id: str | None, names: dict[str, str]) -> schemas.Author:
    """An author as shown: a deleted user when erased, "unknown" when the forum has no name yet."""
    if author_id is None:
        return schemas.Author(id=None, display_name=DELETED_AUTHOR)
    return schemas.Author(id=author_id, display_name=names.get(author_id, UNKNOWN_AUTHOR))


def space(row: Any) -> schemas.Space:
    """A space as shown: its row's columns, but who created it."""
    return msgspec.convert(row, schemas.Space, from_attributes=True)


def _thread_head(row: Any, names: dict[str, str]) -> dict[str, Any]:
    """The fields of :class:`schemas.ThreadHead`, shared by a listing and a thread's page."""
    return {
        "id": row.id,
        "space_id": row.space_id,
        "kind": row.kind,
        "title": row.title,
        "tags": list(row.tags),
        "url": row.url,
        "author": author(row.author_id, names),
        "score": row.score,
        "post_count": row.post_count,
        "accepted_post_id": row.accepted_post_id,
        "created_at": row.created_at,
        "last_activity_at": row.last_activity_at,
    }


def thread_summary(row: Any, names: dict[str, str]) -> schemas.ThreadSummary:
    """A thread in a listing."""
    return schemas.ThreadSummary(**_thread_head(row, names), excerpt=excerpt(row.body))


def post(row: Any, names: dict[str, str], accepted_post_id: str | None) -> schemas.Post:
    """A post as shown in a thread."""
    return schemas.Post(
        id=row.id,
        thread_id=row.thread_id,
        author=author(row.author_id, names),
        body=row.body,
        body_html=render_html(row.body),
        score=row.score,
        status=row.status,
        accepted=row.id == accepted_post_id,
        created_at=row.created_at,
        edited_at=row.edited_at,
    )


def thread(
    row: Any,
    names: dict[str, str],
    posts: list[schemas.Post],
    posts_next_cursor: str | None,
    answerers: list[schemas.SuggestedAnswerer],
    related: list[schemas.RelatedThread],
) -> schemas.Thread:
    """A thread with a page of its posts and its (filtered) suggestions."""
    return schemas.Thread(
        **_thread_head(row, names),
        body=row.body,
        body_html=render_html(row.body),
        edited_at=row.edited_at,
        posts=posts,
        posts_next_cursor=posts_next_cursor,
        suggested_answerers=answerers,
        related=related,
    )
