"""The CSV roster import: mixed good and bad rows, re-import, limits, encodings."""

from __future__ import annotations

from typing import Any

import pytest

from peerlearn import events

pytestmark = pytest.mark.asyncio(loop_scope="module")

HEADER = "display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal\n"
ROSTER = (
    HEADER
    + "Maya Patel,maya@corp.example,learner;mentor,Europe/London,4,Python:4;SQL:3,ML:1,Learn ML\n"
    + "Bad Zone,bad@corp.example,learner,Moon/Base,2,,,\n"  # line 3: unknown timezone
    + 'Li Wei,li@corp.example,learner,Asia/Shanghai,2,"Excel:3",Power BI,"Build dashboards, fast"\n'
    + "Too Good,tg@corp.example,learner,UTC,1,Go:7,,\n"  # line 5: level outside 1..5
    + "Maya Again,MAYA@corp.example,learner,UTC,1,,,\n"  # line 6: same email as line 2
    + "No Email,,learner,UTC,1,,,\n"  # line 7
    + "Short,row@corp.example\n"  # line 8: too few fields
)


def _csv(body: str | bytes, content_type: str = "text/csv") -> dict[str, Any]:
    return {
        "content": body.encode() if isinstance(body, str) else body,
        "headers": {"Content-Type": content_type},
    }


async def _org_with_admin(profiles: Any) -> tuple[str, str]:
    org_id = await profiles.org("Importers")
    admin = await profiles.person(org_id, roles=["org_admin"])
    return org_id, await profiles.token(admin["id"])


async def test_good_rows_go_in_bad_rows_are_listed_with_line_and_reason(profiles: Any) -> None:
    org_id, token = await _org_with_admin(profiles)
    path = f"/v1/orgs/{org_id}/people:import"
    response = await profiles.call("POST", path, token, **_csv(ROSTER), expect=200)
    report = response.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (2, 0, 0)
    rejected = {row["line"]: row["reason"] for row in report["rejected"]}
    assert sorted(rejected) == [3, 5, 6, 7, 8]
    assert "Moon/Base" in rejected[3]
    assert "outside 1..5" in rejected[5]
    assert "line 2" in rejected[6]
    assert "email" in rejected[7]
    assert "fields" in rejected[8]
    maya = next(p for p in report["people"] if p["email"] == "maya@corp.example")
    shown = (await profiles.call("GET", f"/v1/people/{maya['id']}", token, expect=200)).json()
    assert shown["roles"] == ["learner", "mentor"]
    assert shown["skills"] == [
        {"name": "Python", "level": 4, "wants": False},
        {"name": "SQL", "level": 3, "wants": False},
        {"name": "ML", "level": 1, "wants": True},
    ]
    li = next(p for p in report["people"] if p["email"] == "li@corp.example")
    assert (await profiles.call("GET", f"/v1/people/{li['id']}", token)).json()[
        "goal"
    ] == "Build dashboards, fast"


async def test_each_imported_person_publishes_one_event_and_reimport_publishes_none(profiles: Any) -> None:
    org_id, token = await _org_with_admin(profiles)
    path = f"/v1/orgs/{org_id}/people:import"
    published = await profiles.events_of(profiles.call("POST", path, token, **_csv(ROSTER), expect=200))
    assert [e.type for e in published] == [events.PERSON_UPSERTED] * 2
    assert {e.data.person.display_name for e in published} == {"Maya Patel", "Li Wei"}
    assert all(e.org_id == org_id for e in published)

    again = await profiles.call("POST", path, token, **_csv(ROSTER), expect=200)
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 2)
    assert await profiles.events_of(profiles.call("POST", path, token, **_csv(ROSTER), expect=200)) == []
    people = (await profiles.call("GET", f"/v1/orgs/{org_id}/people", token)).json()["items"]
    assert len(people) == 3  # the admin and the two good rows, once each


async def test_a_changed_row_updates_the_person_found_by_email_whatever_its_case(profiles: Any) -> None:
    org_id, token = await _org_with_admin(profiles)
    path = f"/v1/orgs/{org_id}/people:import"
    await profiles.call("POST", path, token, **_csv(ROSTER), expect=200)
    changed = HEADER + "Maya P.,Maya@Corp.example,learner,Europe/London,6,Python:5,,Lead ML projects\n"
    published = await profiles.events_of(profiles.call("POST", path, token, **_csv(changed), expect=200))
    assert [e.type for e in published] == [events.PERSON_UPSERTED]
    person = published[0].data.person
    assert (person.display_name, person.weekly_hours, person.goal) == ("Maya P.", 6.0, "Lead ML projects")
    assert person.skills == [events.Skill(name="Python", level=5)]


