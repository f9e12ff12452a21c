"""A cluster that loses nothing (issue 15): deploy/'s 3-node NATS cluster (TLS, a user per service),
PostgreSQL, Redis and two replicas of profiles, forum, notify, insights and the matcher, each
service behind a round-robin TCP proxy. A bounded write load (new people ask questions, others
answer them) runs while one replica of each service and one NATS node are SIGKILLed. Then every
acknowledged write (a 2xx) is in every read model exactly once (profiles' people, the forum's
spaces and threads, notify's inboxes, insights' learning records, the matcher's people, questions
and answers), and every answer was mailed once. The killed matcher replica is started again: it
loads the database, catches up with what the other did meanwhile, and the two compute the same
answerers for every question from their own in-memory indexes.

The client behaves as a real one: every write carries an ``Idempotency-Key`` and is retried with
the same key on a connection error, a 5xx, a 429 or "in progress" until it gets a 2xx. The
proxies also lose some answers after the work was done (a crash just after a commit is too rare
a moment to hit by chance), so retries of writes that did land are part of the load. A new
person's first question is also retried on 401/403/404 while the forum has not yet heard of them
(the services agree eventually).

The web app (which keeps nothing) is left out.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from peerlearn import events, nats_access
from peerlearn.auth import TokenIssuer
from peerlearn.bus import Bus
from peerlearn.testing.proxy import RoundRobinProxy
from peerlearn.testing.replicas import Cluster, running_cluster
from peerlearn.testing.servers import POSTGRES_URL, reachable, unavailable
from peerlearn.testing.smtp import SmtpServer, start_smtp

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres, pytest.mark.redis]

SERVICES = ("profiles", "forum", "notify", "insights", "matcher")
CRASHES = len(SERVICES) + 1  # a replica of each service, a NATS node
ADMIN = "e2e-cluster-admin-" + "c" * 30
JWT_SECRET = "e2e-cluster-jwt-" + "k" * 40
# A Redis database of its own: idempotency claims and rate limits of this test only.
REDIS = "redis://127.0.0.1:6379/13"
ROUNDS = 24  # questions asked, each by a new person...
AFTER = 6  # ...and at least this many more after the last crash (at most MAX_ROUNDS in all)
MAX_ROUNDS = 48
WORKERS = 3  # rounds in flight at once
ANSWERERS = 3  # people who answer; each question gets ANSWERS answers from different ones
ANSWERS = 2
KILL_AFTER = 5  # rounds acknowledged before the crashes
LOSE_EVERY = 9  # the proxies lose the answer of every 9th connection during the load
WRITE_DEADLINE = 90.0  # how long a client keeps retrying one write


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with start_smtp() as server:
        yield server


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[Cluster]:
    if not reachable(POSTGRES_URL, 5432):
        unavailable(f"PostgreSQL at {POSTGRES_URL}")
    if not reachable(REDIS, 6379):
        unavailable(f"Redis at {REDIS}")
    env = {
        "PEERLEARN_JWT_SECRET": JWT_SECRET,
        "PEERLEARN_ADMIN_TOKEN": ADMIN,
        "PEERLEARN_REDIS_URL": REDIS,
        "PEERLEARN_NOTIFY_SMTP_URL": smtp.url,
        # The load, not the limits, is under test.
        "PEERLEARN_RATE_LIMIT_PER_MINUTE": "100000",
        "PEERLEARN_FORUM_POST_RATE_PER_MINUTE": "100000",
        "PEERLEARN_NOTIFY_IMMEDIATE_MAILS_PER_DAY": "1000",
        "PEERLEARN_NOTIFY_ACTIVE_MINUTES": "0",  # every answer is mailed at once
        "PEERLEARN_NOTIFY_MAIL_POLL_SECONDS": "0.5",
        "PEERLEARN_LOG_LEVEL": "WARNING",
    }
    with running_cluster(tmp_path_factory.mktemp("cluster"), SERVICES, env) as running:
        yield running


@pytest.fixture
async def proxies(cluster: Cluster) -> AsyncIterator[dict[str, RoundRobinProxy]]:
    started = {service: await RoundRobinProxy(cluster.backends(service)).start() for service in SERVICES}
    try:
        yield started
    finally:
        for proxy in started.values():
            await proxy.stop()


class Refused(AssertionError):
    """A write answered with a 4xx that retrying does not change."""


@dataclass
class Client:
    """Writes as a real client makes them: one Idempotency-Key per write, retried until a 2xx."""

    http: httpx.AsyncClient
    urls: dict[str, str]
    retries: collections.Counter[str] = field(default_factory=collections.Counter)

    async def write(
        self,
        service: str,
        path: str,
        token: str,
        body: dict[str, Any],
        *,
        not_yet: frozenset[int] = frozenset(),
    ) -> dict[str, Any]:
        """POST ``body``; ``not_yet``: statuses that mean "not known here yet, retry"."""
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        deadline = time.monotonic() + WRITE_DEADLINE
        delay = 0.1
        while True:
            try:
                response = await self.http.post(self.urls[service] + path, json=body, headers=headers)
            except httpx.TransportError as exc:
                why = type(exc).__name__
            else:
                if response.status_code < 300:
                    return dict(response.json())
                retry = (
                    response.status_code >= 500
                    or response.status_code in (429, *not_yet)
                    or (response.status_code == 409 and "in progress" in response.text)
                )
                if not retry:
                    raise Refused(f"{service} {path}: {response.status_code} {response.text}")
                why = str(response.status_code)
            self.retries[f"{service} {why}"] += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"{service} {path}: no 2xx within {WRITE_DEADLINE:g}s (last {why})")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def read(
        self, service: str, path: str, token: str, *, absent_ok: bool = False, **params: Any
    ) -> dict[str, Any]:
        """GET, retried on connection errors and 5xx (reads are safe to repeat); with
        ``absent_ok`` a 404 is an empty page (the service has not heard of it yet)."""
        for _ in range(50):
            try:
                response = await self.http.get(
                    self.urls[service] + path, params=params, headers={"Authorization": f"Bearer {token}"}
                )
            except httpx.TransportError:
                await asyncio.sleep(0.2)
                continue
            if response.status_code == 404 and absent_ok:
                return {"items": [], "next_cursor": None}
            if response.status_code < 500:
                assert response.status_code == 200, (path, response.status_code, response.text)
                return dict(response.json())
            await asyncio.sleep(0.2)
        raise AssertionError(f"{service} {path}: no answer")

    async def pages(
        self, service: str, path: str, token: str, *, absent_ok: bool = False, **params: Any
    ) -> list[dict[str, Any]]:
        """Every item of a paged list (``items`` and ``next_cursor``)."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            more = {"cursor": cursor} if cursor else {}
            page = await self.read(service, path, token, absent_ok=absent_ok, **params, **more)
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items


