"""No immediate mail while the person is looking at the web app: someone who read their inbox
through the API lately (the web app's pages do, for the unread count) finds routed questions in
the inbox; what they have not read by the morning goes into the digest. Real SMTP server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from .conftest import ADMIN, Notify

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _tomorrow_morning_utc() -> datetime:
    """08:30 UTC tomorrow: the digest hour of a person in UTC."""
    day = datetime.now(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 8, 30, tzinfo=UTC)


async def test_someone_reading_their_inbox_gets_no_immediate_mail_and_the_unread_rest_in_the_digest(
    notify: Notify,
) -> None:
    asker = await notify.person("org-active")
    reader = await notify.person("org-active")
    assert reader.email is not None
    assert (await notify.inbox(reader, unread="true", limit=1))["unread"] == 0  # the header's count call
    first = await notify.thread(asker, title="Active question one")
    second = await notify.thread(asker, title="Active question two")
    await notify.route(first, reader)
    await notify.route(second, reader)
    await notify.settle()
    page = await notify.inbox(reader)
    assert [item["kind"] for item in page["items"]] == ["question_routed", "question_routed"]
    await asyncio.sleep(0.5)  # the sender polls every 0.05 s: it would have sent by now
    assert notify.smtp.to(reader.email) == []

    # The one they read in the web app is not mailed again; the other waits for the digest.
    read_id = next(item["id"] for item in page["items"] if item["thread_id"] == first)
    marked = await notify.client.post(
        f"/v1/people/{reader.id}/notifications/read", json={"ids": [read_id]}, headers=reader.headers
    )
    assert marked.json() == {"marked": 1}
    await notify.app.state.digest_clock.tick(_tomorrow_morning_utc())
    (digest,) = await notify.smtp.wait_for(reader.email)
    assert "1 new" in digest.message["Subject"]
    text = digest.part("plain")
    assert "Active question two" in text and "Active question one" not in text


async def test_someone_away_gets_the_immediate_mail_with_a_not_my_area_link(notify: Notify) -> None:
    asker = await notify.person("org-away")
    away = await notify.person("org-away")
    assert away.email is not None
    await notify.settle()  # the address is known before the routing (CONTACTS and MATCHER are apart)
    # The platform admin looking at someone's inbox is not that person being active.
    looked = await notify.client.get(f"/v1/people/{away.id}/notifications", headers=ADMIN)
    assert looked.status_code == 200
    thread_id = await notify.thread(asker, title="Away question")
    await notify.route(thread_id, away)
    await notify.settle()
    (mail,) = await notify.smtp.wait_for(away.email)
    assert "Away question" in mail.message["Subject"]
    assert f"/not-my-area/{thread_id}" in mail.part("plain")
    assert f"/not-my-area/{thread_id}" in mail.part("html")
