"""The read cache (``adapters.read_cache``): an anonymous reader's pages come from it, never stale
after a write (in this forum process or another on the same database), and a signed-in reader
never gets an anonymous reader's body. On both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa

from peerlearn import events
from peerlearn.read_cache import ContentVersion, read_cache_for
from peerlearn.store import Database
from peerlearn.testing.client import app_client
from peerlearn.testing.servers import NatsServer
from peerlearn_forum.app import create_app

from .conftest import ADMIN, Forum, forum_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _anonymous(forum: Forum, path: str) -> dict[str, Any]:
    """Read ``path`` anonymously twice: the second answer comes from the cache (checked)."""
    cache = read_cache_for(forum.database)
    first = await forum.client.get(path)
    assert first.status_code == 200, first.text
    hits = cache.hits
    second = await forum.client.get(path)
    assert cache.hits == hits + 1, "the second anonymous read was not served from the cache"
    assert second.content == first.content
    body: dict[str, Any] = second.json()
    return body


async def _public_thread(forum: Forum) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    asker = await forum.person("org-rc")
    await forum.settle()
    space = await forum.space("public", ADMIN)
    return asker, space, await forum.thread(space["id"], asker)


async def test_every_kind_of_write_is_seen_by_the_next_anonymous_read(forum: Forum) -> None:
    asker, space, thread = await _public_thread(forum)
    answerer = await forum.person("org-rc", name="Ada Answering")
    await forum.settle()
    thread_path = f"/v1/threads/{thread['id']}"
    listing = f"/v1/spaces/{space['id']}/threads?sort=active"

    assert (await _anonymous(forum, thread_path))["posts"] == []
    post = await forum.post(thread["id"], answerer, "Use asyncio.gather.")
    view = await _anonymous(forum, thread_path)
    assert [p["id"] for p in view["posts"]] == [post["id"]]

    # A vote (the post's score), an edit (the thread's title), a new thread (the listing).
    voted = await forum.client.post(f"/v1/posts/{post['id']}/votes", json={"value": 1}, headers=asker.headers)
    assert voted.status_code == 200, voted.text
    assert (await _anonymous(forum, thread_path))["posts"][0]["score"] == 1
    before = [t["id"] for t in (await _anonymous(forum, listing))["items"]]
    edited = await forum.client.patch(thread_path, json={"title": "Now retitled"}, headers=asker.headers)
    assert edited.status_code == 200, edited.text
    assert (await _anonymous(forum, thread_path))["title"] == "Now retitled"
    newer = await forum.thread(space["id"], asker, title="A newer question")
    assert [t["id"] for t in (await _anonymous(forum, listing))["items"]] == [newer["id"], *before]

    # A write by an event handler, not a request: profiles renames the answerer.
    profile = events.PersonProfile(id=answerer.id, org_id="org-rc", display_name="Ada Renamed")
    await forum.publish(events.PersonUpserted(person=profile), org_id="org-rc")
    await forum.settle()
    assert (await _anonymous(forum, thread_path))["posts"][0]["author"]["display_name"] == "Ada Renamed"

    # A new public space is in the next anonymous listing of spaces.
    spaces_before = {s["id"] for s in (await _anonymous(forum, "/v1/spaces?limit=100"))["items"]}
    another = await forum.space("public", ADMIN)
    spaces_after = {s["id"] for s in (await _anonymous(forum, "/v1/spaces?limit=100"))["items"]}
    assert spaces_after == spaces_before | {another["id"]}

    # The thread's deletion: gone for the next anonymous reader.
    deleted = await forum.client.delete(thread_path, headers=asker.headers)
    assert deleted.status_code == 204, deleted.text
    assert (await forum.client.get(thread_path)).status_code == 404


async def test_a_signed_in_reader_never_gets_the_anonymous_body(forum: Forum) -> None:
    admin, member, org_thread = await forum.org_thread("org-rc-seen")
    _asker, public_space, thread = await _public_thread(forum)
    thread_path = f"/v1/threads/{thread['id']}"
    # The matcher suggests a person of org-rc-seen and that org's thread: only its people see them.
    await forum.publish(
        events.AnswerersSuggested(
            thread_id=thread["id"],
            answerers=[
                events.SuggestedAnswerer(
                    person_id=admin.id, display_name="x", score=0.9, reasons=[events.Reason(text="knows")]
                )
            ],
            related=[events.RelatedThread(thread_id=org_thread["id"], title="t", score=0.5)],
        )
    )
    await forum.settle()

    anonymous = await _anonymous(forum, thread_path)
    assert anonymous["suggested_answerers"] == [] and anonymous["related"] == []
    seen = (await forum.client.get(thread_path, headers=member.headers)).json()
    assert [a["person_id"] for a in seen["suggested_answerers"]] == [admin.id]
    assert [r["thread_id"] for r in seen["related"]] == [org_thread["id"]]

    # The spaces: the anonymous listing (cached) has the public space only, a member's has theirs.
    anonymous_spaces = {s["id"] for s in (await _anonymous(forum, "/v1/spaces?limit=100"))["items"]}
    assert public_space["id"] in anonymous_spaces and org_thread["space_id"] not in anonymous_spaces
    member_spaces = await forum.client.get("/v1/spaces?limit=100", headers=member.headers)
    assert org_thread["space_id"] in {s["id"] for s in member_spaces.json()["items"]}


@pytest_asyncio.fixture(loop_scope="module")
async def second_forum(
    forum: Forum, module_nats: NatsServer, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """Another forum process's view: an app of its own on the same database (its own cache)."""
    database = Database(forum.database.url, schema=forum.database.schema)
    app = create_app(forum_settings(tmp_path, module_nats.url), database=database)
    async with app_client(app) as client:
        yield client


