"""What the forum's history says about each possible answerer, kept up to date one event at a time.

:class:`AnswererEvidence` is fed the events as they happen (an answer written, an answer
accepted, a question routed to someone or released, a suggestion declined) and turns one new
question into a feature matrix, one row per candidate, columns named by :data:`FEATURES`.
Nothing is rescanned per question: counts are kept per person and per (tag, person), time decay
is kept as sums of ``2**(t / half_life)`` (so decaying everything to "now" is one multiplication),
and the semantic features are one matrix-vector product over the answered threads' vectors.
Pure numpy; the live routing and ``peerlearn eval`` feed it the same events.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime

import numpy as np

from peerlearn_matcher.domain.answer_history import tag_key

# Each feature, in column order. Counts are log1p'd (a 50th answer says less than a 2nd).
FEATURES = (
    "offer_similarity",  # cosine between the question and what the person offers (0 if unknown)
    "topic_similarity",  # cosine with the direction of everything they answered
    "accepted_topic_similarity",  # cosine with the direction of their accepted answers
    "nearest_answered",  # highest cosine to any thread they answered
    "similar_answers",  # log1p of a soft count of answers on threads close to this one
    "similar_accepted",  # the same, accepted answers only
    "tag_share",  # share of the question's tags they answered under
    "tag_answers",  # log1p of answers under the question's tags
    "tag_accepted",  # log1p of accepted answers under the question's tags
    "tag_answers_recent",  # log1p of answers under the question's tags, decayed by age
    "answers",  # log1p of all their answers
    "answers_recent",  # log1p of all their answers, decayed by age
    "days_since_last",  # log1p of days since their last answer
    "acceptance_rate",  # accepted / answered, shrunk towards 0 for few answers
    "response_hours",  # log1p of their typical hours from question to answer
    "routing_load",  # log1p of questions currently routed to them and not answered
    "declined_similarity",  # highest cosine to a question they declined ("not my area")
)
HALF_LIFE_DAYS = 30.0
# Below this cosine a past thread is no evidence (the same floor as rank_answerers' history).
HISTORY_FLOOR = 0.4
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def day_number(when: datetime) -> float:
    """Days since 2000-01-01 UTC (a naive time is taken as UTC)."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    return (aware - _EPOCH).total_seconds() / 86400.0


