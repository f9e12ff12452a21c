"""The pure rules: skill identity, validation, and who sees how much of whom."""

from __future__ import annotations

import pytest

from peerlearn.errors import Invalid
from peerlearn_profiles.domain.people import (
    check_email,
    check_roles,
    check_timezone,
    clean_skills,
    email_key,
    skill_key,
)
from peerlearn_profiles.domain.sight import Sight, Viewer, may_edit, sight_of


def test_skill_names_are_trimmed_for_display_and_casefolded_for_identity() -> None:
    skills = clean_skills([("  Machine   Learning ", 2, True), ("SQL", 3, False)])
    assert [s.name for s in skills] == ["Machine Learning", "SQL"]
    assert skill_key("  MACHINE learning") == skills[0].key == "machine learning"
    assert skill_key("Straße") == skill_key("STRASSE")


@pytest.mark.parametrize(
    ("skills", "message"),
    [
        ([("Python", 1, False), (" python ", 3, True)], "twice"),
        ([("Go", 0, False)], "outside 1..5"),
        ([("Go", 6, False)], "outside 1..5"),
        ([("   ", 2, False)], "blank"),
        ([("x" * 61, 2, False)], "longer than 60"),
        ([(f"s{i}", 1, False) for i in range(51)], "at most 50"),
    ],
)
def test_bad_skills_are_refused_saying_why(skills: list[tuple[str, int, bool]], message: str) -> None:
    with pytest.raises(Invalid, match=message):
        clean_skills(skills)


def test_timezones_must_be_iana_names() -> None:
    assert check_timezone("Europe/Berlin") == "Europe/Berlin"
    assert check_timezone("UTC") == "UTC"
    for bad in ("Mars/Olympus", "CEST", "europe/berlin", ""):
        with pytest.raises(Invalid, match="IANA"):
            check_timezone(bad)


def test_emails_are_identified_casefolded_and_checked() -> None:
    assert email_key("  Ada@Example.ORG ") == "ada@example.org"
    assert check_email(" ada@example.org ") == "ada@example.org"
    for bad in ("ada", "ada@", "@example.org", "a b@example.org", "ada@example"):
        with pytest.raises(Invalid):
            check_email(bad)


def test_roles_are_known_and_kept_once_in_order() -> None:
    assert check_roles(["mentor", "learner", "mentor"]) == ["mentor", "learner"]
    with pytest.raises(Invalid, match="wizard"):
        check_roles(["wizard"])


ME = "p-me"
COLLEAGUE = "p-colleague"
STRANGER = "p-stranger"


def _viewer(**kwargs: object) -> Viewer:
    defaults: dict[str, object] = {"person_id": ME, "org_id": "org-a", "roles": ("learner",)}
    return Viewer(**{**defaults, **kwargs})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("viewer", "person", "org", "cohorts", "expected"),
    [
        (_viewer(), ME, "org-a", [], Sight.FULL),
        (_viewer(), COLLEAGUE, "org-a", [], Sight.COLLEAGUE),
        (_viewer(roles=("org_admin",)), COLLEAGUE, "org-a", [], Sight.FULL),
        (_viewer(roles=("org_admin",)), STRANGER, "org-b", [], None),
        (_viewer(cohort_ids=frozenset({"c1"})), STRANGER, "org-b", ["c1", "c2"], Sight.CARD),
        (_viewer(cohort_ids=frozenset({"c3"})), STRANGER, "org-b", ["c1", "c2"], None),
        (_viewer(), STRANGER, "org-b", [], None),
        (Viewer(person_id=None, org_id=None, platform_admin=True), STRANGER, "org-b", [], Sight.FULL),
    ],
    ids=[
        "self",
        "colleague",
        "own admin",
        "other admin",
        "cohort mate",
        "other cohort",
        "stranger",
        "platform",
    ],
)
def test_sight(viewer: Viewer, person: str, org: str, cohorts: list[str], expected: Sight | None) -> None:
    assert sight_of(viewer, person, org, cohorts) is expected


def test_only_the_person_and_their_orgs_admins_may_edit() -> None:
    assert may_edit(_viewer(), ME, "org-a")
    assert not may_edit(_viewer(), COLLEAGUE, "org-a")
    assert may_edit(_viewer(roles=("org_admin",)), COLLEAGUE, "org-a")
    assert not may_edit(_viewer(roles=("org_admin",)), STRANGER, "org-b")
