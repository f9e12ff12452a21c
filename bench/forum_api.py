"""Benchmark of the forum API against a bare Litestar endpoint measured in the same run.

    .venv/bin/python bench/forum_api.py [--duration 10] [--connections 16] [--database-url URL]
                                        [--postgres] [--only READS] [--keep]

Starts a nats-server, the forum as ``peerlearn serve forum`` starts it (a process of its own;
SQLite in a temp dir unless ``--database-url`` or ``--postgres``) and a bare Litestar app
returning a small msgspec Struct under the same uvicorn (another process); tells the forum about
60 people by publishing ``profiles.person.upserted`` events, seeds a public space and an org
space with 150 threads each and their answers (the demo's generator), then drives each read
with ``wrk`` (Debian's package, its own process) at ``--connections`` connections for
``--duration`` seconds, after ``--warmup`` seconds not counted: a thread with its posts
(anonymous on public threads; signed in on org threads, every request as one of the people in
turn), a space's threads by activity (anonymous and signed in), the spaces, and ranked search
(the same few two-word queries, which the read cache answers, and queries not seen before: two
words of one seeded question or answer, 2,740 distinct, each sent once in a run of that length).
The writes (answering: a write with its outbox event and search index update; votes on one hot
post, a row every voter updates) are sent from this process with httpx. Prints throughput,
p50/p95/p99 latency, and each figure as a ratio of the bare endpoint's throughput measured in
the same run. ``--py-spy PATH`` records a profile of the forum during each read.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Any
from urllib.parse import quote

import httpx
from load import (  # bench/load.py: this script runs from bench/
    free_port,
    fresh_postgres,
    measure,
    print_wrk_table,
    served_bare_or_wrk_missing,
    start_server,
    stop_server,
    wrk_options,
)
from web import wrk  # bench/web.py: wrk with a Lua script taking (path, header) pairs in turn

from peerlearn import events
from peerlearn.auth import TokenIssuer
from peerlearn.bus import Bus
from peerlearn.testing.servers import start_nats
from peerlearn_forum.demo_content import plan_threads

ADMIN = "bench-admin-token-" + "z" * 30
SECRET = "bench-secret-" + "q" * 40
SKILLS = ["Python", "SQL", "Kubernetes", "React", "pandas", "Machine learning", "Negotiation", "Go"]


async def _seed(forum_url: str, nats_url: str) -> dict[str, Any]:
    """People (by events), a public and an org space with threads and answers."""
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
        org_space = (
            await http.post("/v1/spaces", json={"name": "Bench", "visibility": "org"}, headers=auth[first])
        ).json()["id"]
        public_space = (
            await http.post(
                "/v1/spaces",
                json={"name": "Bench public", "visibility": "public"},
                headers={"Authorization": f"Bearer {ADMIN}"},
            )
        ).json()["id"]
        threads: dict[str, list[str]] = {org_space: [], public_space: []}
        posts: list[tuple[str, str]] = []
        queries: set[str] = set()  # two words of one question or answer: a search that finds it
        for n, plan in enumerate(plan_threads(people, [])):
            for text in [f"{plan.title} {plan.body}", *(a.body for a in plan.answers)]:
                words = list(dict.fromkeys(re.findall(r"[a-z]{4,}", text.lower())))
                queries |= {f"{a} {b}" for i, a in enumerate(words) for b in words[i + 1 :]}
            space = public_space if n % 2 else org_space
            thread = (
                await http.post(
                    f"/v1/spaces/{space}/threads", json=plan.request(), headers=auth[plan.asker_id]
                )
            ).json()
            threads[space].append(thread["id"])
            for answer in plan.answers:
                post = await http.post(
                    f"/v1/threads/{thread['id']}/posts",
                    json={"body": answer.body},
                    headers=auth[answer.author_id],
                )
                posts.append((post.json()["id"], answer.author_id))
    return {
        "tokens": tokens,
        "org_space": org_space,
        "public_space": public_space,
        "org_threads": threads[org_space],
        "public_threads": threads[public_space],
        "posts": posts,
        # Distinct, in a fixed shuffled order: a run of a few thousand requests never repeats one.
        "queries": random.Random(7).sample(sorted(queries), len(queries)),
    }


async def run(args: argparse.Namespace) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    data_dir = tempfile.mkdtemp(prefix="bench-forum-")
    nats = start_nats()
    forum_port, bare_port = free_port(), free_port()
    env = {
        "PEERLEARN_DATA_DIR": data_dir,
        "PEERLEARN_NATS_URL": nats.url,
        "PEERLEARN_JWT_SECRET": SECRET,
        "PEERLEARN_ADMIN_TOKEN": ADMIN,
        "PEERLEARN_FORUM_PORT": str(forum_port),
        "PEERLEARN_RATE_LIMIT_PER_MINUTE": "100000000",
        "PEERLEARN_READ_RATE_LIMIT_PER_MINUTE": "100000000",
        "PEERLEARN_FORUM_POST_RATE_PER_MINUTE": "100000000",
        "PEERLEARN_LOG_LEVEL": "WARNING",
    }
    if args.database_url:
        env["PEERLEARN_DATABASE_URL"] = args.database_url
    forum = start_server([sys.executable, "-m", "peerlearn.cli", "serve", "forum"], env, forum_port)
    bare = start_server([sys.executable, __file__, "--serve-bare", str(bare_port)], {}, bare_port)
    forum_url, bare_url = f"http://127.0.0.1:{forum_port}", f"http://127.0.0.1:{bare_port}"
    try:
        seeded = await _seed(forum_url, nats.url)
        print(f"forum pid {forum.pid} at {forum_url}", file=sys.stderr)
        tokens = seeded["tokens"]
        bearers = [f"Bearer {tokens[p]}" for p in sorted(tokens)]
        org_threads, public_threads = seeded["org_threads"], seeded["public_threads"]
        words = [quote(f"{s} project") for s in SKILLS]
        common = {"duration": args.duration, "connections": args.connections}

        def anonymous(paths: list[str]) -> list[tuple[str, str]]:
            return [(p, "anonymous") for p in paths]  # sent as X-Bench: no credentials

        def signed_in(paths: list[str]) -> list[tuple[str, str]]:
            return [(paths[i % len(paths)], bearers[i % len(bearers)]) for i in range(max(len(paths), 60))]

        reads: dict[str, tuple[str, list[tuple[str, str]]]] = {
            "bare Litestar GET (baseline)": (bare_url, anonymous([f"/ping/{i}" for i in range(100)])),
            "forum GET /health (the kit, no database)": (forum_url, anonymous(["/health"])),
            "GET /v1/threads/{id} anonymous, public": (
                forum_url, anonymous([f"/v1/threads/{t}" for t in public_threads])),
            "GET /v1/threads/{id} signed in, org": (
                forum_url, signed_in([f"/v1/threads/{t}" for t in org_threads])),
            "GET /v1/spaces/{id}/threads anonymous": (
                forum_url, anonymous([f"/v1/spaces/{seeded['public_space']}/threads?sort=active&limit=20"])),
            "GET /v1/spaces/{id}/threads signed in": (
                forum_url, signed_in([f"/v1/spaces/{seeded['org_space']}/threads?sort=active&limit=20"])),
            "GET /v1/spaces anonymous": (forum_url, anonymous(["/v1/spaces"])),
            "GET /v1/spaces signed in": (forum_url, signed_in(["/v1/spaces"])),
            "GET /v1/search?q=<two words> signed in": (
                forum_url, signed_in([f"/v1/search?q={w}" for w in words])),
            "GET /v1/search?q=<a query not seen before> signed in": (
                forum_url, signed_in([f"/v1/search?q={quote(q)}" for q in seeded["queries"]])),
        }  # fmt: skip
        wanted = [name for name in reads if not args.only or any(o in name for o in args.only)]
        results: dict[str, dict[str, float]] = {}
        for name in ["bare Litestar GET (baseline)", *[n for n in wanted if "baseline" not in n]]:
            base, targets = reads[name]
            header = "X-Bench" if targets[0][1] in ("", "anonymous") else "Authorization"
            if args.warmup:
                # Each page read once or more first: the steady state (a first read computes).
                wrk(base, header, targets, duration=args.warmup, connections=args.connections)
            profiler = None
            if args.py_spy and base == forum_url:
                # Sampled while wrk runs (the figures of a profiled run are not the ones to read).
                out = os.path.join(args.py_spy_dir, name.replace("/", "_").replace(" ", "_") + ".txt")
                profiler = subprocess.Popen(  # noqa: ASYNC220 (this loop only waits for wrk)
                    [args.py_spy, "record", "-p", str(forum.pid), "-d", str(args.duration), "-r", "200",
                     "-f", "raw", "-o", out, "--nonblocking"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
            results[name] = wrk(base, header, targets, **common)
            if profiler is not None:
                profiler.wait(60)
            if base == forum_url:
                # The bare endpoint again right after: on a shared machine the load drifts within
                # a run, so each figure is also read against the baseline measured beside it.
                bare_targets = reads["bare Litestar GET (baseline)"][1]
                beside = wrk(bare_url, "X-Bench", bare_targets, **common)
                results[name]["bare_beside"] = beside["rps"]
            print(f"{name}: {results[name]['rps']:.0f} req/s", file=sys.stderr)
        if args.writes:
            hot, hot_author = seeded["posts"][0]
            people = sorted(tokens)
            auth = [{"Authorization": f"Bearer {tokens[p]}"} for p in people]
            voters = [{"Authorization": f"Bearer {tokens[p]}"} for p in people if p != hot_author]
            n, c = args.writes, args.connections
            answer_urls = [f"{forum_url}/v1/threads/{t}/posts" for t in org_threads]
            for name, figures in [
                ("POST /v1/threads/{id}/posts (write, httpx)", await measure(
                    n, c, lambda h, i: h.post(answer_urls[i % len(answer_urls)],
                                              json={"body": f"Bench answer {i} about SQL"},
                                              headers=auth[i % len(auth)]))),
                ("POST /v1/posts/{hot}/votes (one hot row, httpx)", await measure(
                    n, c, lambda h, i: h.post(f"{forum_url}/v1/posts/{hot}/votes",
                                              json={"value": 1 if i % 3 else -1},
                                              headers=voters[i % len(voters)]))),
            ]:  # fmt: skip
                results[name] = {
                    "rps": figures["rps"], "p50": figures["p50_ms"], "p95": figures["p95_ms"],
                    "p99": float("nan"), "errors": 0.0,
                }  # fmt: skip
        if args.keep:
            print("--keep: the forum runs until Enter", file=sys.stderr)
            await asyncio.to_thread(sys.stdin.readline)
        sizes = {
            "threads": len(org_threads) + len(public_threads),
            "posts": len(seeded["posts"]),
        }
        return results, sizes
    finally:
        for process in (forum, bare):
            stop_server(process)
        nats.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = wrk_options(__doc__)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--writes", type=int, default=500, help="writes of each kind (0: none)")
    parser.add_argument("--keep", action="store_true", help="keep the forum up (to profile it)")
    args = parser.parse_args()
    if served_bare_or_wrk_missing(args, "bench/forum_api.py"):
        return
    if args.postgres:
        with fresh_postgres(("forum",)) as urls:
            args.database_url = urls["forum"]
            results, sizes = asyncio.run(run(args))
    else:
        results, sizes = asyncio.run(run(args))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}, Python {platform.python_version()}, "
        f"database {'SQLite' if not args.database_url else args.database_url.split(':')[0]}; "
        f"{sizes['threads']} threads, {sizes['posts']} answers; wrk {args.connections} connections, "
        f"{args.duration} s each"
    )
    print_wrk_table(results, "bare Litestar GET (baseline)", width=48)


if __name__ == "__main__":
    main()
