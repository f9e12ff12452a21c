"""Benchmark of the forum API against a bare Litestar endpoint measured in the same run.

    .venv/bin/python bench/forum_api.py [--requests 2000] [--concurrency 16] [--database-url URL]

Starts a nats-server, the forum under uvicorn (SQLite in a temp dir unless
``--database-url``) and a bare Litestar app; tells the forum about 60 people by publishing
``profiles.person.upserted`` events, seeds 300 threads with ~900 answers (the demo's
generator), then measures over real HTTP with httpx: reading a thread with its posts,
listing a space by activity, ranked search, answering (a write with its outbox event and
search index update), and votes on one hot post (a row every voter updates). Prints
throughput, p50/p95 latency, and each figure as a ratio of the bare endpoint's throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import socket
import tempfile
import threading
import time
from typing import Any

import httpx
import uvicorn
from load import baseline_app, measure  # bench/load.py: this script runs from bench/

from peerlearn import events
from peerlearn.auth import TokenIssuer
from peerlearn.bus import Bus
from peerlearn.testing.servers import start_nats
from peerlearn_forum.app import create_app
from peerlearn_forum.demo_content import plan_threads
from peerlearn_forum.settings import load

ADMIN = "bench-admin-token-" + "z" * 30
SECRET = "bench-secret-" + "q" * 40
SKILLS = ["Python", "SQL", "Kubernetes", "React", "pandas", "Machine learning", "Negotiation", "Go"]


def _serve(app: Any) -> tuple[str, uvicorn.Server]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False)
    )
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/health", timeout=1)
            return url, server
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


async def _seed(
    forum_url: str, nats_url: str
) -> tuple[dict[str, str], str, list[str], list[tuple[str, str]]]:
    """People (by events), one org space, 300 threads with answers: tokens, space, threads, posts."""
    issuer = TokenIssuer(SECRET)
    people: list[dict[str, Any]] = [
        {
            "id": f"bench-p{i}",
            "org_id": "bench-org",
            "display_name": f"Bench Person {i}",
            "skills": [
                {"name": SKILLS[(i + k) % len(SKILLS)], "level": 1 + (i + k) % 5, "wants": k == 0}
                for k in range(3)
            ],
            "goal": "Learn fast",
        }
        for i in range(60)
    ]
    bus = Bus(nats_url, name="bench")
    await bus.connect(timeout=10)
    for p in people:
        # An org admin creates the org space; the forum takes roles from profiles' events only.
        profile = events.PersonProfile(
            id=p["id"], org_id="bench-org", display_name=p["display_name"], roles=["learner", "org_admin"]
        )
        await bus.publish(events.make_event(events.PersonUpserted(person=profile)))
    await bus.close()
    tokens = {p["id"]: issuer.issue(p["id"], "bench-org", ["learner", "org_admin"]).token for p in people}
    auth = {p: {"Authorization": f"Bearer {t}"} for p, t in tokens.items()}
    async with httpx.AsyncClient(base_url=forum_url, timeout=60) as http:
        for p in people:
            for _ in range(600):  # the forum learns of people from the events, soon after
                if (await http.get(f"/v1/people/{p['id']}", headers=auth[p["id"]])).status_code == 200:
                    break
                await asyncio.sleep(0.1)
        first = people[0]["id"]
        space = (
            await http.post("/v1/spaces", json={"name": "Bench", "visibility": "org"}, headers=auth[first])
        ).json()["id"]
        thread_ids, post_ids = [], []
        for plan in plan_threads(people, []):
            thread = (
                await http.post(
                    f"/v1/spaces/{space}/threads", json=plan.request(), headers=auth[plan.asker_id]
                )
            ).json()
            thread_ids.append(thread["id"])
            for answer in plan.answers:
                post = await http.post(
                    f"/v1/threads/{thread['id']}/posts",
                    json={"body": answer.body},
                    headers=auth[answer.author_id],
                )
                post_ids.append((post.json()["id"], answer.author_id))
    return tokens, space, thread_ids, post_ids


async def run(args: argparse.Namespace) -> list[tuple[str, dict[str, float]]]:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    data_dir = tempfile.mkdtemp(prefix="bench-forum-")
    nats = start_nats()
    env = {
        "PEERLEARN_DATA_DIR": data_dir,
        "PEERLEARN_NATS_URL": nats.url,
        "PEERLEARN_JWT_SECRET": SECRET,
        "PEERLEARN_ADMIN_TOKEN": ADMIN,
        "PEERLEARN_RATE_LIMIT_PER_MINUTE": "100000000",
        "PEERLEARN_FORUM_POST_RATE_PER_MINUTE": "100000000",
        "PEERLEARN_LOG_LEVEL": "WARNING",
    }
    if args.database_url:
        env["PEERLEARN_DATABASE_URL"] = args.database_url
    forum_url, forum = _serve(create_app(load(env)))
    bare_url, bare = _serve(baseline_app())
    try:
        tokens, space, threads, posts = await _seed(forum_url, nats.url)
        people = sorted(tokens)
        auth = [{"Authorization": f"Bearer {tokens[p]}"} for p in people]
        hot, hot_author = posts[0]
        voters = [{"Authorization": f"Bearer {tokens[p]}"} for p in people if p != hot_author]
        n, c = args.requests, args.concurrency
        return [
            ("bare Litestar GET (baseline)", await measure(
                n, c, lambda h, i: h.get(f"{bare_url}/ping/{i}"))),
            ("GET /v1/threads/{id} (with posts)", await measure(
                n, c, lambda h, i: h.get(f"{forum_url}/v1/threads/{threads[i % len(threads)]}",
                                         headers=auth[i % len(auth)]))),
            ("GET /v1/spaces/{id}/threads?sort=active", await measure(
                n // 2, c, lambda h, i: h.get(f"{forum_url}/v1/spaces/{space}/threads?sort=active&limit=20",
                                              headers=auth[i % len(auth)]))),
            ("GET /v1/search?q=<two words>", await measure(
                n // 2, c, lambda h, i: h.get(f"{forum_url}/v1/search",
                                              params={"q": f"{SKILLS[i % len(SKILLS)]} project"},
                                              headers=auth[i % len(auth)]))),
            ("POST /v1/threads/{id}/posts (write)", await measure(
                n // 2, c, lambda h, i: h.post(f"{forum_url}/v1/threads/{threads[i % len(threads)]}/posts",
                                               json={"body": f"Bench answer {i} about SQL"},
                                               headers=auth[i % len(auth)]))),
            ("POST /v1/posts/{hot}/votes (one hot row)", await measure(
                n // 2, c, lambda h, i: h.post(f"{forum_url}/v1/posts/{hot}/votes",
                                               json={"value": 1 if i % 3 else -1},
                                               headers=voters[i % len(voters)]))),
        ]  # fmt: skip
    finally:
        forum.should_exit = bare.should_exit = True
        await asyncio.sleep(1)
        nats.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    baseline = results[0][1]["rps"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"database {'SQLite' if not args.database_url else args.database_url.split(':')[0]}")  # fmt: skip
    print(f"{'what':42} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'x baseline':>10}")
    for name, figures in results:
        print(
            f"{name:42} {figures['rps']:9.0f} {figures['p50_ms']:8.1f} {figures['p95_ms']:8.1f} "
            f"{figures['rps'] / baseline:10.2f}"
        )


if __name__ == "__main__":
    main()
