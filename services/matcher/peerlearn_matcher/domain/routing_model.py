"""A learned answerer ranking: a listwise softmax model over :data:`answerer_evidence.FEATURES`.

The model sees :data:`LEARNED` — the informative evidence columns, plus the baselines' own
signals as raw counts (:data:`RAW`: answers under the question's tags, which is the *tag overlap*
ranking, and answers decayed by age, which is *recently active*), so a site where one plain
signal is what predicts can learn to follow it, and one where a mix predicts can learn the mix.

Every question that got an accepted answer is a training case once the acceptance is known: the
feature rows of its candidates *as they were when the question was asked*, and which of them gave
the accepted answer. The model (a conditional logit: the probability that a candidate is the
one is the softmax of linear scores) learns which differences between the candidates of one
question predict who answers, not how busy the site is that day.

Until :attr:`RoutingModel.min_cases` cases exist, candidates are scored by hand-set default
weights (:data:`DEFAULT_WEIGHTS`, not fitted to any data set). A newly fitted model replaces the
one in use only if it ranks the most recent cases (held out from its fit) no worse. How strongly
the weights are shrunk (towards zero per standard deviation: "no evidence either way") is chosen
at every refit by cross-validation over time on the model's own earlier cases, so a site with
little history gets a timid model and one with much history a confident one, with nothing tuned
to a particular data set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy.optimize import minimize

from peerlearn_matcher.domain.answerer_evidence import FEATURES

_COLUMN = {name: i for i, name in enumerate(FEATURES)}
# The evidence columns the model learns from (chosen by cross-validation over time on the shipped
# sample, before its held-out part: the others, such as tag_share or response_hours, only added noise).
SELECTED = (
    "tag_answers",
    "tag_accepted",
    "tag_answers_recent",
    "answers_recent",
    "answers",
    "days_since_last",
    "topic_similarity",
    "accepted_topic_similarity",
    "similar_answers",
    "offer_similarity",
    "acceptance_rate",
    "nearest_answered",
    "routing_load",
    "declined_similarity",
)
# Counts the evidence keeps as log1p, given to the model raw as well: a linear score over both can
# follow a plain count (the baselines) or a damped one, whichever the site's history rewards.
RAW = ("tag_answers", "answers_recent", "tag_answers_recent", "similar_answers", "tag_accepted")
LEARNED = (*SELECTED, *(f"{name}_raw" for name in RAW))
# Shrinkage strengths tried at each refit (per standard deviation, per case of evidence).
PRIORS = (0.3, 1.0, 3.0, 10.0, 30.0)


def design(rows: np.ndarray) -> np.ndarray:
    """The model's inputs (columns :data:`LEARNED`) from evidence rows (columns ``FEATURES``)."""
    x = np.asarray(rows, np.float64)
    return np.hstack([x[:, [_COLUMN[n] for n in SELECTED]], np.expm1(x[:, [_COLUMN[n] for n in RAW]])])


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
    """Scores candidates' feature rows: default weights, then a listwise model fitted on past cases."""

    # Chosen by cross-validation over time on the shipped sample (before its held-out part), from
    # 15, 20 and 30: 20 ranked its pre-holdout questions best.
    min_cases: int = 20
    retrain_every: int = 10
    validation: int = 10  # most recent cases a new model must rank no worse than the current one
    folds: int = 3  # time-ordered folds (of ``validation`` cases each) that choose the shrinkage
    cases: list[Case] = field(default_factory=list)
    coefficients: np.ndarray | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    prior: float | None = None  # the shrinkage the model in use was fitted with
    window: tuple[datetime, datetime] | None = None  # asked_at of the first and last case fitted on
    held_out: tuple[float, float] | None = None  # MRR of (the new model, the one before) on the latest cases
    since_fit: int = 0
    # A model loaded from the store keeps its weights, not its cases: how many it had seen.
    stored_cases: int = 0

    @property
    def learned(self) -> bool:
        """Whether a fitted model is in use (else the default weights)."""
        return self.coefficients is not None

    @property
    def labelled(self) -> int:
        """How many labelled questions this model has seen (kept here or counted when stored)."""
        return max(len(self.cases), self.stored_cases)

    def score(self, rows: np.ndarray) -> np.ndarray:
        """One score per evidence row (columns ``FEATURES``), higher is better."""
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
        earlier = self.cases[: -self.validation]
        # Chosen once, on the cases before the held-out ones, and kept for the refit on all: the
        # held-out comparison then judges the whole recipe (inputs and shrinkage), not just a fit.
        prior = choose_prior(earlier, self.validation, self.folds)
        trial = _fit(earlier, prior)
        if trial is None:
            return False
        current = float(np.mean([reciprocal_rank(self.score(c.rows), c.winner) for c in held]))
        candidate = float(np.mean([reciprocal_rank(_apply(trial, c.rows), c.winner) for c in held]))
        if candidate < current:
            return False
        final = _fit(self.cases, prior) or trial
        self.coefficients, self.mean, self.scale = final
        self.prior = prior
        self.window = (self.cases[0].asked_at, self.cases[-1].asked_at)
        self.held_out = (candidate, current)
        return True

    def strongest(self, count: int = 5) -> list[tuple[str, float]]:
        """The ``count`` weights of largest magnitude (see :meth:`weights`), strongest first."""
        return sorted(self.weights().items(), key=lambda kv: -abs(kv[1]))[:count]

    def weights(self) -> dict[str, float]:
        """The weight of each input in use: per standard deviation of :data:`LEARNED` once learned,
        else the default weights of ``FEATURES``."""
        if self.coefficients is None:
            return {name: DEFAULT_WEIGHTS.get(name, 0.0) for name in FEATURES}
        return {name: float(w) for name, w in zip(LEARNED, self.coefficients, strict=True)}


