"""The remembered analyses: one computation per key however many readers wait for it, a reader
who gives up does not cancel it for the others, a failure is not remembered, the oldest key
goes first."""

from __future__ import annotations

import asyncio

import pytest

from peerlearn_insights.domain.network import Betweenness, Network
from peerlearn_insights.usecases.analysed_networks import AnalysedNetworks

pytestmark = pytest.mark.asyncio


def _network(org_id: str) -> Network:
    return Network(
        org_id=org_id,
        nodes=[],
        ties=[],
        communities=[],
        crossing_share=None,
        brokers=[],
        betweenness=Betweenness(method="exact", sources=0, nodes=0),
        never_interacted=[],
        asked_unanswered=[],
        reciprocity=None,
        answering_gini=None,
        cross_org_share=None,
    )


async def test_readers_of_one_key_share_one_computation() -> None:
    networks, calls, gate = AnalysedNetworks(), [], asyncio.Event()

    async def compute() -> Network:
        calls.append(1)
        await gate.wait()
        return _network("o-1")

    readers = [asyncio.create_task(networks.get(("o-1", 1), compute)) for _ in range(5)]
    await asyncio.sleep(0.01)
    readers[0].cancel()  # a closed tab
    gate.set()
    found = await asyncio.gather(*readers[1:])
    assert len(calls) == 1 and all(n.org_id == "o-1" for n in found)
    assert (await networks.get(("o-1", 1), compute)).org_id == "o-1" and len(calls) == 1


async def test_a_failure_is_not_remembered_and_the_oldest_key_goes_first() -> None:
    networks = AnalysedNetworks(size=2)

    async def broken() -> Network:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        await networks.get("k", broken)
    calls: list[str] = []

    async def compute_for(key: str) -> Network:
        calls.append(key)
        return _network(key)

    for key in ("k", "a", "b", "k"):
        await networks.get(key, lambda key=key: compute_for(key))  # type: ignore[misc]
    assert calls == ["k", "a", "b", "k"]  # k was pushed out by a and b