async def test_a_write_through_one_forum_is_seen_by_the_next_anonymous_read_of_another(
    forum: Forum, second_forum: httpx.AsyncClient
) -> None:
    asker, _space, thread = await _public_thread(forum)
    path = f"/v1/threads/{thread['id']}"
    for _ in range(2):  # the second forum has it in its cache now
        assert (await second_forum.get(path)).json()["posts"] == []
    post = await forum.post(thread["id"], asker, "Written through the first forum.")
    assert [p["id"] for p in (await second_forum.get(path)).json()["posts"]] == [post["id"]]


@pytest.mark.postgresql_only  # SQLite has one writer at a time: nothing to interleave
async def test_two_writers_of_one_thread_never_deadlock_on_the_content_version(forum: Forum) -> None:
    """A vote (its post's score, then its thread's) and an acceptance (the thread locked, then
    updated) of one thread at the same time: the version is bumped at commit, after the rows
    each locks, so the vote waits for the acceptance instead of the two deadlocking (bumped at
    each statement, the vote held the version while it waited for the thread)."""
    import asyncio

    import sqlalchemy as sa

    _asker, _space, thread = await _public_thread(forum)
    answerer = await forum.person("org-rc", name="Dana Deadlock")
    await forum.settle()
    post = await forum.post(thread["id"], answerer, "An answer to vote on.")
    engine = forum.database.engine
    at = {"t": thread["id"], "p": post["id"]}
    version = sa.text("SELECT n FROM content_version WHERE id = 1")
    async with engine.connect() as reading:
        before = (await reading.execute(version)).scalar_one()
    async with engine.connect() as accepting, engine.connect() as voting:
        await accepting.execute(sa.text("SELECT id FROM threads WHERE id = :t FOR UPDATE"), at)
        await voting.execute(sa.text("UPDATE posts SET score = score + 1 WHERE id = :p"), at)
        thread_score = asyncio.create_task(  # waits for the acceptance's lock on the thread
            voting.execute(sa.text("UPDATE threads SET score = score + 1 WHERE id = :t"), at)
        )
        await asyncio.sleep(0.3)
        await accepting.execute(sa.text("UPDATE threads SET accepted_post_id = :p WHERE id = :t"), at)
        await accepting.commit()
        await asyncio.wait_for(thread_score, 10)
        await voting.commit()
    async with engine.connect() as reading:
        row = (
            await reading.execute(sa.text("SELECT score, accepted_post_id FROM threads WHERE id = :t"), at)
        ).one()
        after = (await reading.execute(version)).scalar_one()
    assert (row.score, row.accepted_post_id) == (thread["score"] + 1, post["id"])  # both writes stand
    assert after > before  # and each bumped the version, at its commit


