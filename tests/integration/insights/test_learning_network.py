"""The learning network of an org: its people, another org's people as one node per org unless
they share a cohort with it, weighted ties, communities, brokers, isolates, reciprocity, the
Gini of the answering load; and the picture of it."""

from __future__ import annotations

import uuid
from xml.etree import ElementTree

import pytest

from peerlearn import events

from .conftest import Insights
from .programme import Programme, programme

pytestmark = pytest.mark.asyncio(loop_scope="module")
__all__ = ["programme"]
SVG = "{http://www.w3.org/2000/svg}"


async def test_who_helped_whom(insights: Insights, programme: Programme) -> None:
    p = programme
    response = await insights.client.get(f"/v1/orgs/{p.org}/network", headers=p.admin.headers)
    assert response.status_code == 200, response.text
    network = response.json()
    nodes = {n["id"]: n for n in network["nodes"]}
    outsider_org = f"org:{p.outsider.org_id}"
    # org A's five people; org B's partner by name (cohort K); org C only as one node.
    assert set(nodes) == {
        p.asker.id,
        p.answerer.id,
        p.colleague.id,
        p.newcomer.id,
        p.admin.id,
        p.partner.id,
        outsider_org,
    }
    assert (nodes[outsider_org]["kind"], nodes[outsider_org]["people"]) == ("org", 1)
    assert p.outsider.id not in response.text
    ties = {(t["helper"], t["helped"]): (t["weight"], t["acts"]) for t in network["ties"]}
    # An answer (1), its acceptance (2) and a mentoring session (2).
    assert ties == {
        (p.answerer.id, p.asker.id): (5.0, 3),
        (p.answerer.id, p.partner.id): (1.0, 1),
        (outsider_org, p.colleague.id): (1.0, 1),
    }
    assert set(network["never_interacted"]) == {p.admin.id, p.newcomer.id}
    assert network["asked_unanswered"] == [p.newcomer.id]
    assert network["reciprocity"] == 0.0
    assert network["answering_gini"] == pytest.approx(0.8)  # one of five answers everything
    assert network["cross_org_share"] == pytest.approx(2 / 3)
    assert network["brokers"][0]["id"] == p.answerer.id  # between the asker and org B's partner
    assert network["betweenness"] == {"method": "exact", "sources": 7, "nodes": 7}
    sizes = sum(c["size"] for c in network["communities"])
    assert sizes == 7
    assert nodes[p.answerer.id]["community"] == nodes[p.asker.id]["community"]
    assert 0 <= network["crossing_share"] <= 1


async def test_the_window(insights: Insights, programme: Programme) -> None:
    p = programme
    early = await insights.client.get(
        f"/v1/orgs/{p.org}/network",
        headers=p.admin.headers,
        params={"from": "2026-05-04T09:00:00Z", "to": "2026-05-04T12:30:00Z"},
    )
    assert early.status_code == 200, early.text
    ties = {(t["helper"], t["helped"]): t["weight"] for t in early.json()["ties"]}
    assert ties == {(p.answerer.id, p.asker.id): 3.0}  # the answer and its acceptance, not the session


async def test_the_picture(insights: Insights, programme: Programme) -> None:
    p = programme
    response = await insights.client.get(f"/v1/orgs/{p.org}/network.svg", headers=p.admin.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(response.text)
    labels = {t.text: t.get("font-weight") for t in root.iter(SVG + "text")}
    broker = next(
        n
        for n in (await insights.client.get(f"/v1/orgs/{p.org}/network", headers=p.admin.headers)).json()[
            "nodes"
        ]
        if n["id"] == p.answerer.id
    )
    assert labels[broker["label"]] == "700"  # the broker is named in bold
    assert any(label and label.startswith(f"org {p.outsider.org_id}") for label in labels)
    assert len(list(root.iter(SVG + "circle"))) >= 6 and len(list(root.iter(SVG + "line"))) == 3
    again = await insights.client.get(f"/v1/orgs/{p.org}/network.svg", headers=p.admin.headers)
    assert again.text == response.text  # a seeded layout: the same ties, the same picture


async def test_a_remembered_network_is_never_stale(insights: Insights) -> None:
    """The analysis is remembered between reads (the page asks for the JSON, then the picture),
    yet the next read after any applied event shows it: here a new answer, then an erasure."""
    org = "o-" + uuid.uuid4().hex[:8]
    asker, first, second = [await insights.person(org) for _ in range(3)]
    admin = await insights.person(org, roles=("org_admin",))
    thread = await insights.thread(asker)
    await insights.answer(thread, first, asker)
    await insights.settle()

    async def ties() -> set[tuple[str, str]]:
        response = await insights.client.get(f"/v1/orgs/{org}/network", headers=admin.headers)
        assert response.status_code == 200, response.text
        return {(t["helper"], t["helped"]) for t in response.json()["ties"]}

    assert await ties() == {(first.id, asker.id)}
    assert await ties() == {(first.id, asker.id)}  # the remembered analysis
    await insights.answer(thread, second, asker)
    await insights.settle()
    assert await ties() == {(first.id, asker.id), (second.id, asker.id)}
    await insights.publish(events.PersonDeleted(person_id=first.id, org_id=org))
    await insights.settle()
    assert await ties() == {(second.id, asker.id)}
