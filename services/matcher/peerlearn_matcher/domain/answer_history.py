"""Everyone's past answers as arrays, so that one question is scored against all of them at once.

Used by :func:`peerlearn_matcher.domain.answerers.rank_answerers`; pure numpy, append-only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=4096)  # a forum has few distinct tags, seen once per answer
def tag_key(tag: str) -> str:
    """A tag or skill name as compared: whitespace collapsed, case-folded."""
    return " ".join(tag.split()).casefold()


@dataclass(frozen=True)
class PastAnswer:
    """One answer somebody wrote earlier, on a thread with the given vector and tags."""

    person_id: str
    thread_id: str
    thread_vector: np.ndarray
    accepted: bool = False
    tags: Collection[str] = ()


class AnswerHistory:
    """Everyone's past answers, kept as arrays so that one question is scored with one mat-vec.

    Append-only (:meth:`add`); build one from a list with :meth:`from_answers`. A thread answered
    twice by the same person counts twice (they cared enough to come back).
    """

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._vectors = np.zeros((64, dim), dtype=np.float32)
        self._codes = np.zeros(64, dtype=np.int64)
        self._accepted = np.zeros(64, dtype=bool)
        self.thread_ids: list[str] = []
        self._code_of: dict[str, int] = {}
        self._tags: list[Counter[str]] = []
        self._topic_sums = np.zeros((16, dim), dtype=np.float32)  # per person: sum of answered vectors
        self._size = 0
        # Per row, the answer as given (its vector as passed, its tags): what :meth:`without_rows`
        # re-adds, so that leaving rows out is exactly as if they had never been added.
        self._answers: list[PastAnswer] = []

    @classmethod
    def from_answers(cls, answers: Iterable[PastAnswer], dim: int) -> AnswerHistory:
        """A history holding ``answers`` (vectors of dimension ``dim``)."""
        history = cls(dim)
        for answer in answers:
            history.add(answer)
        return history

    def __len__(self) -> int:
        return self._size

    def add(self, answer: PastAnswer) -> None:
        """Record one more answer."""
        if self._size == len(self._codes):  # grow by doubling: amortised O(1) appends
            grow = max(len(self._codes), 64)
            self._vectors = np.concatenate([self._vectors, np.zeros((grow, self.dim), np.float32)])
            self._codes = np.concatenate([self._codes, np.zeros(grow, np.int64)])
            self._accepted = np.concatenate([self._accepted, np.zeros(grow, bool)])
        code = self._code_of.setdefault(answer.person_id, len(self._code_of))
        if code == len(self._tags):
            self._tags.append(Counter())
            if code == len(self._topic_sums):
                self._topic_sums = np.concatenate([self._topic_sums, np.zeros_like(self._topic_sums)])
        self._topic_sums[code] += answer.thread_vector
        self._tags[code].update(tag_key(t) for t in answer.tags)
        self._vectors[self._size] = answer.thread_vector
        self._codes[self._size] = code
        self._accepted[self._size] = answer.accepted
        self.thread_ids.append(answer.thread_id)
        self._answers.append(answer)
        self._size += 1

    def add_all(self, answers: Sequence[PastAnswer]) -> None:
        """Record ``answers`` in order: the same history as :meth:`add` of each, with the arrays
        written at once (float32 vectors; others are added one by one, as :meth:`add` casts them)."""
        if not all(
            isinstance(a.thread_vector, np.ndarray) and a.thread_vector.dtype == np.float32 for a in answers
        ):
            for answer in answers:
                self.add(answer)
            return
        if not answers:
            return
        start, end = self._size, self._size + len(answers)
        while len(self._codes) < end:  # grow by doubling, as add does
            grow = max(len(self._codes), 64)
            self._vectors = np.concatenate([self._vectors, np.zeros((grow, self.dim), np.float32)])
            self._codes = np.concatenate([self._codes, np.zeros(grow, np.int64)])
            self._accepted = np.concatenate([self._accepted, np.zeros(grow, bool)])
        codes = np.array(
            [self._code_of.setdefault(a.person_id, len(self._code_of)) for a in answers], dtype=np.int64
        )
        people = len(self._code_of)
        self._tags.extend(Counter() for _ in range(people - len(self._tags)))
        while len(self._topic_sums) < people:
            self._topic_sums = np.concatenate([self._topic_sums, np.zeros_like(self._topic_sums)])
        block = np.stack([a.thread_vector for a in answers])
        sums = self._topic_sums
        # In row order, one row at a time: each person's sum is added to exactly as add adds to it
        # (np.add.at would too, but is several times slower on rows).
        for code, vector, answer in zip(codes.tolist(), block, answers, strict=True):
            sums[code] += vector
            self._tags[code].update(tag_key(t) for t in answer.tags)
        self._vectors[start:end] = block
        self._codes[start:end] = codes
        self._accepted[start:end] = [a.accepted for a in answers]
        self.thread_ids.extend(a.thread_id for a in answers)
        self._answers.extend(answers)
        self._size = end

    def person_of(self, row: int) -> str:
        """Who wrote the answer in ``row``."""
        return self._answers[row].person_id

    def set_accepted(self, row: int, accepted: bool) -> None:
        """Mark one row (an answer, in the order added) accepted or not."""
        self._accepted[row] = accepted

    def without_rows(self, rows: Collection[int]) -> AnswerHistory:
        """A new history without ``rows``, equal to one built from the other answers in order.

        Equal down to the bit: the kept rows keep their order, and the topic sums and tag counts
        of the people whose rows go are summed again from their kept answers, in order, as
        :meth:`add` summed them. A person left with no answer has no code. (People's codes may
        differ from such a build's; a code only names a person.) O(size) copies, no Python loop
        over the kept rows. The new history shares the untouched people's tag counts: read it,
        do not :meth:`add` to it.
        """
        gone = set(rows)
        keep = np.ones(self._size, dtype=bool)
        keep[list(gone)] = False
        out = AnswerHistory(self.dim)
        out._vectors = self._vectors[: self._size][keep]
        out._codes = self._codes[: self._size][keep]
        out._accepted = self._accepted[: self._size][keep]
        out._size = int(keep.sum())
        out.thread_ids = [t for row, t in enumerate(self.thread_ids) if row not in gone]
        out._answers = [a for row, a in enumerate(self._answers) if row not in gone]
        touched = {int(self._codes[row]) for row in gone}
        out._topic_sums = self._topic_sums.copy()
        out._tags = list(self._tags)
        for code in touched:
            out._topic_sums[code] = 0.0
            out._tags[code] = Counter()
        for row in np.flatnonzero(np.isin(out._codes, list(touched))):
            answer = out._answers[row]
            code = int(out._codes[row])
            out._topic_sums[code] += answer.thread_vector
            out._tags[code].update(tag_key(t) for t in answer.tags)
        left = set(out._codes.tolist()) if touched else set()
        out._code_of = {
            person: code for person, code in self._code_of.items() if code not in touched or code in left
        }
        return out

    def accept(self, person_id: str, thread_id: str) -> bool:
        """Mark the person's latest answer on the thread accepted (an acceptance arrives after the
        answer); False if there is no such answer."""
        code = self._code_of.get(person_id)
        for row in range(self._size - 1, -1, -1):  # acceptances come soon after the answer: scan back
            if self._codes[row] == code and self.thread_ids[row] == thread_id:
                self._accepted[row] = True
                return True
        return False

    def person_ids(self) -> Collection[str]:
        """Everyone with at least one answer here."""
        return self._code_of.keys()

    def code(self, person_id: str) -> int | None:
        """The internal index of a person who answered at least once, else None."""
        return self._code_of.get(person_id)

    def codes_of(self, person_ids: Sequence[str]) -> np.ndarray:
        """Each person's :meth:`code` (int64), -1 for someone with no answer here."""
        get = self._code_of.get
        return np.fromiter((get(p, -1) for p in person_ids), np.int64, len(person_ids))

    def tags_of(self, code: int) -> Counter[str]:
        """How often the person answered threads with each (normalised) tag."""
        return self._tags[code]

    def topic_vectors(self, codes: np.ndarray) -> np.ndarray:
        """Each person's answered-topic direction: the normalised sum of the threads they answered."""
        sums = self._topic_sums[codes]
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return sums / np.where(norms == 0, 1.0, norms)

    @property
    def vectors(self) -> np.ndarray:
        return self._vectors[: self._size]

    @property
    def codes(self) -> np.ndarray:
        return self._codes[: self._size]

    @property
    def accepted(self) -> np.ndarray:
        return self._accepted[: self._size]

    @property
    def people(self) -> int:
        return len(self._code_of)
