"""Circles and bridging (issue 13): who learns with whom, and a nudge towards a peer of another circle.

A person's circle is their community in the help graph the forum's facts give the matcher
(an answer in someone's thread helps its author; an accepted answer weighs more, as insights
weighs it), split by the same seeded Louvain recipe insights' learning network uses
(:mod:`peerlearn.communities`). Knowledge stays in silos when people only learn within their
circle, so a peer of another circle gets a small :data:`BONUS` and the reason says why: they
pass only the peers whose fit is within the bonus of theirs, so a close fit is favoured and a
clearly better one never loses its place. Pure: ties in, circles out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field, replace

import networkx as nx

from peerlearn import communities
from peerlearn.events import Reason
from peerlearn_matcher.domain.matching import Scored
from peerlearn_matcher.domain.threads import ThreadRecord

Tie = tuple[str, str]  # (helper, helped)

ANSWERED = 1.0  # an answer in someone else's thread
ACCEPTED = 2.0  # on top of the answer itself when it was accepted (insights' weights)
# What a peer of another circle gains. A suggested peer's score under the default weights is
# 0.55 on average on the demo; 0.05 is one skill level of closeness (0.2 x 1/4) or a third of
# the overlapping-hours weight: on the demo it moves the share of peer suggestions that cross
# circles from 44.5% to 50.4% for 0.002 of mean fit (docs/BENCHMARKS.md, bench/bridging.py).
BONUS = 0.05


def help_ties(
    threads: Mapping[str, ThreadRecord], posts: Iterable[tuple[str, str]], people: Container[str]
) -> dict[Tie, float]:
    """Weighted ties helper -> helped from the forum's threads and posts (``(thread, author)``).

    Only between people the matcher knows (``people``): an erased person leaves the graph.
    A post in one's own thread is a comment, not help.
    """
    ties: dict[Tie, float] = defaultdict(float)
    for thread_id, author in posts:
        thread = threads.get(thread_id)
        if thread is None or author == thread.author_id:
            continue
        if author in people and thread.author_id in people:
            ties[author, thread.author_id] += ANSWERED
    for thread in threads.values():
        helper = thread.accepted_author_id
        if helper and helper != thread.author_id and helper in people and thread.author_id in people:
            ties[helper, thread.author_id] += ACCEPTED
    return dict(ties)


@dataclass(frozen=True)
class Circles:
    """Each person's circle number, and the ties it was computed from (``computed``: not the
    empty start value)."""

    of: Mapping[str, int] = field(default_factory=dict)
    ties: Mapping[Tie, float] = field(default_factory=dict)
    computed: bool = False
    mark: tuple[int, ...] = ()  # the forum's mark when the ties were read (Engine.forum_mark)

    @classmethod
    def of_ties(cls, ties: Mapping[Tie, float], mark: tuple[int, ...] = ()) -> Circles:
        """The circles of ``ties``: the same ties always give the same circles (seeded, sorted)."""
        graph = nx.DiGraph()
        for (helper, helped), weight in sorted(ties.items()):  # Louvain's result follows node order
            graph.add_edge(helper, helped, weight=weight)
        parts = communities.louvain(communities.fold(graph))
        return cls({p: i for i, part in enumerate(parts) for p in part}, dict(ties), True, mark)

    def apart(self, a: str, b: str) -> bool:
        """Whether ``a`` and ``b`` are both in a circle, and not the same one."""
        ca, cb = self.of.get(a), self.of.get(b)
        return ca is not None and cb is not None and ca != cb

    def without(self, person_id: str) -> Circles:
        """These circles with ``person_id`` and their ties gone (an erasure; the rest stay as they
        were until the next computation)."""
        if person_id not in self.of:
            return self
        return Circles(
            {p: c for p, c in self.of.items() if p != person_id},
            {t: w for t, w in self.ties.items() if person_id not in t},
            self.computed,
            self.mark,
        )

    def moved(self, before: Circles) -> set[str]:
        """People whose circle changed since ``before``: each circle now is taken for the one
        before that most of its people were in (numbers may be renumbered), and a person moved
        when theirs is taken for another than they were in, or they gained or lost a circle.
        A newcomer to a circle moves alone; its others stay (their lists catch up with the
        newcomer at their next refresh) instead of all being refreshed at once."""
        members: dict[int, list[str]] = defaultdict(list)
        for person, circle in self.of.items():
            members[circle].append(person)
        was = {
            circle: Counter(before.of[p] for p in people if p in before.of).most_common(1)
            for circle, people in members.items()
        }
        moved = {p for p in before.of.keys() - self.of.keys()}
        for person, circle in self.of.items():
            earlier = was[circle]
            if person not in before.of or not earlier or earlier[0][0] != before.of[person]:
                moved.add(person)
        return moved


def bridging_reason(topic: str | None) -> Reason:
    """The sentence that says why a peer of another circle is put forward."""
    about = f" to learn {topic} with" if topic else " to learn with"
    return Reason(text=f"you are in different circles: someone new{about}")


def bridge(person_id: str, peers: list[Scored], circles: Circles, *, bonus: float = BONUS) -> list[Scored]:
    """``peers`` with those of another circle than ``person_id``'s raised by ``bonus`` and given
    the bridging reason (they overtake only peers within ``bonus`` of their fit); others unchanged."""
    out = []
    for peer in peers:
        if circles.apart(person_id, peer.candidate_id):
            topic = next((r.mine for r in peer.reasons if r.mine), None)
            peer = replace(
                peer,
                score=peer.score + bonus,
                bonus=peer.bonus + bonus,
                reasons=[*peer.reasons, bridging_reason(topic)],
            )
        out.append(peer)
    return out
