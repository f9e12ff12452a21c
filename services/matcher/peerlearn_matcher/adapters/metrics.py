"""The matcher's own metrics, beside the kit's (peerlearn.metrics): how big the live index is and
how long a person's suggestions take to compute."""

from __future__ import annotations

from litestar import Litestar
from prometheus_client import Gauge

from peerlearn.metrics import histogram

SUGGESTION_SECONDS = histogram(
    "peerlearn_matcher_suggestion_seconds",
    "Time to compute one person's peer, mentor and expert suggestions from the live index",
)
INDEX_SIZE = Gauge("peerlearn_matcher_index_entries", "What the live index holds, by kind", ["kind"])


async def index_size(app: Litestar) -> None:
    """Scrape hook: the live index's people and threads (zero until the index has loaded)."""
    index = app.state.matcher.index
    try:
        engine = index.engine
    except RuntimeError:  # not loaded yet
        return
    INDEX_SIZE.labels("people").set(len(engine.people))
    INDEX_SIZE.labels("threads").set(len(engine.thread_index))
