"""Skill pairs, level features and the sentences people read."""

from __future__ import annotations

import numpy as np

from peerlearn.events import Skill
from peerlearn_matcher.domain import matching


def test_pairs_match_by_meaning_and_explain_the_levels() -> None:
    mine = [Skill(name="PyTorch", level=2, wants=True)]
    theirs = [Skill(name="deep learning", level=5), Skill(name="cooking", level=5)]
    mine_v = np.array([[1.0, 0.0]], dtype=np.float32)
    theirs_v = np.array([[0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    pairs = matching.skill_pairs(mine, mine_v, theirs, theirs_v, threshold=0.5)
    assert [(p.mine.name, p.theirs.name) for p in pairs] == [("PyTorch", "deep learning")]
    assert (
        matching.pair_reason("mentor", pairs[0]).text == "you want PyTorch (2) — they have deep learning (5)"
    )
    assert matching.level_gap(pairs) == 0.75
    assert matching.level_closeness(pairs) == 0.25


def test_peer_reasons_and_the_other_sentences() -> None:
    pair = matching.SkillPair(
        Skill(name="Rust", level=1, wants=True), Skill(name="rust", level=2, wants=True), 1.0
    )
    assert matching.pair_reason("peer", pair).text == "you both want to learn Rust (you 1, they 2)"
    assert matching.hours_reason(0.4, "UTC", "UTC") is None
    reason = matching.hours_reason(7.6, "Europe/Berlin", "Europe/Paris")
    assert (
        reason is not None
        and reason.text == "about 8 h/week of overlapping working hours (Europe/Berlin / Europe/Paris)"
    )
    assert matching.history_reason(1).text == "answered 1 accepted question on similar topics"  # type: ignore[union-attr]
    assert matching.history_reason(0) is None


def test_default_weights_rank_a_closer_stronger_mentor_higher() -> None:
    strong = (0.8, 0.75, 0.5, 1.0, 0.0, 0.0)
    weak = (0.4, 0.25, 0.5, 1.0, 0.0, 0.0)
    assert matching.default_score("mentor", strong) > matching.default_score("mentor", weak)
    assert matching.history_feature(10) == 1.0 and matching.history_feature(0) == 0.0