@pytest.mark.postgresql_only  # on SQLite each request reads the version itself, in the loop's thread
async def test_a_version_read_sent_before_a_commit_never_answers_a_request_after_it(
    forum: Forum, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Single-flight on PostgreSQL: a request that arrives while a version read is on the wire
    waits for the next read, so a writer reading what it has just committed never gets a
    version read before its commit (and with it the page cached before its write)."""
    import asyncio

    asker, _space, thread = await _public_thread(forum)
    version = ContentVersion(forum.database)
    read_kept = version._read_kept
    sent, answered = asyncio.Event(), asyncio.Event()
    reads = 0

    async def read_held_on_the_wire() -> int:
        # The query's snapshot is taken here; its answer is held until the test lets it go.
        nonlocal reads
        reads += 1
        value = await read_kept()
        sent.set()
        await answered.wait()
        return value

    monkeypatch.setattr(version, "_read_kept", read_held_on_the_wire)
    try:
        answered.set()  # the first read (keeping the connection) is not held
        before = await version.current()
        answered.clear()
        sent.clear()
        early = asyncio.create_task(version.current())  # its read is sent before the commit
        await sent.wait()
        await forum.post(thread["id"], asker, "Committed while a version read is on the wire.")
        late = [asyncio.create_task(version.current()) for _ in range(16)]  # all after the commit
        await asyncio.sleep(0.05)
        answered.set()
        assert await early == before
        after = await asyncio.gather(*late)
        assert all(n > before for n in after), (before, after)
        assert reads == 3  # the first, the held one, and one for all sixteen that came after it
    finally:
        answered.set()
        await version.close()


async def test_a_writer_reads_its_own_answer_while_others_keep_reading_the_page(forum: Forum) -> None:
    """Sixteen anonymous readers of a thread, and a writer answering it who reads the page after
    each answer at the same time: every time, the page it gets has its answer."""
    import asyncio

    _asker, _space, thread = await _public_thread(forum)
    answerer = await forum.person("org-rc", name="Rita Reading")
    await forum.settle()
    path = f"/v1/threads/{thread['id']}"
    hits = read_cache_for(forum.database).hits

    async def read_a_few() -> None:
        # Three pages each (the module's forum limits reads to 1,200 a minute from one address).
        for _ in range(3):
            response = await forum.client.get(path)
            assert response.status_code == 200, response.text
            # A cached page on SQLite awaits nothing that suspends: let the others have a turn.
            await asyncio.sleep(0)

    async def answer_and_read(round_: int) -> None:
        post = await forum.post(thread["id"], answerer, f"Answer number {round_}.")
        page = (await forum.client.get(path)).json()
        assert post["id"] in [p["id"] for p in page["posts"]], f"round {round_}: the old page"

    for round_ in range(8):
        await asyncio.gather(answer_and_read(round_), *(read_a_few() for _ in range(16)))
    assert read_cache_for(forum.database).hits > hits  # the readers were served from the cache


async def test_every_transaction_that_writes_bumps_the_version_and_postgresql_bumps_it_once(
    forum: Forum,
) -> None:
    for _ in range(2):
        await forum.space("public", ADMIN)
    version = ContentVersion(forum.database)
    try:
        for _ in range(3):  # the same pooled connection again: its "bumped" mark must not outlive a commit
            before = await version.current()
            async with forum.database.transaction() as session:
                await session.execute(sa.text("UPDATE spaces SET name = name"))
                await session.execute(sa.text("UPDATE spaces SET description = description"))
            after = await version.current()
            if forum.database.is_sqlite:
                assert after > before
            else:  # many rows, two statements, one bump (migration 0005)
                assert after == before + 1
        before = await version.current()
        async with forum.database.transaction() as session:
            await session.execute(sa.text("SELECT 1"))  # a transaction that writes nothing
        assert await version.current() == before
    finally:
        await version.close()
