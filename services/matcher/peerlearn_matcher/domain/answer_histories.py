"""The answering history a question is ranked with, kept per audience between questions.

:func:`peerlearn_matcher.domain.routing.answerers` ranks candidates with the answers written on
the other threads that everyone reading the question may see (:func:`visible_to_audience_of`).
Built from every post, that history cost 29 ms per question at 1,000 threads and 240-370 ms at
10,000 (bench/matcher_answer_history.py). Which threads count depends on the question only
through its *audience* (:func:`audience_of`: public, one org's, one cohort's), so
:class:`AnswerHistories` keeps one history per recent audience (LRU, ``size`` of them) and
brings it up to date:

- new posts (the forum only appends) are added to it at the end, in the order the engine holds
  them, so it stays equal to a fresh build;
- anything else the history reads (a post removed or rewritten, a thread that has posts put
  again: its vector, tags, visibility, author; an erasure) bumps
  :attr:`peerlearn_matcher.domain.engine.Engine.forum_revision` and the audience's history is
  built again on its next question;
- acceptances reach it when they happen: :meth:`~peerlearn_matcher.domain.engine.Engine.accept_answer`
  and a thread put again with only its acceptance changed (a replica reloading it) call
  :meth:`AnswerHistories.accepted`, which marks again the rows of that one thread in each kept
  history, so a question with no new acceptance does no work for them. (An accepted post set in
  place on a :class:`ThreadRecord` is not seen: go through the engine.)

The question's own answers are left out per question (:meth:`AnswerHistory.without_rows`),
only when it has some. Memory: one history holds a row of ``dim`` float32 per answer it counts.

Once routing uses a learned model (:mod:`peerlearn_matcher.domain.routing_model`), each audience
also keeps the model's inputs, an :class:`AnswererEvidence` fed the same answers with their
times (:meth:`AnswerHistories.evidence_for`): built on the first question that needs it, then
extended with the new posts and acceptances as the history is. An acceptance moved off a post
or taken back (which the evidence cannot undo) drops it, to be built again on the next question; a
question with answers of its own is given a build without them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Protocol

from peerlearn_matcher.domain.answer_history import AnswerHistory, PastAnswer
from peerlearn_matcher.domain.answerer_evidence import AnswererEvidence
from peerlearn_matcher.domain.threads import ThreadRecord, visible_to_audience_of


class Engine(Protocol):
    """What is read of :class:`peerlearn_matcher.domain.engine.Engine` (which holds the cache)."""

    dim: int
    threads: dict[str, ThreadRecord]

    @property
    def posts(self) -> Mapping[str, tuple[str, str]]: ...

    @property
    def forum_revision(self) -> int: ...

    @property
    def asked_at(self) -> Mapping[str, datetime]: ...


Audience = tuple[str, str | None, str | None]


def audience_of(thread: ThreadRecord) -> Audience:
    """All that :func:`visible_to_audience_of` (``other``, ``thread``) reads of ``thread``."""
    if thread.visibility == "public":
        return ("public", None, None)
    if thread.visibility == "org":
        return ("org", thread.org_id, None)
    return (thread.visibility, None, thread.cohort_id)


def past_answer(
    post: tuple[str, tuple[str, str]], threads: Mapping[str, ThreadRecord], thread: ThreadRecord
) -> PastAnswer | None:
    """The post as evidence for ranking ``thread``'s answerers, or None if it does not count:
    its thread unknown or without a vector, written by its thread's asker, or not visible to
    everyone reading ``thread``. (Posts on ``thread`` itself count here: callers drop them.)"""
    post_id, (other_id, author_id) = post
    other = threads.get(other_id)
    if (
        other is None
        or other.vector is None
        or author_id == other.author_id
        or not visible_to_audience_of(other, thread)
    ):
        return None
    return PastAnswer(
        person_id=author_id,
        thread_id=other.id,
        thread_vector=other.vector,
        accepted=other.accepted_post_id == post_id,
        tags=other.tags,
    )


def build_history(engine: Engine, thread: ThreadRecord) -> AnswerHistory | None:
    """The history from every post, without ``thread``'s own (no cache: the reference)."""
    past = []
    for post in engine.posts.items():
        answer = past_answer(post, engine.threads, thread)
        if answer is not None and answer.thread_id != thread.id:
            past.append(answer)
    return AnswerHistory.from_answers(past, engine.dim) if past else None


def _written_at(engine: Engine, post_id: str) -> datetime:
    written = getattr(engine.posts, "written_at", None)
    found = written.get(post_id) if written is not None else None
    return found or datetime.now(UTC)


def feed(evidence: AnswererEvidence, engine: Engine, post_id: str, answer: PastAnswer) -> None:
    """Give ``evidence`` one answer (and its acceptance), with when it was asked and written."""
    written = _written_at(engine, post_id)
    asked = engine.asked_at.get(answer.thread_id, written)
    evidence.answered(answer.person_id, answer.thread_id, answer.thread_vector, answer.tags, asked, written)
    if answer.accepted:
        evidence.accepted(answer.person_id, answer.thread_id, answer.tags)


