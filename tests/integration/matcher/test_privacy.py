"""DESIGN §6 in the matcher: no cross-org match without a shared cohort or consent; a private
thread's text never reaches outsiders; a deleted person disappears everywhere at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from peerlearn import events
from peerlearn_matcher.adapters import tables as models

from .conftest import Harness, answered, new_org, person, thread

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_other_orgs_only_through_a_shared_cohort_or_consent(matcher: Harness) -> None:
    org_a, org_b, org_c = new_org(), new_org(), new_org()
    learner = await matcher.upsert(person(org_a, "Ann Acme", want={"data engineering": 1}))
    private = await matcher.upsert(
        person(org_b, "Bo Private", have={"data engineering": 5, "spark": 5}, roles=("expert",))
    )
    consenting = await matcher.upsert(
        person(org_c, "Cy Open", have={"data pipelines": 5}, roles=("expert",), open_to_external=True)
    )
    stranger_peer = await matcher.upsert(person(org_b, "Bea Peer", want={"data engineering": 1}))

    everyone = await matcher.candidates(learner)
    assert private.id not in everyone
    assert stranger_peer.id not in everyone
    assert consenting.id in await matcher.candidates(learner, "expert")

    cohort = await matcher.cohort("Data Guild", org_a, org_b)
    await matcher.join(cohort, learner)
    await matcher.join(cohort, private)
    experts = await matcher.suggestions(learner, "expert")
    found = [s for s in experts if s["candidate_id"] == private.id]
    assert found, experts
    assert "you are both in cohort Data Guild" in [r["text"] for r in found[0]["reasons"]]
    # Bea is in org B too, but not in the cohort: still invisible to Ann.
    assert stranger_peer.id not in await matcher.candidates(learner)

    await matcher.publish(events.CohortMemberRemoved(cohort_id=cohort, person_id=private.id, org_id=org_b))
    assert private.id not in await matcher.candidates(learner)


async def test_a_private_thread_never_reaches_outsiders(matcher: Harness) -> None:
    org_a, org_b = new_org(), new_org()
    insider = await matcher.upsert(person(org_a, "Ida Insider", want={"kafka": 1}))
    expert = await matcher.upsert(
        person(
            org_a,
            "Eli Expert",
            have={"kafka": 5, "event streaming": 5},
            roles=("expert",),
            open_to_external=True,
        )
    )
    outsider = await matcher.upsert(person(org_b, "Olga Outsider", want={"kafka": 1}))
    secret_title = "Kafka consumer lag in the Zeus payments migration"
    secret = thread(insider, secret_title, visibility="org", tags=("kafka",), body="Zeus internals")
    await answered(matcher, secret, expert)
    for i in range(2):
        await answered(
            matcher,
            thread(insider, f"Kafka partitions rebalancing question {i}", visibility="org", tags=("kafka",)),
            expert,
        )

    public = thread(outsider, "How do I reduce Kafka consumer lag?", tags=("kafka",))
    await matcher.publish(public)
    # The outsider cannot read the private thread's answerers or related threads: 404.
    for path in ("answerers", "related"):
        response = await matcher.client.get(
            f"/v1/threads/{secret.thread_id}/{path}", headers=matcher.headers(outside := outsider)
        )
        assert response.status_code == 404, (path, response.text)
    # What is shown on the public thread: the consenting expert may be routed there, but no
    # private title and no count of private answers.
    for who in (outside, None):
        headers = matcher.headers(who) if who else {}
        related = (
            await matcher.client.get(f"/v1/threads/{public.thread_id}/related", headers=headers)
        ).json()
        assert secret.thread_id not in [r["thread_id"] for r in related["related"]]
        answerers = (
            await matcher.client.get(f"/v1/threads/{public.thread_id}/answerers", headers=headers)
        ).json()
        text = repr(answerers)
        if who is not None:  # the expert consented: routed to the outsider's question
            assert expert.id in [a["person_id"] for a in answerers["answerers"]]
        assert "Zeus" not in text and "accepted question" not in text
    published = [
        e
        for e in await matcher.matcher_events(events.ANSWERERS_SUGGESTED)
        if e.data.thread_id == public.thread_id
    ]
    assert published
    text = repr([e.data for e in published])
    assert secret.thread_id not in text and "Zeus" not in text and "accepted question" not in text
    expert_view = await matcher.suggestions(expert)
    assert "Zeus" not in repr(expert_view)

    # Inside the org, the private answered thread *is* related to a new org question.
    inside_question = thread(
        insider, "Kafka consumer lag again in payments", visibility="org", tags=("kafka",)
    )
    await matcher.publish(inside_question)
    related = (
        await matcher.client.get(
            f"/v1/threads/{inside_question.thread_id}/related", headers=matcher.headers(insider)
        )
    ).json()
    assert secret.thread_id in [r["thread_id"] for r in related["related"]]


async def test_a_deleted_person_disappears_from_every_list_at_once(matcher: Harness) -> None:
    org = new_org()
    leaving = await matcher.upsert(
        person(org, "Dee Departing", have={"terraform": 5}, roles=("mentor", "expert"), mentor_capacity=3)
    )
    learners = [await matcher.upsert(person(org, f"Tim Terra {i}", want={"terraform": 1})) for i in range(2)]
    for learner in learners:
        assert leaving.id in await matcher.candidates(learner, "mentor")
    question = thread(learners[0], "Terraform state locking fails", tags=("terraform",))
    await matcher.publish(question)
    answerers = (
        await matcher.client.get(
            f"/v1/threads/{question.thread_id}/answerers", headers=matcher.headers(learners[0])
        )
    ).json()
    assert leaving.id in [a["person_id"] for a in answerers["answerers"]]

    await matcher.publish(events.PersonDeleted(person_id=leaving.id, org_id=org), org_id=org)
    for learner in learners:
        assert leaving.id not in await matcher.candidates(learner)
    answerers = (
        await matcher.client.get(
            f"/v1/threads/{question.thread_id}/answerers", headers=matcher.headers(learners[0])
        )
    ).json()
    assert leaving.id not in [a["person_id"] for a in answerers["answerers"]]
    assert leaving.id not in matcher.engine.people
    async with matcher.database.sessions() as session:
        for table, column in (
            (models.suggestions, "candidate_id"),
            (models.suggestions, "person_id"),
            (models.profiles, "id"),
            (models.vectors, "owner_id"),
        ):
            count = await session.scalar(sa.select(sa.func.count()).where(table.c[column] == leaving.id))
            assert count == 0, (table.name, column)
        # The directory keeps a tombstone (so a late upsert cannot bring them back), nothing more.
        people = models.directory.people
        [tombstone] = (await session.execute(sa.select(people).where(people.c.id == leaving.id))).all()
        assert tombstone.erased and tombstone.display_name == "" and tombstone.roles == []
    # Their token grants nothing any more: their own list is as if it never existed.
    response = await matcher.client.get(
        f"/v1/people/{leaving.id}/suggestions", headers=matcher.headers(leaving)
    )
    assert response.status_code == 404


async def test_leaving_a_cohort_ends_routing_of_its_questions(matcher: Harness) -> None:
    org_a, org_b = new_org(), new_org()
    cohort = await matcher.cohort("Routing Guild", org_a, org_b)
    asker = await matcher.upsert(person(org_a, "Ria Asker", want={"scala": 1}))
    helper = await matcher.upsert(person(org_b, "Hugo Helper", have={"scala": 5, "akka": 4}))
    for member in (asker, helper):
        await matcher.join(cohort, member)
    question = thread(
        asker, "Scala implicits confuse me", visibility="cohort", cohort_id=cohort, tags=("scala",)
    )
    await matcher.publish(question)
    assert [s["thread_id"] for s in await matcher.suggestions(helper, "answerer")] == [question.thread_id]
    await matcher.publish(events.CohortMemberRemoved(cohort_id=cohort, person_id=helper.id, org_id=org_b))
    assert await matcher.suggestions(helper, "answerer") == []
    response = await matcher.client.get(
        f"/v1/threads/{question.thread_id}/answerers", headers=matcher.headers(asker)
    )
    assert helper.id not in [a["person_id"] for a in response.json()["answerers"]]


async def test_admins_of_a_member_org_see_the_cohort_members_as_everywhere(matcher: Harness) -> None:
    """Issue 9 §3 / DESIGN §6: an org admin whose org is in a cohort sees that cohort's spaces and
    its members' cards in every service; in the matcher, a question's answerers and its threads."""
    org_a, org_b = new_org(), new_org()
    cohort = await matcher.cohort("Rust Circle", org_a, org_b)
    asker = await matcher.upsert(person(org_a, "Ros Asker", want={"rust": 1}))
    helper = await matcher.upsert(person(org_b, "Bert Borrow", have={"rust": 5, "tokio": 4}))
    admin = await matcher.upsert(person(org_a, "Ada Admin", roles=("org_admin",)))
    colleague = await matcher.upsert(person(org_a, "Col Leg", want={"go": 1}))
    for member in (asker, helper):
        await matcher.join(cohort, member)
    public = thread(asker, "Rust lifetimes in async code", tags=("rust",))
    shared = thread(asker, "Rust borrow checker and closures", visibility="cohort", cohort_id=cohort)
    for question in (public, shared):
        await matcher.publish(question)

    async def names(question: events.ThreadCreated, viewer: events.PersonProfile) -> tuple[int, list[str]]:
        response = await matcher.client.get(
            f"/v1/threads/{question.thread_id}/answerers", headers=matcher.headers(viewer)
        )
        found = response.json().get("answerers", []) if response.status_code == 200 else []
        return response.status_code, [a["display_name"] for a in found]

    status, shown = await names(public, asker)
    assert status == 200 and "Bert Borrow" in shown  # the cohort makes them matchable
    status, shown = await names(public, admin)
    assert status == 200 and "Bert Borrow" in shown  # the cohort's admin sees the card
    assert await names(shared, admin) == (200, ["Bert Borrow"])  # and the cohort's space
    # A colleague outside the cohort sees neither the card nor the cohort's space.
    status, shown = await names(public, colleague)
    assert status == 200 and "Bert Borrow" not in shown
    assert await names(shared, colleague) == (404, [])