@dataclass
class Acked:
    """What the load got a 2xx for."""

    people: dict[str, str] = field(default_factory=dict)  # person id -> email
    names: dict[str, str] = field(default_factory=dict)  # person id -> display name
    tokens: dict[str, str] = field(default_factory=dict)  # person id -> bearer token
    threads: dict[str, str] = field(default_factory=dict)  # thread id -> asker id
    posts: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # post id -> thread, author, body
    rounds: int = 0


async def add_person(client: Client, org_id: str, name: str, acked: Acked) -> str:
    """A person in the org (profiles) and a token for them."""
    email = f"{name.lower().replace(' ', '.')}@cluster.test"
    person = await client.write(
        "profiles", f"/v1/orgs/{org_id}/people", ADMIN, {"display_name": name, "email": email}
    )
    acked.people[person["id"]] = email
    acked.names[person["id"]] = name
    token = await client.write("profiles", "/v1/tokens", ADMIN, {"person_id": person["id"]})
    acked.tokens[person["id"]] = str(token["token"])
    return str(token["token"])


async def one_round(
    cluster: Cluster,
    client: Client,
    n: int,
    org_id: str,
    space_id: str,
    answerers: list[tuple[str, str]],
    acked: Acked,
) -> None:
    """A new person asks; ANSWERS of the answerers answer, one after the other."""
    asker_token = await add_person(client, org_id, f"Asker {n:02d}", acked)
    # Until the forum has consumed profiles' event it does not know the asker.
    thread = await client.write(
        "forum",
        f"/v1/spaces/{space_id}/threads",
        asker_token,
        {"title": f"Question {n:02d} of the cluster test", "body": f"Asked in round {n}."},
        not_yet=frozenset({401, 403, 404}),
    )
    acked.threads[thread["id"]] = thread["author"]["id"]
    # notify mails an answer only to an address it knows (else the mail waits for the digest):
    # the answers come once profiles' contact event reached notify, which no API shows. And once
    # notify's directory has the asker: an answer that comes first is dead-lettered after ~3 s
    # of retries (test_an_answer_before_its_askers_profile_reaches_notify, below).
    asker_id = thread["author"]["id"]
    await until(lambda: address_known(cluster, asker_id), 60, "the asker's address in notify")
    await until(lambda: in_directory(cluster, "notify", asker_id), 60, "the asker in notify's directory")
    for k in range(ANSWERS):
        answerer_id, token = answerers[(n + k) % len(answerers)]
        body = f"Answer {k} to question {n:02d} by {acked.names[answerer_id]}."
        post = await client.write("forum", f"/v1/threads/{thread['id']}/posts", token, {"body": body})
        acked.posts[post["id"]] = (thread["id"], answerer_id, body)
    acked.rounds += 1