def successor(current: RoutingModel | None, trained: RoutingModel) -> RoutingModel | None:
    """The model to route with once ``trained`` was fitted walk-forward on the whole history.

    With no learned model in use, ``trained`` if it learned (its own refits were each judged
    against the model before them, the first one against the default weights), else None (the
    default weights stay). With one in use, the same judgement as :meth:`RoutingModel.retrain`:
    a fit on ``trained``'s cases but the latest ``validation`` ones must rank those no worse than
    the model in use, or the model in use stays.
    """
    if current is None or not current.learned:
        return trained if trained.learned else current
    judged = RoutingModel(
        min_cases=trained.min_cases,
        retrain_every=trained.retrain_every,
        validation=trained.validation,
        folds=trained.folds,
        cases=list(trained.cases),
        coefficients=current.coefficients,
        mean=current.mean,
        scale=current.scale,
        prior=current.prior,
        window=current.window,
        held_out=current.held_out,
    )
    return judged if judged.retrain() else current


_DEFAULT = np.array([DEFAULT_WEIGHTS.get(name, 0.0) for name in FEATURES])

_Fitted = tuple[np.ndarray, np.ndarray, np.ndarray]


def _apply(fitted: _Fitted, rows: np.ndarray) -> np.ndarray:
    coefficients, mean, scale = fitted
    return ((design(rows) - mean) / scale) @ coefficients


def choose_prior(cases: list[Case], size: int, folds: int) -> float:
    """The shrinkage (from :data:`PRIORS`) whose fits rank the latest cases best, walking forward:
    fold f fits on all cases before its ``size`` cases and scores them. Ties go to the stronger
    shrinkage (less confident is the safer guess)."""
    best, chosen = -1.0, PRIORS[-1]
    for prior in reversed(PRIORS):
        ranks: list[float] = []
        for fold in range(folds):
            end = len(cases) - fold * size
            train, test = cases[: end - size], cases[end - size : end]
            if len(train) < size or not test:
                continue
            fitted = _fit(train, prior)
            if fitted is not None:
                ranks += [reciprocal_rank(_apply(fitted, c.rows), c.winner) for c in test]
        mrr = float(np.mean(ranks)) if ranks else 0.0
        if mrr > best + 1e-9:
            best, chosen = mrr, prior
    return chosen


def _fit(cases: list[Case], prior: float) -> _Fitted | None:
    """Conditional logit (a listwise softmax, as in ListNet with one relevant item): maximise the
    sum over cases of log softmax(scores)[winner], minus ``prior`` * ||w||^2 (weights per standard
    deviation), by L-BFGS. Listwise rather than pairwise: the loss is about the winner being
    *first*, which is what P@1 and MRR reward; a pairwise loss rewards every pair alike. All cases
    are one stacked matrix (segment sums by ``reduceat``), so a fit is a few array passes per step."""
    if not cases:
        return None
    every = np.concatenate([design(case.rows) for case in cases])
    sizes = np.array([len(case.rows) for case in cases])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    segment = np.repeat(np.arange(len(cases)), sizes)
    winners = starts + np.array([case.winner for case in cases])
    mean = every.mean(axis=0)
    spread = every.std(axis=0)
    scale = np.where(spread < 1e-9, 1.0, spread)
    x = (every - mean) / scale
    chosen = x[winners].sum(axis=0)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        top = np.maximum.reduceat(s, starts)
        p = np.exp(s - top[segment])
        z = np.add.reduceat(p, starts)
        p /= z[segment]
        total = -float((s[winners] - top - np.log(z)).sum())
        return total + prior * float(w @ w), p @ x - chosen + 2 * prior * w

    fitted = minimize(loss, np.zeros(x.shape[1]), jac=True, method="BFGS", options={"maxiter": 200})
    coefficients = np.asarray(fitted.x)
    coefficients[spread < 1e-9] = 0.0  # an input that never varied ranks nobody
    return coefficients, mean, scale
