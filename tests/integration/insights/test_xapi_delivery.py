"""xAPI out, against a real LRS (Ralph, file-system backend): each learning act reaches the
person's org's LRS (or the default one) once, as the statement the record shows, with the
account actor, verb, object IRIs and tags; a private thread's title never reaches another
org's LRS; the admin sees the default LRS their org uses."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from peerlearn import events
from peerlearn.events import matcher as mentorship
from peerlearn.testing.lrs import RalphLrs

from .conftest import (
    ADMIN,
    PUBLIC_URL,
    Insights,
    delivered,
    new_org,
    of_people,
    own_lrs,
    record_statements,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_each_act_reaches_its_orgs_lrs_once(lrs_insights: Insights, ralph_lrs: RalphLrs) -> None:
    org, other = new_org(), new_org()
    admin = await lrs_insights.person(org, roles=("org_admin",))
    asker, answerer = await lrs_insights.person(org), await lrs_insights.person(org)
    outsider = await lrs_insights.person(other)  # their org set no LRS: the default gets theirs
    await lrs_insights.settle()
    await own_lrs(lrs_insights, ralph_lrs, admin, "org-a")
    thread = await lrs_insights.thread(asker, title="How do I profile pandas?", tags=("pandas", "python"))
    post = await lrs_insights.answer(thread, answerer, asker)
    accepted = await lrs_insights.publish(
        events.AnswerAccepted(
            thread_id=thread,
            post_id=post,
            answer_author_id=answerer.id,
            asker_id=asker.id,
            space_id="s-1",
            visibility="org",
            org_id=org,
            title="How do I profile pandas?",
        )
    )
    await lrs_insights.publish(
        events.PostVoted(
            thread_id=thread, post_id=post, voter_id=asker.id, author_id=answerer.id, value=1, score=1
        )
    )
    await lrs_insights.publish(
        mentorship.MentorshipSessionLogged(
            mentorship_id="m-" + uuid.uuid4().hex[:6],
            mentee_id=asker.id,
            mentor_id=answerer.id,
            session_id="ms-1",
            at=accepted.occurred_at,
            minutes=30,
        )
    )
    await lrs_insights.thread(outsider, visibility="public", title="Anyone into Rust?", tags=("rust",))
    # The acceptance delivered again (same event id): still one statement per act.
    await lrs_insights.publish(accepted.data, event_id=accepted.id)
    await lrs_insights.settle()
    # asked, answered, answer_accepted, accepted, mentored, attended (upvotes are not sent).
    shown = await delivered(lrs_insights, org, 6)
    assert (shown["failed"], shown["last_error"]) == (0, None)
    await delivered(lrs_insights, other, 1)

    in_lrs = of_people(ralph_lrs.statements("org-a"), [asker, answerer])
    expected = await record_statements(lrs_insights, asker) + await record_statements(lrs_insights, answerer)
    assert len(in_lrs) == 6
    assert sorted(s["id"] for s in in_lrs) == sorted(s["id"] for s in expected)
    by_id = {s["id"]: s for s in in_lrs}
    for made in expected:
        stored = by_id[made["id"]]
        assert stored["actor"] == made["actor"]
        assert set(stored["actor"]["account"]) == {"homePage", "name"}
        assert stored["actor"]["account"]["homePage"] == PUBLIC_URL
        assert "mbox" not in str(stored) and "@" not in str(stored["actor"])
        assert (stored["verb"], stored["object"]) == (made["verb"], made["object"])
        assert stored.get("context") == made.get("context")
    asked = next(s for s in in_lrs if s["verb"]["id"].endswith("/asked"))
    assert asked["verb"]["id"] == "http://adlnet.gov/expapi/verbs/asked"
    assert asked["object"] == {
        "objectType": "Activity",
        "id": f"{PUBLIC_URL}/threads/{thread}",
        "definition": {"name": {"en": "How do I profile pandas?"}},
    }
    assert [a["id"] for a in asked["context"]["contextActivities"]["other"]] == [
        f"{PUBLIC_URL}/tags/pandas",
        f"{PUBLIC_URL}/tags/python",
    ]
    verbs = sorted(s["verb"]["id"] for s in in_lrs)
    assert verbs == sorted(
        [
            "http://adlnet.gov/expapi/verbs/asked",
            "http://adlnet.gov/expapi/verbs/answered",
            "http://activitystrea.ms/schema/1.0/accept",
            "http://activitystrea.ms/schema/1.0/accept",
            "http://id.tincanapi.com/verb/mentored",
            "http://adlnet.gov/expapi/verbs/attended",
        ]
    )
    # A person's statements go only to their org's LRS.
    assert of_people(ralph_lrs.statements("platform"), [asker, answerer]) == []
    assert [s["verb"]["id"] for s in of_people(ralph_lrs.statements("platform"), [outsider])] == [
        "http://adlnet.gov/expapi/verbs/asked"
    ]
    assert of_people(ralph_lrs.statements("org-a"), [outsider]) == []


def texts(statements: list[dict[str, Any]]) -> str:
    return " ".join(str(s) for s in statements)


async def test_a_private_title_never_reaches_another_orgs_lrs(
    lrs_insights: Insights, ralph_lrs: RalphLrs
) -> None:
    org_a, org_b, org_c = new_org(), new_org(), new_org()
    admin_a = await lrs_insights.person(org_a, roles=("org_admin",))
    admin_b = await lrs_insights.person(org_b, roles=("org_admin",))
    a1, b1, c1 = (
        await lrs_insights.person(org_a),
        await lrs_insights.person(org_b),
        await lrs_insights.person(org_c),
    )
    # A cohort org A is in; b1 is a member of it on their own (org B is not in it).
    cohort = "c-" + uuid.uuid4().hex[:8]
    await lrs_insights.publish(events.CohortCreated(cohort_id=cohort, name="K", owner_org_id=org_a))
    await lrs_insights.publish(events.CohortOrgJoined(cohort_id=cohort, org_id=org_a))
    await lrs_insights.publish(events.CohortMemberAdded(cohort_id=cohort, person_id=a1.id, org_id=org_a))
    await lrs_insights.publish(events.CohortMemberAdded(cohort_id=cohort, person_id=b1.id, org_id=org_b))
    await lrs_insights.settle()
    await own_lrs(lrs_insights, ralph_lrs, admin_a, "org-a")
    await own_lrs(lrs_insights, ralph_lrs, admin_b, "org-b")
    secret = "Cohort plans " + uuid.uuid4().hex[:6]
    cohort_thread = "t-" + uuid.uuid4().hex[:10]
    await lrs_insights.publish(
        events.ThreadCreated(
            thread_id=cohort_thread,
            space_id="s-k",
            visibility="cohort",
            cohort_id=cohort,
            author_id=a1.id,
            kind="question",
            title=secret,
            tags=["k-only"],
        )
    )
    await lrs_insights.answer(cohort_thread, b1, a1, visibility="cohort")
    private_a = "A private matter " + uuid.uuid4().hex[:6]
    await lrs_insights.thread(a1, title=private_a)
    public_b = "A public question " + uuid.uuid4().hex[:6]
    await lrs_insights.thread(b1, visibility="public", title=public_b)
    private_c = "C private matter " + uuid.uuid4().hex[:6]
    public_c = "C public question " + uuid.uuid4().hex[:6]
    await lrs_insights.thread(c1, title=private_c)
    await lrs_insights.thread(c1, visibility="public", title=public_c)
    await lrs_insights.settle()
    # a1: joined the group, asked twice; b1: joined, answered, asked; c1: asked twice.
    await delivered(lrs_insights, org_a, 3)
    await delivered(lrs_insights, org_b, 3)
    await delivered(lrs_insights, org_c, 2)

    in_a = of_people(ralph_lrs.statements("org-a"), [a1])
    in_b = of_people(ralph_lrs.statements("org-b"), [b1])
    in_default = of_people(ralph_lrs.statements("platform"), [c1])
    # Org A sees its cohort's thread and its own: both titles, the cohort's tags.
    assert secret in texts(in_a) and private_a in texts(in_a) and "/tags/k-only" in texts(in_a)
    # Org B is not in the cohort: b1's answer there goes to B's LRS without its title or tags.
    answered = [s for s in in_b if s["verb"]["id"].endswith("/answered")]
    assert [s["object"] for s in answered] == [
        {"objectType": "Activity", "id": f"{PUBLIC_URL}/threads/{cohort_thread}"}
    ]
    assert "context" not in answered[0]
    assert public_b in texts(in_b)
    # The default LRS (many orgs' statements) gets public titles only.
    assert public_c in texts(in_default) and private_c not in texts(in_default)
    everything = {user: texts(ralph_lrs.statements(user)) for user in ("org-a", "org-b", "platform")}
    for title, home in ((secret, "org-a"), (private_a, "org-a"), (private_c, None)):
        for user, text in everything.items():
            assert (title in text) == (user == home), (title, user)
    # Org C set no LRS: its admin sees the default one it uses, without its username.
    shown = await lrs_insights.client.get(f"/v1/orgs/{org_c}/lrs", headers=ADMIN)
    assert shown.status_code == 200, shown.text
    assert {k: shown.json()[k] for k in ("endpoint", "username", "source")} == {
        "endpoint": ralph_lrs.endpoint,
        "username": None,
        "source": "default",
    }
    assert ralph_lrs.users["platform"].password not in shown.text
