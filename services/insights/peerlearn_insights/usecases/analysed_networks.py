"""The last few analysed networks, so an admin who opens the network page (its JSON, then its
picture) or comes back to it pays for Louvain and betweenness once, not per request.

An analysis depends on the org, the window and what insights has applied, nothing else: every
admin of the org sees the same network. The key therefore carries the data's version (how many
events were applied and when the last one was, see
:func:`peerlearn_insights.adapters.activity.data_version`): any applied event, an erasure
included, makes the next read compute afresh, so a cached network is never stale. Concurrent
readers of one key wait for a single computation instead of starting one each.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

from peerlearn_insights.domain.network import Network


class AnalysedNetworks:
    """A small LRU of analysed networks by (org, window, data version), computed once per key."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._done: OrderedDict[Hashable, Network] = OrderedDict()
        self._computing: dict[Hashable, asyncio.Task[Network]] = {}

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Network]]) -> Network:
        """The network of ``key``: remembered, being computed for another reader, or computed now."""
        if key in self._done:
            self._done.move_to_end(key)
            return self._done[key]
        task = self._computing.get(key)
        if task is None:
            # A task of its own: a reader who gives up (a closed tab) does not cancel the
            # computation the other readers of the same key are waiting for.
            task = asyncio.create_task(self._compute(key, compute), name="insights-network")
            self._computing[key] = task
        return await asyncio.shield(task)

    async def _compute(self, key: Hashable, compute: Callable[[], Awaitable[Network]]) -> Network:
        try:
            network = await compute()
        finally:
            self._computing.pop(key, None)
        self._done[key] = network
        while len(self._done) > self.size:
            self._done.popitem(last=False)
        return network
