"""Who can answer this question? Ranking answerers and related threads for a question vector.

Pure functions over normalised vectors (numpy only): no database, no bus, no web framework. The
caller passes a candidate set that is *already* filtered for privacy (who may see the space, the
asker excluded, declined and load-capped people removed); this module only orders it and explains
the order.

A candidate's score adds up five kinds of evidence (weights in :class:`AnswererWeights`, chosen on
the answer-routing evaluation, ``peerlearn eval``, see ``docs/EVALUATION.md``):

- *offer*: the cosine between the question and what the person says they know (their offer vector);
- *topic*: the cosine between the question and the direction of everything they answered;
- *history*: how much they answered on threads close to this one, with accepted answers counting
  more (a soft count: each past answer weighs by how similar its thread is to the question);
- *tags*: the share of the question's tags the person has (as a skill name or from answered threads),
  and how many answers they wrote under those tags;
- *activity*: a small prior for people who answer at all (log of their answer count), because
  someone who answered nothing in a year is unlikely to start with this question;
- *declined* (subtracted): how close the question is to one the person declined as "not my
  area" (:func:`declined_closeness`), so similar questions reach them less often.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from peerlearn_matcher.domain.answer_history import AnswerHistory, PastAnswer, tag_key

__all__ = [
    "DEFAULT_WEIGHTS",
    "MIN_ANSWERER_SCORE",
    "AnswerHistory",
    "AnswererWeights",
    "Candidate",
    "PastAnswer",
    "RankedAnswerer",
    "RelatedThread",
    "answer_similarities",
    "declined_closeness",
    "rank_answerers",
    "rank_related_threads",
]

# A past thread at or above this cosine is "on a similar topic" in the reasons a person reads.
# With all-MiniLM-L6-v2 on the evaluation sample, questions under the same main tag have a median
# cosine of 0.29 (90th percentile 0.44), questions under different tags 0.02 (99th percentile 0.30).
SIMILAR_TOPIC = 0.3
# Nobody is routed a question on less evidence than this score: a score below what two texts on
# different topics reach (the 99th percentile of cross-tag cosines above, 0.30) says nothing, and
# once routing mails people a wrong route is spam (precision before reach, docs/EVALUATION.md).
MIN_ANSWERER_SCORE = 0.3


@dataclass(frozen=True)
class Candidate:
    """Someone who may answer: their id, their offer vector (or None) and their skill or tag names."""

    person_id: str
    offer_vector: np.ndarray | None = None
    tags: Collection[str] = ()


@dataclass(frozen=True)
class AnswererWeights:
    """How much each kind of evidence counts.

    The defaults come from a grid search on two generated tuning sites (sample seeds 11 and 12,
    not the shipped sample the report uses): the surface is flat near the top (MRR within ±0.005),
    so round values were kept. ``tags`` stays small but non-zero because in the live service a
    thread tag matching a person's *skill name* is evidence the replayed dumps cannot show.
    """

    offer: float = 1.0
    topic: float = 1.0
    history: float = 0.3
    accepted: float = 0.6
    tags: float = 0.1
    tag_answers: float = 0.5
    activity: float = 0.05
    # Below this cosine a past thread is not evidence at all: unrelated threads of a very active
    # person must not add up to look like expertise.
    history_floor: float = 0.4
    # Subtracted per unit of cosine to the closest question the person declined (from
    # SIMILAR_TOPIC up): the same magnitude as the learned ranker's default weight for
    # ``declined_similarity`` (-1.0, domain/routing_model.py) and as ``offer``, so declining a
    # near-duplicate cancels what their offer says, and one a loosely similar question (0.3)
    # costs as much as the whole routing threshold (MIN_ANSWERER_SCORE).
    declined: float = 1.0


DEFAULT_WEIGHTS = AnswererWeights()


@dataclass(frozen=True)
class RankedAnswerer:
    """A candidate in ranked order, with the reasons a person reads and the features behind them."""

    person_id: str
    score: float
    features: dict[str, float] = field(default_factory=dict)
    matched_tags: tuple[str, ...] = ()  # the question's tags they have, sorted

    @cached_property
    def reasons(self) -> list[str]:
        """What a person reads, such as "answered 4 accepted questions on similar topics".

        Written when first read: a learned model reorders every candidate over the threshold
        and keeps a few, so most candidates' reasons are never shown.
        """
        return _reasons(self.features, list(self.matched_tags))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _reasons(features: dict[str, float], matched_tags: list[str]) -> list[str]:
    reasons: list[str] = []
    accepted = int(features["similar_accepted"])
    similar = int(features["similar_answers"])
    if accepted:
        reasons.append(f"answered {_plural(accepted, 'accepted question')} on similar topics")
    if similar > accepted:
        reasons.append(f"answered {_plural(similar, 'question')} on similar topics")
    if matched_tags:
        reasons.append("knows " + ", ".join(matched_tags[:3]))
    if features["offer_similarity"] >= SIMILAR_TOPIC:
        reasons.append("what they offer is close to this question")
    if not reasons and features["answers_total"] > 0:
        reasons.append(f"has answered {_plural(int(features['answers_total']), 'question')} here")
    return reasons


def declined_closeness(question_vector: np.ndarray, declined: np.ndarray | None) -> float:
    """The cosine between a question and the closest question the person declined, when it is
    at least ``SIMILAR_TOPIC`` (a question "on a similar topic"); 0.0 otherwise or with none.

    ``declined``: the declined questions' normalised vectors, one per row (or None).
    """
    if declined is None or len(declined) == 0:
        return 0.0
    closest = float(np.max(np.asarray(declined, np.float32) @ np.asarray(question_vector, np.float32)))
    return closest if closest >= SIMILAR_TOPIC else 0.0


def answer_similarities(history: AnswerHistory, question_vector: np.ndarray) -> np.ndarray:
    """The cosine between the question and the thread of each past answer in ``history``, in its
    row order (float32): the one pass over the history that ranking and the learned model's
    evidence (fed the same answers in the same order) both read."""
    return history.vectors @ np.asarray(question_vector, dtype=np.float32)


def rank_answerers(
    question_vector: np.ndarray,
    candidates: Sequence[Candidate],
    history: AnswerHistory | None = None,
    *,
    question_tags: Collection[str] = (),
    limit: int | None = 10,
    weights: AnswererWeights = DEFAULT_WEIGHTS,
    declined: Mapping[str, np.ndarray] | None = None,
    similarities: np.ndarray | None = None,
    min_score: float | None = None,
) -> list[RankedAnswerer]:
    """Rank ``candidates`` as answerers of the question with ``question_vector``.

    ``question_vector``: the question's normalised vector (title, tags, body). ``candidates``: the
    people allowed to be suggested (privacy-filtered by the caller; order breaks ties).
    ``history``: past answers of anyone (people not among the candidates are ignored), or None.
    ``question_tags``: the thread's tags, matched case-insensitively against the candidate's
    ``tags`` and the tags of threads they answered. ``limit``: how many to return (None: all).

    Returns the best ``limit`` candidates, best first, each with ``score``, ``reasons`` such as
    "answered 4 accepted questions on similar topics", and ``features``: ``offer_similarity``
    (cosine), ``topic_similarity`` (cosine with the sum of the threads they answered),
    ``similar_answers`` and ``similar_accepted`` (counts of past answers on threads with
    cosine >= 0.3), ``history_affinity`` and ``accepted_affinity`` (soft counts), ``tag_overlap``
    (share of the question's tags they have, 0..1), ``tag_answers`` (their past answers under the
    question's tags), ``answers_total`` and ``declined_similarity`` (:func:`declined_closeness`
    to the questions ``declined`` holds for them: person -> rows of declined questions' vectors;
    it lowers the score by ``weights.declined`` per unit). ``similarities``: ``history.vectors @
    question_vector`` (float32) when the caller computed it already, to share it with the learned
    model's evidence (:func:`answer_similarities`); None computes it here. ``min_score``: only
    candidates scoring at least this are returned (None: no floor), so no reasons are written
    for people who will not be routed.
    """
    if not candidates:
        return []
    q = np.asarray(question_vector, dtype=np.float32)
    n = len(candidates)
    offer = np.zeros(n, dtype=np.float32)
    rows = [i for i, c in enumerate(candidates) if c.offer_vector is not None]
    if rows:
        # np.array, not np.stack: the same matrix, without stack's per-row checks (5x faster here).
        offer_matrix = np.array([np.asarray(candidates[i].offer_vector, np.float32) for i in rows])
        offer[rows] = offer_matrix @ q

    soft = np.zeros(n)
    soft_accepted = np.zeros(n)
    similar = np.zeros(n)
    similar_accepted = np.zeros(n)
    total = np.zeros(n)
    topic = np.zeros(n, dtype=np.float32)
    codes = np.full(n, -1, dtype=np.int64)
    if history is not None and len(history):
        codes = history.codes_of([c.person_id for c in candidates])
        sims = answer_similarities(history, q) if similarities is None else similarities
        if len(sims) != len(history):
            raise ValueError(f"{len(sims)} similarities for {len(history)} past answers")
        # Linear ramp from the floor up to 1: a near-duplicate thread counts fully, a loosely
        # related one a little, an unrelated one not at all.
        strength = np.clip((sims - weights.history_floor) / (1.0 - weights.history_floor), 0.0, 1.0)
        accepted = history.accepted
        m = history.people
        per_soft = np.bincount(history.codes, weights=strength, minlength=m)
        per_soft_acc = np.bincount(history.codes, weights=strength * accepted, minlength=m)
        close = sims >= SIMILAR_TOPIC
        per_similar = np.bincount(history.codes, weights=close, minlength=m)
        per_similar_acc = np.bincount(history.codes, weights=close & accepted, minlength=m)
        per_total = np.bincount(history.codes, minlength=m)
        known = codes >= 0
        soft[known] = per_soft[codes[known]]
        soft_accepted[known] = per_soft_acc[codes[known]]
        similar[known] = per_similar[codes[known]]
        similar_accepted[known] = per_similar_acc[codes[known]]
        total[known] = per_total[codes[known]]
        topic[known] = history.topic_vectors(codes[known]) @ q

    wanted = {tag_key(t) for t in question_tags}
    tag_share = np.zeros(n)
    tag_answers = np.zeros(n)
    matched: list[list[str]] = [[] for _ in range(n)]
    if wanted:
        # The question's few tags looked up in each person's tags (not their tags gathered in a
        # set), in the set's order; the columns filled at once from Python numbers.
        asked = list(wanted)
        answered_tags = history.tags_of if history is not None else None
        counts = [0] * n
        for i, (c, code) in enumerate(zip(candidates, codes.tolist(), strict=True)):
            own = set(map(tag_key, c.tags))
            if answered_tags is not None and code >= 0:
                answered = answered_tags(code)
                counts[i] = sum([answered[t] for t in asked])
                matched[i] = sorted([t for t in asked if t in own or t in answered])
            else:
                matched[i] = sorted([t for t in asked if t in own])
        tag_answers[:] = counts
        tag_share[:] = [len(found) / len(wanted) for found in matched]

    refused = np.zeros(n)
    if declined:
        for i, c in enumerate(candidates):
            refused[i] = declined_closeness(q, declined.get(c.person_id))

    score = (
        weights.offer * offer
        + weights.topic * topic
        + weights.history * np.log1p(soft)
        + weights.accepted * np.log1p(soft_accepted)
        + weights.tags * tag_share
        + weights.tag_answers * np.log1p(tag_answers)
        + weights.activity * np.log1p(total)
        - weights.declined * refused
    )
    order = np.argsort(-score, kind="stable")
    if min_score is not None:
        # Best first, so those at or above the floor are a prefix of the order.
        order = order[: int(np.count_nonzero(score >= min_score))]
    if limit is not None:
        order = order[:limit]
    # All columns read out at once as Python floats, one row per candidate kept (float64 holds
    # each float32 column exactly: the same values float() gives one at a time).
    named: dict[str, np.ndarray] = {
        "offer_similarity": offer,
        "topic_similarity": topic,
        "similar_answers": similar,
        "similar_accepted": similar_accepted,
        "history_affinity": soft,
        "accepted_affinity": soft_accepted,
        "tag_overlap": tag_share,
        "tag_answers": tag_answers,
        "answers_total": total,
        "declined_similarity": refused,
    }
    names = tuple(named)
    table = np.column_stack([values[order] for values in named.values()]).tolist() if len(order) else []
    scores = score[order].tolist()
    return [
        RankedAnswerer(
            person_id=candidates[i].person_id,
            score=scores[j],
            features=dict(zip(names, table[j], strict=True)),
            matched_tags=tuple(matched[i]),
        )
        for j, i in enumerate(order.tolist())
    ]


@dataclass(frozen=True)
class RelatedThread:
    """A thread close to the one being read, with its similarity and why it is shown."""

    thread_id: str
    score: float
    reasons: list[str]


def rank_related_threads(
    question_vector: np.ndarray,
    thread_ids: Sequence[str],
    thread_vectors: np.ndarray,
    *,
    has_accepted: np.ndarray | Sequence[bool] | None = None,
    exclude: Collection[str] = (),
    limit: int = 5,
    min_similarity: float = 0.35,
) -> list[RelatedThread]:
    """The threads closest to ``question_vector`` that have an accepted answer, best first.

    ``thread_ids`` and ``thread_vectors`` (normalised rows) are the threads the *reader may see*
    (the caller filters for privacy); ``has_accepted`` marks those with an accepted answer (None:
    all have one); ``exclude`` drops ids (the thread itself). Only threads at or above
    ``min_similarity`` cosine are returned, so an unrelated thread is never shown as "related".
    """
    if len(thread_ids) == 0:
        return []
    sims = np.asarray(thread_vectors, dtype=np.float32) @ np.asarray(question_vector, dtype=np.float32)
    allowed = sims >= min_similarity
    if has_accepted is not None:
        allowed &= np.asarray(has_accepted, dtype=bool)
    if exclude:
        blocked = set(exclude)
        allowed &= np.array([t not in blocked for t in thread_ids], dtype=bool)
    # Filter before top-k (never post-filter a short list): masked rows cannot enter the top.
    masked = np.where(allowed, sims, -np.inf)
    k = min(limit, int(allowed.sum()))
    if k == 0:
        return []
    top = np.argpartition(-masked, k - 1)[:k]
    top = top[np.argsort(-masked[top], kind="stable")]
    return [
        RelatedThread(
            thread_id=thread_ids[i],
            score=float(sims[i]),
            reasons=[f"similar question with an accepted answer ({sims[i]:.0%} match)"],
        )
        for i in top
    ]
