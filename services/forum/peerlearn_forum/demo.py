"""``peerlearn demo``, forum step: spaces, ~300 threads and ~900 posts, through the public API only.

Runs after the profiles step: it finds the people (with tokens), the orgs (with their
admins' tokens) and the cohorts in the context, waits until the forum's read model has
them (the forum learns of people from profiles' events), then writes as those people.
Writes carry an Idempotency-Key, so a retry after a timeout never duplicates anything,
and a 429 from the posting limit is waited out as its Retry-After says.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from peerlearn.demo import DemoContext, Progress
from peerlearn_forum.demo_content import ThreadPlan, plan_threads

CONCURRENCY = 12
THREADS = 300  # ctx.extra["forum_thread_count"] overrides (tests use fewer)
# Requests in flight at once; a person waiting out a 429 holds no slot.
_in_flight: contextvars.ContextVar[asyncio.Semaphore] = contextvars.ContextVar("in_flight")


class DemoError(RuntimeError):
    """The forum refused the demo data; the message says what and why."""


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _call(
    http: httpx.AsyncClient, method: str, url: str, token: str, body: Any, key: str, ok: tuple[int, ...]
) -> httpx.Response:
    """One write, retried through 429s and transient failures with the same Idempotency-Key."""
    for attempt in range(30):
        try:
            async with _in_flight.get():
                response = await http.request(
                    method, url, json=body, headers={**_bearer(token), "Idempotency-Key": key}
                )
        except httpx.TransportError:
            await asyncio.sleep(min(5.0, 0.2 * 2**attempt))
            continue
        if response.status_code in ok:
            return response
        if response.status_code == 429:
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))
            continue
        if response.status_code >= 500 or (response.status_code == 404 and "/spaces" in url):
            await asyncio.sleep(min(5.0, 0.2 * 2**attempt))
            continue
        raise DemoError(f"{method} {url} answered {response.status_code}: {response.text}")
    raise DemoError(f"{method} {url} kept failing")


async def _wait_for_people(
    http: httpx.AsyncClient, people: list[dict[str, Any]], within: float = 120
) -> None:
    """Poll until the forum's read model knows every demo person (each asks for themself)."""
    deadline = time.monotonic() + within
    pending = list(people)
    while pending:
        still = []
        for person in pending:
            response = await http.get(f"/v1/people/{person['id']}", headers=_bearer(person["token"]))
            if response.status_code != 200:
                still.append(person)
        pending = still
        if pending and time.monotonic() > deadline:
            raise DemoError(f"the forum did not learn of {len(pending)} people within {within:g}s")
        if pending:
            await asyncio.sleep(0.5)


async def _in_parallel(jobs: dict[str, list[Callable[[], Awaitable[None]]]], what: str) -> None:
    """Each person's jobs in order; different people at the same time (the limit is per person)."""
    progress = Progress(f"forum {what}", sum(len(queue) for queue in jobs.values()))

    async def run(queue: list[Callable[[], Awaitable[None]]]) -> None:
        for job in queue:
            await job()
            progress.advance()

    await asyncio.gather(*(run(queue) for queue in jobs.values()))


