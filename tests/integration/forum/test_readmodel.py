"""The read model follows profiles' events: cohort changes move visibility, erasure anonymises."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from peerlearn import events

from .conftest import ADMIN, Forum, Person

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_org_leaving_a_cohort_takes_its_people_out(forum: Forum) -> None:
    owner_admin = await forum.person("org-own", "org_admin")
    guest = await forum.person("org-guest")
    guest_admin = await forum.person("org-guest", "org_admin")
    cohort = await forum.cohort("org-own")
    await forum.publish(events.CohortOrgJoined(cohort_id=cohort, org_id="org-guest"))
    await forum.join(cohort, guest)
    await forum.settle()
    space = await forum.space("cohort", guest_admin.headers, cohort_id=cohort)
    assert (await forum.client.get(f"/v1/spaces/{space['id']}", headers=guest.headers)).status_code == 200
    assert (
        await forum.client.get(f"/v1/spaces/{space['id']}", headers=owner_admin.headers)
    ).status_code == 200
    await forum.publish(events.CohortOrgLeft(cohort_id=cohort, org_id="org-guest"))
    await forum.settle()
    for person in (guest, guest_admin):
        assert (
            await forum.client.get(f"/v1/spaces/{space['id']}", headers=person.headers)
        ).status_code == 404


async def test_erased_person_is_anonymised_and_their_votes_and_flags_dropped(forum: Forum) -> None:
    admin = await forum.person("org-erase", "org_admin")
    leaving = await forum.person("org-erase", name="Eve Leaving")
    staying = await forum.person("org-erase", name="Sam Staying")
    await forum.settle()
    space = await forum.space("org", admin.headers)
    thread = await forum.thread(space["id"], leaving, title="A question by Eve")
    post = await forum.post(thread["id"], staying, "An answer by Sam")
    await forum.client.post(f"/v1/posts/{post['id']}/votes", json={"value": 1}, headers=leaving.headers)
    await forum.client.post(f"/v1/posts/{post['id']}/votes", json={"value": 1}, headers=admin.headers)
    await forum.client.post(f"/v1/posts/{post['id']}/flags", json={"reason": "meh"}, headers=leaving.headers)

    await forum.publish(events.PersonDeleted(person_id=leaving.id, org_id="org-erase"))
    await forum.settle()
    view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=admin.headers)).json()
    assert view["author"] == {"id": None, "display_name": "[deleted user]"}
    assert view["posts"][0]["author"]["display_name"] == "Sam Staying"
    assert view["posts"][0]["score"] == 1  # Eve's vote is gone
    # A late upsert of the erased person does not bring them back, and their token writes nothing.
    profile = events.PersonProfile(id=leaving.id, org_id="org-erase", display_name="Eve Again")
    await forum.publish(events.PersonUpserted(person=profile))
    await forum.settle()
    view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=admin.headers)).json()
    assert view["author"]["display_name"] == "[deleted user]"
    response = await forum.client.post(
        f"/v1/threads/{thread['id']}/posts", json={"body": "still here?"}, headers=leaving.headers
    )
    assert response.status_code == 404


async def test_display_names_follow_profile_updates(forum: Forum) -> None:
    admin = await forum.person("org-names", "org_admin", name="Old Name")
    await forum.settle()
    space = await forum.space("org", admin.headers)
    thread = await forum.thread(space["id"], admin)
    profile = events.PersonProfile(
        id=admin.id, org_id="org-names", display_name="New Name", roles=["org_admin"]
    )
    await forum.publish(events.PersonUpserted(person=profile))
    await forum.settle()
    view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=admin.headers)).json()
    assert view["author"]["display_name"] == "New Name"


async def test_person_card_shows_reputation_to_those_who_may_see_the_person(forum: Forum) -> None:
    asker = await forum.person("org-card", name="Asker")
    helper = await forum.person("org-card", name="Helper")
    stranger = await forum.person("org-far")
    admin = await forum.person("org-card", "org_admin")
    await forum.settle()
    space = await forum.space("org", admin.headers)
    thread = await forum.thread(space["id"], asker)
    post = await forum.post(thread["id"], helper)
    await forum.client.post(
        f"/v1/threads/{thread['id']}/accept", json={"post_id": post["id"]}, headers=asker.headers
    )
    card = await forum.client.get(f"/v1/people/{helper.id}", headers=asker.headers)
    assert card.json() == {"person_id": helper.id, "display_name": "Helper", "reputation": 15}
    assert (await forum.client.get(f"/v1/people/{helper.id}", headers=stranger.headers)).status_code == 404
    assert (await forum.client.get(f"/v1/people/{helper.id}")).status_code == 404
    assert (await forum.client.get("/v1/people/p-unknown", headers=asker.headers)).status_code == 404


async def test_a_redelivered_event_is_applied_once(forum: Forum) -> None:
    """The same event delivered twice (past JetStream's dedupe: another message id) changes nothing.

    Only the forum's own record of applied events can tell: ``member_added`` is delivered, then a
    ``member_removed`` of the same moment (last writer wins lets it through), then the first
    event again. Applied a second time, it would make the person a member again.
    """
    admin = await forum.person("org-dup", "org_admin")
    person = await forum.person("org-dup")
    cohort = await forum.cohort("org-dup")
    await forum.settle()
    space = await forum.space("cohort", admin.headers, cohort_id=cohort)
    added = events.make_event(
        events.CohortMemberAdded(cohort_id=cohort, person_id=person.id, org_id="org-dup")
    )
    removed = events.make_event(
        events.CohortMemberRemoved(cohort_id=cohort, person_id=person.id, org_id="org-dup"),
        occurred_at=added.occurred_at,
    )
    await forum.bus.publish_raw(added.type, events.encode(added), f"{added.id}-a")
    forum.published.append(added.id)
    await forum.settle()
    assert (await forum.client.get(f"/v1/spaces/{space['id']}", headers=person.headers)).status_code == 200
    await forum.bus.publish(removed)
    forum.published.append(removed.id)
    await forum.settle()
    assert (await forum.client.get(f"/v1/spaces/{space['id']}", headers=person.headers)).status_code == 404
    await forum.bus.publish_raw(added.type, events.encode(added), f"{added.id}-b")
    # The consumer handles the stream in order: once a later event is applied, the copy was too.
    await forum.person("org-dup")
    await forum.settle()
    assert (await forum.client.get(f"/v1/spaces/{space['id']}", headers=person.headers)).status_code == 404


async def test_a_demoted_admin_loses_admin_rights_before_the_token_expires(forum: Forum) -> None:
    """Roles come from the read model: the token still says org_admin, the forum knows better."""
    admin = await forum.person("org-demote", "org_admin")
    author = await forum.person("org-demote")
    flaggers = [await forum.person("org-demote") for _ in range(3)]
    await forum.settle()
    space = await forum.space("org", admin.headers)
    thread = await forum.thread(space["id"], author)
    post = await forum.post(thread["id"], author, "flag me")
    for person in flaggers:
        await forum.client.post(f"/v1/posts/{post['id']}/flags", json={"reason": "x"}, headers=person.headers)
    assert (await forum.client.get("/v1/moderation/queue", headers=admin.headers)).status_code == 200
    demoted = events.PersonProfile(
        id=admin.id, org_id="org-demote", display_name=admin.name, roles=["learner"]
    )
    await forum.publish(events.PersonUpserted(person=demoted))
    await forum.settle()
    # Same token (it still claims org_admin): no admin rights any more.
    headers = admin.headers
    assert (await forum.client.get("/v1/moderation/queue", headers=headers)).status_code == 403
    body = {"name": "not any more", "visibility": "org"}
    assert (await forum.client.post("/v1/spaces", json=body, headers=headers)).status_code == 403
    restore = await forum.client.post(f"/v1/moderation/posts/{post['id']}/restore", headers=headers)
    assert restore.status_code == 404  # a hidden post: only moderators know it exists
    gone = await forum.client.delete(f"/v1/threads/{thread['id']}", headers=headers)
    assert gone.status_code == 403


async def test_a_person_moved_to_another_org_loses_sight_of_the_old_one(forum: Forum) -> None:
    _admin, mover, thread = await forum.org_thread("org-move-a")
    assert (await forum.client.get(f"/v1/threads/{thread['id']}", headers=mover.headers)).status_code == 200
    moved = events.PersonProfile(id=mover.id, org_id="org-move-b", display_name=mover.name, roles=["learner"])
    await forum.publish(events.PersonUpserted(person=moved))
    await forum.settle()
    assert (await forum.client.get(f"/v1/threads/{thread['id']}", headers=mover.headers)).status_code == 404


async def test_a_person_the_forum_does_not_know_yet_sees_public_content_only(forum: Forum) -> None:
    """Issue 9 §3: a token's org and roles are not taken at their word. Until the person's profile
    arrives they see what is public, nothing of the org their token names, and create nothing."""
    from .conftest import Person

    admin = await forum.person("org-new", "org_admin")
    await forum.settle()
    org_space = await forum.space("org", admin.headers)
    public_space = await forum.space("public", ADMIN)
    newcomer = Person(id="p-" + uuid.uuid4().hex[:10], org_id="org-new", roles=("org_admin",), name="New")
    seen = await forum.client.get(f"/v1/spaces/{org_space['id']}", headers=newcomer.headers)
    assert seen.status_code == 404
    listed = (await forum.client.get("/v1/spaces?limit=100", headers=newcomer.headers)).json()["items"]
    assert {s["visibility"] for s in listed} == {"public"}
    assert (
        await forum.client.get(f"/v1/spaces/{public_space['id']}", headers=newcomer.headers)
    ).status_code == 200
    created = await forum.client.post(
        "/v1/spaces",
        json={"name": "mine", "visibility": "org", "org_id": "org-new"},
        headers=newcomer.headers,
    )
    assert created.status_code == 404
    # Once profiles' event has arrived, the read model decides.
    profile = events.PersonProfile(id=newcomer.id, org_id="org-new", display_name="New", roles=["org_admin"])
    await forum.publish(events.PersonUpserted(person=profile), org_id="org-new")
    await forum.settle()
    assert (
        await forum.client.get(f"/v1/spaces/{org_space['id']}", headers=newcomer.headers)
    ).status_code == 200


async def _helper_answers_and_is_accepted(
    forum: Forum, helper: Person, asked: list[tuple[dict[str, Any], Person]]
) -> list[tuple[dict[str, Any], dict[str, Any], Person, int]]:
    """In each ``(space, asker)``, the asker asks, ``helper`` answers and the asker accepts it:
    each thread, post, asker and the reputation the accept answered with."""
    answers = []
    for space, asker in asked:
        thread = await forum.thread(space["id"], asker)
        post = await forum.post(thread["id"], helper)
        accepted = await forum.client.post(
            f"/v1/threads/{thread['id']}/accept", json={"post_id": post["id"]}, headers=asker.headers
        )
        assert accepted.status_code == 200, accepted.text
        answers.append((thread, post, asker, accepted.json()["answer_author_reputation"]))
    return answers


async def test_reputation_on_a_card_counts_only_spaces_the_viewer_sees(forum: Forum) -> None:
    """Points earned in a space the viewer may not see are not shown to them (DESIGN §6: counts)."""
    admin_x = await forum.person("org-p5x", "org_admin")
    helper = await forum.person("org-p5x")
    asker_x = await forum.person("org-p5x")
    peer_y = await forum.person("org-p5y")
    asker_y = await forum.person("org-p5y")
    cohort = await forum.cohort("org-p5x", "org-p5y")
    await forum.settle()
    for person in (helper, peer_y, asker_y):
        await forum.join(cohort, person)
    await forum.settle()
    org_space = await forum.space("org", admin_x.headers)
    cohort_space = await forum.space("cohort", admin_x.headers, cohort_id=cohort)
    await _helper_answers_and_is_accepted(forum, helper, [(org_space, asker_x), (cohort_space, asker_y)])

    async def seen(headers: dict[str, str]) -> int:
        card = await forum.client.get(f"/v1/people/{helper.id}", headers=headers)
        assert card.status_code == 200
        return int(card.json()["reputation"])

    assert await seen(helper.headers) == 30
    assert await seen(ADMIN) == 30
    assert await seen(asker_x.headers) == 15  # same org, not in the cohort: the org space's points
    assert await seen(peer_y.headers) == 15  # shares the cohort only: the cohort space's points


async def test_the_accept_answer_counts_only_reputation_the_accepter_may_see(forum: Forum) -> None:
    """Issue 9 §3: the accept response's ``answer_author_reputation`` leaked points earned in spaces
    the accepter cannot see; it is now what the accepter would see on the person's card."""
    admin_x = await forum.person("org-acc-x", "org_admin")
    helper = await forum.person("org-acc-x")
    asker_x = await forum.person("org-acc-x")
    asker_y = await forum.person("org-acc-y")
    cohort = await forum.cohort("org-acc-x", "org-acc-y")
    await forum.settle()
    for person in (helper, asker_y):
        await forum.join(cohort, person)
    await forum.settle()
    org_space = await forum.space("org", admin_x.headers)
    cohort_space = await forum.space("cohort", admin_x.headers, cohort_id=cohort)
    answers = await _helper_answers_and_is_accepted(
        forum, helper, [(org_space, asker_x), (cohort_space, asker_y)]
    )
    # asker_y sees only the cohort space: 15 (the total, 30, counts the org space's answer too).
    assert [points for *_, points in answers] == [15, 15]
    card = await forum.client.get(f"/v1/people/{helper.id}", headers=asker_y.headers)
    assert card.json()["reputation"] == 15
    # Accepting again (no change) answers the same; the event keeps the stored total for services.
    thread, post, asker, _ = answers[1]
    again = await forum.client.post(
        f"/v1/threads/{thread['id']}/accept", json={"post_id": post["id"]}, headers=asker.headers
    )
    assert again.json()["answer_author_reputation"] == 15
    accepted_events = await forum.forum_events(1, types=(events.ANSWER_ACCEPTED,), thread_id=thread["id"])
    assert accepted_events[-1].data.reputation == 30
