"""Ranking answerers and related threads, with the real encoder on realistic texts."""

from __future__ import annotations

import numpy as np
import pytest

from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.domain.answerers import (
    AnswerHistory,
    Candidate,
    PastAnswer,
    rank_answerers,
    rank_related_threads,
)

PANDAS_THREADS = [
    "pandas groupby and keep the row with the maximum value per group",
    "merge two pandas DataFrames on the nearest earlier timestamp",
    "pivot a long pandas DataFrame to wide format with several value columns",
    "pandas apply with axis=1 is slow on a million rows, how to vectorise",
]
CSS_THREADS = [
    "center a div horizontally and vertically with flexbox",
    "z-index has no effect on my dropdown menu",
    "sticky footer at the bottom of short pages",
    "css grid columns that wrap on small screens",
    "dark mode with css variables",
    "animate height from 0 to auto",
]


@pytest.fixture(scope="module")
def history(encoder: Encoder) -> AnswerHistory:
    """ana answered (and got accepted on) pandas threads; carl answered many more CSS threads."""
    vectors = encoder.encode(PANDAS_THREADS + CSS_THREADS)
    answers = [
        PastAnswer("ana", f"p{i}", vectors[i], accepted=True, tags=["pandas", "python"])
        for i in range(len(PANDAS_THREADS))
    ]
    answers += [
        PastAnswer("carl", f"c{i}", vectors[len(PANDAS_THREADS) + i], accepted=True, tags=["css"])
        for i in range(len(CSS_THREADS))
    ]
    answers.append(PastAnswer("bea", "p0", vectors[0], accepted=False, tags=["pandas"]))
    return AnswerHistory.from_answers(answers, encoder.dim)


def test_the_person_with_accepted_answers_on_similar_threads_comes_first(
    encoder: Encoder, history: AnswerHistory
) -> None:
    question = encoder.encode(["How do I count distinct products per customer with pandas groupby?"])[0]
    people = [Candidate("carl"), Candidate("bea"), Candidate("ana")]

    ranked = rank_answerers(question, people, history, question_tags=["pandas"])

    assert ranked[0].person_id == "ana"
    accepted = int(ranked[0].features["similar_accepted"])
    assert accepted >= 2
    assert f"answered {accepted} accepted questions on similar topics" in ranked[0].reasons
    # carl answered more in total, but on unrelated topics: that is not expertise here
    assert [r.person_id for r in ranked].index("carl") == 2


def test_an_accepted_answer_counts_more_than_a_plain_one(encoder: Encoder) -> None:
    thread = encoder.encode(["postgres query ignores my index and does a sequential scan"])[0]
    history = AnswerHistory.from_answers(
        [
            PastAnswer("plain", "t1", thread, accepted=False),
            PastAnswer("accepted", "t1", thread, accepted=True),
        ],
        encoder.dim,
    )
    question = encoder.encode(["why does postgresql not use my btree index?"])[0]

    ranked = rank_answerers(question, [Candidate("plain"), Candidate("accepted")], history)

    assert [r.person_id for r in ranked] == ["accepted", "plain"]


def test_a_stated_skill_close_to_the_question_ranks_a_newcomer(encoder: Encoder) -> None:
    offers = encoder.encode(["Kubernetes, Helm, container orchestration", "watercolour painting"])
    question = encoder.encode(["My pod is stuck in CrashLoopBackOff, how do I debug it?"])[0]
    people = [Candidate("painter", offers[1]), Candidate("sre", offers[0], tags=["Kubernetes"])]

    ranked = rank_answerers(question, people, None, question_tags=["kubernetes"])

    assert ranked[0].person_id == "sre"
    assert "knows kubernetes" in ranked[0].reasons


def test_only_given_candidates_are_ranked_and_limit_holds(encoder: Encoder, history: AnswerHistory) -> None:
    question = encoder.encode(["pandas merge on a date range"])[0]

    ranked = rank_answerers(question, [Candidate("carl"), Candidate("bea")], history, limit=1)

    # ana is the best answerer but not among the (privacy-filtered) candidates: never suggested
    assert [r.person_id for r in ranked] == ["bea"]
    assert rank_answerers(question, [], history) == []


def test_related_threads_are_close_accepted_and_never_the_thread_itself(encoder: Encoder) -> None:
    texts = [
        "center a div horizontally and vertically",
        "how to vertically center content with flexbox",
        "align an element in the middle of the page with css grid",
        "rust borrow checker error in a loop",
    ]
    vectors = encoder.encode(texts)
    ids = ["self", "flexbox", "grid", "rust"]

    related = rank_related_threads(
        vectors[0], ids, vectors, has_accepted=[True, True, False, True], exclude=["self"]
    )

    assert [r.thread_id for r in related] == ["flexbox"]  # grid has no accepted answer, rust is unrelated
    assert related[0].reasons


def test_related_threads_are_ordered_by_closeness(encoder: Encoder) -> None:
    vectors = encoder.encode(
        ["docker compose cannot reach postgres", "docker compose service networking", "css"]
    )
    query = encoder.encode(["container cannot connect to the database in docker compose"])[0]

    related = rank_related_threads(query, ["a", "b", "c"], vectors, min_similarity=0.0, limit=2)

    assert len(related) == 2
    assert related[0].score >= related[1].score
    assert np.isfinite([r.score for r in related]).all()
