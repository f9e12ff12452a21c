"""The forum's HTTP request and response bodies (msgspec Structs; requests reject unknown fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from peerlearn_forum.domain.ids import ID_PATTERN, MAX_ID

Visibility = Literal["org", "cohort", "public"]
ThreadKind = Literal["question", "discussion", "resource"]

MAX_TITLE = 300
MAX_BODY = 50_000
MAX_TAGS = 10

# No control characters: PostgreSQL cannot store NUL in text (a 500 if it got that far), and
# none belongs in forum text. One-line text allows none; free text allows tab, CR and LF.
# ``\Z``, not ``$`` (which also matches before a final newline). "Not blank" is a lookahead,
# so the check stays linear in the length of the text.
LINE = r"^[^\x00-\x1f\x7f]*\Z"
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
NONBLANK_LINE = r"^(?=.*\S)[^\x00-\x1f\x7f]*\Z"
NONBLANK_TEXT = r"^(?=[\s\S]*\S)[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID, pattern=ID_PATTERN)]
Title = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=MAX_TITLE, pattern=NONBLANK_LINE, description="not blank, one line"
    ),
]
Body = Annotated[
    str, msgspec.Meta(max_length=MAX_BODY, pattern=TEXT, description="Markdown, stored as written")
]
NonEmptyBody = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_BODY, pattern=NONBLANK_TEXT)]
Tag = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9+#._-]*$",
        description="one word: letters, digits and + # . _ -",
    ),
]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=MAX_TAGS)]
Url = Annotated[str, msgspec.Meta(max_length=2000, pattern=r"^https?://[^\s<>\"\x00-\x1f\x7f]+\Z")]


class _Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class SpaceCreate(_Request, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=NONBLANK_LINE)]
    description: Annotated[str, msgspec.Meta(max_length=2000, pattern=TEXT)] = ""
    visibility: Visibility
    org_id: Id | None = None  # org spaces: defaults to the caller's org
    cohort_id: Id | None = None  # cohort spaces: required


class ThreadCreate(_Request, kw_only=True):
    kind: ThreadKind = "question"
    title: Title
    body: Body = ""
    tags: Tags = []
    url: Url | None = None  # resources: the link or the video


class ThreadUpdate(_Request, kw_only=True):
    title: Title | None = None
    body: Body | None = None
    tags: Tags | None = None
    url: Url | None = None


class PostCreate(_Request, kw_only=True):
    body: NonEmptyBody


class PostUpdate(_Request, kw_only=True):
    body: NonEmptyBody


class VoteCast(_Request, kw_only=True):
    value: Literal[1, -1]


class AcceptAnswer(_Request, kw_only=True):
    post_id: Id


class FlagCreate(_Request, kw_only=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=NONBLANK_TEXT)]


# --- responses --------------------------------------------------------------------------


class Author(msgspec.Struct, kw_only=True):
    id: str | None
    display_name: str


class Space(msgspec.Struct, kw_only=True):
    id: str
    name: str
    description: str
    visibility: Visibility
    org_id: str | None
    cohort_id: str | None
    created_at: datetime
    thread_count: int


class SpacePage(msgspec.Struct, kw_only=True):
    items: list[Space]
    next_cursor: str | None


class ThreadHead(msgspec.Struct, kw_only=True):
    """What a listing and a thread's own page both show of a thread."""

    id: str
    space_id: str
    kind: ThreadKind
    title: str
    tags: list[str]
    url: str | None
    author: Author
    score: int
    post_count: int
    accepted_post_id: str | None
    created_at: datetime
    last_activity_at: datetime


class ThreadSummary(ThreadHead, kw_only=True):
    excerpt: str


class ThreadPage(msgspec.Struct, kw_only=True):
    items: list[ThreadSummary]
    next_cursor: str | None


class Post(msgspec.Struct, kw_only=True):
    id: str
    thread_id: str
    author: Author
    body: str
    body_html: str  # escaped: safe to insert into a page as it is
    score: int
    status: str
    accepted: bool
    created_at: datetime
    edited_at: datetime | None


class SuggestedAnswerer(msgspec.Struct, kw_only=True):
    person_id: str
    display_name: str
    score: float
    reasons: list[str]


class RelatedThread(msgspec.Struct, kw_only=True):
    thread_id: str
    title: str
    score: float


class Thread(ThreadHead, kw_only=True):
    body: str
    body_html: str
    edited_at: datetime | None
    posts: list[Post]
    posts_next_cursor: str | None
    suggested_answerers: list[SuggestedAnswerer]
    related: list[RelatedThread]


class VoteResult(msgspec.Struct, kw_only=True):
    target_id: str
    value: int
    score: int


class Acceptance(msgspec.Struct, kw_only=True):
    thread_id: str
    accepted_post_id: str
    answer_author_reputation: int


class FlagResult(msgspec.Struct, kw_only=True):
    post_id: str
    flagged: bool
    hidden: bool


class Flag(msgspec.Struct, kw_only=True):
    reason: str
    created_at: datetime


class ReviewItem(msgspec.Struct, kw_only=True):
    post: Post
    thread_title: str
    space_id: str
    flags: list[Flag]


class ReviewPage(msgspec.Struct, kw_only=True):
    items: list[ReviewItem]
    next_cursor: str | None


class SearchHit(msgspec.Struct, kw_only=True):
    kind: Literal["thread", "post"]
    thread_id: str
    post_id: str | None
    space_id: str
    title: str
    excerpt: str
    # 1 for the best hit: the place among what the caller may see (never the engine's score).
    rank: int


class SearchPage(msgspec.Struct, kw_only=True):
    items: list[SearchHit]
    next_cursor: str | None


class PersonCard(msgspec.Struct, kw_only=True):
    """A person as the forum knows them: name and reputation from accepted answers."""

    person_id: str
    display_name: str
    reputation: int
