"""The demo people: deterministic, plausible, and readable by the import endpoint's parser."""

from __future__ import annotations

from collections import Counter

from peerlearn_profiles.demo_data import ORGS, TRACKS, build_people, roster_csv
from peerlearn_profiles.domain.roster import read_roster


def test_the_same_seed_gives_the_same_people_and_another_seed_others() -> None:
    assert build_people() == build_people()
    assert build_people(1) != build_people(2)


def test_about_150_people_across_four_orgs_each_led_by_an_admin() -> None:
    people = build_people()
    assert len(people) == 150
    assert Counter(p.org_key for p in people) == {org.key: org.size for org in ORGS}
    for org in ORGS:
        assert next(p for p in people if p.org_key == org.key).roles == ["org_admin", "learner"]
    assert len({p.email for p in people}) == len(people)


def test_learners_want_what_their_goal_is_about_and_mentors_are_strong_with_capacity() -> None:
    people = build_people()
    for person in people:
        if person.roles == ["learner"]:
            wanted = {name for name, _ in person.want}
            goals = {goal for wants, goal in TRACKS[person.track][1] if set(wants) == wanted}
            assert person.goal in goals
            assert all(level <= 2 for _, level in person.want)
        if "mentor" in person.roles:
            assert person.mentor_capacity >= 1
            assert all(level >= 4 for _, level in person.have)
    assert sum(p.open_to_external for p in people) >= 10


def test_the_roster_reads_back_without_a_rejected_row() -> None:
    roster = read_roster(roster_csv(build_people()))
    assert roster.rejected == [] and len(roster.rows) == 150
