"""The forum service's composition root: settings and adapters in, a Litestar app out."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.di import Provide

from peerlearn.bus import Bus
from peerlearn.service import create_service_app
from peerlearn.store import Database
from peerlearn_forum.adapters.handlers import make_consumers
from peerlearn_forum.adapters.posting_window import posting_window_for
from peerlearn_forum.http.routes import CONTROLLERS
from peerlearn_forum.settings import ForumSettings, load

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(
    settings: ForumSettings | None = None,
    *,
    database: Database | None = None,
    bus: Bus | None = None,
) -> Litestar:
    """Build the forum app; no I/O happens until it starts."""
    forum_settings = settings or load()
    # Redis when configured (replicas count together), else this process's memory.
    posting = posting_window_for(forum_settings.redis_url, forum_settings.post_rate_per_minute)

    async def close_posting_window(_app: Litestar) -> None:
        """Close the posting window's Redis connections (nothing to do in memory)."""
        await posting.close()

    return create_service_app(
        forum_settings,
        title="peerlearn forum",
        description="Spaces, questions, answers, votes, a tagged learning library and search.",
        route_handlers=CONTROLLERS,
        migrations=MIGRATIONS,
        database=database,
        bus=bus,
        consumers=lambda b, db: make_consumers(b, db, max_deliver=forum_settings.consumer_max_deliver),
        dependencies={
            "posting": Provide(lambda: posting, sync_to_thread=False),
            "forum_settings": Provide(lambda: forum_settings, sync_to_thread=False),
        },
        on_shutdown=[close_posting_window],
    )
