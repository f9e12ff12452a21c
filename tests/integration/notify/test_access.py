"""Who reaches an inbox and its settings (a generated matrix), and the settings' strict checks."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio

from peerlearn import events

from .conftest import ADMIN, Notify, Person

pytestmark = pytest.mark.asyncio(loop_scope="module")

ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "notifications", None),
    ("POST", "notifications/read", {"all": True}),
    ("GET", "notification-settings", None),
    ("PUT", "notification-settings", {"kinds": {"thread_activity": "weekly"}}),
]
# Who calls → the status every endpoint answers them about the owner's inbox.
CALLERS = {
    "owner": 200,
    "platform admin": 200,
    "colleague": 404,
    "org admin": 404,
    "anonymous": 401,
    "erased": 401,
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def people(notify: Notify) -> dict[str, Person]:
    owner = await notify.person("org-matrix")
    colleague = await notify.person("org-matrix")
    admin = await notify.person("org-matrix", roles=("org_admin",))
    erased = await notify.person("org-matrix")
    await notify.publish(events.PersonDeleted(person_id=erased.id, org_id="org-matrix"))
    await notify.settle()
    return {"owner": owner, "colleague": colleague, "org admin": admin, "erased": erased}


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize("who", sorted(CALLERS))
async def test_access_matrix(
    notify: Notify, people: dict[str, Person], who: str, method: str, path: str, body: dict[str, Any] | None
) -> None:
    owner = people["owner"]
    headers = {"anonymous": {}, "platform admin": ADMIN}.get(who)
    if headers is None:
        headers = people[who].headers
    response = await notify.client.request(
        method, f"/v1/people/{owner.id}/{path}", json=body, headers=headers
    )
    assert response.status_code == CALLERS[who], (who, method, path, response.text)
    if who == "erased":  # their own inbox too: the account is gone
        erased = people["erased"]
        own = await notify.client.request(
            method, f"/v1/people/{erased.id}/{path}", json=body, headers=headers
        )
        assert own.status_code == 401


async def test_the_erased_persons_stream_is_refused(notify: Notify, people: dict[str, Person]) -> None:
    erased = people["erased"]
    response = await notify.client.get(f"/v1/people/{erased.id}/notifications/stream", headers=erased.headers)
    assert response.status_code == 401


async def test_settings_default_and_round_trip(notify: Notify, people: dict[str, Person]) -> None:
    owner = people["colleague"]
    url = f"/v1/people/{owner.id}/notification-settings"
    first = (await notify.client.get(url, headers=owner.headers)).json()
    assert first["kinds"]["question_routed"] == "immediate" and first["kinds"]["answer_posted"] == "immediate"
    assert first["kinds"]["new_suggestion"] == "daily" and first["timezone"] == "UTC"
    body = {
        "kinds": {"question_routed": "off", "cohort_joined": "weekly"},
        "timezone": "America/Chicago",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
    }
    put = await notify.client.put(url, json=body, headers=owner.headers)
    assert put.status_code == 200, put.text
    again = (await notify.client.get(url, headers=owner.headers)).json()
    assert again["kinds"]["question_routed"] == "off" and again["kinds"]["cohort_joined"] == "weekly"
    assert again["kinds"]["answer_posted"] == "immediate"  # left out: default
    assert (again["timezone"], again["quiet_start"], again["quiet_end"]) == (
        "America/Chicago",
        "22:00",
        "07:00",
    )


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"kinds": {"cat_pictures": "daily"}}, "unknown notification kinds: cat_pictures"),
        ({"kinds": {"question_routed": "hourly"}}, "must be one of"),
        ({"timezone": "Mars/Olympus"}, "unknown timezone"),
        ({"quiet_start": "22:00"}, "both quiet_start and quiet_end"),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "HH:MM"),
        ({"colour": "blue"}, "colour"),
    ],
)
async def test_bad_settings_are_refused_saying_why(
    notify: Notify, people: dict[str, Person], body: dict[str, Any], says: str
) -> None:
    owner = people["owner"]
    url = f"/v1/people/{owner.id}/notification-settings"
    response = await notify.client.put(url, json=body, headers=owner.headers)
    assert response.status_code == 400, response.text
    assert says in response.text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"ids": [], "all": False}, 400),
        ({"ids": ["x"], "all": True}, 400),
        ({"everything": 1}, 400),
    ],
)
async def test_mark_read_needs_ids_or_all(
    notify: Notify, people: dict[str, Person], body: Any, status: int
) -> None:
    owner = people["owner"]
    response = await notify.client.post(
        f"/v1/people/{owner.id}/notifications/read", json=body, headers=owner.headers
    )
    assert response.status_code == status, response.text


async def test_reading_marks_only_what_was_named_and_pages_by_cursor(notify: Notify) -> None:
    asker = await notify.person("org-read")
    reader = await notify.person("org-read", email=False)
    await notify.settle()
    for n in range(3):  # one at a time: the inbox's order is the order notify told them
        await notify.route(await notify.thread(asker, title=f"Question {n}"), reader)
        await notify.settle()
    first = await notify.inbox(reader, limit=2)
    assert [i["title"].split("“")[1].split("”")[0] for i in first["items"]] == ["Question 2", "Question 1"]
    assert first["unread"] == 3 and first["next_cursor"]
    rest = await notify.inbox(reader, limit=2, cursor=first["next_cursor"])
    assert [i["title"].split("“")[1].split("”")[0] for i in rest["items"]] == ["Question 0"]
    assert rest["next_cursor"] is None
    one = first["items"][0]["id"]
    marked = await notify.client.post(
        f"/v1/people/{reader.id}/notifications/read", json={"ids": [one]}, headers=reader.headers
    )
    assert marked.json() == {"marked": 1}
    unread = await notify.inbox(reader, unread="true")
    assert one not in [i["id"] for i in unread["items"]] and unread["unread"] == 2
    everything = await notify.client.post(
        f"/v1/people/{reader.id}/notifications/read", json={"all": True}, headers=reader.headers
    )
    assert everything.json() == {"marked": 2}
    assert (await notify.inbox(reader, unread="true"))["items"] == []
