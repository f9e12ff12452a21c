"""Learning from feedback: a logistic regression on suggestion features re-weights the ranking.

Until ``min_feedback`` accept/decline answers exist (with both kinds present) suggestions
are ranked by the documented default weights (:data:`peerlearn_matcher.domain.matching.DEFAULT_WEIGHTS`).
From then on a scikit-learn ``LogisticRegression`` fitted on the features of the suggestions
people accepted (1) or declined (0) gives the score: its probability of acceptance. The model
is small (six features), so refitting after each new piece of feedback costs milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from peerlearn_matcher.domain.matching import default_score


class FeedbackModel:
    """Scores suggestions: default weights first, a fitted logistic regression once it may."""

    def __init__(self, min_feedback: int = 50) -> None:
        self.min_feedback = min_feedback
        self.model: LogisticRegression | None = None
        self.trained_on = 0

    @property
    def learned(self) -> bool:
        return self.model is not None

    def fit(self, features: Sequence[Sequence[float]], labels: Sequence[int]) -> bool:
        """Refit on all feedback so far; return whether a learned model is now in use."""
        y = np.asarray(labels, dtype=np.int64)
        if len(y) < self.min_feedback or len(set(y.tolist())) < 2:
            self.model = None
            self.trained_on = len(y)
            return False
        model = LogisticRegression(C=1.0, max_iter=1000)
        model.fit(np.asarray(features, dtype=np.float64), y)
        self.model = model
        self.trained_on = len(y)
        return True

    def score(self, kind: str, features: Sequence[float]) -> float:
        """The ranking score of one suggestion."""
        if self.model is None:
            return default_score(kind, features)
        return float(self.model.predict_proba(np.asarray([features], dtype=np.float64))[0, 1])

    def score_many(self, kind: str, features: Sequence[Sequence[float]]) -> list[float]:
        """Scores of many suggestions of one kind at once."""
        if not features:
            return []
        if self.model is None:
            return [default_score(kind, f) for f in features]
        return self.model.predict_proba(np.asarray(features, dtype=np.float64))[:, 1].tolist()


def held_out_auc(
    features: Sequence[Sequence[float]], labels: Sequence[int], *, test_size: float = 0.3, seed: int = 0
) -> tuple[float, float]:
    """ROC AUC on a held-out split: (learned model, default weights) — the figure docs report."""
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y
    )
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x_train, y_train)
    learned = float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))
    baseline = float(roc_auc_score(y_test, [default_score("mentor", row) for row in x_test]))
    return learned, baseline
