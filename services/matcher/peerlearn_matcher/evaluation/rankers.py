"""The answerer rankers the evaluation compares: peerlearn and the baselines.

Every ranker sees the site replayed in time order: :meth:`observe` each answer once it was
written, :meth:`observe_acceptance` once an acceptance is known, then :meth:`scores` for a new
question over the candidates (people who answered before it, the asker excluded), higher meaning
"more likely to give the accepted answer". No ranker ever sees an answer or an acceptance that
came after the question it scores (see :mod:`peerlearn_matcher.evaluation.replay`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from peerlearn_matcher.domain.answerers import (
    DEFAULT_WEIGHTS,
    AnswererWeights,
    AnswerHistory,
    Candidate,
    PastAnswer,
    rank_answerers,
)
from peerlearn_matcher.evaluation.dump import Answer, Question


class Ranker(Protocol):
    """What the replay needs of a ranker."""

    name: str

    def observe(self, answer: Answer, question: Question) -> None:
        """Learn from an answer (to ``question``) written before the questions still to come."""

    def observe_acceptance(self, answer: Answer, question: Question) -> None:
        """Learn that the asker of ``question`` accepted ``answer`` (observed earlier)."""

    def scores(self, question: Question, candidates: Sequence[str]) -> np.ndarray:
        """One score per candidate (same order), higher is better."""


class RandomRanker:
    """The floor: a random order (seeded)."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)

    def observe(self, answer: Answer, question: Question) -> None:
        return None

    def observe_acceptance(self, answer: Answer, question: Question) -> None:
        return None

    def scores(self, question: Question, candidates: Sequence[str]) -> np.ndarray:
        return self._rng.random(len(candidates))


class MostActiveRanker:
    """Whoever answered most so far, whatever the topic."""

    name = "most active answerer"

    def __init__(self) -> None:
        self._answers: Counter[str] = Counter()

    def observe(self, answer: Answer, question: Question) -> None:
        self._answers[answer.owner_id or ""] += 1

    def observe_acceptance(self, answer: Answer, question: Question) -> None:
        return None

    def scores(self, question: Question, candidates: Sequence[str]) -> np.ndarray:
        return np.array([self._answers[c] for c in candidates], dtype=np.float64)


class TagOverlapRanker:
    """How many earlier answers each candidate wrote under the question's tags."""

    name = "tag overlap"

    def __init__(self) -> None:
        self._tags: dict[str, Counter[str]] = {}

    def observe(self, answer: Answer, question: Question) -> None:
        self._tags.setdefault(answer.owner_id or "", Counter()).update(question.tags)

    def observe_acceptance(self, answer: Answer, question: Question) -> None:
        return None

    def scores(self, question: Question, candidates: Sequence[str]) -> np.ndarray:
        empty: Counter[str] = Counter()
        return np.array(
            [sum(self._tags.get(c, empty)[t] for t in question.tags) for c in candidates], dtype=np.float64
        )


class TfidfRanker:
    """Cosine between the question and the sum of TF-IDF vectors of the questions a person answered.

    The vocabulary and IDF are fitted once on all question texts (no labels, so no leak of who
    answered); a person's profile grows as they answer.
    """

    name = "TF-IDF"

    def __init__(self, questions: Sequence[Question]) -> None:
        self._row = {q.id: i for i, q in enumerate(questions)}
        vectoriser = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=1, max_features=200_000)
        self._matrix = sparse.csr_matrix(vectoriser.fit_transform([q.text for q in questions]))
        self._owner_rows: list[int] = []
        self._owner_codes: list[int] = []
        self._code: dict[str, int] = {}
        self._profiles: list[sparse.csr_matrix] = []  # each person's summed rows, for the norm
        self._norm2: list[float] = []

    def observe(self, answer: Answer, question: Question) -> None:
        owner = answer.owner_id or ""
        code = self._code.setdefault(owner, len(self._code))
        row = self._row[question.id]
        x = self._matrix[row]
        if code == len(self._profiles):
            self._profiles.append(x)
        else:
            self._profiles[code] = self._profiles[code] + x
        profile = self._profiles[code]
        if code == len(self._norm2):
            self._norm2.append(0.0)
        self._norm2[code] = float(profile.multiply(profile).sum())
        self._owner_rows.append(row)
        self._owner_codes.append(code)

    def observe_acceptance(self, answer: Answer, question: Question) -> None:
        return None

    def scores(self, question: Question, candidates: Sequence[str]) -> np.ndarray:
        if not self._owner_rows:
            return np.zeros(len(candidates))
        sims = np.asarray((self._matrix @ self._matrix[self._row[question.id]].T).todense()).ravel()
        per_person = np.bincount(self._owner_codes, weights=sims[self._owner_rows], minlength=len(self._code))
        norms = np.sqrt(np.maximum(np.array(self._norm2), 1e-12))
        codes = np.array([self._code.get(c, -1) for c in candidates])
        out = np.zeros(len(candidates))
        known = codes >= 0
        out[known] = per_person[codes[known]] / norms[codes[known]]
        return out


@dataclass(frozen=True)
class EncodedTexts:
    """What peerlearn's rankers start from: the questions' vectors (by question id) and each
    person's "about me" vector (by person id), encoded once and shared by every such ranker."""

    questions: dict[str, np.ndarray]
    about: dict[str, np.ndarray]

    @property
    def dim(self) -> int:
        """The vectors' dimension (0 with no question)."""
        return len(next(iter(self.questions.values()))) if self.questions else 0


class PeerlearnRanker:
    """``rank_answerers`` with the real encoder: offer vector from "about me", plus answer history."""

    def __init__(
        self, texts: EncodedTexts, weights: AnswererWeights = DEFAULT_WEIGHTS, name: str = "peerlearn"
    ) -> None:
        self.name = name
        self.texts = texts
        self.weights = weights
        self._history = AnswerHistory(texts.dim)
        self._candidates: dict[str, Candidate] = {}

    def observe(self, answer: Answer, question: Question) -> None:
        owner = answer.owner_id or ""
        self._history.add(
            PastAnswer(
                person_id=owner,
                thread_id=question.id,
                thread_vector=self.texts.questions[question.id],
                tags=question.tags,
            )
        )
        if owner not in self._candidates:
            self._candidates[owner] = Candidate(owner, self.texts.about.get(owner))

    def observe_acceptance(self, answer: Answer, question: Question) -> None:
        self._history.accept(answer.owner_id or "", question.id)

    def scores(self, question: Question, candidates: Sequence[str]) -> np.ndarray:
        people = [self._candidates.get(c) or Candidate(c) for c in candidates]
        ranked = rank_answerers(
            self.texts.questions[question.id],
            people,
            self._history,
            question_tags=question.tags,
            limit=None,
            weights=self.weights,
        )
        by_id = {r.person_id: r.score for r in ranked}
        return np.array([by_id[c] for c in candidates])
