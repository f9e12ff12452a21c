"""Benchmark: a routed question to its answerers' inboxes and to the SMTP server, at 5 questions/s.

    .venv/bin/python bench/notify_latency.py [--questions 150] [--rate 5] [--answerers 12]

Starts the whole system as ``peerlearn up`` does (``start_system``: NATS, every service, SQLite
in a temp dir) with ``PEERLEARN_SMTP_URL`` pointing at an aiosmtpd server in a process of its
own that stamps each mail's arrival. Makes ``--answerers`` people who know SQL (each with an
address) and a few askers, then asks ``--questions`` SQL questions through the forum's API at
``--rate`` per second. Each question is routed by the matcher (embedding, scoring) to up to
five answerers; notify tells each of them. Per (question, answerer) it measures from just
before the question's ``POST``:

- **inbox**: the notification's id, which notify stamps (milliseconds, time-ordered ids) in
  the transaction that writes it, so no polling adds to the figure;
- **SMTP**: the mail's arrival at the SMTP server (notify's mail sender polls its outbox every
  ``PEERLEARN_NOTIFY_MAIL_POLL_SECONDS``, 1 s by default — that is what ``up`` runs);
- **routed**: ``matcher.answerers.suggested`` stored in JetStream (its stream timestamp), the
  moment notify could first know — what is upstream of notify;
- **baseline**: a bare JetStream round trip (publish, stored, pulled by a consumer) on a
  nats-server of its own, at the same rate, measured in the same run.

The inbox is read once every question was routed and notify wrote every routed answerer's
notification (or 120 s passed: the missing ones are counted, not timed).

Limits that would turn a benchmark's flood into digests are lifted (immediate mails per day,
the matcher's weekly load cap, the forum's post rate); nothing reads the inbox during the run,
so "active in the web app" never holds mail back. Prints p50/p99 of each and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import multiprocessing
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from peerlearn import events, nats_access
from peerlearn.embedded_nats import start_nats, wait_for_server
from peerlearn.runner import SERVICES, free_port, start_system

ADMIN = "bench-notify-admin-token-" + "n" * 30
NUMBER = re.compile(r"Bench question #(\d+)")
TOPICS = ["index", "join", "window function", "query plan", "vacuum", "transaction", "CTE"]


def smtp_sink(port: int, arrivals: Any) -> None:
    """An aiosmtpd server (run in its own process): (arrival time, question number, recipients)."""
    from aiosmtpd.controller import Controller

    class Stamp:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            arrived = time.time()
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            found = NUMBER.search(str(message["Subject"]))
            if found:
                arrivals.put((arrived, int(found.group(1)), list(envelope.rcpt_tos)))
            return "250 OK"

    controller = Controller(Stamp(), hostname="127.0.0.1", port=port)
    controller.start()
    while True:
        time.sleep(3600)


def quantiles(values: list[float]) -> tuple[float, float]:
    """p50 and p99 of ``values`` (seconds)."""
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99 + 0.5) - 1)]


async def bare_round_trip(count: int, rate: float) -> list[float]:
    """A JetStream publish, stored, then pulled by a durable consumer, ``count`` times at ``rate``/s."""
    data = Path(tempfile.mkdtemp(prefix="peerlearn-bench-rt-"))
    port = free_port()
    server = start_nats(data, port)
    try:
        wait_for_server("127.0.0.1", port, 10, server)
        client = await nats.connect(f"nats://127.0.0.1:{port}")
        js = client.jetstream()
        await js.add_stream(name="BENCH", subjects=["bench.>"])
        pull = await js.pull_subscribe("bench.rt", durable="bench")
        sent: dict[str, float] = {}
        took: list[float] = []

        async def consume() -> None:
            while len(took) < count:
                try:
                    for message in await pull.fetch(1, timeout=1):
                        took.append(time.time() - sent[message.data.decode()])
                        await message.ack()
                except nats.errors.TimeoutError:
                    continue

        consumer = asyncio.create_task(consume())
        for n in range(count):
            sent[str(n)] = time.time()
            await js.publish("bench.rt", str(n).encode(), headers={"Nats-Msg-Id": str(n)})
            await asyncio.sleep(1 / rate)
        await asyncio.wait_for(consumer, 30)
        await client.close()
        return took
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(data, ignore_errors=True)


async def routed_at(nats_url: str, password: str) -> dict[str, tuple[float, int]]:
    """When each thread's ``matcher.answerers.suggested`` was stored in JetStream, and to how many
    answerers: read back as the operator, by an ephemeral pull consumer (the operator may not
    answer a push consumer's flow control)."""
    client = await nats.connect(nats_url, user=nats_access.OPERATOR, password=password)
    stamps: dict[str, tuple[float, int]] = {}
    try:
        js = client.jetstream()
        last = (await js.stream_info("MATCHER")).state.last_seq
        config = ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL)
        pull = await js.pull_subscribe("matcher.>", stream="MATCHER", config=config)
        seen = 0
        while seen < last:
            for message in await pull.fetch(200, timeout=10):
                seen = message.metadata.sequence.stream
                if message.subject == events.ANSWERERS_SUGGESTED:
                    data = events.decode(message.data).data
                    assert isinstance(data, events.AnswerersSuggested)
                    at = message.metadata.timestamp.timestamp()
                    stamps.setdefault(data.thread_id, (at, len(data.answerers)))
    finally:
        await client.close()
    return stamps


