"""insights' pure rules: which post is an answer, and acts as xAPI statements."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from peerlearn_insights.domain.acts import reply_verb
from peerlearn_insights.domain.xapi import statement, statement_id

AT = datetime(2026, 5, 1, 9, tzinfo=UTC)


def test_a_post_in_ones_own_thread_is_a_comment() -> None:
    assert reply_verb("p-1", "p-1") == "commented"
    assert reply_verb("p-2", "p-1") == "answered"
    assert reply_verb("p-2", None) == "answered"


def test_statement_ids_are_stable_uuid5_of_the_act() -> None:
    assert statement_id("e-1:asked") == statement_id("e-1:asked")
    assert statement_id("e-1:asked") != statement_id("e-1:accepted")
    assert uuid.UUID(statement_id("e-1:asked")).version == 5


def test_statement_has_an_account_actor_and_no_hidden_title() -> None:
    made = statement(
        "https://learn.example.org/",
        act_id="e-1:answered",
        person_id="p-1",
        verb="answered",
        at=AT,
        thread_id="t-1",
        title=None,
        tags=[],
        cohort_id=None,
    )
    assert made is not None
    assert made["actor"]["account"] == {"homePage": "https://learn.example.org", "name": "p-1"}
    assert made["object"] == {"objectType": "Activity", "id": "https://learn.example.org/threads/t-1"}
    assert "context" not in made
    assert made["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"


def test_upvotes_are_no_statements() -> None:
    kwargs = {
        "act_id": "e:upvoted",
        "person_id": "p",
        "at": AT,
        "thread_id": "t",
        "title": "x",
        "tags": [],
        "cohort_id": None,
    }
    assert statement("https://x.org", verb="upvoted", **kwargs) is None  # type: ignore[arg-type]
