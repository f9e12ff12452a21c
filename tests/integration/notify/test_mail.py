"""Mail as people asked for it: quiet hours and the daily cap roll into the digest; digests at
the local digest hour, grouped, once per period, skipped when empty; one-click unsubscribe."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from peerlearn import events
from peerlearn.events.contacts import ContactUpdated

from .conftest import Notify, Person

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _settings(notify: Notify, person: Person, **body: object) -> None:
    response = await notify.client.put(
        f"/v1/people/{person.id}/notification-settings", json=body, headers=person.headers
    )
    assert response.status_code == 200, response.text


def _morning(timezone_offset_hours: int) -> datetime:
    """A moment when it is 08:30 for someone at UTC+offset (Asia/Tokyo is +9)."""
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, 8, 30, tzinfo=UTC) - timedelta(
        hours=timezone_offset_hours
    )


async def test_quiet_hours_roll_mail_into_the_morning_digest_sent_once(notify: Notify) -> None:
    asker = await notify.person("org-quiet")
    sleeper = await notify.person("org-quiet")
    assert sleeper.email is not None
    now = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    start, end = (now - timedelta(hours=1)).strftime("%H:%M"), (now + timedelta(hours=1)).strftime("%H:%M")
    await _settings(notify, sleeper, timezone="Asia/Tokyo", quiet_start=start, quiet_end=end)
    for n in range(2):
        await notify.route(await notify.thread(asker, title=f"Quiet question {n}"), sleeper)
    await notify.settle()
    assert await notify.kinds(sleeper) == ["question_routed", "question_routed"]
    await asyncio.sleep(0.5)  # the sender polls every 0.05 s: it would have sent by now
    assert notify.smtp.to(sleeper.email) == []

    clock = notify.app.state.digest_clock
    assert await clock.tick(_morning(9) - timedelta(hours=2)) == 0  # not their morning yet
    await clock.tick(_morning(9))
    (digest,) = await notify.smtp.wait_for(sleeper.email)
    assert "daily" in digest.message["Subject"] and "2 new" in digest.message["Subject"]
    text = digest.part("plain")
    assert "Questions you may know the answer to" in text
    assert "Quiet question 0" in text and "Quiet question 1" in text
    assert digest.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    await clock.tick(_morning(9) + timedelta(minutes=20))  # the same morning again: nothing
    await asyncio.sleep(0.5)
    assert len(notify.smtp.to(sleeper.email)) == 1


async def test_an_empty_digest_is_not_sent(notify: Notify) -> None:
    idle = await notify.person("org-idle")
    assert idle.email is not None
    await notify.settle()
    await notify.app.state.digest_clock.tick(_morning(0))
    await asyncio.sleep(0.5)
    assert notify.smtp.to(idle.email) == []


async def test_past_the_daily_cap_immediate_mail_rolls_into_the_digest(notify: Notify) -> None:
    asker = await notify.person("org-cap")
    busy = await notify.person("org-cap")
    assert busy.email is not None
    await notify.settle()  # the address is known before anything is routed
    cap = notify.app.state.delivery.immediate_mails_per_day
    for n in range(cap + 2):
        await notify.route(await notify.thread(asker, title=f"Busy question {n}"), busy)
    await notify.settle()
    await notify.smtp.wait_for(busy.email, count=cap)
    await asyncio.sleep(0.5)
    assert len(notify.smtp.to(busy.email)) == cap
    assert len(await notify.kinds(busy)) == cap + 2  # the inbox has them all


async def test_one_click_unsubscribe_turns_that_kind_off(notify: Notify) -> None:
    asker = await notify.person("org-unsub")
    reader = await notify.person("org-unsub")
    assert reader.email is not None
    await notify.settle()
    await notify.route(await notify.thread(asker, title="First"), reader)
    (mail,) = await notify.smtp.wait_for(reader.email)
    link = mail.message["List-Unsubscribe"].strip("<>")
    path = "/v1/unsubscribe/" + link.rsplit("/v1/unsubscribe/", 1)[1]
    settings_url = f"/v1/people/{reader.id}/notification-settings"

    looked = await notify.client.get(path)  # a link checker's GET changes nothing
    assert looked.status_code == 200 and looked.json()["done"] is False
    assert (await notify.client.get(settings_url, headers=reader.headers)).json()["kinds"][
        "question_routed"
    ] == "immediate"
    clicked = await notify.client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert clicked.status_code == 200, clicked.text
    assert (await notify.client.get(settings_url, headers=reader.headers)).json()["kinds"][
        "question_routed"
    ] == "off"

    await notify.route(await notify.thread(asker, title="Second"), reader)
    await notify.settle()
    assert len(await notify.kinds(reader)) == 2  # still in the inbox...
    await asyncio.sleep(0.5)
    assert len(notify.smtp.to(reader.email)) == 1  # ...but no more mail

    forged = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert (await notify.client.post(forged)).status_code == 404
    assert (await notify.client.get("/v1/unsubscribe/not-a-token")).status_code == 404


async def test_a_replayed_old_event_reaches_the_inbox_but_sends_no_mail(notify: Notify) -> None:
    asker = await notify.person("org-replay")
    reader = await notify.person("org-replay")
    assert reader.email is not None
    await notify.settle()
    thread = await notify.thread(asker, title="Last week's question")
    last_week = datetime.now(UTC) - timedelta(days=7)
    await notify.publish(
        events.AnswerersSuggested(
            thread_id=thread, answerers=[events.SuggestedAnswerer(person_id=reader.id, score=1)]
        ),
        occurred_at=last_week,
    )
    await notify.settle()
    assert await notify.kinds(reader) == ["question_routed"]
    await asyncio.sleep(0.5)
    assert notify.smtp.to(reader.email) == []
    await notify.app.state.digest_clock.tick(_morning(0))  # nor in a digest
    await asyncio.sleep(0.5)
    assert notify.smtp.to(reader.email) == []


async def test_one_tick_digests_many_people_each_their_own_and_the_addressless_wait(notify: Notify) -> None:
    """The tick reads a batch of people at once: each still gets only their own items, a weekly
    person on a Monday gets the weekly digest, and someone profiles gave no address yet gets
    nothing and keeps their items for the first morning after the address came."""
    asker = await notify.person("org-batch")
    daily = [await notify.person("org-batch") for _ in range(3)]
    weekly = await notify.person("org-batch")
    waiting = await notify.person("org-batch", email=False)
    for person in (*daily, waiting):
        await _settings(notify, person, kinds={"question_routed": "daily"})
    await _settings(notify, weekly, kinds={"question_routed": "weekly"})
    for n, person in enumerate((*daily, weekly, waiting)):
        await notify.route(await notify.thread(asker, title=f"Batch question {n}"), person)
    await notify.settle()
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    monday = tomorrow + timedelta(days=(7 - tomorrow.weekday()) % 7)
    morning = datetime(monday.year, monday.month, monday.day, 8, 30, tzinfo=UTC)
    await notify.app.state.digest_clock.tick(morning)
    for n, person in enumerate((*daily, weekly)):
        assert person.email is not None
        (digest,) = await notify.smtp.wait_for(person.email)
        text = digest.part("plain")
        assert f"Batch question {n}" in text
        assert [f"Batch question {m}" in text for m in range(5)].count(True) == 1  # theirs alone
        assert ("weekly" if person is weekly else "daily") in digest.message["Subject"]
    assert [i["kind"] for i in (await notify.inbox(waiting))["items"]] == ["question_routed"]
    late = "late-" + waiting.id + "@example.org"
    await notify.publish(ContactUpdated(person_id=waiting.id, org_id=waiting.org_id, email=late))
    await notify.settle()
    await notify.app.state.digest_clock.tick(morning + timedelta(days=1))
    (digest,) = await notify.smtp.wait_for(late)
    assert "Batch question 4" in digest.part("plain")