def build_evidence(engine: Engine, thread: ThreadRecord) -> AnswererEvidence:
    """The learned model's inputs from every post, without ``thread``'s own (no cache: the reference)."""
    evidence = AnswererEvidence(engine.dim)
    for post in engine.posts.items():
        answer = past_answer(post, engine.threads, thread)
        if answer is not None and answer.thread_id != thread.id:
            feed(evidence, engine, post[0], answer)
    return evidence


@dataclass
class _Entry:
    """One audience's history, as of ``revision`` and the first ``seen`` posts."""

    revision: int
    history: AnswerHistory
    seen: int = 0
    rows_of: dict[str, list[int]] = field(default_factory=dict)  # thread -> its rows
    post_of: list[str] = field(default_factory=list)  # row -> its post
    accepted: dict[str, str | None] = field(default_factory=dict)  # thread with rows -> marked accepted
    evidence: AnswererEvidence | None = None  # the learned model's inputs, once asked for

    def extend(
        self, posts: Iterable[tuple[str, tuple[str, str]]], engine: Engine, thread: ThreadRecord
    ) -> None:
        found: list[PastAnswer] = []
        row = len(self.history)
        for post in posts:
            self.seen += 1
            answer = past_answer(post, engine.threads, thread)
            if answer is None:
                continue
            rows = self.rows_of.get(answer.thread_id)
            if rows is None:
                rows = self.rows_of[answer.thread_id] = []
                self.accepted[answer.thread_id] = engine.threads[answer.thread_id].accepted_post_id
            rows.append(row + len(found))
            self.post_of.append(post[0])
            found.append(answer)
            if self.evidence is not None:
                feed(self.evidence, engine, post[0], answer)
        self.history.add_all(found)

    def mark_accepted(self, record: ThreadRecord) -> None:
        """Mark again the rows of ``record``'s thread if its accepted answer moved since they were marked."""
        rows = self.rows_of.get(record.id)
        accepted = record.accepted_post_id
        if rows is None or self.accepted[record.id] == accepted:
            return
        for row in rows:
            self.history.set_accepted(row, self.post_of[row] == accepted)
            if self.evidence is not None and self.post_of[row] == accepted:
                self.evidence.accepted(self.history.person_of(row), record.id, record.tags)
        if self.accepted[record.id] is not None:
            self.evidence = None  # an acceptance moved or taken back: build the evidence again
        self.accepted[record.id] = accepted


class AnswerHistories:
    """The answering histories of the ``size`` audiences asked most recently (see the module)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._entries: OrderedDict[Audience, _Entry] = OrderedDict()
        self.builds = 0  # how many histories were built from all posts (for tests and benches)

    def clear(self) -> None:
        self._entries.clear()

    def accepted(self, record: ThreadRecord) -> None:
        """``record``'s accepted post (``accepted_post_id``, None: none) is now the one it holds:
        mark the rows of its thread in every kept history (its other attributes are as they were)."""
        for entry in self._entries.values():
            entry.mark_accepted(record)

    def history_for(self, engine: Engine, thread: ThreadRecord) -> AnswerHistory | None:
        """Equal to :func:`build_history` (``engine``, ``thread``), from the cache when it can."""
        key = audience_of(thread)
        revision = engine.forum_revision
        entry = self._entries.get(key)
        posts = engine.posts
        if entry is None or entry.revision != revision or entry.seen > len(posts):
            entry = _Entry(revision=revision, history=AnswerHistory(engine.dim))
            entry.extend(posts.items(), engine, thread)
            self.builds += 1
        elif entry.seen < len(posts):
            since = getattr(posts, "since", None)  # Engine.posts lists new posts without a walk
            new = since(entry.seen) if since is not None else islice(posts.items(), entry.seen, None)
            entry.extend(new, engine, thread)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        own = entry.rows_of.get(thread.id)
        history = entry.history.without_rows(own) if own else entry.history
        return history if len(history) else None

    def evidence_for(self, engine: Engine, thread: ThreadRecord) -> AnswererEvidence:
        """The learned model's inputs for ``thread``'s audience, equal to :func:`build_evidence`.
        Call after :meth:`history_for` for the same thread (it brings the entry up to date)."""
        entry = self._entries.get(audience_of(thread))
        if entry is None or thread.id in entry.rows_of:
            # A question that has answers already (re-routed after an edit: rare, follow-through
            # routes only unanswered ones) is ranked without them, as the eval ranks a question.
            return build_evidence(engine, thread)
        if entry.evidence is None:
            entry.evidence = AnswererEvidence(engine.dim)
            for post in islice(engine.posts.items(), entry.seen):
                answer = past_answer(post, engine.threads, thread)
                if answer is not None:
                    feed(entry.evidence, engine, post[0], answer)
        return entry.evidence
