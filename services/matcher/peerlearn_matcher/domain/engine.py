"""The matcher's in-memory model: who is who, what was asked, and who may be matched with whom.

No I/O here: the live index (:mod:`peerlearn_matcher.adapters.index`) keeps one per process in
step with the store. The searches over it are :mod:`.suggesting` (peers, mentors, experts) and
:mod:`.routing` (answerers, related threads). Every filter is a boolean mask over *all* people —
the org / shared-cohort / consent rule, roles, capacity left, declined candidates, weekly load
caps, self — built before any top-k, so a filter never empties a short list.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, MutableMapping, ValuesView
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from peerlearn.directory.caller import Caller
from peerlearn_matcher.domain import matching
from peerlearn_matcher.domain.answer_histories import AnswerHistories
from peerlearn_matcher.domain.circles import Circles, Tie, help_ties
from peerlearn_matcher.domain.learning import FeedbackModel
from peerlearn_matcher.domain.people import PeopleIndex, PersonRecord
from peerlearn_matcher.domain.threads import ThreadRecord
from peerlearn_matcher.domain.vectors import DEFAULT_ANN_ABOVE, VectorIndex

if TYPE_CHECKING:  # scipy is imported only where a model is trained or used
    from peerlearn_matcher.domain.routing_model import RoutingModel

PERSON_KINDS = ("peer", "mentor", "expert")


@dataclass
class Limits:
    """Tunable sizes and caps (from settings)."""

    per_kind: int = 10
    pool: int = 20
    answerers: int = 5
    related: int = 5
    load_cap: int = 20
    skill_match: float = matching.SKILL_MATCH
    min_peer_similarity: float = 0.3
    min_related_similarity: float = 0.3
    # Nudge a close peer of another circle up (domain.circles); off: peers by fit alone.
    bridging: bool = True
    # Above this many people (or threads) searches go through an HNSW graph (domain.vectors).
    ann_above: int = DEFAULT_ANN_ABOVE


class Posts(MutableMapping[str, tuple[str, str]]):
    """post -> (thread, author), in the order posts arrived, counting what a cache must know.

    A dict underneath (same order, same semantics); :attr:`changes` counts every change other than
    a new post (a post removed, or given another thread or author), and :meth:`on_thread` tells
    how many posts a thread has, so that :class:`Engine` can tell when the answering history must be rebuilt.
    :meth:`since` hands a kept history the posts it has not seen without walking those it has.
    """

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, str]] = {}
        self._per_thread: Counter[str] = Counter()
        self.changes = 0
        # The keys in order, appended to with each new post; None after a removal (which rebuilds
        # the histories anyway) until :meth:`since` lists them again.
        self._order: list[str] | None = []
        # post -> when it was written: the store's time at start (LiveIndex.start), else when it
        # arrived here (the learned routing's recency evidence reads it).
        self.written_at: dict[str, datetime] = {}

    def __getitem__(self, post_id: str) -> tuple[str, str]:
        return self._data[post_id]

    def __setitem__(self, post_id: str, value: tuple[str, str]) -> None:
        old = self._data.get(post_id)
        if old == value:
            return  # as it was (an acceptance writes its post again)
        if old is not None:
            self.changes += 1
            self._per_thread[old[0]] -= 1
        self._data[post_id] = value
        if old is None and self._order is not None:
            self._order.append(post_id)
        self._per_thread[value[0]] += 1
        self.written_at.setdefault(post_id, datetime.now(UTC))

    def __delitem__(self, post_id: str) -> None:
        thread_id, _ = self._data.pop(post_id)
        self._order = None
        self.written_at.pop(post_id, None)
        self.changes += 1
        self._per_thread[thread_id] -= 1
        if self._per_thread[thread_id] <= 0:
            del self._per_thread[thread_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, post_id: object) -> bool:
        return post_id in self._data

    def keys(self) -> KeysView[str]:
        return self._data.keys()

    def items(self) -> ItemsView[str, tuple[str, str]]:
        return self._data.items()

    def values(self) -> ValuesView[tuple[str, str]]:
        return self._data.values()

    def since(self, start: int) -> Iterator[tuple[str, tuple[str, str]]]:
        """The items after the first ``start``, in order: ``islice(items(), start, None)``
        without stepping through the first ``start`` (0.8 ms at 12,000 posts)."""
        if self._order is None:
            self._order = list(self._data)
        data = self._data
        return ((post_id, data[post_id]) for post_id in self._order[start:])

    def on_thread(self, thread_id: str) -> int:
        """How many posts ``thread_id`` has."""
        return self._per_thread.get(thread_id, 0)


_ACCEPTANCE = ("accepted_post_id", "accepted_author_id")
_OTHER_FIELDS = tuple(f.name for f in fields(ThreadRecord) if f.name not in (*_ACCEPTANCE, "vector"))


def same_but_acceptance(before: ThreadRecord, after: ThreadRecord) -> bool:
    """Whether ``after`` differs from ``before`` in its accepted answer alone (or not at all):
    every other attribute equal, the vector to the bit (same dtype and shape)."""
    if any(getattr(before, name) != getattr(after, name) for name in _OTHER_FIELDS):
        return False
    old, new = before.vector, after.vector
    if old is None or new is None:
        return old is new
    return old.dtype == new.dtype and old.shape == new.shape and bool(np.array_equal(old, new))


def reader(record: PersonRecord) -> Caller:
    """A person as a reader of threads: their org and the cohorts they are in."""
    return Caller(person_id=record.id, org_id=record.org_id, cohort_ids=frozenset(record.cohorts))


class Engine:
    """Holds who is who and what was asked, and the masks every search starts from."""

    def __init__(self, dim: int, limits: Limits | None = None, model: FeedbackModel | None = None) -> None:
        self.dim = dim
        self.limits = limits or Limits()
        self.model = model or FeedbackModel()
        self.people = PeopleIndex(dim, self.limits.ann_above)
        self.cohort_names: dict[str, str] = {}
        self.members: dict[str, set[str]] = defaultdict(set)  # cohort -> people
        self.threads: dict[str, ThreadRecord] = {}
        self.thread_index = VectorIndex(dim, ann_above=self.limits.ann_above)
        self.posts = Posts()  # post -> (thread, author)
        self._thread_changes = 0  # threads with posts put again (see forum_revision)
        # The answering histories routing ranks with, per audience (domain.answer_histories).
        self.answer_histories = AnswerHistories()
        # thread -> when it was asked (as Posts.written_at: the store's time, else its arrival).
        self.asked_at: dict[str, datetime] = {}
        # The learned answerer ranking routing orders candidates with (domain.routing_model,
        # trained by usecases.routing_training); None: the default weights (rank_answerers).
        self.routing_model: RoutingModel | None = None
        self.declined: dict[str, set[str]] = defaultdict(set)  # person -> candidates
        # person -> {thread: its vector}: questions they said are "not my area" (answerer declines)
        self.declined_threads: dict[str, dict[str, np.ndarray]] = defaultdict(dict)
        self.decliners: dict[str, set[str]] = defaultdict(set)  # thread -> people who declined it
        self.accepted: dict[str, set[str]] = defaultdict(set)  # person -> candidates they took up
        self.mentees: dict[str, set[str]] = defaultdict(set)  # mentor -> learners who accepted them
        self.exposures: dict[tuple[str, str], set[str]] = defaultdict(set)  # (kind, candidate) -> targets
        # Who learns with whom, recomputed off the event path (usecases.circles); empty until then.
        self.circles = Circles()

    # --- read model updates -----------------------------------------------------------

    def cohorts_of(self, person_id: str) -> set[str]:
        """The cohorts ``person_id`` is a member of."""
        return {cohort for cohort, people in self.members.items() if person_id in people}

    def put_person(self, record: PersonRecord, offer: np.ndarray, need: np.ndarray) -> None:
        """Put a person in (or replace them) with their vectors."""
        record.cohorts = self.cohorts_of(record.id)
        self.people.upsert(record, offer, need)

    def remove_person(self, person_id: str) -> None:
        """Erase every trace of a person from memory (GDPR delete)."""
        self.people.remove(person_id)
        for people in self.members.values():
            people.discard(person_id)
        for answered in (self.declined, self.accepted):
            answered.pop(person_id, None)
            for candidates in answered.values():
                candidates.discard(person_id)
        self.mentees.pop(person_id, None)
        self.declined_threads.pop(person_id, None)
        for people in self.decliners.values():
            people.discard(person_id)
        for learners in self.mentees.values():
            learners.discard(person_id)
        for post_id in [p for p, (_, a) in self.posts.items() if a == person_id]:
            del self.posts[post_id]
        for key in [k for k in self.exposures if k[1] == person_id]:
            del self.exposures[key]
        for targets in self.exposures.values():
            targets.discard(person_id)
        self.circles = self.circles.without(person_id)

    def set_cohorts_of(self, person_id: str, cohort_ids: Iterable[str]) -> None:
        """Make ``person_id`` a member of exactly ``cohort_ids`` (as the directory says now)."""
        wanted = set(cohort_ids)
        for cohort_id, people in self.members.items():
            if cohort_id not in wanted:
                people.discard(person_id)
        for cohort_id in wanted:
            self.members[cohort_id].add(person_id)
        record = self.people.records.get(person_id)
        if record is not None:
            record.cohorts = wanted

    def set_members(self, cohort_id: str, person_ids: Iterable[str]) -> set[str]:
        """Make ``person_ids`` the members of ``cohort_id``; return who joined or left."""
        before = set(self.members.get(cohort_id, set()))
        after = set(person_ids)
        self.members[cohort_id] = after
        for person_id in before ^ after:
            record = self.people.records.get(person_id)
            if record is not None:
                record.cohorts = self.cohorts_of(person_id)
        return before ^ after

    def put_thread(self, thread: ThreadRecord) -> None:
        """Put a thread in (or replace it)."""
        before = self.threads.get(thread.id)
        self.threads[thread.id] = thread
        # The same record put again may have been changed in place: no telling what changed.
        if before is not None and before is not thread and same_but_acceptance(before, thread):
            # Only its accepted answer may differ (a replica reloads a thread on each acceptance):
            # the answering histories mark that thread's rows again instead of being built again.
            self.answer_histories.accepted(thread)
        elif self.posts.on_thread(thread.id):
            self._thread_changes += 1  # its answers' vector, tags, visibility or author may differ
        self.asked_at.setdefault(thread.id, datetime.now(UTC))
        if thread.vector is not None:
            self.thread_index.upsert(thread.id, thread.vector)

    def remove_thread(self, thread_id: str) -> None:
        """Forget a thread and its posts."""
        self.threads.pop(thread_id, None)
        self.asked_at.pop(thread_id, None)
        self.thread_index.remove(thread_id)
        for post_id in [p for p, (t, _) in self.posts.items() if t == thread_id]:
            del self.posts[post_id]
        for person_id in self.decliners.pop(thread_id, set()):
            self.declined_threads[person_id].pop(thread_id, None)

    def record_feedback(
        self, person_id: str, candidate_id: str, kind: str, action: str, thread_id: str | None = None
    ) -> None:
        """Declines are never suggested again; an accepted mentor or expert uses their capacity.

        An answerer suggestion is about a question (``thread_id``), not about its asker: declining
        it ("not my area") records the question's vector for the person, so routing never sends
        them that question again and sends them similar ones less
        (:func:`peerlearn_matcher.domain.routing.answerers`); the asker stays suggestable.
        """
        if kind == "answerer":
            thread = self.threads.get(thread_id or "")
            if action == "decline" and thread is not None and thread.vector is not None:
                self.declined_threads[person_id][thread.id] = thread.vector
                self.decliners[thread.id].add(person_id)
            return
        if action == "decline":
            self.declined[person_id].add(candidate_id)
            self.accepted[person_id].discard(candidate_id)
            self.mentees[candidate_id].discard(person_id)
        elif action == "accept":
            self.declined[person_id].discard(candidate_id)
            self.accepted[person_id].add(candidate_id)
            if kind in ("mentor", "expert"):
                self.mentees[candidate_id].add(person_id)

    def help_ties(self) -> dict[Tie, float]:
        """Who helped whom in the forum, between people known now (the circles' input)."""
        return help_ties(self.threads, self.posts.values(), self.people.records)

    @property
    def forum_revision(self) -> int:
        """Grows with every change to what the answering history reads other than a new post
        or an acceptance: a post removed or rewritten (an erasure, a deleted thread), a thread
        that has posts put again with anything but its accepted answer changed (its vector, tags,
        visibility, author). Threads are put, not edited in place, but for their accepted answer
        (:meth:`accept_answer`), which is handed to
        :meth:`~peerlearn_matcher.domain.answer_histories.AnswerHistories.accepted` as it changes."""
        return self.posts.changes + self._thread_changes

    def accept_answer(self, thread_id: str, post_id: str, author_id: str) -> None:
        """Record that ``post_id`` (by ``author_id``) is the accepted answer of ``thread_id``."""
        thread = self.threads.get(thread_id)
        if thread is not None:
            thread.accepted_post_id = post_id
            thread.accepted_author_id = author_id
            self.answer_histories.accepted(thread)  # now, not rescanned on each question
        self.posts[post_id] = (thread_id, author_id)

    def set_times(self, asked_at: dict[str, datetime], written_at: dict[str, datetime]) -> None:
        """Take when threads were asked and posts written from the store (times it lacks stay)."""
        self.asked_at.update((k, v) for k, v in asked_at.items() if k in self.threads)
        self.posts.written_at.update((k, v) for k, v in written_at.items() if k in self.posts)
        self.answer_histories.clear()  # their evidence was fed the arrival times

    def forum_mark(self) -> tuple[int, int]:
        """A cheap mark of the forum's ties without copying them: answers and acceptances held."""
        return len(self.posts), sum(1 for t in self.threads.values() if t.accepted_author_id)

    # --- who may be suggested to whom ---------------------------------------------------

    def visible_mask(self, record: PersonRecord) -> np.ndarray:
        """People ``record`` may be matched with: same org, a shared cohort, or who opted in."""
        people = self.people
        mask = people.org == people.org_code(record.org_id)
        mask |= people.external
        shared = (
            set().union(*(self.members.get(c, set()) for c in record.cohorts)) if record.cohorts else set()
        )
        if shared:
            mask |= people.mask(shared)
        return mask

    def capacity_left(self) -> np.ndarray:
        """Per row: mentor capacity minus the learners who accepted them."""
        left = self.people.capacity.astype(np.int64).copy()
        for mentor, learners in self.mentees.items():
            row = self.people.row(mentor)
            if row is not None:
                left[row] -= len(learners)
        return left

    def under_cap(self, kind: str, target_id: str) -> np.ndarray:
        """False for candidates already put forward ``load_cap`` times this week (to others)."""
        mask = np.ones(self.people.offer.size, dtype=bool)
        for (seen_kind, candidate), targets in self.exposures.items():
            if seen_kind == kind and len(targets) >= self.limits.load_cap and target_id not in targets:
                row = self.people.row(candidate)
                if row is not None:
                    mask[row] = False
        return mask

    def accepted_counts(self, visible: Callable[[ThreadRecord], bool]) -> dict[str, int]:
        """Accepted answers per author, counting only the threads ``visible`` allows (no private counts)."""
        counts: dict[str, int] = defaultdict(int)
        for thread in self.threads.values():
            if thread.accepted_author_id and visible(thread):
                counts[thread.accepted_author_id] += 1
        return counts

    def answered_topics(self, person_id: str) -> np.ndarray | None:
        """The mean vector of public threads whose accepted answer ``person_id`` wrote (for the offer).

        Only public threads: a private thread's topic must not shape how someone outside its
        space is matched.
        """
        found = [
            t.vector
            for t in self.threads.values()
            if t.accepted_author_id == person_id and t.visibility == "public" and t.vector is not None
        ]
        if not found:
            return None
        mean = np.mean(np.stack(found), axis=0)
        norm = float(np.linalg.norm(mean))
        return (mean / norm).astype(np.float32) if norm > 1e-9 else None

    # --- reverse look-ups for refresh fan-out ---------------------------------------------

    def interested_in(self, person_id: str, limit: int) -> list[str]:
        """People for whom ``person_id`` would rank high (they need what this person offers or
        shares), to refresh after this person changed."""
        out: list[str] = []
        people = self.people
        offer = people.offer.vector(person_id)
        need = people.need.vector(person_id)
        mask = people.offer.live & people.has_need & ~people.mask([person_id])
        for query, index in ((offer, people.need), (need, people.need)):
            if query is not None and np.any(query):
                out.extend(key for key, _ in index.top(query, mask, max(1, limit // 2)))
        return list(dict.fromkeys(out))

    def members_of(self, cohort_ids: Iterable[str]) -> set[str]:
        """Everyone in any of ``cohort_ids``."""
        found: set[str] = set()
        for cohort in cohort_ids:
            found |= self.members.get(cohort, set())
        return found
