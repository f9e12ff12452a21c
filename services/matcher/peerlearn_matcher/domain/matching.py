"""How well a candidate fits a person, and why: features, default weights, skill-pair reasons.

Pure logic (numpy only). A candidate is first found by vector similarity over everyone the
filters allow (see :mod:`peerlearn_matcher.engine`); here the shortlist gets its features —
similarity, level (gap for mentors and experts, closeness for peers), overlapping hours,
same org, shared cohort, answering history — a score, and reasons a person understands.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from peerlearn.events import Reason, Skill

# The order of the feature vector that both the default weights and the learned model read.
FEATURES = ("similarity", "level", "hours", "same_org", "shared_cohort", "history")

# Documented defaults, used until enough feedback exists to learn weights (docs/MATCHER.md).
DEFAULT_WEIGHTS: dict[str, tuple[float, ...]] = {
    "peer": (0.60, 0.20, 0.15, 0.0, 0.05, 0.0),
    "mentor": (0.55, 0.25, 0.15, 0.0, 0.0, 0.05),
    "expert": (0.55, 0.25, 0.10, 0.0, 0.05, 0.05),
}

# Cosine above which two skill names count as one topic. MiniLM on one- or two-word names is
# noisy: at 0.35 "Testing" matched "UX research"; at 0.40 the demo pairs read as a person would
# pair them (SQL-PostgreSQL 0.51, machine learning-deep learning 0.69, PyTorch-Python 0.43).
SKILL_MATCH = 0.40


@dataclass(frozen=True)
class SkillPair:
    """One of my skills matched to one of theirs, by meaning."""

    mine: Skill
    theirs: Skill
    similarity: float


@dataclass
class Scored:
    """A candidate with its features, score and reasons (before variety re-ranking)."""

    candidate_id: str
    kind: str
    features: tuple[float, ...]
    score: float
    reasons: list[Reason] = field(default_factory=list)
    topic: str = ""  # the main matched skill, for variety
    thread_id: str | None = None
    bonus: float = 0.0  # the part of ``score`` that is a nudge, not fit (bridging: domain.circles)


def skill_pairs(
    mine: Sequence[Skill],
    mine_vectors: np.ndarray,
    theirs: Sequence[Skill],
    theirs_vectors: np.ndarray,
    threshold: float = SKILL_MATCH,
    per_skill: int = 2,
) -> list[SkillPair]:
    """For each of my skills, their closest ``per_skill`` skills by meaning above ``threshold``; best first.

    More than one per skill because a small model ranks spelling neighbours high ("PyTorch" is
    closer to "python" than to "deep learning"): showing both lets the person judge.
    """
    if not len(mine) or not len(theirs):
        return []
    similarity = mine_vectors @ theirs_vectors.T
    pairs = []
    for i, skill in enumerate(mine):
        for j in np.argsort(-similarity[i], kind="stable")[:per_skill]:
            value = float(similarity[i, j])
            if value >= threshold:
                pairs.append(SkillPair(skill, theirs[int(j)], value))
    pairs.sort(key=lambda p: -p.similarity)
    return pairs


def level_gap(pairs: Sequence[SkillPair]) -> float:
    """How far above me they are on the matched skills, 0..1 (0 when they are not above me)."""
    if not pairs:
        return 0.0
    gaps = [max(0, p.theirs.level - p.mine.level) / 4.0 for p in pairs]
    return float(min(1.0, sum(gaps) / len(gaps)))


def level_closeness(pairs: Sequence[SkillPair]) -> float:
    """How close our levels are on the skills we both want, 0..1 (peers learn best at par)."""
    if not pairs:
        return 0.0
    return float(sum(1.0 - abs(p.theirs.level - p.mine.level) / 4.0 for p in pairs) / len(pairs))


def history_feature(accepted_answers: int) -> float:
    """Accepted answers, squashed to 0..1 (10 or more counts as full)."""
    return float(min(1.0, math.log1p(max(0, accepted_answers)) / math.log1p(10)))


def default_score(kind: str, features: Sequence[float]) -> float:
    """The score under the documented default weights."""
    weights = DEFAULT_WEIGHTS.get(kind, DEFAULT_WEIGHTS["mentor"])
    return float(sum(w * f for w, f in zip(weights, features, strict=True)))


def pair_reason(kind: str, pair: SkillPair) -> Reason:
    """The sentence for one matched skill pair."""
    mine, theirs = pair.mine, pair.theirs
    if kind == "peer":
        if mine.name.casefold() == theirs.name.casefold():
            text = f"you both want to learn {mine.name} (you {mine.level}, they {theirs.level})"
        else:
            text = f"you want {mine.name} ({mine.level}) — they want {theirs.name} ({theirs.level})"
    else:
        text = f"you want {mine.name} ({mine.level}) — they have {theirs.name} ({theirs.level})"
    return Reason(text=text, mine=mine.name, theirs=theirs.name)


def hours_reason(hours: float, my_zone: str, their_zone: str) -> Reason | None:
    """The overlapping-hours sentence, or None when there is no overlap worth saying."""
    if hours < 1.0:
        return None
    where = "same timezone" if my_zone == their_zone else f"{my_zone} / {their_zone}"
    return Reason(text=f"about {round(hours)} h/week of overlapping working hours ({where})")


def cohort_reason(names: Sequence[str]) -> Reason | None:
    if not names:
        return None
    return Reason(text="you are both in cohort " + ", ".join(sorted(names)[:2]))


def history_reason(accepted_answers: int) -> Reason | None:
    if accepted_answers <= 0:
        return None
    plural = "question" if accepted_answers == 1 else "questions"
    return Reason(text=f"answered {accepted_answers} accepted {plural} on similar topics")
