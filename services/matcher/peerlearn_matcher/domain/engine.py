"""The matching engine: the in-memory read model and the suggestions computed from it.

No I/O here: the live service (:mod:`peerlearn_matcher.live`) feeds it events' effects and
persists what it returns. Every search first builds a boolean mask over *all* people — the
org / shared-cohort / consent rule, roles, capacity left, declined candidates, weekly load
caps, self — and only then takes the top of the exact dot products, so a filter never
empties a short list. The shortlist gets features, a score (default weights or the learned
model), reasons, and a variety re-ranking (MMR).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from peerlearn.events import Reason
from peerlearn_matcher import answerers, matching
from peerlearn_matcher.availability import weekly_overlap
from peerlearn_matcher.index import VectorIndex
from peerlearn_matcher.learning import FeedbackModel
from peerlearn_matcher.matching import Scored
from peerlearn_matcher.people import PeopleIndex, PersonRecord
from peerlearn_matcher.ranking import mmr
from peerlearn_matcher.threads import ThreadRecord, person_sees, visible_to_audience_of

PERSON_KINDS = ("peer", "mentor", "expert")
SIMILAR_THREAD = 0.5  # thread cosine above which an accepted answer counts as "on a similar topic"


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


@dataclass
class Cohort:
    id: str
    name: str
    owner_org_id: str
    topic: str = ""
    orgs: set[str] = field(default_factory=set)


class Engine:
    """Holds who is who and what was asked; answers "who should X talk to" and "who can answer T"."""

    def __init__(self, dim: int, limits: Limits | None = None, model: FeedbackModel | None = None) -> None:
        self.dim = dim
        self.limits = limits or Limits()
        self.model = model or FeedbackModel()
        self.people = PeopleIndex(dim)
        self.cohorts: dict[str, Cohort] = {}
        self.members: dict[str, set[str]] = defaultdict(set)  # cohort -> people
        self.threads: dict[str, ThreadRecord] = {}
        self.thread_index = VectorIndex(dim)
        self.posts: dict[str, tuple[str, str]] = {}  # post -> (thread, author)
        self.declined: dict[str, set[str]] = defaultdict(set)  # person -> candidates
        self.accepted: dict[str, set[str]] = defaultdict(set)  # person -> candidates they took up
        self.mentees: dict[str, set[str]] = defaultdict(set)  # mentor -> learners who accepted them
        self.exposures: dict[tuple[str, str], set[str]] = defaultdict(set)  # (kind, candidate) -> targets

    # --- read model updates -----------------------------------------------------------

    def cohorts_of(self, person_id: str) -> set[str]:
        return {cohort for cohort, people in self.members.items() if person_id in people}

    def put_person(self, record: PersonRecord, offer: np.ndarray, need: np.ndarray) -> None:
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
        for learners in self.mentees.values():
            learners.discard(person_id)
        for post_id in [p for p, (_, a) in self.posts.items() if a == person_id]:
            del self.posts[post_id]
        for key in [k for k in self.exposures if k[1] == person_id]:
            del self.exposures[key]
        for targets in self.exposures.values():
            targets.discard(person_id)

    def set_membership(self, cohort_id: str, person_id: str, member: bool) -> None:
        people = self.members[cohort_id]
        if member:
            people.add(person_id)
        else:
            people.discard(person_id)
        record = self.people.records.get(person_id)
        if record is not None:
            record.cohorts = self.cohorts_of(person_id)

    def put_thread(self, thread: ThreadRecord) -> None:
        self.threads[thread.id] = thread
        if thread.vector is not None:
            self.thread_index.upsert(thread.id, thread.vector)

    def remove_thread(self, thread_id: str) -> None:
        self.threads.pop(thread_id, None)
        self.thread_index.remove(thread_id)
        for post_id in [p for p, (t, _) in self.posts.items() if t == thread_id]:
            del self.posts[post_id]

    def record_feedback(self, person_id: str, candidate_id: str, kind: str, action: str) -> None:
        """Declines are never suggested again; an accepted mentor or expert uses their capacity."""
        if action == "decline":
            self.declined[person_id].add(candidate_id)
            self.accepted[person_id].discard(candidate_id)
            self.mentees[candidate_id].discard(person_id)
        elif action == "accept":
            self.declined[person_id].discard(candidate_id)
            self.accepted[person_id].add(candidate_id)
            if kind in ("mentor", "expert"):
                self.mentees[candidate_id].add(person_id)

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

    # --- person suggestions ---------------------------------------------------------------

    def suggest(self, person_id: str) -> list[Scored]:
        """Peers, mentors and experts for one person, best first within each kind."""
        record = self.people.records.get(person_id)
        if record is None:
            return []
        need = self.people.need.vector(person_id)
        if need is None or not np.any(need):
            return []
        people = self.people
        base = people.offer.live.copy()
        # Declined never come back; accepted ones are already taken up (not suggested twice).
        taken = [*self.declined.get(person_id, ()), *self.accepted.get(person_id, ())]
        base &= ~people.mask([person_id, *taken])
        visible = self.visible_mask(record)
        mine = people.org == people.org_code(record.org_id)
        left = self.capacity_left()
        result: list[Scored] = []
        masks = {
            "peer": base & visible & people.has_need,
            "mentor": base & mine & people.is_mentor & (left > 0) & self.under_cap("mentor", person_id),
            "expert": base
            & ~mine
            & visible
            & ((people.is_expert & ((people.capacity == 0) | (left > 0))) | (people.is_mentor & (left > 0)))
            & self.under_cap("expert", person_id),
        }
        counts = self.accepted_counts(lambda t: person_sees(t, record.org_id, record.cohorts))
        # One mat-vec per index: mentors and experts both search offers with my need.
        scores = {"need": people.need.scores(need), "offer": people.offer.scores(need)}
        me_row = people.row(person_id)
        for kind, mask in masks.items():
            index, key = (people.need, "need") if kind == "peer" else (people.offer, "offer")
            shortlist = index.top(need, mask, self.limits.pool, scores=scores[key])
            if not shortlist:
                continue
            rows = np.array([people.row(cid) for cid, _ in shortlist])
            hours, fraction = weekly_overlap(
                float(people.offset[me_row]),
                record.profile.weekly_hours,
                people.offset[rows],
                people.hours[rows],
            )
            scored = [
                s
                for s in (
                    self._score(kind, record, cid, sim, counts, float(hours[i]), float(fraction[i]))
                    for i, (cid, sim) in enumerate(shortlist)
                )
                if s
            ]
            result.extend(self._diversify(kind, scored))
        return result

    def _score(
        self,
        kind: str,
        me: PersonRecord,
        candidate_id: str,
        similarity: float,
        counts: dict[str, int],
        hours: float,
        fraction: float,
    ) -> Scored | None:
        them = self.people.records[candidate_id]
        limit = self.limits.skill_match
        if kind == "peer":
            pairs = matching.skill_pairs(me.want, me.want_vectors, them.want, them.want_vectors, limit)
            if not pairs and similarity < self.limits.min_peer_similarity:
                return None
            level = matching.level_closeness(pairs)
        else:
            pairs = matching.skill_pairs(me.want, me.want_vectors, them.have, them.have_vectors, limit)
            pairs = [p for p in pairs if p.theirs.level > p.mine.level]
            if not pairs:
                return None
            level = matching.level_gap(pairs)
        shared = sorted(me.cohorts & them.cohorts)
        history = counts.get(candidate_id, 0) if kind != "peer" else 0
        features = (
            max(0.0, min(1.0, similarity)),
            level,
            fraction,
            1.0 if me.org_id == them.org_id else 0.0,
            1.0 if shared else 0.0,
            matching.history_feature(history),
        )
        reasons: list[Reason] = [matching.pair_reason(kind, p) for p in pairs[:3]]
        names = [self.cohorts[c].name for c in shared if c in self.cohorts]
        for extra in (
            matching.cohort_reason(names),
            matching.hours_reason(hours, me.profile.timezone, them.profile.timezone),
            matching.history_reason(history),
        ):
            if extra is not None:
                reasons.append(extra)
        return Scored(
            candidate_id=candidate_id,
            kind=kind,
            features=features,
            score=self.model.score(kind, features),
            reasons=reasons,
            topic=pairs[0].mine.name.casefold() if pairs else "",
        )

    def _diversify(self, kind: str, scored: list[Scored]) -> list[Scored]:
        if not scored:
            return []
        index = self.people.need if kind == "peer" else self.people.offer
        vectors = np.stack([index.vector(s.candidate_id) for s in scored])  # type: ignore[misc]
        groups = [(f"org:{self.people.records[s.candidate_id].org_id}", f"topic:{s.topic}") for s in scored]
        order = mmr(scored, [s.score for s in scored], vectors, groups, self.limits.per_kind)
        return [scored[i] for i in order]

    # --- threads --------------------------------------------------------------------------

    def can_see_space(self, thread: ThreadRecord) -> np.ndarray:
        """People who may read ``thread``'s space."""
        people = self.people
        if thread.visibility == "public":
            return people.offer.live.copy()
        if thread.visibility == "org" and thread.org_id:
            return people.offer.live & (people.org == people.org_code(thread.org_id))
        if thread.visibility == "cohort" and thread.cohort_id:
            return people.offer.live & people.mask(self.members.get(thread.cohort_id, set()))
        return np.zeros(people.offer.size, dtype=bool)

    def answerers(self, thread_id: str) -> list[Scored]:
        """The people most likely to answer a question, best first (asker and outsiders excluded).

        Candidates must be able to read the thread's space and, across orgs, be matchable with
        the asker (shared cohort or consent); the answering history counts only threads that
        everyone reading this one may see, so no private count leaks through a reason. The
        ranking itself is :func:`peerlearn_matcher.answerers.rank_answerers`.
        """
        thread = self.threads.get(thread_id)
        if thread is None or thread.vector is None:
            return []
        people = self.people
        mask = self.can_see_space(thread) & self.under_cap("answerer", thread_id)
        mask &= ~people.mask([thread.author_id])
        asker = people.records.get(thread.author_id)
        if asker is not None:
            mask &= self.visible_mask(asker)
        elif thread.visibility == "public":
            mask &= people.external
        pool = [key for key, _ in people.offer.top(thread.vector, mask, self.limits.pool)]
        past = []
        for post_id, (other_id, author_id) in self.posts.items():
            other = self.threads.get(other_id)
            if (
                other is None
                or other.id == thread.id
                or other.vector is None
                or author_id == other.author_id
                or not visible_to_audience_of(other, thread)
            ):
                continue
            past.append(
                answerers.PastAnswer(
                    person_id=author_id,
                    thread_id=other.id,
                    thread_vector=other.vector,
                    accepted=other.accepted_post_id == post_id,
                    tags=other.tags,
                )
            )
        allowed = set(pool) | {
            a.person_id for a in past if (row := people.row(a.person_id)) is not None and mask[row]
        }
        candidates = [
            answerers.Candidate(
                person_id=key,
                offer_vector=people.offer.vector(key),
                tags=[s.name for s in people.records[key].have],
            )
            for key in sorted(allowed)
        ]
        history = answerers.AnswerHistory.from_answers(past, self.dim) if past else None
        ranked = answerers.rank_answerers(
            thread.vector, candidates, history, question_tags=thread.tags, limit=self.limits.answerers
        )
        result = []
        for item in ranked:
            features = item.features
            result.append(
                Scored(
                    candidate_id=item.person_id,
                    kind="answerer",
                    features=(
                        max(0.0, features.get("offer_similarity", 0.0)),
                        0.0,
                        0.0,
                        0.0,
                        0.0,
                        matching.history_feature(int(features.get("similar_accepted", 0))),
                    ),
                    score=item.score,
                    reasons=[Reason(text=text) for text in item.reasons],
                    thread_id=thread.id,
                )
            )
        return result

    def related(
        self, thread_id: str, visible: Callable[[ThreadRecord], bool] | None = None
    ) -> list[tuple[str, float]]:
        """Threads close to this one that have an accepted answer, among those ``visible`` allows
        (default: what everyone reading this thread may see)."""
        thread = self.threads.get(thread_id)
        if thread is None or thread.vector is None:
            return []
        allowed = visible or (lambda other: visible_to_audience_of(other, thread))
        keys = [
            t.id for t in self.threads.values() if t.id != thread.id and t.accepted_post_id and allowed(t)
        ]
        found = self.thread_index.top(thread.vector, self.thread_index.mask_of(keys), self.limits.related)
        return [(key, score) for key, score in found if score >= self.limits.min_related_similarity]

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
        found: set[str] = set()
        for cohort in cohort_ids:
            found |= self.members.get(cohort, set())
        return found
