"""Study groups over real skill embeddings: sizes, topic coherence, org mixing, named topics."""

from __future__ import annotations

import numpy as np
import pytest

from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.domain.groups import GroupLearner, form_study_groups, group_sizes

TOPICS = {
    "ml": ["machine learning", "deep learning", "PyTorch"],
    "web": ["React", "CSS", "JavaScript"],
    "ops": ["Kubernetes", "Docker", "Terraform"],
}


def _learners(encoder: Encoder, orgs_by_topic: dict[str, list[str]]) -> list[GroupLearner]:
    """Four learners per topic; each wants two of the topic's skills; orgs as given."""
    learners = []
    for topic, orgs in orgs_by_topic.items():
        skills = TOPICS[topic]
        for i, org in enumerate(orgs):
            wanted = [skills[0], skills[1 + i % 2]]
            need = encoder.encode(wanted).mean(axis=0)
            learners.append(GroupLearner(f"{topic}-{i}", org, need / np.linalg.norm(need), wanted))
    return learners


@pytest.mark.parametrize(("n", "size"), [(10, 4), (12, 4), (13, 3), (7, 4), (30, 5), (3, 4), (1, 2)])
def test_sizes_stay_within_one_of_the_requested_size(n: int, size: int) -> None:
    sizes = group_sizes(n, size)

    assert sum(sizes) == n
    assert max(sizes) - min(sizes) <= 1
    if n >= size:
        assert all(abs(s - size) <= 1 for s in sizes)


def test_learners_who_want_the_same_thing_end_up_together(encoder: Encoder) -> None:
    learners = _learners(encoder, {t: ["acme", "globex", "acme", "globex"] for t in TOPICS})

    groups = form_study_groups(learners, 4)

    assert sorted(len(g.member_ids) for g in groups) == [4, 4, 4]
    for group in groups:
        assert len({m.split("-")[0] for m in group.member_ids}) == 1, group.member_ids
        topic = group.member_ids[0].split("-")[0]
        assert group.topics[0] == TOPICS[topic][0]  # the skill all four want is named first
        assert any(TOPICS[topic][0] in reason for reason in group.reasons)


def test_no_group_is_all_one_org_when_the_cohort_has_several(encoder: Encoder) -> None:
    # each topic is wanted by one org only: coherence alone would make single-org groups
    learners = _learners(encoder, {"ml": ["acme"] * 4, "web": ["globex"] * 4, "ops": ["initech"] * 4})

    groups = form_study_groups(learners, 4)

    assert sorted(len(g.member_ids) for g in groups) == [4, 4, 4]
    assert all(len(g.org_ids) >= 2 for g in groups)
    assert sorted(m for g in groups for m in g.member_ids) == sorted(p.person_id for p in learners)


def test_a_single_org_cohort_is_grouped_by_topic_only(encoder: Encoder) -> None:
    learners = _learners(encoder, {t: ["acme"] * 4 for t in TOPICS})

    groups = form_study_groups(learners, 4)

    assert all(g.org_ids == ["acme"] for g in groups)
    assert all(len({m.split("-")[0] for m in g.member_ids}) == 1 for g in groups)


def test_grouping_is_deterministic_and_handles_tiny_cohorts(encoder: Encoder) -> None:
    learners = _learners(encoder, {"ml": ["a", "b", "a", "b"], "web": ["a", "b", "a", "b"]})

    first = form_study_groups(learners, 3)
    again = form_study_groups(learners, 3)

    assert [g.member_ids for g in first] == [g.member_ids for g in again]
    assert form_study_groups([], 4) == []
    assert [g.member_ids for g in form_study_groups(learners[:1], 4)] == [[learners[0].person_id]]
