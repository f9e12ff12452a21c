"""`peerlearn matcher rebuild` logs in to NATS as the matcher (its own user), as the service does.

A rebuild that ignored the matcher's credentials could not connect to the embedded server of
`peerlearn up` at all (anonymous clients are refused), and as a confined user it must not try
to manage other services' streams.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from peerlearn import events, nats_access
from peerlearn.bus import Bus
from peerlearn.store import Database
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET
from peerlearn.testing.servers import start_nats
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.settings import load
from peerlearn_matcher.usecases.rebuild import rebuild


async def test_a_rebuild_reads_the_streams_as_the_matcher_user(tmp_path: Path, encoder: Encoder) -> None:
    server = start_nats(auth=True)
    profiles = Bus(
        server.url,
        credentials=server.credentials("profiles"),
        streams=nats_access.managed_streams("profiles"),
    )
    others = [
        Bus(server.url, credentials=server.credentials(user), streams=nats_access.managed_streams(user))
        for user in ("forum", "matcher")
    ]
    try:
        for bus in (profiles, *others):
            await bus.connect(timeout=10)
        person = events.PersonProfile(
            id="p-" + uuid.uuid4().hex[:8], org_id="o1", display_name="Rita Rebuild"
        )
        await profiles.publish(events.make_event(events.PersonUpserted(person=person), org_id="o1"))
        matcher_login = server.credentials("matcher")
        settings = load(
            {
                "PEERLEARN_DATA_DIR": str(tmp_path),
                "PEERLEARN_NATS_URL": server.url,
                "PEERLEARN_MATCHER_NATS_USER": matcher_login.user,
                "PEERLEARN_MATCHER_NATS_PASSWORD": matcher_login.password,
                "PEERLEARN_JWT_SECRET": TEST_JWT_SECRET,
                "PEERLEARN_ADMIN_TOKEN": TEST_ADMIN_TOKEN,
            }
        )
        target = Database(f"sqlite+aiosqlite:///{tmp_path / 'rebuilt.db'}")
        try:
            report = await rebuild(settings, database=target, encoder=encoder)
        finally:
            await target.dispose()
        assert report.people == 1
    finally:
        for bus in (profiles, *others):
            await bus.close()
        server.stop()