async def load_demo(ctx: DemoContext, *, client: httpx.AsyncClient | None = None) -> None:
    """Create the forum's demo data through its HTTP API and leave spaces and threads in ``ctx``.

    ``client`` (tests) talks to the forum in-process; by default ``ctx.urls["forum"]`` is used.
    """
    people: list[dict[str, Any]] = [p for p in ctx.people if p.get("token")]
    orgs: list[dict[str, Any]] = ctx.extra.get("orgs", [])
    cohorts: list[dict[str, Any]] = ctx.extra.get("cohorts", [])
    if not people:
        ctx.summary.append("forum: no demo people, no forum data")
        return
    _in_flight.set(asyncio.Semaphore(CONCURRENCY))
    tokens = {p["id"]: p["token"] for p in people}
    admin_of = {o["id"]: o.get("admin_token") for o in orgs}
    async with contextlib.AsyncExitStack() as stack:
        if client is None:
            client = await stack.enter_async_context(
                httpx.AsyncClient(base_url=ctx.urls["forum"], timeout=30)
            )
        http = client
        await _wait_for_people(http, people)
        spaces: dict[tuple[str, ...], dict[str, Any]] = {}
        community = await _call(
            http,
            "POST",
            "/v1/spaces",
            ctx.admin_token,
            {
                "name": "Community",
                "visibility": "public",
                "description": "Questions and answers open to everyone, the customer community first.",
            },
            "demo-space-public",
            (201,),
        )
        spaces[("public",)] = community.json()
        for org in orgs:
            if not org.get("admin_token"):
                continue
            made = await _call(
                http,
                "POST",
                "/v1/spaces",
                org["admin_token"],
                {
                    "name": f"{org['name']} Q&A",
                    "visibility": "org",
                    "org_id": org["id"],
                    "description": f"Questions and the learning library of {org['name']}.",
                },
                f"demo-space-org-{org['id']}",
                (201,),
            )
            spaces[("org", org["id"])] = made.json()
        for cohort in cohorts:
            token = admin_of.get(cohort["owner_org_id"]) or ctx.admin_token
            # 404 until the forum heard of the cohort: _call waits and retries.
            made = await _call(
                http,
                "POST",
                "/v1/spaces",
                token,
                {"name": f"{cohort['name']} (cohort)", "visibility": "cohort", "cohort_id": cohort["id"]},
                f"demo-space-cohort-{cohort['id']}",
                (201,),
            )
            spaces[("cohort", cohort["id"])] = made.json()

        count = int(ctx.extra.get("forum_thread_count", THREADS))
        plans = [p for p in plan_threads(people, cohorts, count=count) if p.space in spaces]
        created: dict[int, dict[str, Any]] = {}
        posts: dict[tuple[int, int], str] = {}

        def ask(i: int, plan: ThreadPlan) -> Callable[[], Awaitable[None]]:
            async def job() -> None:
                response = await _call(
                    http,
                    "POST",
                    f"/v1/spaces/{spaces[plan.space]['id']}/threads",
                    tokens[plan.asker_id],
                    plan.request(),
                    f"demo-thread-{i}",
                    (201,),
                )
                created[i] = response.json()

            return job

        def answer(i: int, j: int, plan: ThreadPlan) -> Callable[[], Awaitable[None]]:
            async def job() -> None:
                a = plan.answers[j]
                response = await _call(
                    http,
                    "POST",
                    f"/v1/threads/{created[i]['id']}/posts",
                    tokens[a.author_id],
                    {"body": a.body},
                    f"demo-post-{i}-{j}",
                    (201,),
                )
                posts[i, j] = response.json()["id"]

            return job

        def vote(i: int, k: int, voter: str, j: int, value: int) -> Callable[[], Awaitable[None]]:
            async def job() -> None:
                await _call(
                    http,
                    "POST",
                    f"/v1/posts/{posts[i, j]}/votes",
                    tokens[voter],
                    {"value": value},
                    f"demo-vote-{i}-{k}",
                    (200,),
                )

            return job

        def accept(i: int, plan: ThreadPlan, j: int) -> Callable[[], Awaitable[None]]:
            async def job() -> None:
                await _call(
                    http,
                    "POST",
                    f"/v1/threads/{created[i]['id']}/accept",
                    tokens[plan.asker_id],
                    {"post_id": posts[i, j]},
                    f"demo-accept-{i}",
                    (200,),
                )

            return job

        jobs: dict[str, list[Callable[[], Awaitable[None]]]] = defaultdict(list)
        for i, plan in enumerate(plans):
            jobs[plan.asker_id].append(ask(i, plan))
        await _in_parallel(jobs, "questions")
        jobs = defaultdict(list)
        for i, plan in enumerate(plans):
            for j, a in enumerate(plan.answers):
                jobs[a.author_id].append(answer(i, j, plan))
        await _in_parallel(jobs, "answers")
        jobs = defaultdict(list)
        for i, plan in enumerate(plans):
            for k, (voter, j, value) in enumerate(plan.voters):
                jobs[voter].append(vote(i, k, voter, j, value))
            if plan.accept is not None:
                jobs[plan.asker_id].append(accept(i, plan, plan.accept))
        await _in_parallel(jobs, "votes and acceptances")

    accepted = sum(1 for p in plans if p.accept is not None)
    ctx.extra["spaces"] = [
        {
            "id": s["id"],
            "name": s["name"],
            "visibility": s["visibility"],
            "org_id": s["org_id"],
            "cohort_id": s["cohort_id"],
        }
        for s in spaces.values()
    ]
    ctx.extra["threads"] = [
        {
            "id": created[i]["id"],
            "space_id": created[i]["space_id"],
            "kind": plan.kind,
            "title": plan.title,
            "tags": plan.tags,
            "asker_id": plan.asker_id,
            "accepted_post_id": posts[i, plan.accept] if plan.accept is not None else None,
        }
        for i, plan in enumerate(plans)
    ]
    ctx.summary.append(
        f"forum: {len(spaces)} spaces, {len(plans)} threads "
        f"({sum(p.kind == 'resource' for p in plans)} resources), {len(posts)} posts, "
        f"{accepted} accepted answers, {sum(len(p.voters) for p in plans)} votes"
    )
    ctx.summary.append(f"forum: community space {spaces[('public',)]['id']} (readable without a token)")
