"""Events become notifications for the right people, once, and only about what they may see."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from peerlearn import events
from peerlearn.events.contacts import ContactUpdated
from peerlearn_notify.adapters import tables

from .conftest import ADMIN, Notify

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_routed_question_reaches_the_answerers_inbox_and_mailbox(notify: Notify) -> None:
    asker = await notify.person("org-route")
    answerer = await notify.person("org-route")
    outsider = await notify.person("org-elsewhere")  # may not see an org-only thread
    await notify.settle()  # their addresses are known before anything is routed to them
    thread = await notify.thread(asker, title="Why is my event loop blocked?")
    await notify.route(thread, answerer, outsider)
    await notify.settle()

    page = await notify.inbox(answerer)
    assert [item["kind"] for item in page["items"]] == ["question_routed"]
    item = page["items"][0]
    assert asker.name in item["title"] and "Why is my event loop blocked?" in item["title"]
    assert item["link"].endswith(f"/threads/{thread}") and item["read"] is False
    assert page["unread"] == 1
    assert await notify.kinds(outsider) == []
    assert answerer.email is not None and outsider.email is not None
    (mail,) = await notify.smtp.wait_for(answerer.email)
    assert "Why is my event loop blocked?" in mail.message["Subject"]
    assert (
        mail.message["List-Unsubscribe"].startswith("<http")
        and "/v1/unsubscribe/" in mail.message["List-Unsubscribe"]
    )
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert notify.smtp.to(outsider.email) == []


async def test_routing_the_same_question_again_tells_nobody_twice(notify: Notify) -> None:
    asker = await notify.person("org-twice")
    answerer = await notify.person("org-twice")
    await notify.settle()
    thread = await notify.thread(asker)
    await notify.route(thread, answerer)
    await notify.route(thread, answerer)  # a re-route (new event id) of the same thread
    await notify.settle()
    assert await notify.kinds(answerer) == ["question_routed"]
    assert answerer.email is not None
    await notify.smtp.wait_for(answerer.email)
    assert len(notify.smtp.to(answerer.email)) == 1


async def test_a_routing_event_before_its_thread_is_applied_once_the_thread_arrives(notify: Notify) -> None:
    asker = await notify.person("org-late")
    answerer = await notify.person("org-late")
    thread_id = "t-late-" + answerer.id
    # The matcher's routing overtakes the forum's thread (two streams, two consumers).
    await notify.publish(
        events.AnswerersSuggested(
            thread_id=thread_id, answerers=[events.SuggestedAnswerer(person_id=answerer.id, score=1)]
        )
    )
    await notify.publish(
        events.ThreadCreated(
            thread_id=thread_id,
            space_id="s",
            visibility="org",
            org_id="org-late",
            author_id=asker.id,
            kind="question",
            title="Late thread",
        )
    )
    await notify.settle()
    assert await notify.kinds(answerer) == ["question_routed"]


async def test_answers_and_acceptance_reach_the_asker_earlier_answerers_and_the_author(
    notify: Notify,
) -> None:
    asker = await notify.person("org-answer")
    first = await notify.person("org-answer")
    second = await notify.person("org-answer")
    thread = await notify.thread(asker, title="Pandas or Polars?")
    # The people first (PROFILES is consumed apart from FORUM): a post whose asker notify does not
    # know yet waits and lets the second post overtake it, which makes `second` the earlier answerer.
    await notify.settle()

    def post(author_id: str, post_id: str) -> events.PostCreated:
        return events.PostCreated(
            post_id=post_id,
            thread_id=thread,
            thread_title="Pandas or Polars?",
            body="...",
            space_id="s",
            visibility="org",
            org_id="org-answer",
            author_id=author_id,
            asker_id=asker.id,
        )

    await notify.publish(post(first.id, "po-1-" + thread))
    await notify.publish(post(second.id, "po-2-" + thread))
    await notify.publish(
        events.AnswerAccepted(
            thread_id=thread,
            post_id="po-1-" + thread,
            answer_author_id=first.id,
            asker_id=asker.id,
            space_id="s",
            visibility="org",
            org_id="org-answer",
            title="Pandas or Polars?",
        )
    )
    await notify.settle()
    assert sorted(await notify.kinds(asker)) == ["answer_posted", "answer_posted"]
    assert sorted(await notify.kinds(first)) == ["answer_accepted", "thread_activity"]
    assert await notify.kinds(second) == []


async def test_only_suggestions_new_to_the_person_at_most_one_a_day_per_kind(notify: Notify) -> None:
    learner = await notify.person("org-sugg")
    mentor_a = await notify.person("org-sugg")
    mentor_b = await notify.person("org-sugg")
    stranger = await notify.person("org-other-sugg")  # no shared org or cohort: invisible
    await notify.settle()

    def update(*candidates: str) -> events.SuggestionsUpdated:
        return events.SuggestionsUpdated(
            person_id=learner.id,
            suggestions=[
                events.SuggestionItem(id=f"s-{c}", kind="mentor", candidate_id=c, score=0.5)
                for c in candidates
            ],
        )

    await notify.publish(update(mentor_a.id))
    await notify.settle()
    await notify.publish(update(mentor_a.id, mentor_b.id))  # b is new, but one a day is enough
    await notify.publish(update(stranger.id))
    await notify.settle()
    page = await notify.inbox(learner)
    assert [item["kind"] for item in page["items"]] == ["new_suggestion"]
    assert mentor_a.name in page["items"][0]["title"]


async def test_joining_a_cohort_is_told(notify: Notify) -> None:
    member = await notify.person("org-coh")
    await notify.publish(
        events.CohortCreated(cohort_id="c-" + member.id, name="Data Guild", owner_org_id="org-coh")
    )
    await notify.publish(
        events.CohortMemberAdded(cohort_id="c-" + member.id, person_id=member.id, org_id="org-coh")
    )
    await notify.settle()
    page = await notify.inbox(member)
    assert [item["kind"] for item in page["items"]] == ["cohort_joined"]
    assert "Data Guild" in page["items"][0]["title"]


async def test_erasure_deletes_the_inbox_settings_and_address(notify: Notify) -> None:
    leaving = await notify.person("org-erase")
    asker = await notify.person("org-erase")
    await notify.route(await notify.thread(asker), leaving)
    await notify.settle()
    assert await notify.kinds(leaving) == ["question_routed"]
    put = await notify.client.put(
        f"/v1/people/{leaving.id}/notification-settings",
        json={"timezone": "Europe/Paris"},
        headers=leaving.headers,
    )
    assert put.status_code == 200
    await notify.publish(events.PersonDeleted(person_id=leaving.id, org_id="org-erase"))
    await notify.settle()
    for path in ("notifications", "notification-settings"):
        response = await notify.client.get(f"/v1/people/{leaving.id}/{path}", headers=leaving.headers)
        assert response.status_code == 401, response.text
    async with notify.database.reading() as session:
        for table in (tables.notifications, tables.preferences, tables.contacts, tables.mail_outbox):
            left = await session.scalar(
                sa.select(sa.func.count()).select_from(table).where(table.c.person_id == leaving.id)
            )
            assert left == 0, table.name
    # Their address replayed after the erasure (another stream) is not kept again.
    await notify.publish(ContactUpdated(person_id=leaving.id, org_id="org-erase", email="again@example.org"))
    await notify.settle()
    async with notify.database.reading() as session:
        kept = await session.scalar(
            sa.select(sa.func.count())
            .select_from(tables.contacts)
            .where(tables.contacts.c.person_id == leaving.id)
        )
    assert kept == 0
    # A later routing of the erased person tells them nothing.
    await notify.route(await notify.thread(asker), leaving)
    await notify.settle()
    admin_view = await notify.client.get(f"/v1/people/{leaving.id}/notifications", headers=ADMIN)
    assert admin_view.json()["items"] == []


async def test_routings_racing_their_threads_lose_nobody(notify: Notify) -> None:
    """The FORUM and MATCHER consumers apply a thread and its routing in concurrent transactions:
    every answerer is told once, whichever commits first (on PostgreSQL too)."""
    asker = await notify.person("org-race")
    answerers = [await notify.person("org-race", email=False) for _ in range(40)]
    await notify.settle()
    for n, answerer in enumerate(answerers):
        thread_id = f"t-race-{n}-{answerer.id}"
        await notify.publish(
            events.AnswerersSuggested(
                thread_id=thread_id, answerers=[events.SuggestedAnswerer(person_id=answerer.id, score=1)]
            )
        )
        await notify.publish(
            events.ThreadCreated(
                thread_id=thread_id,
                space_id="s",
                visibility="org",
                org_id="org-race",
                author_id=asker.id,
                kind="question",
                title=f"Race {n}",
            )
        )
    await notify.settle()
    for answerer in answerers:
        assert await notify.kinds(answerer) == ["question_routed"], answerer.id


async def test_a_routing_applied_while_its_answerer_is_erased_leaves_them_nothing(notify: Notify) -> None:
    # PROFILES (the erasure) and MATCHER (the routing) are applied by two consumers at once; on
    # PostgreSQL a notification inserted during the erasure used to survive its delete.
    asker = await notify.person("org-erase-race")
    answerers = [await notify.person("org-erase-race") for _ in range(6)]
    threads = [await notify.thread(asker, title=f"Race question {n}") for n in range(6)]
    await notify.settle()
    for answerer, thread_id in zip(answerers, threads, strict=True):
        await notify.publish(events.PersonDeleted(person_id=answerer.id, org_id="org-erase-race"))
        await notify.route(thread_id, answerer)
    await notify.settle()
    async with notify.database.reading() as session:
        left = (
            await session.execute(
                sa.select(tables.notifications.c.person_id).where(
                    tables.notifications.c.person_id.in_([a.id for a in answerers])
                )
            )
        ).all()
    assert left == []
