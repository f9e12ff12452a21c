"""A decline in the matcher's history ("not my area") reaches the learned ranker's evidence when
the training replay gets to it, and not before: questions asked earlier see no decline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from peerlearn_matcher.domain.answerer_evidence import FEATURES
from peerlearn_matcher.evaluation.dump import Answer, Decline, Dump, Question
from peerlearn_matcher.evaluation.history_rankers import LearnedRanker
from peerlearn_matcher.evaluation.rankers import EncodedTexts
from peerlearn_matcher.evaluation.replay import replay

DAY = timedelta(days=1)
START = datetime(2026, 1, 1, tzinfo=UTC)


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, np.float32)
    return vector / np.linalg.norm(vector)


class Recording(LearnedRanker):
    """The learned ranker, keeping each question's evidence rows as the replay scored them."""

    def __init__(self, texts: EncodedTexts) -> None:
        super().__init__(texts)
        self.rows: dict[str, np.ndarray] = {}

    def scores(self, question: Question, candidates: Sequence[str]) -> np.ndarray:
        self.rows[question.id] = self.evidence.features(
            self.texts.questions[question.id], question.tags, candidates, question.created
        )
        return super().scores(question, candidates)


def test_a_decline_counts_against_the_decliner_from_when_it_happened() -> None:
    near = _unit(1, 0.1, 0)
    questions = [
        Question("q0", START, "asker", "first", "", ("sql",), None),
        Question("q1", START + 2 * DAY, "asker", "before the decline", "", ("sql",), None),
        Question("q2", START + 5 * DAY, "asker", "after the decline", "", ("sql",), None),
    ]
    answers = [
        Answer(f"a{q.id}{who}", q.id, q.created + DAY / 2, who) for q in questions for who in ("ann", "bob")
    ]
    declined = Decline("bob", "q1", START + 3 * DAY)
    dump = Dump(Path("history"), questions=questions, answers=answers, declines=[declined])
    texts = EncodedTexts({"q0": _unit(1, 0, 0), "q1": _unit(1, 0, 0.05), "q2": near}, {})
    ranker = Recording(texts)
    replay(dump, [ranker], progress=False)

    column = FEATURES.index("declined_similarity")
    before, after = ranker.rows["q1"], ranker.rows["q2"]
    assert before[:, column].tolist() == [0.0, 0.0]
    assert after[0, column] == 0.0  # ann declined nothing
    assert after[1, column] > 0.9  # bob declined a question close to q2
