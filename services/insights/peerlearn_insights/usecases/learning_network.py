"""An org's learning network for its admins and the platform admin (others 404): the org's
people as nodes, another org's people as one node per org unless they share a cohort with the
org (DESIGN §6), and the analysis of :mod:`peerlearn_insights.domain.network`."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from typing import Literal

from peerlearn.auth import Principal
from peerlearn.errors import NotFound
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_insights.adapters import activity
from peerlearn_insights.domain import network as n
from peerlearn_insights.usecases.analysed_networks import AnalysedNetworks
from peerlearn_insights.usecases.programme_report import admin_caller, check_window

NodeInfo = tuple[Literal["person", "org"], str, str, int]


async def learning_network(
    uow: UnitOfWork,
    principal: Principal | None,
    org_id: str,
    start: datetime | None,
    end: datetime | None,
    networks: AnalysedNetworks | None = None,
) -> n.Network:
    """Who helped whom in ``[start, end)`` around ``org_id``, analysed (remembered in
    ``networks`` until insights applies another event)."""
    check_window(start, end)
    async with uow.reading() as tx:
        caller = await admin_caller(tx, principal)
        scope = activity.org_people(org_id)
        own = await activity.names(tx.session, scope)
        if not caller.administers_org(org_id) or not own:
            raise NotFound(f"no org {org_id}")
        version = await activity.data_version(tx.session)
    if networks is None:
        return await _analysed(uow, org_id, start, end, own)
    return await networks.get((org_id, start, end, version), lambda: _analysed(uow, org_id, start, end, own))


async def _analysed(
    uow: UnitOfWork,
    org_id: str,
    start: datetime | None,
    end: datetime | None,
    own: dict[str, tuple[str, str]],
) -> n.Network:
    scope = activity.org_people(org_id)
    async with uow.reading() as tx:
        helps = await activity.helps(tx.session, scope, start, end)
        shared = await activity.shared_cohort_people(tx.session, org_id)
        outside_ids = {h.person_id for h in helps} | {h.other_id for h in helps}
        outside = await activity.people_by_id(tx.session, outside_ids - own.keys())
        asked = await activity.questions(tx.session, start, end, askers=scope)
        answered = set(
            await activity.first_answers(tx.session, activity.asked_threads(start, end, askers=scope))
        )
    nodes: dict[str, NodeInfo] = {p: ("person", name, org_id, 1) for p, (name, _) in own.items()}
    node_of = {p: p for p in own}
    aggregated: Counter[str] = Counter()
    for person, (name, their_org) in outside.items():
        if person in shared:
            nodes[person] = ("person", name, their_org, 1)
            node_of[person] = person
        else:
            node_of[person] = f"org:{their_org}"
            aggregated[their_org] += 1
    graph = n.graph_of((n.Help(h.person_id, h.other_id, h.verb) for h in helps), node_of)
    for their_org, count in aggregated.items():
        node = f"org:{their_org}"
        if node in graph:  # only orgs whose people are in a tie with the org's people
            nodes[node] = (
                "org",
                f"org {their_org} ({count} {'person' if count == 1 else 'people'})",
                their_org,
                count,
            )
    answers_given = Counter(h.person_id for h in helps if h.verb == "answered" and h.person_id in own)
    unanswered_askers = {q.asker_id for q in asked} - {q.asker_id for q in asked if q.thread_id in answered}
    # Seconds of CPU on a big org (Louvain, betweenness): off the event loop, so the service keeps
    # answering other requests meanwhile.
    return await asyncio.to_thread(
        n.analyse, org_id, graph, nodes, answers_given=answers_given, asked_unanswered=unanswered_askers
    )