def call(client: httpx.Client, method: str, path: str, token: str = ADMIN, **kw: Any) -> Any:
    response = client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kw)
    response.raise_for_status()
    return response.json() if response.content else None


def inbox_stamps(notify: httpx.Client, person_id: str) -> dict[str, float]:
    """thread id -> when notify wrote that person's ``question_routed`` (from its time-ordered id)."""
    stamps: dict[str, float] = {}
    cursor = ""
    while True:
        after = f"&cursor={cursor}" if cursor else ""
        page = call(notify, "GET", f"/v1/people/{person_id}/notifications?limit=100{after}")
        for item in page["items"]:
            if item["kind"] == "question_routed":
                stamps[item["link"].rsplit("/", 1)[1]] = int(item["id"][:12], 16) / 1000
        cursor = page["next_cursor"]
        if not cursor:
            return stamps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--answerers", type=int, default=12)
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="peerlearn-bench-notify-"))
    smtp_port = free_port()
    arrivals: Any = multiprocessing.Queue()
    sink = multiprocessing.Process(target=smtp_sink, args=(smtp_port, arrivals), daemon=True)
    sink.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PEERLEARN_")},
        **{f"PEERLEARN_{name.upper()}_PORT": str(free_port()) for name in SERVICES},
        "PEERLEARN_DATA_DIR": str(data),
        "PEERLEARN_ADMIN_TOKEN": ADMIN,
        "PEERLEARN_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "PEERLEARN_LOG_LEVEL": "WARNING",
        "PEERLEARN_RATE_LIMIT_PER_MINUTE": "1000000",
        "PEERLEARN_FORUM_POST_RATE_PER_MINUTE": "1000000",
        "PEERLEARN_MATCHER_LOAD_CAP_PER_WEEK": "1000000",
        "PEERLEARN_NOTIFY_IMMEDIATE_MAILS_PER_DAY": "1000000",
    }
    baseline = asyncio.run(bare_round_trip(args.questions, args.rate))
    system = start_system(env)
    try:
        urls = system.urls
        profiles = httpx.Client(base_url=urls["profiles"], timeout=30)
        forum = httpx.Client(base_url=urls["forum"], timeout=30)
        notify = httpx.Client(base_url=urls["notify"], timeout=30)
        org = call(profiles, "POST", "/v1/orgs", json={"name": "Bench Notify", "kind": "partner"})

        def person(name: str, skills: list[dict[str, Any]]) -> dict[str, Any]:
            body = {"display_name": name, "email": f"{name.lower().replace(' ', '.')}@bench.test"}
            made: dict[str, Any] = call(
                profiles, "POST", f"/v1/orgs/{org['id']}/people", json={**body, "skills": skills}
            )
            return made

        answerers = [
            person(f"Answerer {n}", [{"name": "SQL", "level": 5}, {"name": "PostgreSQL", "level": 4}])
            for n in range(args.answerers)
        ]
        askers = [person(f"Asker {n}", [{"name": "SQL", "level": 1, "wants": True}]) for n in range(4)]
        tokens = [call(profiles, "POST", "/v1/tokens", json={"person_id": p["id"]})["token"] for p in askers]
        space = call(
            forum, "POST", "/v1/spaces", json={"name": "SQL", "visibility": "org", "org_id": org["id"]}
        )

        def ask(n: int) -> str:
            title = f"Bench question #{n}: why is my {TOPICS[n % len(TOPICS)]} slow in SQL?"
            body = {"title": title, "body": "The report scans the whole table; PostgreSQL 16."}
            thread: dict[str, Any] = call(
                forum, "POST", f"/v1/spaces/{space['id']}/threads", tokens[n % len(tokens)], json=body
            )
            return str(thread["id"])

        # Warm up (model loaded, addresses known): until a question's mail reaches the server.
        deadline = time.monotonic() + 180
        warm = 0
        while time.monotonic() < deadline:
            try:
                ask(100000 + warm)
            except httpx.HTTPStatusError as exc:
                # The forum learns the askers and their org from profiles' events: until then
                # the org's space is not theirs to post in (404).
                if exc.response.status_code != 404:
                    raise
                time.sleep(1)
                continue
            warm += 1
            try:
                arrivals.get(timeout=10)
                break
            except Exception:  # queue.Empty: not yet
                continue
        time.sleep(3)
        while not arrivals.empty():
            arrivals.get()

        asked: dict[str, tuple[int, float]] = {}
        start = time.monotonic()
        for n in range(args.questions):
            time.sleep(max(0.0, start + n / args.rate - time.monotonic()))
            before = time.time()
            asked[ask(n)] = (n, before)
        number_of = {n: thread for thread, (n, _) in asked.items()}
        password = system.nats_passwords[nats_access.OPERATOR]
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:  # the matcher may lag behind the questions
            routed = asyncio.run(routed_at(system.nats_url, password))
            if all(thread in routed for thread in asked):
                break
            time.sleep(2)
        routes = {thread: at for thread, (at, _) in routed.items()}
        expected = sum(n for thread, (_, n) in routed.items() if thread in asked)
        inbox: dict[tuple[str, str], float] = {}  # (thread, answerer email) -> written at
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # notify may lag too: wait for every routed answerer's
            for answerer in answerers:
                for thread, stamp in inbox_stamps(notify, answerer["id"]).items():
                    if thread in asked:
                        inbox[(thread, answerer["email"])] = stamp
            if len(inbox) >= expected:
                break
            time.sleep(2)
        mail: dict[tuple[str, str], float] = {}
        deadline = time.monotonic() + 120
        while len(mail) < len(inbox) and time.monotonic() < deadline:  # every routed answerer's mail
            try:
                arrived, n, rcpts = arrivals.get(timeout=5)
            except Exception:  # queue.Empty
                continue
            if n in number_of:
                mail.update({(number_of[n], rcpt): arrived for rcpt in rcpts})
    finally:
        system.stop()
        sink.terminate()
        shutil.rmtree(data, ignore_errors=True)

    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{args.questions} questions at {args.rate}/s, {args.answerers} answerers, SQLite\n")
    asked_at = {thread: before for thread, (_, before) in asked.items()}
    rows = {
        "bare JetStream round trip (baseline)": baseline,
        "question POST -> routing event stored": [routes[t] - asked_at[t] for t in asked if t in routes],
        "routing event -> answerer's inbox": [at - routes[t] for (t, _), at in inbox.items() if t in routes],
        "routing event -> SMTP server": [at - routes[t] for (t, _), at in mail.items() if t in routes],
        "question POST -> answerer's inbox": [at - asked_at[t] for (t, _), at in inbox.items()],
        "question POST -> SMTP server": [at - asked_at[t] for (t, _), at in mail.items()],
    }
    print(f"{'':<44} {'n':>5} {'p50 s':>7} {'p99 s':>7}")
    for name, values in rows.items():
        p50, p99 = quantiles(values) if values else (float("nan"), float("nan"))
        print(f"{name:<44} {len(values):>5} {p50:>7.3f} {p99:>7.3f}")
    print(f"questions routed: {sum(t in routes for t in asked)} of {len(asked)}; "
          f"notifications missing after 120 s: {expected - len(inbox)} of {expected}; "
          f"mails missing after 120 s: {len(inbox) - len(mail)} of {len(inbox)}")  # fmt: skip
    if baseline and all(rows.values()):
        base50, base99 = quantiles(baseline)
        for name in ("routing event -> answerer's inbox", "routing event -> SMTP server"):
            p50, p99 = quantiles(rows[name])
            print(f"{name}: {p50 / base50:.0f}x (p50), {p99 / base99:.0f}x (p99) the bare round trip")
    return 0


if __name__ == "__main__":
    sys.exit(main())
