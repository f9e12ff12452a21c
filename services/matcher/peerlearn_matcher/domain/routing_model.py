"""A learned answerer ranking: a listwise softmax model over :data:`answerer_evidence.FEATURES`.

Every question that got an accepted answer is a training case once the acceptance is known: the
feature rows of its candidates *as they were when the question was asked*, and which of them gave
the accepted answer. The model (a conditional logit: the probability that a candidate is the
one is the softmax of linear scores) learns which differences between the candidates of one
question predict who answers, not how busy the site is that day. Its weights are pulled towards
the default weights (a Gaussian prior), so a few dozen questions move them a little, not wildly.

Until :attr:`RoutingModel.min_cases` cases exist, candidates are scored by hand-set default
weights (:data:`DEFAULT_WEIGHTS`, not fitted to any data set). A newly fitted model replaces the
one in use only if it ranks the most recent cases (held out from its fit) no worse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy.optimize import minimize

from peerlearn_matcher.domain.answerer_evidence import FEATURES

# The hand-set ranking used before there is history to learn from: topical evidence first, then
# tags, then a little for being active recently (the same spirit as rank_answerers' weights).
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "offer_similarity": 1.0,
    "topic_similarity": 1.0,
    "similar_answers": 0.3,
    "similar_accepted": 0.6,
    "tag_share": 0.1,
    "tag_answers": 0.5,
    "answers": 0.05,
    "answers_recent": 0.3,
    "days_since_last": -0.05,
    "declined_similarity": -1.0,
    "routing_load": -0.1,
}


@dataclass(frozen=True)
class Case:
    """One question's candidates as feature rows, which row gave the accepted answer, and when."""

    rows: np.ndarray
    winner: int
    asked_at: datetime


def reciprocal_rank(scores: np.ndarray, winner: int) -> float:
    """1 / (rank of ``winner``), ties counted against it (a flat score is no evidence)."""
    return 1.0 / int(np.sum(scores >= scores[winner]))


@dataclass
class RoutingModel:
    """Scores candidates' feature rows: default weights, then a pairwise model fitted on past cases."""

    min_cases: int = 30
    retrain_every: int = 10
    validation: int = 10  # most recent cases a new model must rank no worse than the current one
    # Pull towards the default weights, worth about this many questions of evidence: with a few
    # dozen cases the fit stays near the defaults, with thousands the data decides. Chosen on the
    # generated tuning sites (sample seeds 11 and 12), not on the shipped sample or a real dump.
    prior: float = 50.0
    cases: list[Case] = field(default_factory=list)
    coefficients: np.ndarray | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    window: tuple[datetime, datetime] | None = None  # asked_at of the first and last case fitted on
    since_fit: int = 0

    @property
    def learned(self) -> bool:
        """Whether a fitted model is in use (else the default weights)."""
        return self.coefficients is not None

    def score(self, rows: np.ndarray) -> np.ndarray:
        """One score per row, higher is better."""
        x = np.asarray(rows, np.float64)
        if self.coefficients is None or self.mean is None or self.scale is None:
            return x @ _DEFAULT
        return _apply((self.coefficients, self.mean, self.scale), x)

    def add_case(self, rows: np.ndarray, winner: int, asked_at: datetime) -> bool:
        """Record a labelled question; refit every ``retrain_every`` cases. True if the model changed."""
        if len(rows) < 2:
            return False  # nothing to order
        self.cases.append(Case(np.asarray(rows, np.float64), winner, asked_at))
        self.since_fit += 1
        if len(self.cases) < self.min_cases or (self.learned and self.since_fit < self.retrain_every):
            return False
        return self.retrain()

    def retrain(self) -> bool:
        """Fit on all cases but the last ``validation``; install a refit on all if no worse on those."""
        self.since_fit = 0
        if len(self.cases) < self.min_cases:
            return False
        held = self.cases[-self.validation :]
        trial = _fit(self.cases[: -self.validation], self.prior)
        if trial is None:
            return False
        current = np.mean([reciprocal_rank(self.score(c.rows), c.winner) for c in held])
        candidate = np.mean([reciprocal_rank(_apply(trial, c.rows), c.winner) for c in held])
        if candidate < current:
            return False
        final = _fit(self.cases, self.prior) or trial
        self.coefficients, self.mean, self.scale = final
        self.window = (self.cases[0].asked_at, self.cases[-1].asked_at)
        return True

    def weights(self) -> dict[str, float]:
        """The weight of each feature in use (per standard deviation once learned)."""
        if self.coefficients is None or self.scale is None:
            return {name: DEFAULT_WEIGHTS.get(name, 0.0) for name in FEATURES}
        return {name: float(w) for name, w in zip(FEATURES, self.coefficients, strict=True)}


_DEFAULT = np.array([DEFAULT_WEIGHTS.get(name, 0.0) for name in FEATURES])

_Fitted = tuple[np.ndarray, np.ndarray, np.ndarray]


def _apply(fitted: _Fitted, rows: np.ndarray) -> np.ndarray:
    coefficients, mean, scale = fitted
    return ((np.asarray(rows, np.float64) - mean) / scale) @ coefficients


def _fit(cases: list[Case], prior: float) -> _Fitted | None:
    """Conditional logit (a listwise softmax, as in ListNet with one relevant item): maximise the
    sum over cases of log softmax(scores)[winner], minus ``prior`` * ||w - defaults||^2 (weights
    per standard deviation), by L-BFGS. Listwise rather than pairwise: the loss is about the
    winner being *first*, which is what P@1 and MRR reward; a pairwise loss rewards every pair alike."""
    if not cases:
        return None
    every = np.concatenate([case.rows for case in cases])
    mean = every.mean(axis=0)
    scale = every.std(axis=0)
    scale = np.where(scale < 1e-9, 1.0, scale)
    xs = [(case.rows - mean) / scale for case in cases]
    winners = [case.winner for case in cases]
    centre = _DEFAULT * scale  # the default weights, per standard deviation

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(w)
        for x, winner in zip(xs, winners, strict=True):
            s = x @ w
            top = s.max()
            p = np.exp(s - top)
            z = p.sum()
            p /= z
            total -= s[winner] - top - np.log(z)
            grad -= x[winner] - p @ x
        gap = w - centre
        return total + prior * float(gap @ gap), grad + 2 * prior * gap

    fitted = minimize(loss, centre, jac=True, method="L-BFGS-B")
    coefficients = np.asarray(fitted.x)
    coefficients[every.std(axis=0) < 1e-9] = 0.0  # a feature that never varied ranks nobody
    return coefficients, mean, scale
