"""Feedback re-weights the ranking once there is enough of it."""

from __future__ import annotations

import numpy as np

from peerlearn_matcher.domain.learning import FeedbackModel, held_out_auc
from peerlearn_matcher.domain.matching import default_score


def simulated_feedback(n: int, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    """People who accept when hours overlap and the mentor is well above them, whatever the similarity."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(n, 6))
    logit = 4.0 * x[:, 2] + 3.0 * x[:, 1] - 0.5 * x[:, 0] - 3.2
    y = (rng.uniform(0, 1, n) < 1 / (1 + np.exp(-logit))).astype(int)
    return x.tolist(), y.tolist()


def test_default_weights_until_enough_feedback() -> None:
    model = FeedbackModel(min_feedback=50)
    x, y = simulated_feedback(20)
    assert model.fit(x, y) is False
    assert model.score("mentor", x[0]) == default_score("mentor", x[0])
    assert model.fit([[0.0] * 6] * 60, [1] * 60) is False  # one class only: nothing to learn


def test_a_learned_model_follows_what_people_accept() -> None:
    model = FeedbackModel(min_feedback=50)
    x, y = simulated_feedback(400)
    assert model.fit(x, y) is True
    liked = [0.2, 0.9, 0.9, 1.0, 0.0, 0.0]  # low similarity, but a big gap and overlapping hours
    disliked = [0.9, 0.1, 0.0, 1.0, 0.0, 0.0]
    assert model.score("mentor", liked) > model.score("mentor", disliked)
    assert default_score("mentor", liked) < default_score("mentor", disliked) + 0.2


def test_held_out_auc_beats_the_default_weights_on_such_feedback() -> None:
    learned, baseline = held_out_auc(*simulated_feedback(600, seed=1))
    assert learned > baseline
    assert learned > 0.7