async def test_optional_columns_set_capacity_consent_and_bio(profiles: Any) -> None:
    org_id, token = await _org_with_admin(profiles)
    body = (
        HEADER.strip() + ",bio,mentor_capacity,open_to_external\n"
        "Ola,ola@corp.example,mentor;expert,UTC,5,Finance:5,,Help founders,CFO for 10 years,3,yes\n"
        "Bad,bad@corp.example,learner,UTC,1,,,,bio,lots,no\n"
    )
    report = (await profiles.call("POST", f"/v1/orgs/{org_id}/people:import", token, **_csv(body))).json()
    assert report["created"] == 1 and [r["line"] for r in report["rejected"]] == [3]
    person = (await profiles.call("GET", f"/v1/people/{report['people'][0]['id']}", token)).json()
    assert (person["mentor_capacity"], person["open_to_external"], person["bio"]) == (
        3,
        True,
        "CFO for 10 years",
    )


@pytest.mark.parametrize(
    ("body", "content_type", "status", "named"),
    [
        (b"Maya,maya@corp.example\n", "text/csv", 400, "lacks column"),
        ((HEADER.strip() + ",shoe_size\n").encode(), "text/csv", 400, "shoe_size"),
        (b"", "text/csv", 400, "empty"),
        (
            (HEADER + "Jos\xe9,jose@corp.example,learner,UTC,1,,,\n").encode("latin-1"),
            "text/csv",
            400,
            "UTF-8",
        ),
        ((HEADER + "A,a@corp.example,learner,UTC,1,,,\n").encode("utf-16"), "text/csv", 400, "UTF-8"),
        (HEADER.encode(), "application/json", 415, "text/csv"),
    ],
    ids=["missing columns", "unknown column", "empty", "latin-1", "utf-16", "json content type"],
)
async def test_a_file_that_cannot_be_read_is_refused_whole_and_changes_nothing(
    profiles: Any, body: bytes, content_type: str, status: int, named: str
) -> None:
    org_id, token = await _org_with_admin(profiles)
    path = f"/v1/orgs/{org_id}/people:import"
    call = profiles.call("POST", path, token, **_csv(body, content_type), expect=status)
    assert await profiles.events_of(call) == []
    assert named in (await profiles.call("POST", path, token, **_csv(body, content_type))).json()["detail"]
    assert len((await profiles.call("GET", f"/v1/orgs/{org_id}/people", token)).json()["items"]) == 1


async def test_a_utf8_file_with_a_byte_order_mark_is_fine(profiles: Any) -> None:
    org_id, token = await _org_with_admin(profiles)
    body = ("\ufeff" + HEADER + "José Núñez,jose@corp.example,learner,UTC,1,,,\n").encode()
    report = (await profiles.call("POST", f"/v1/orgs/{org_id}/people:import", token, **_csv(body))).json()
    assert report["created"] == 1 and report["rejected"] == []


async def test_a_10_mb_roster_is_413_and_a_4_mb_one_is_read(profiles: Any) -> None:
    org_id, token = await _org_with_admin(profiles)
    path = f"/v1/orgs/{org_id}/people:import"
    row = "Pat,pat{}@corp.example,learner,UTC,1,,,\n"
    big = HEADER + "".join(row.format(i) for i in range(10 * 1024 * 1024 // len(row) + 1))
    assert len(big) > 10 * 1024 * 1024
    assert await profiles.events_of(profiles.call("POST", path, token, **_csv(big), expect=413)) == []
    # Larger than the JSON body limit (1 MB) but within the import limit: its rows are read.
    padding = "# " + "x" * 4_000_000
    body = HEADER + "Kim,kim@corp.example,learner,UTC,1,,,\n" + f'"{padding}",,,,,,,\n'
    report = (await profiles.call("POST", path, token, **_csv(body), expect=200)).json()
    assert report["created"] == 1 and [r["line"] for r in report["rejected"]] == [3]


async def test_a_learner_cannot_import(profiles: Any) -> None:
    org_id, _ = await _org_with_admin(profiles)
    learner = await profiles.person(org_id)
    token = await profiles.token(learner["id"])
    path = f"/v1/orgs/{org_id}/people:import"
    assert await profiles.events_of(profiles.call("POST", path, token, **_csv(ROSTER), expect=403)) == []
