"""The matcher's mentorship events reach the people they concern (issue 12 in notify): the
mentor is asked, both are introduced with each other's address and the proposed first
sessions in their own timezone (``invite.ics`` attached), the mentee hears kindly of a
declined or expired request, the other party of a logged session or a close is told in the
daily digest, and nothing is told about an erased person."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa

from peerlearn import events
from peerlearn.events import matcher as m
from peerlearn.testing.waiting import settled
from peerlearn_notify.adapters.tables import mail_outbox

from .conftest import Notify, Person

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Tuesday 8 Dec 2026 15:00 UTC: 10:00 in New York, 16:00 in Berlin.
FIRST = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
REASONS = [m.Reason(text="knows asyncio, which you want to learn")]


def _times() -> list[m.ProposedTime]:
    return [
        m.ProposedTime(
            start=FIRST + timedelta(days=n),
            end=FIRST + timedelta(days=n, hours=1),
            mentee_local=f"{8 + n} Dec 10:00 (America/New_York)",
            mentor_local=f"{8 + n} Dec 16:00 (Europe/Berlin)",
        )
        for n in range(3)
    ]


async def _pair(notify: Notify, org: str) -> tuple[Person, Person, str]:
    mentee = await notify.person(org)
    mentor = await notify.person(org)
    await notify.settle()  # addresses known before anything about the two arrives
    return mentee, mentor, "ms-" + uuid.uuid4().hex[:12]


def _accepted(mentorship_id: str, mentee: Person, mentor: Person) -> m.MentorshipAccepted:
    return m.MentorshipAccepted(
        mentorship_id=mentorship_id,
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        mentee_name=mentee.name,
        mentor_name=mentor.name,
        goal="write my first async web service",
        reasons=REASONS,
        mentee_timezone="America/New_York",
        mentor_timezone="Europe/Berlin",
        proposed_times=_times(),
    )


async def test_the_mentor_is_asked_with_the_goal_reasons_expiry_and_the_page_to_answer(
    notify: Notify,
) -> None:
    mentee, mentor, mid = await _pair(notify, "org-ms-ask")
    await notify.publish(
        m.MentorshipRequested(
            mentorship_id=mid,
            mentee_id=mentee.id,
            mentor_id=mentor.id,
            mentee_name=mentee.name,
            mentor_name=mentor.name,
            goal="learn asyncio",
            reasons=REASONS,
            expires_at=datetime(2026, 12, 9, 12, 0, tzinfo=UTC),
        )
    )
    await notify.settle()
    assert await notify.kinds(mentor) == ["mentorship_requested"]
    assert await notify.kinds(mentee) == []
    assert mentor.email and mentee.email
    (mail,) = await notify.smtp.wait_for(mentor.email)
    assert mail.message["Subject"] == f"{mentee.name} asks you to mentor them: learn asyncio"
    text = mail.part("plain")
    assert "knows asyncio, which you want to learn" in text
    assert "by 9 Dec 2026" in text
    assert f"/mentorships/{mid}" in text
    assert mentee.email not in text and mentee.email not in mail.part("html")  # not active yet
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert notify.smtp.to(mentee.email) == []


async def test_accepted_introduces_both_with_the_others_address_times_in_their_zone_and_an_ics(
    notify: Notify,
) -> None:
    mentee, mentor, mid = await _pair(notify, "org-ms-intro")
    await notify.publish(_accepted(mid, mentee, mentor))
    await notify.settle()
    assert await notify.kinds(mentee) == ["mentorship_accepted"]
    assert await notify.kinds(mentor) == ["mentorship_accepted"]
    assert mentee.email and mentor.email
    (to_mentee,) = await notify.smtp.wait_for(mentee.email)
    (to_mentor,) = await notify.smtp.wait_for(mentor.email)

    assert to_mentee.message["Subject"] == f"{mentor.name} agreed to mentor you"
    mentee_text = to_mentee.part("plain")
    assert f"You can write to {mentor.name} at {mentor.email}." in mentee_text
    assert mentee.email not in mentee_text  # the other's address, not one's own
    assert "write my first async web service" in mentee_text
    assert "knows asyncio, which you want to learn" in mentee_text
    assert "Tue 8 Dec 2026, 10:00-11:00 (America/New_York)" in mentee_text
    assert "Thu 10 Dec 2026, 10:00-11:00 (America/New_York)" in mentee_text
    assert "(Europe/Berlin) for " + mentor.name in mentee_text  # and what it is for the other

    assert to_mentor.message["Subject"] == f"You are now mentoring {mentee.name}"
    mentor_text = to_mentor.part("plain")
    assert f"You can write to {mentee.name} at {mentee.email}." in mentor_text
    assert "Tue 8 Dec 2026, 16:00-17:00 (Europe/Berlin)" in mentor_text
    assert "10:00-11:00" not in mentor_text
    assert mentee.email in to_mentor.part("html")

    for mail in (to_mentee, to_mentor):
        (ics,) = [part for part in mail.message.iter_attachments() if part.get_filename() == "invite.ics"]
        assert ics.get_content_type() == "text/calendar"
        calendar = icalendar.Calendar.from_ical(ics.get_content())
        starts = [event.decoded("dtstart") for event in calendar.walk("VEVENT")]
        assert starts == [t.start for t in _times()]
        assert {str(event["status"]) for event in calendar.walk("VEVENT")} == {"TENTATIVE"}
        assert mail.message["List-Unsubscribe"].startswith("<http")  # headers still headers
        assert "X-Peerlearn-Attachments" not in mail.message


async def test_a_declined_or_expired_request_is_told_kindly_to_the_mentee_only(notify: Notify) -> None:
    mentee, mentor, mid = await _pair(notify, "org-ms-no")
    other_mid = "ms-" + uuid.uuid4().hex[:12]
    await notify.publish(m.MentorshipDeclined(mentorship_id=mid, mentee_id=mentee.id, mentor_id=mentor.id))
    await notify.publish(
        m.MentorshipExpired(mentorship_id=other_mid, mentee_id=mentee.id, mentor_id=mentor.id)
    )
    await notify.settle()
    assert sorted(await notify.kinds(mentee)) == ["mentorship_declined", "mentorship_expired"]
    assert await notify.kinds(mentor) == []
    assert mentee.email and mentor.email
    mails = await notify.smtp.wait_for(mentee.email, count=2)
    subjects = sorted(mail.message["Subject"] for mail in mails)
    assert subjects == sorted(
        [
            f"{mentor.name} can't take on your mentorship request right now",
            f"Your mentorship request to {mentor.name} expired",
        ]
    )
    for mail in mails:
        assert "Other mentors who match your goal are suggested on your home page" in mail.part("plain")
        assert mentor.email not in mail.part("plain")
    assert notify.smtp.to(mentor.email) == []


async def test_a_logged_session_or_a_close_tells_only_the_other_party_in_the_digest(notify: Notify) -> None:
    mentee, mentor, mid = await _pair(notify, "org-ms-log")
    common = {"mentorship_id": mid, "mentee_id": mentee.id, "mentor_id": mentor.id}
    await notify.publish(
        m.MentorshipSessionLogged(**common, session_id="se-" + mid, at=FIRST, minutes=45, logged_by=mentee.id)
    )
    await notify.publish(m.MentorshipClosed(**common, rating=5, met=True, sessions=1, closed_by=mentor.id))
    await notify.settle()
    (to_mentor,) = (await notify.inbox(mentor))["items"]
    assert to_mentor["kind"] == "mentorship_update"
    assert to_mentor["title"] == f"{mentee.name} logged your session of 8 Dec 2026 (45 minutes)"
    (to_mentee,) = (await notify.inbox(mentee))["items"]
    assert to_mentee["kind"] == "mentorship_update"
    assert to_mentee["title"] == f"{mentor.name} closed your mentorship"
    assert mentee.email and mentor.email
    # Daily by default: the digest has them, no immediate mail.
    assert notify.smtp.to(mentee.email) == [] and notify.smtp.to(mentor.email) == []


async def test_a_close_because_of_erasure_tells_nobody(notify: Notify) -> None:
    mentee, mentor, mid = await _pair(notify, "org-ms-gone")
    await notify.publish(
        m.MentorshipClosed(
            mentorship_id=mid, mentee_id=mentee.id, mentor_id=mentor.id, reason="erased", closed_by=""
        )
    )
    await notify.settle()
    assert await notify.kinds(mentee) == [] and await notify.kinds(mentor) == []


async def test_nothing_is_told_about_an_erased_person_and_what_was_told_goes(notify: Notify) -> None:
    mentee, mentor, mid = await _pair(notify, "org-ms-erase")
    bystander_mentee, _, other_mid = await _pair(notify, "org-ms-erase")
    requested = m.MentorshipRequested(
        mentorship_id=mid, mentee_id=mentee.id, mentor_id=mentor.id, mentee_name=mentee.name, goal="g"
    )
    await notify.publish(requested)
    await notify.publish(
        m.MentorshipRequested(
            mentorship_id=other_mid,
            mentee_id=bystander_mentee.id,
            mentor_id=mentor.id,
            mentee_name=bystander_mentee.name,
        )
    )
    await notify.settle()
    assert await notify.kinds(mentor) == ["mentorship_requested", "mentorship_requested"]

    await notify.publish(events.PersonDeleted(person_id=mentee.id, org_id="org-ms-erase"))
    # The matcher's events about the erased mentee may still arrive after the erasure (another
    # stream). Settle first: the two streams have no order between them, so an acceptance handled
    # before the erasure is rightly mailed, and that is not what this test is about.
    await notify.settle()
    await notify.publish(_accepted(mid, mentee, mentor))
    await notify.settle()
    (left,) = (await notify.inbox(mentor))["items"]
    assert left["link"].endswith(f"/mentorships/{other_mid}")  # only the bystander's request
    assert mentor.email
    await settled(notify.database, notify.published)
    assert not any(
        mentee.name in mail.message["Subject"] and "You are now mentoring" in mail.message["Subject"]
        for mail in notify.smtp.to(mentor.email)
    )


async def test_the_settings_list_the_mentorship_kinds_and_still_refuse_unknown_ones(notify: Notify) -> None:
    person = await notify.person("org-ms-settings")
    await notify.settle()
    url = f"/v1/people/{person.id}/notification-settings"
    kinds = (await notify.client.get(url, headers=person.headers)).json()["kinds"]
    assert {k: kinds[k] for k in kinds if k.startswith("mentorship_")} == {
        "mentorship_requested": "immediate",
        "mentorship_accepted": "immediate",
        "mentorship_declined": "immediate",
        "mentorship_expired": "immediate",
        "mentorship_update": "daily",
    }
    ok = await notify.client.put(url, json={"kinds": {"mentorship_update": "off"}}, headers=person.headers)
    assert ok.status_code == 200, ok.text
    bad = await notify.client.put(url, json={"kinds": {"mentorship_gossip": "daily"}}, headers=person.headers)
    assert bad.status_code == 400 and "mentorship_gossip" in bad.text


async def test_the_introduction_is_mailed_even_to_someone_in_the_web_app_and_waits_out_quiet_hours(
    notify: Notify,
) -> None:
    # A digest line would lose the other's address and the invitation: the introduction is
    # never rolled into one; quiet hours only delay it.
    mentee, mentor, mid = await _pair(notify, "org-ms-busy")
    assert mentee.email and mentor.email
    assert (await notify.inbox(mentee, unread="true", limit=1))["unread"] == 0  # in the web app now
    now = datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo"))
    quiet_end = now + timedelta(hours=1)
    response = await notify.client.put(
        f"/v1/people/{mentor.id}/notification-settings",
        json={
            "timezone": "Asia/Tokyo",
            "quiet_start": (now - timedelta(hours=1)).strftime("%H:%M"),
            "quiet_end": quiet_end.strftime("%H:%M"),
        },
        headers=mentor.headers,
    )
    assert response.status_code == 200, response.text
    await notify.publish(_accepted(mid, mentee, mentor))
    await notify.settle()

    (to_mentee,) = await notify.smtp.wait_for(mentee.email)
    assert f"at {mentor.email}." in to_mentee.part("plain")
    await asyncio.sleep(0.5)  # the sender polls every 0.05 s: it would have sent by now
    assert notify.smtp.to(mentor.email) == []
    async with notify.database.reading() as session:
        waiting = (
            await session.execute(
                sa.select(mail_outbox.c.next_attempt_at, mail_outbox.c.sent_at).where(
                    mail_outbox.c.to_address == mentor.email
                )
            )
        ).one()
    assert waiting.sent_at is None
    assert waiting.next_attempt_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M") == quiet_end.strftime(
        "%H:%M"
    )
    assert (await notify.inbox(mentor))["items"][0]["kind"] == "mentorship_accepted"
