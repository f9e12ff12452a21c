"""The matcher's own metrics: the live index's size and how long suggestions take, on /metrics."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import Harness, new_org, person

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def samples(matcher: Harness) -> dict[tuple[str, str], float]:
    response = await matcher.client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, sample.labels.get("kind", "")): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def test_metrics_show_the_index_size_and_the_suggestion_time(matcher: Harness) -> None:
    before = await samples(matcher)
    org = new_org()
    await matcher.upsert(person(org, "Mona Metrics", have={"sql": 5}, roles=("mentor",), mentor_capacity=2))
    await matcher.upsert(person(org, "Lars Learner", want={"sql": 1}))
    after = await samples(matcher)
    assert after[("peerlearn_matcher_index_entries", "people")] == len(matcher.engine.people)
    assert after[("peerlearn_matcher_index_entries", "people")] >= 2
    assert ("peerlearn_matcher_index_entries", "threads") in after
    computed = after[("peerlearn_matcher_suggestion_seconds_count", "")] - before.get(
        ("peerlearn_matcher_suggestion_seconds_count", ""), 0.0
    )
    assert computed >= 2  # each new person's list, at least
