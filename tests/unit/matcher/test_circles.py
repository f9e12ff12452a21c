"""Circles and bridging (issue 13): the help ties, deterministic communities, the nudge only for a
close peer of another circle, and its reason."""

from __future__ import annotations

import random

import numpy as np
import pytest

from peerlearn import communities
from peerlearn.events import PersonProfile, Reason, Skill
from peerlearn_matcher.domain import circles as c
from peerlearn_matcher.domain.circles import Circles, bridge, help_ties
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.matching import Scored
from peerlearn_matcher.domain.people import PersonRecord, need_vector, offer_vector, split_skills
from peerlearn_matcher.domain.suggesting import suggest
from peerlearn_matcher.domain.threads import ThreadRecord

DIM = 4


def _thread(thread_id: str, author: str, accepted: str | None = None) -> ThreadRecord:
    return ThreadRecord(
        id=thread_id,
        space_id="s",
        visibility="public",
        org_id=None,
        cohort_id=None,
        author_id=author,
        kind="question",
        title=thread_id,
        accepted_author_id=accepted,
    )


# Two groups that only help each other, joined by one weak tie.
TWO_GROUPS = {
    ("a1", "a2"): 3.0,
    ("a2", "a3"): 3.0,
    ("a3", "a1"): 3.0,
    ("a1", "a4"): 1.0,
    ("a4", "a2"): 3.0,
    ("b1", "b2"): 3.0,
    ("b2", "b3"): 3.0,
    ("b3", "b1"): 3.0,
    ("b4", "b1"): 3.0,
    ("b2", "b4"): 1.0,
    ("a4", "b4"): 1.0,
}


def test_help_ties_weigh_an_accepted_answer_more_and_skip_comments_and_unknown_people() -> None:
    threads = {"t1": _thread("t1", "asker", accepted="helper"), "t2": _thread("t2", "helper")}
    posts = [("t1", "helper"), ("t1", "other"), ("t1", "asker"), ("t2", "asker"), ("t2", "gone")]
    ties = help_ties(threads, posts, {"asker", "helper", "other"})
    assert ties == {
        ("helper", "asker"): c.ANSWERED + c.ACCEPTED,
        ("other", "asker"): c.ANSWERED,
        ("asker", "helper"): c.ANSWERED,
    }


def test_circles_are_the_groups_and_the_same_whatever_order_the_ties_come_in() -> None:
    first = Circles.of_ties(TWO_GROUPS)
    groups = {frozenset(p for p, n in first.of.items() if n == k) for k in set(first.of.values())}
    assert groups == {frozenset({"a1", "a2", "a3", "a4"}), frozenset({"b1", "b2", "b3", "b4"})}
    shuffled = list(TWO_GROUPS.items())
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert Circles.of_ties(dict(shuffled)).of == first.of
    assert first.apart("a1", "b1") and not first.apart("a1", "a2")
    assert not first.apart("a1", "stranger")  # no ties, no circle: never "different circles"


def test_the_shared_recipe_folds_reciprocated_ties_and_numbers_largest_first() -> None:
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_edge("x", "y", weight=1.0)
    graph.add_edge("y", "x", weight=2.0)
    graph.add_edge("z", "w", weight=1.0)
    graph.add_edge("w", "v", weight=1.0)
    folded = communities.fold(graph)
    assert folded["x"]["y"]["weight"] == 3.0
    parts = communities.louvain(folded)
    assert parts == [{"v", "w", "z"}, {"x", "y"}]
    assert communities.louvain(nx.Graph()) == []


def test_moved_names_whose_circle_mates_changed_and_without_forgets_a_person() -> None:
    before = Circles.of_ties(TWO_GROUPS)
    more = dict(TWO_GROUPS) | {("a4", "b1"): 9.0, ("b1", "a4"): 9.0, ("a4", "b3"): 9.0}
    after = Circles.of_ties(more)
    moved = after.moved(before)
    assert "a4" in moved
    assert after.moved(after) == set()
    # A newcomer to a circle moves alone: the circle's others are not all refreshed for it.
    joined = Circles.of_ties(dict(TWO_GROUPS) | {("a5", "a1"): 3.0, ("a1", "a5"): 3.0})
    assert joined.of["a5"] == joined.of["a1"]
    assert joined.moved(before) == {"a5"}
    assert before.moved(joined) == {"a5"}  # and leaving is a move too
    gone = before.without("a1")
    assert "a1" not in gone.of and all("a1" not in t for t in gone.ties)


