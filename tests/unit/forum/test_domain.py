"""The forum's pure rules: space creation, rendering, cursors; and the library's visibility rule
as the forum's spaces use it."""

from __future__ import annotations

import pytest

from peerlearn.directory.caller import ANONYMOUS, PLATFORM_ADMIN, Caller, Where, may_moderate, may_see
from peerlearn.errors import Forbidden, Invalid, NotFound
from peerlearn_forum.domain.cursors import decode_cursor, encode_cursor
from peerlearn_forum.domain.spaces import check_may_create_space
from peerlearn_forum.domain.text import excerpt, normalise_tags, render_html, search_terms
from peerlearn_forum.domain.votes import vote_delta

ORG = Where("org", org_id="A")
COHORT = Where("cohort", cohort_id="K")
PUBLIC = Where("public")
LEARNER_A = Caller(person_id="p1", org_id="A")
ADMIN_A = Caller(person_id="p2", org_id="A", roles=("org_admin",))
MEMBER_B = Caller(person_id="p3", org_id="B", cohort_ids=frozenset({"K"}))
ADMIN_B = Caller(person_id="p4", org_id="B", roles=("org_admin",), admin_cohort_ids=frozenset({"K"}))
PLATFORM = PLATFORM_ADMIN


@pytest.mark.parametrize(
    ("viewer", "space", "sees", "moderates"),
    [
        (LEARNER_A, ORG, True, False),
        (ADMIN_A, ORG, True, True),
        (MEMBER_B, ORG, False, False),
        (LEARNER_A, COHORT, False, False),
        (MEMBER_B, COHORT, True, False),
        (ADMIN_B, COHORT, True, True),
        (ANONYMOUS, PUBLIC, True, False),
        (ANONYMOUS, ORG, False, False),
        (ADMIN_A, PUBLIC, True, False),
        (PLATFORM, ORG, True, True),
        (PLATFORM, PUBLIC, True, True),
    ],
)
def test_visibility_and_moderation(viewer: Caller, space: Where, sees: bool, moderates: bool) -> None:
    assert may_see(viewer, space) is sees
    assert may_moderate(viewer, space) is moderates


@pytest.mark.parametrize(
    ("viewer", "visibility", "org_id", "member_orgs", "error"),
    [
        (ADMIN_A, "org", "A", None, None),
        (LEARNER_A, "org", "A", None, Forbidden),
        (ADMIN_A, "org", "B", None, NotFound),
        (ADMIN_A, "public", None, None, Forbidden),
        (PLATFORM, "public", None, None, None),
        (ADMIN_B, "cohort", None, {"A", "B"}, None),
        (MEMBER_B, "cohort", None, {"A", "B"}, Forbidden),
        (ADMIN_A, "cohort", None, {"B"}, NotFound),
        (ADMIN_A, "cohort", None, None, NotFound),
        (ANONYMOUS, "public", None, None, Forbidden),
    ],
)
def test_who_creates_spaces(
    viewer: Caller, visibility: str, org_id: str | None, member_orgs: set[str] | None, error: type | None
) -> None:
    if error is None:
        check_may_create_space(viewer, visibility, org_id, member_orgs)
    else:
        with pytest.raises(error):
            check_may_create_space(viewer, visibility, org_id, member_orgs)


def test_rendering_never_returns_markup() -> None:
    html = render_html("<script>alert(1)</script>\n\nline one\nline two & <b>bold</b>")
    assert "<script" not in html and "<b>" not in html
    assert html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
        "<p>line one<br>line two &amp; &lt;b&gt;bold&lt;/b&gt;</p>"
    )


def test_excerpt_drops_markdown_and_shortens() -> None:
    assert excerpt("# Title\n\n**bold** and `code`") == "Title bold and code"
    assert len(excerpt("word " * 100, 50)) == 50


def test_tags_are_normalised() -> None:
    assert normalise_tags(["Python", "python", "ML", "ml ", "sql"]) == ["python", "ml", "sql"]


def test_vote_delta() -> None:
    assert [vote_delta(None, 1), vote_delta(1, 1), vote_delta(1, -1), vote_delta(-1, 1)] == [1, 0, -2, 2]


def test_cursor_round_trip_and_garbage() -> None:
    assert decode_cursor(encode_cursor({"id": "x", "k": 3})) == {"id": "x", "k": 3}
    for garbage in ("%%%", "bm90IGpzb24", encode_cursor([1, 2])):  # type: ignore[arg-type]
        with pytest.raises(Invalid):
            decode_cursor(garbage)


def test_search_terms_strip_engine_syntax() -> None:
    assert search_terms('title:"Kubernetes" OR probes* -x') == ["title", "kubernetes", "or", "probes", "x"]
    assert search_terms("!!! ---") == []