MAIL_STATE = (
    "SELECT 'notification mail=' || mail AS what, count(*) FROM notifications GROUP BY mail "
    "UNION ALL SELECT 'outbox sent=' || (sent_at IS NOT NULL)::text || ' failed=' || "
    "(failed_at IS NOT NULL)::text || ' ' || coalesce(last_error, ''), count(*) FROM mail_outbox GROUP BY 1"
)


async def query(cluster: Cluster, service: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` in the service's own database (for what its API does not show)."""
    import asyncpg

    # Each service keeps its tables in a schema of its own name.
    conn = await asyncpg.connect(cluster.databases[service], server_settings={"search_path": service})
    try:
        return [tuple(row) for row in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def in_directory(cluster: Cluster, service: str, person_id: str) -> bool:
    return bool(await query(cluster, service, "SELECT 1 FROM people WHERE id = $1", person_id))


async def address_known(cluster: Cluster, person_id: str) -> bool:
    rows = await query(cluster, "notify", "SELECT email FROM contacts WHERE person_id = $1", person_id)
    return bool(rows and rows[0][0])


async def until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g}s: {what}")
        await asyncio.sleep(1)


# Starting 10 replicas and 3 NATS nodes is part of the first test's time: ~60 s here, more on a
# loaded CI machine; the waits below allow for a redelivery after JetStream's 30 s ack wait.
@pytest.mark.timeout(600)
async def test_every_acknowledged_write_is_in_every_read_model_once(
    cluster: Cluster, proxies: dict[str, RoundRobinProxy], smtp: SmtpServer
) -> None:
    started = time.monotonic()
    acked = Acked()
    # One connection per request, so that a proxy losing an answer loses one request's.
    async with httpx.AsyncClient(timeout=15, limits=httpx.Limits(max_keepalive_connections=0)) as http:
        client = Client(http, {service: proxy.url for service, proxy in proxies.items()})
        org = await client.write("profiles", "/v1/orgs", ADMIN, {"name": "Cluster Org", "kind": "partner"})
        space = await client.write("forum", "/v1/spaces", ADMIN, {"name": "Cluster", "visibility": "public"})
        answerers = []
        for i in range(ANSWERERS):
            token = await add_person(client, org["id"], f"Answerer {i}", acked)
            answerers.append((next(reversed(acked.people)), token))

        crashes: list[tuple[str, int]] = []
        enough = asyncio.Event()  # KILL_AFTER rounds acknowledged

        async def crash() -> None:
            """Mid-traffic: one replica of each service and one NATS node, moments apart."""
            await enough.wait()
            for service in SERVICES:
                cluster.replicas[service][0].kill()
                crashes.append((f"{service}[0]", acked.rounds))
                await asyncio.sleep(0.3)
            cluster.nats.kill(0)
            crashes.append(("nats n0", acked.rounds))

        numbers = itertools.count()

        async def worker() -> None:
            def more(n: int) -> bool:  # bounded, but the load goes on past the crashes
                after = acked.rounds - crashes[-1][1] if len(crashes) == CRASHES else 0
                return n < MAX_ROUNDS and (n < ROUNDS or after < AFTER)

            while more(n := next(numbers)):
                await one_round(cluster, client, n, org["id"], space["id"], answerers, acked)
                if acked.rounds >= KILL_AFTER:
                    enough.set()

        crasher = asyncio.create_task(crash())
        for proxy in proxies.values():  # answers lost on the way: the retries must land once
            proxy.lose_every = LOSE_EVERY
        await asyncio.gather(*(worker() for _ in range(WORKERS)))
        for proxy in proxies.values():
            proxy.lose_every = 0
        await asyncio.wait_for(crasher, 5)
        loaded = time.monotonic()
        assert len(crashes) == CRASHES and acked.rounds - crashes[-1][1] >= AFTER - WORKERS, (
            f"the crashes came at the end of the load: {crashes} of {acked.rounds} rounds"
        )

        # Wait for the read models to catch up (a message in flight at a killed consumer comes
        # back after JetStream's ack wait, 30 s; a mail leased by a killed sender after 2 min).
        expected_mails = {
            (acked.people[acked.threads[t]], f"{acked.names[a]} answered") for t, a, _ in acked.posts.values()
        }

        async def inboxes_filled() -> bool:
            for thread_id, asker_id in acked.threads.items():
                inbox = await inbox_of(client, asker_id, acked)
                if (
                    sum(1 for n in inbox if n["kind"] == "answer_posted" and n["thread_id"] == thread_id)
                    < ANSWERS
                ):
                    return False
            return True

        async def mails_sent() -> bool:
            return len({message_id(m) for m in smtp.received if is_answer_mail(m)}) >= len(expected_mails)

        def wanted_acts(person_id: str) -> collections.Counter[tuple[str, str]]:
            """The (verb, thread) of each acknowledged question and answer of the person."""
            acts = collections.Counter(
                ("asked", t) for t, asker in acked.threads.items() if asker == person_id
            )
            acts.update(("answered", t) for t, author, _ in acked.posts.values() if author == person_id)
            return acts

        async def recorded(person_id: str) -> collections.Counter[tuple[str, str]]:
            path = f"/v1/people/{person_id}/learning-record"
            record = await client.read("insights", path, ADMIN, absent_ok=True)
            return collections.Counter(
                (e["verb"], e["thread_id"])
                for e in record.get("entries", [])
                if e["verb"] in ("asked", "answered")
            )

        async def records_filled() -> bool:
            for person_id in acked.people:
                if sum(wanted_acts(person_id).values()) > sum((await recorded(person_id)).values()):
                    return False
            return True

        try:
            await until(inboxes_filled, 90, "every asker told of every answer")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{await missing_answers(cluster, client, acked)}") from None
        await until(records_filled, 60, "every question and answer in the learning records")
        try:
            await until(mails_sent, 150, f"{len(expected_mails)} mails")
        except AssertionError as exc:
            outbox = await query(cluster, "notify", MAIL_STATE)
            raise AssertionError(f"{exc}; received {len(smtp.received)}; notify's mails: {outbox}") from None
        await asyncio.sleep(3)  # a duplicate would come now

        # profiles: each acknowledged person once.
        people = await client.pages("profiles", f"/v1/orgs/{org['id']}/people", ADMIN)
        emails = collections.Counter(p.get("email") for p in people)
        assert {e: c for e, c in emails.items() if c != 1} == {}
        assert set(emails) == set(acked.people.values())

        # forum: each acknowledged thread once in its space, each acknowledged post once in its thread,
        # its author known to the forum's directory by name.
        listed = await client.pages("forum", f"/v1/spaces/{space['id']}/threads", ADMIN, sort="new", limit=50)
        threads = collections.Counter(t["id"] for t in listed)
        assert threads == collections.Counter(list(acked.threads)), "threads lost or repeated"
        titles = collections.Counter(t["title"] for t in listed)
        assert max(titles.values()) == 1, "a retried question was created twice"
        for thread_id in acked.threads:
            view = await client.read("forum", f"/v1/threads/{thread_id}", ADMIN, limit=50)
            got = collections.Counter(p["id"] for p in view["posts"])
            want = collections.Counter(p for p, (t, _, _) in acked.posts.items() if t == thread_id)
            assert got == want, f"posts of {thread_id}: {got} != {want}"
            for post in view["posts"]:
                _, author_id, body = acked.posts[post["id"]]
                assert post["body"] == body
                assert post["author"]["display_name"] == acked.names[author_id]

        # insights: each question in its asker's learning record once, each answer in its author's.
        for person_id in acked.people:
            assert await recorded(person_id) == wanted_acts(person_id), f"learning record of {person_id}"

        # notify: each answer in its asker's inbox once...
        for thread_id, asker_id in acked.threads.items():
            inbox = await inbox_of(client, asker_id, acked)
            told = collections.Counter(
                n["title"] for n in inbox if n["kind"] == "answer_posted" and n["thread_id"] == thread_id
            )
            want_titles = collections.Counter(
                f"{acked.names[a]} answered “{title_of(listed, thread_id)}”"
                for t, a, _ in acked.posts.values()
                if t == thread_id
            )
            assert told == want_titles, f"inbox of {asker_id} about {thread_id}"

        # ...and mailed once: one Message-ID per answer. A sender that crashed between sending and
        # marking the mail sent sends it again with the same Message-ID (at-least-once, the
        # receiver sees it is the same mail); those repeats are counted, not failed.
        by_id: dict[str, list[Any]] = collections.defaultdict(list)
        for mail in smtp.received:
            by_id[message_id(mail)].append(mail)
        sent = collections.Counter(
            (mails[0].recipients[0], subject_of(mails[0]).split(" answered")[0] + " answered")
            for mails in by_id.values()
            if is_answer_mail(mails[0])
        )
        assert sent == collections.Counter(expected_mails), "mails lost or sent twice"
        # The matcher routes questions to the answerers, and notify mails them ("… asked … — you
        # may know"): how many is the matcher's to decide, but never one question twice to one person.
        routed = collections.Counter(
            (mails[0].recipients[0], subject_of(mails[0]))
            for mails in by_id.values()
            if not is_answer_mail(mails[0])
        )
        assert {k: n for k, n in routed.items() if n > 1} == {}, "a routed question mailed twice"
        repeats = sum(len(m) - 1 for m in by_id.values())

        # matcher: each acknowledged person, question and answer in its read model...
        async def matcher_filled() -> bool:
            known = {
                table: {r[0] for r in await query(cluster, "matcher", f"SELECT id FROM {table}")}
                for table in ("profiles", "threads", "posts")
            }
            return (
                set(acked.people) <= known["profiles"]
                and set(acked.threads) <= known["threads"]
                and set(acked.posts) <= known["posts"]
            )

        await until(matcher_filled, 90, "every person, question and answer in the matcher")
        # ...and its replicas agree: the killed one, started again, loads the database and catches
        # up; both then rank every question's answerers from their own index, alike.
        restarted = await asyncio.to_thread(cluster.restart, "matcher", 0)
        survivor = cluster.replicas["matcher"][1]

        async def ranked_by(replica: Any, thread_id: str) -> list[tuple[str, float]]:
            async with httpx.AsyncClient(timeout=15) as direct:
                response = await direct.get(
                    f"{replica.url}/v1/threads/{thread_id}/answerers",
                    headers={"Authorization": f"Bearer {ADMIN}"},
                )
            assert response.status_code == 200, (thread_id, response.status_code, response.text)
            return [(a["person_id"], round(a["score"], 4)) for a in response.json()["answerers"]]

        await asyncio.sleep(2)  # more than a catch-up's pause
        ranked = 0
        for thread_id in acked.threads:
            theirs, ours = await ranked_by(survivor, thread_id), await ranked_by(restarted, thread_id)
            assert ours == theirs, f"answerers of {thread_id}: restarted {ours} != survivor {theirs}"
            ranked += bool(ours)
        assert ranked, "no question had answerers on either replica"

    print(
        f"\ncluster test: {len(acked.people)} people, {len(acked.threads)} threads, "
        f"{len(acked.posts)} posts, {len(by_id)} mails ({repeats} resent with the same Message-ID), "
        f"{sum(routed.values())} routing mails, {ranked} questions ranked alike by both matcher replicas; "
        f"crashes (at rounds done): {crashes}; "
        f"retries: {dict(client.retries)}; proxies skipped dead backends "
        f"{sum(p.skipped for p in proxies.values())} times and lost {sum(p.lost for p in proxies.values())} "
        f"answers; load {loaded - started:.1f} s, "
        f"total {time.monotonic() - started:.1f} s"
    )


async def missing_answers(cluster: Cluster, client: Client, acked: Acked) -> str:
    """For a failing test: each acknowledged answer its asker was not told of, and where it got to."""
    lines = []
    for post_id, (thread_id, author_id, _) in acked.posts.items():
        asker_id = acked.threads[thread_id]
        inbox = await inbox_of(client, asker_id, acked)
        title = f"{acked.names[author_id]} answered"
        if any(n["kind"] == "answer_posted" and n["title"].startswith(title) for n in inbox):
            continue
        stored = await query(cluster, "forum", "SELECT count(*) FROM posts WHERE id = $1", post_id)
        outbox = await query(
            cluster,
            "forum",
            "SELECT event_id, subject, sent_at FROM outbox WHERE subject LIKE 'forum.post.%' "
            "AND position($1 in encode(payload, 'escape')) > 0",
            post_id,
        )
        lines.append(f"post {post_id} by {author_id} in {thread_id}: forum rows {stored}, outbox {outbox}")
    return "\n".join(lines) or "(none missing now)"


async def inbox_of(client: Client, person_id: str, acked: Acked) -> list[dict[str, Any]]:
    """The person's notifications, as they read them (none while notify does not know them)."""
    path = f"/v1/people/{person_id}/notifications"
    return await client.pages("notify", path, acked.tokens[person_id], absent_ok=True, limit=100)


def title_of(listed: list[dict[str, Any]], thread_id: str) -> str:
    return next(str(t["title"]) for t in listed if t["id"] == thread_id)


def message_id(mail: Any) -> str:
    return str(mail.message["Message-ID"])


def subject_of(mail: Any) -> str:
    return str(mail.message["Subject"])


def is_answer_mail(mail: Any) -> bool:
    """An asker told of an answer ("<name> answered …"), not an answerer told of a question."""
    return " answered" in subject_of(mail)


async def test_an_answer_before_its_askers_profile_reaches_notify(cluster: Cluster) -> None:
    """The order the crash test met by chance, made on purpose: forum's PostCreated, then 6 s
    later profiles' PersonUpserted of the asker (as a notify replica killed while holding the
    profile, or a PROFILES consumer behind FORUM, delivers them). Published as the producers
    would, by the operator user. Notify used to dead-letter the answer after ~3 s of retries;
    it now waits for the profile (``peerlearn.bus.NotYet``)."""
    bus = Bus(cluster.nats.url, name="test-operator", credentials=cluster.nats.login(nats_access.OPERATOR))
    await bus.connect(timeout=30)
    try:
        org_id, answerer_id, asker_id, thread_id = (events.new_id() for _ in range(4))
        await bus.publish(events.make_event(events.OrgCreated(org_id=org_id, name="Late", kind="partner")))
        answerer = events.PersonProfile(id=answerer_id, org_id=org_id, display_name="Quick Answerer")
        await bus.publish(events.make_event(events.PersonUpserted(person=answerer), org_id=org_id))
        await until(lambda: in_directory(cluster, "notify", answerer_id), 30, "the answerer in notify")
        answer = events.PostCreated(
            post_id=events.new_id(),
            thread_id=thread_id,
            thread_title="Asked by someone notify has not heard of yet",
            body="An answer.",
            space_id=events.new_id(),
            visibility="org",
            org_id=org_id,
            author_id=answerer_id,
            asker_id=asker_id,
        )
        await bus.publish(events.make_event(answer, org_id=org_id, actor_id=answerer_id))
        await asyncio.sleep(6)
        asker = events.PersonProfile(id=asker_id, org_id=org_id, display_name="Late Asker", roles=["learner"])
        await bus.publish(events.make_event(events.PersonUpserted(person=asker), org_id=org_id))
    finally:
        await bus.close()
    token = TokenIssuer(JWT_SECRET).issue(asker_id, org_id, ["learner"]).token
    url = cluster.replicas["notify"][1].url + f"/v1/people/{asker_id}/notifications"

    async def answer_notices() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.get(url, headers={"Authorization": f"Bearer {token}"})
        items = response.json()["items"] if response.status_code == 200 else []
        return [n for n in items if n["kind"] == "answer_posted" and n["thread_id"] == thread_id]

    async def told() -> bool:
        return bool(await answer_notices())

    await until(told, 20, "the late asker told of the answer")
    notices = await answer_notices()
    assert len(notices) == 1, notices  # told once, although the answer was delivered many times
