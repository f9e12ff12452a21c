"""The demo's Q&A generator: deterministic, and only people who can see a space write in it."""

from __future__ import annotations

from typing import Any

from peerlearn_forum.demo_content import plan_threads, tag_of

SKILLS = ["Python", "SQL", "Kubernetes", "Conflict resolution", "C++", "Machine learning"]


def _people() -> list[dict[str, Any]]:
    return [
        {
            "id": f"p{i}",
            "org_id": f"org-{i % 3}",
            "display_name": f"P{i}",
            "goal": "Get better at my job.",
            "skills": [
                {"name": SKILLS[(i + k) % len(SKILLS)], "level": 1 + (i * 7 + k) % 5, "wants": k == 2}
                for k in range(3)
            ],
        }
        for i in range(30)
    ]


def test_same_people_same_forum() -> None:
    people = _people()
    cohorts = [{"id": "k", "member_person_ids": ["p0", "p1", "p3", "p4"]}]
    first, second = plan_threads(people, cohorts), plan_threads(people, cohorts)
    assert [(p.title, p.asker_id, len(p.answers)) for p in first] == [
        (p.title, p.asker_id, len(p.answers)) for p in second
    ]
    assert len(first) == 300 and 600 <= sum(len(p.answers) for p in first) <= 1200


def test_writers_can_see_the_space_and_tags_are_valid() -> None:
    people = _people()
    org_of = {p["id"]: p["org_id"] for p in people}
    cohort = ["p0", "p1", "p3", "p4"]
    for plan in plan_threads(people, [{"id": "k", "member_person_ids": cohort}]):
        writers = {plan.asker_id, *(a.author_id for a in plan.answers), *(v for v, _, _ in plan.voters)}
        if plan.space[0] == "org":
            assert {org_of[w] for w in writers} == {plan.space[1]}
        elif plan.space[0] == "cohort":
            assert writers <= set(cohort)
        assert 1 <= len(plan.tags) <= 2
        assert all(a.author_id != plan.asker_id for a in plan.answers)
        assert all(voter != plan.answers[i].author_id for voter, i, _ in plan.voters)
        assert (plan.url is not None) == (plan.kind == "resource")
        assert plan.accept is None or (plan.kind == "question" and plan.accept < len(plan.answers))


def test_tags_from_skill_names() -> None:
    assert [tag_of(s) for s in ("Conflict resolution", "C++", "  ", "Node.js")] == [
        "conflict-resolution",
        "c++",
        "general",
        "node.js",
    ]