class AnswererEvidence:
    """Per-person evidence for answer routing, updated incrementally; see :data:`FEATURES`."""

    def __init__(self, dim: int, half_life_days: float = HALF_LIFE_DAYS) -> None:
        self.dim = dim
        self.half_life = half_life_days
        self._code: dict[str, int] = {}
        self._vectors = np.zeros((64, dim), np.float32)  # one row per answer
        self._owner = np.zeros(64, np.int64)
        self._accepted = np.zeros(64, bool)
        self._row_of: dict[tuple[str, str], int] = {}  # (person, thread) -> their latest answer row
        self._size = 0
        self._people = np.zeros((16, 7))  # answers, accepted, recent, last day, log-delay sum, delays, load
        self._topics = np.zeros((16, dim), np.float32)
        self._accepted_topics = np.zeros((16, dim), np.float32)
        self._tags: dict[str, dict[int, list[float]]] = {}  # tag -> person -> [answers, accepted, recent]
        self._declined: dict[int, list[np.ndarray]] = {}
        self._origin: float | None = None  # decay sums are relative to this day, to stay finite

    def _person(self, person_id: str) -> int:
        code = self._code.setdefault(person_id, len(self._code))
        if code == len(self._people):
            self._people = np.concatenate([self._people, np.zeros_like(self._people)])
            self._topics = np.concatenate([self._topics, np.zeros_like(self._topics)])
            self._accepted_topics = np.concatenate(
                [self._accepted_topics, np.zeros_like(self._accepted_topics)]
            )
        return code

    def _weight(self, day: float) -> float:
        if self._origin is None:
            self._origin = day
        return float(2.0 ** ((day - self._origin) / self.half_life))

    def answered(
        self,
        person_id: str,
        thread_id: str,
        thread_vector: np.ndarray,
        tags: Collection[str],
        asked_at: datetime,
        answered_at: datetime,
    ) -> None:
        """``person_id`` answered the thread (its vector and tags) asked at ``asked_at``."""
        code = self._person(person_id)
        if self._size == len(self._owner):  # grow by doubling: amortised O(1) appends
            grow = len(self._owner)
            self._vectors = np.concatenate([self._vectors, np.zeros((grow, self.dim), np.float32)])
            self._owner = np.concatenate([self._owner, np.zeros(grow, np.int64)])
            self._accepted = np.concatenate([self._accepted, np.zeros(grow, bool)])
        day = day_number(answered_at)
        weight = self._weight(day)
        self._vectors[self._size] = thread_vector
        self._owner[self._size] = code
        self._row_of[(person_id, thread_id)] = self._size
        self._size += 1
        person = self._people[code]
        person[0] += 1
        person[2] += weight
        person[3] = max(person[3], day) if person[0] > 1 else day
        person[4] += np.log1p(max(0.0, (day - day_number(asked_at)) * 24.0))
        person[5] += 1
        person[6] = max(0.0, person[6] - 1)  # an answer from someone routed settles one route
        self._topics[code] += thread_vector
        for tag in {tag_key(t) for t in tags}:
            counts = self._tags.setdefault(tag, {}).setdefault(code, [0.0, 0.0, 0.0])
            counts[0] += 1
            counts[2] += weight

    def accepted(self, person_id: str, thread_id: str, tags: Collection[str]) -> None:
        """The asker accepted ``person_id``'s answer on the thread (ignored if never seen)."""
        row = self._row_of.get((person_id, thread_id))
        if row is None or self._accepted[row]:
            return
        code = self._code[person_id]
        self._accepted[row] = True
        self._people[code, 1] += 1
        self._accepted_topics[code] += self._vectors[row]
        for tag in {tag_key(t) for t in tags}:
            self._tags.setdefault(tag, {}).setdefault(code, [0.0, 0.0, 0.0])[1] += 1

    def routed(self, person_id: str, count: int = 1) -> None:
        """``count`` more questions were routed to the person (negative: released)."""
        code = self._person(person_id)
        self._people[code, 6] = max(0.0, self._people[code, 6] + count)

    def declined(self, person_id: str, thread_vector: np.ndarray) -> None:
        """The person said a question with this vector is not their area."""
        self._declined.setdefault(self._person(person_id), []).append(np.asarray(thread_vector, np.float32))

    def __len__(self) -> int:
        """How many answers were fed (the rows ``similarities`` of :meth:`features` must have)."""
        return self._size

    def answers_of(self, person_id: str) -> int:
        """How many answers the person wrote so far."""
        code = self._code.get(person_id)
        return 0 if code is None else int(self._people[code, 0])

    def features(
        self,
        question_vector: np.ndarray,
        question_tags: Collection[str],
        candidates: Sequence[str],
        at: datetime,
        offers: Mapping[str, np.ndarray] | None = None,
        similarities: np.ndarray | None = None,
    ) -> np.ndarray:
        """The feature matrix (``len(candidates)`` x ``len(FEATURES)``) for a question asked at ``at``.

        ``similarities``: the question's cosine (float32) to the thread of each answer fed, in the
        order fed, when the caller has it already: routing ranks with an
        :class:`~peerlearn_matcher.domain.answer_history.AnswerHistory` fed the same answers in
        the same order, whose pass (:func:`~peerlearn_matcher.domain.answerers.answer_similarities`)
        is the same product as this one's. None computes it here.
        """
        n = len(candidates)
        out = np.zeros((n, len(FEATURES)))
        q = np.asarray(question_vector, np.float32)
        column = {name: i for i, name in enumerate(FEATURES)}
        if offers:
            for i, c in enumerate(candidates):
                if (offer := offers.get(c)) is not None:
                    out[i, column["offer_similarity"]] = float(np.asarray(offer, np.float32) @ q)
        codes = np.array([self._code.get(c, -1) for c in candidates], np.int64)
        known = codes >= 0
        k = codes[known]
        now = day_number(at)
        decay = 2.0 ** (-(now - self._origin) / self.half_life) if self._origin is not None else 0.0
        if self._size and known.any():
            m = len(self._code)
            sims = self._vectors[: self._size] @ q if similarities is None else similarities
            if len(sims) != self._size:
                raise ValueError(f"{len(sims)} similarities for {self._size} answers")
            owners = self._owner[: self._size]
            strength = np.clip((sims - HISTORY_FLOOR) / (1.0 - HISTORY_FLOOR), 0.0, 1.0)
            nearest = np.full(m, -1.0)
            # Only the candidates' own rows: a maximum is the same over any superset, and
            # ufunc.at over every answer was the slowest step of a question.
            candidate = np.zeros(m, bool)
            candidate[k] = True
            theirs = candidate[owners]
            np.maximum.at(nearest, owners[theirs], sims[theirs])
            soft = np.bincount(owners, weights=strength, minlength=m)
            soft_acc = np.bincount(owners, weights=strength * self._accepted[: self._size], minlength=m)
            out[known, column["nearest_answered"]] = nearest[k]
            out[known, column["similar_answers"]] = np.log1p(soft[k])
            out[known, column["similar_accepted"]] = np.log1p(soft_acc[k])
            for name, sums in (
                ("topic_similarity", self._topics),
                ("accepted_topic_similarity", self._accepted_topics),
            ):
                rows = sums[k]
                norms = np.linalg.norm(rows, axis=1)
                out[known, column[name]] = (rows @ q) / np.where(norms == 0, 1.0, norms)
        people = self._people[k]
        out[known, column["answers"]] = np.log1p(people[:, 0])
        out[known, column["answers_recent"]] = np.log1p(people[:, 2] * decay)
        out[known, column["days_since_last"]] = np.log1p(np.maximum(0.0, now - people[:, 3]))
        out[~known, column["days_since_last"]] = np.log1p(3650.0)  # never answered: a decade quiet
        out[known, column["acceptance_rate"]] = people[:, 1] / (people[:, 0] + 2.0)
        delays = people[:, 4] / np.maximum(people[:, 5], 1.0)
        out[known, column["response_hours"]] = np.where(people[:, 5] > 0, delays, np.log1p(24.0))
        out[~known, column["response_hours"]] = np.log1p(24.0)
        out[known, column["routing_load"]] = np.log1p(people[:, 6])
        wanted = {tag_key(t) for t in question_tags}
        index = {int(code): i for i, code in enumerate(codes) if code >= 0}
        for tag in wanted:
            # Looked up per candidate, not walked over everyone who answered under the tag: each
            # person appears once per tag, so every row is added to in the same (tag) order.
            under = self._tags.get(tag, {})
            for person, row in index.items():
                if (counts := under.get(person)) is None:
                    continue
                answers, accepted, recent = counts
                out[row, column["tag_share"]] += 1.0 / len(wanted)
                out[row, column["tag_answers"]] += answers
                out[row, column["tag_accepted"]] += accepted
                out[row, column["tag_answers_recent"]] += recent * decay
        for name in ("tag_answers", "tag_accepted", "tag_answers_recent"):
            out[:, column[name]] = np.log1p(out[:, column[name]])
        for i, code in enumerate(codes.tolist() if self._declined else ()):
            if code >= 0 and (declined := self._declined.get(code)):
                out[i, column["declined_similarity"]] = float(np.max(np.stack(declined) @ q))
        return out