def _peer(candidate: str, score: float) -> Scored:
    reason = Reason(text="you both want to learn Rust (you 1, they 1)", mine="Rust", theirs="Rust")
    return Scored(candidate_id=candidate, kind="peer", features=(0.0,) * 6, score=score, reasons=[reason])


def test_only_a_peer_of_another_circle_gets_the_bonus_and_the_reason() -> None:
    circles = Circles.of_ties(TWO_GROUPS)
    peers = [_peer("a2", 0.80), _peer("b1", 0.78), _peer("nobody", 0.80)]  # mine, other, no circle
    out = {p.candidate_id: p for p in bridge("a1", peers, circles)}
    assert out["b1"].score == pytest.approx(0.78 + c.BONUS)
    assert out["b1"].bonus == pytest.approx(c.BONUS)
    assert out["b1"].reasons[-1].text == "you are in different circles: someone new to learn Rust with"
    for unchanged in ("a2", "nobody"):
        assert out[unchanged].score == 0.80
        assert out[unchanged].bonus == 0.0
        assert not any("circles" in r.text for r in out[unchanged].reasons)
    assert c.bridging_reason(None).text == "you are in different circles: someone new to learn with"


def _add(engine: Engine, pid: str, vector: list[float]) -> None:
    profile = PersonProfile(
        id=pid,
        org_id="org",
        display_name=pid,
        roles=["learner"],
        skills=[Skill(name="topic", level=1, wants=True)],
        weekly_hours=5,
    )
    have, want = split_skills(profile)
    v = np.asarray(vector, dtype=np.float32)
    v /= np.linalg.norm(v)
    record = PersonRecord(profile, have, want, np.zeros((0, DIM), np.float32), v.reshape(1, DIM), None)
    engine.put_person(record, offer_vector(record, None, DIM), need_vector(record, DIM))


@pytest.mark.parametrize("bridging", [True, False])
def test_a_peer_of_another_circle_passes_only_a_close_fit_and_only_when_bridging(bridging: bool) -> None:
    engine = Engine(DIM)
    engine.limits.bridging = bridging
    _add(engine, "a1", [1, 0, 0, 0])
    _add(engine, "a2", [1, 0, 0, 0])  # the same need as a1's: the best fit, a1's circle
    _add(engine, "b1", [0.95, 0.31, 0, 0])  # cosine 0.95: 0.03 below a2, another circle
    _add(engine, "a3", [0.85, 0.53, 0, 0])  # cosine 0.85: 0.09 below a2, a1's circle
    _add(engine, "b2", [0.7, 0.71, 0, 0])  # cosine 0.7: 0.09 below a3, another circle
    engine.circles = Circles.of_ties(TWO_GROUPS | {("a3", "a1"): 3.0, ("a2", "a3"): 3.0})
    assert engine.circles.apart("a1", "b2") and not engine.circles.apart("a1", "a3")
    peers = [s for s in suggest(engine, "a1") if s.kind == "peer"]
    # b1 is within the bonus of a2 and passes it; b2 is not within the bonus of a3 and stays behind.
    assert [p.candidate_id for p in peers] == (
        ["b1", "a2", "a3", "b2"] if bridging else ["a2", "b1", "a3", "b2"]
    )
    nudged = {
        p.candidate_id for p in peers if any(r.text.startswith("you are in different") for r in p.reasons)
    }
    assert nudged == ({"b1", "b2"} if bridging else set())


def test_an_erased_person_leaves_the_circles_and_their_ties() -> None:
    engine = Engine(DIM)
    _add(engine, "a1", [1, 0, 0, 0])
    engine.circles = Circles.of_ties(TWO_GROUPS, (3, 1))
    engine.remove_person("a1")
    assert "a1" not in engine.circles.of and all("a1" not in tie for tie in engine.circles.ties)
    assert engine.circles.mark == (3, 1) and engine.circles.computed
