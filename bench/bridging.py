"""Bridging suggestions on the demo data (issue 13): the share of peer suggestions that cross
circles, and the fit given up for it, with bridging on and off.

The demo data set is built as ``peerlearn up --demo`` builds it, from the same pure generators
(profiles' ``build_people`` and cohorts, the forum's ``plan_threads``: 150 people in 4 orgs, 2
cross-org cohorts, 300 threads with their answers and acceptances), straight into the matcher's
engine with the real encoder instead of through the services' HTTP APIs and JetStream (ids
differ, nothing else). The circles are the matcher's own (``Engine.help_ties`` ->
``Circles.of_ties``). Then every person's peers are computed with bridging off (the baseline:
peers by fit alone) and on. Fit is a suggestion's score without the bridging bonus.
Also a sweep of the bonus, to show what the chosen 0.05 trades, and the live recomputation's two
steps at 10,000 people and 100,000 answers (synthetic).
Run: ``HF_HUB_OFFLINE=1 .venv/bin/python bench/bridging.py``.
"""

from __future__ import annotations

import functools
import os
import platform
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from peerlearn.events import PersonProfile, Skill
from peerlearn_forum.demo_content import plan_threads
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.domain import circles as c
from peerlearn_matcher.domain import suggesting
from peerlearn_matcher.domain.circles import Circles
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.matching import Scored
from peerlearn_matcher.domain.people import PersonRecord, need_vector, offer_vector, split_skills
from peerlearn_matcher.domain.threads import ThreadRecord
from peerlearn_profiles.demo import MEMBERS_PER_ORG
from peerlearn_profiles.demo_data import COHORTS, ORGS, build_people

# Bonuses tried besides the chosen one (domain.circles.BONUS), to show what it trades.
SWEEP = (0.02, 0.10, 0.20)


def demo_engine(encoder: Encoder) -> Engine:
    """The demo's people, cohorts, threads, answers and acceptances in one matcher engine."""
    engine = Engine(encoder.dim)
    demo = build_people()
    org_id = {o.key: f"org-{o.key}" for o in ORGS}
    people: list[dict[str, Any]] = []
    for i, p in enumerate(demo):
        people.append(
            {"id": f"p{i:03d}", "org_id": org_id[p.org_key], "skills": p.skills(), "goal": p.goal, "demo": p}
        )
    cohorts = []
    for n, (name, _topic, owner, invited, tracks) in enumerate(COHORTS):
        members = []
        for key in (owner, *invited):  # as profiles' demo loader picks them
            chosen = [r["id"] for r in people if r["demo"].org_key == key and r["demo"].track in tracks]
            members += chosen[:MEMBERS_PER_ORG]
        cohorts.append({"id": f"c{n}", "name": name, "member_person_ids": members})
        engine.cohort_names[f"c{n}"] = name
        engine.members[f"c{n}"] = set(members)
    plans = plan_threads(people, cohorts, count=300)
    records = []
    for i, plan in enumerate(plans):
        visibility = plan.space[0]
        thread = ThreadRecord(
            id=f"t{i:03d}",
            space_id="/".join(plan.space),
            visibility=visibility,
            org_id=plan.space[1] if visibility == "org" else None,
            cohort_id=plan.space[1] if visibility == "cohort" else None,
            author_id=plan.asker_id,
            kind=plan.kind,
            title=plan.title,
            body=plan.body,
            tags=plan.tags,
        )
        for j, answer in enumerate(plan.answers):
            engine.posts[f"t{i:03d}-{j}"] = (thread.id, answer.author_id)
        if plan.accept is not None:
            thread.accepted_post_id = f"t{i:03d}-{plan.accept}"
            thread.accepted_author_id = plan.answers[plan.accept].author_id
        records.append(thread)
    vectors = encoder.encode([t.text() for t in records])
    for thread, vector in zip(records, vectors, strict=True):
        thread.vector = vector
        engine.put_thread(thread)
    for row in people:  # after the threads: an offer includes the topics one answered
        p = row["demo"]
        profile = PersonProfile(
            id=row["id"],
            org_id=row["org_id"],
            display_name=p.display_name,
            roles=p.roles,
            bio=p.bio,
            goal=p.goal,
            timezone=p.timezone,
            weekly_hours=p.weekly_hours,
            mentor_capacity=p.mentor_capacity,
            open_to_external=p.open_to_external,
            skills=[
                Skill(name=str(s["name"]), level=int(s["level"]), wants=bool(s["wants"])) for s in p.skills()
            ],
        )
        have, want = split_skills(profile)
        goal = profile.goal.strip()
        texts = [s.name for s in have] + [s.name for s in want] + ([goal] if goal else [])
        v = encoder.encode(texts)
        record = PersonRecord(
            profile=profile,
            have=have,
            want=want,
            have_vectors=v[: len(have)].reshape(len(have), engine.dim),
            want_vectors=v[len(have) : len(have) + len(want)].reshape(len(want), engine.dim),
            goal_vector=v[-1] if goal else None,
        )
        engine.put_person(
            record,
            offer_vector(record, engine.answered_topics(profile.id), engine.dim),
            need_vector(record, engine.dim),
        )
    return engine


def peer_lists(engine: Engine) -> dict[str, list[Scored]]:
    """Everyone's peer suggestions as the engine's settings make them."""
    return {
        pid: [s for s in suggesting.suggest(engine, pid) if s.kind == "peer"] for pid in engine.people.records
    }


def figures(
    engine: Engine, lists: dict[str, list[Scored]], baseline: dict[str, list[Scored]]
) -> dict[str, float]:
    """Crossing share, mean fit per list and its loss against ``baseline``, lists changed."""
    circles = engine.circles
    pairs = [(pid, s) for pid, peers in lists.items() for s in peers]
    known = [(pid, s) for pid, s in pairs if pid in circles.of and s.candidate_id in circles.of]
    crossing = sum(1 for pid, s in pairs if circles.apart(pid, s.candidate_id))
    top3 = [(pid, s) for pid, peers in lists.items() for s in peers[:3]]
    first = [(pid, peers[0]) for pid, peers in lists.items() if peers]
    fit = {pid: statistics.fmean(s.score - s.bonus for s in peers) for pid, peers in lists.items() if peers}
    fit0 = {
        pid: statistics.fmean(s.score - s.bonus for s in peers) for pid, peers in baseline.items() if peers
    }
    top = [lists[p][0].score - lists[p][0].bonus for p in fit]
    top0 = [baseline[p][0].score - baseline[p][0].bonus for p in fit]
    return {
        "suggestions": len(pairs),
        "crossing": crossing,
        "share": crossing / len(pairs) if pairs else 0.0,
        "share_known": crossing / len(known) if known else 0.0,
        "share_top3": sum(1 for p, s in top3 if circles.apart(p, s.candidate_id)) / max(1, len(top3)),
        "share_first": sum(1 for p, s in first if circles.apart(p, s.candidate_id)) / max(1, len(first)),
        "mean_fit": statistics.fmean(fit.values()),
        "fit_lost": statistics.fmean(fit0[p] - fit[p] for p in fit),
        "top_fit_lost": statistics.fmean(a - b for a, b in zip(top0, top, strict=True)),
        "nudged": sum(1 for _, s in pairs if s.bonus > 0),
        "changed": sum(
            1 for p in lists if [s.candidate_id for s in lists[p]] != [s.candidate_id for s in baseline[p]]
        ),
        "first_changed": sum(1 for p in fit if lists[p][0].candidate_id != baseline[p][0].candidate_id),
        "people": len(fit),
    }


def at_scale(people: int = 10_000, answers: int = 100_000, seed: int = 13) -> tuple[int, float, float, int]:
    """The live matcher's two steps on a synthetic forum of ``people`` in 20 departments (90% of
    answers inside one's department) and ``answers`` answers (a third accepted): the ties as the
    lock holds them (``help_ties``) and Louvain (``Circles.of_ties``, in a worker thread live)."""
    rng = random.Random(seed)
    ids = [f"p{i}" for i in range(people)]
    threads: dict[str, ThreadRecord] = {}
    posts = []
    for i in range(answers):
        asker = rng.randrange(people)
        helper = (
            rng.randrange(people) if rng.random() < 0.1 else rng.randrange(people // 20) * 20 + asker % 20
        )
        tid = f"t{i // 3}"
        if tid not in threads:
            threads[tid] = ThreadRecord(tid, "s", "public", None, None, ids[asker], "question", tid)
        if i % 3 == 0:
            threads[tid].accepted_author_id = ids[helper]
        posts.append((tid, ids[helper]))
    known = set(ids)
    t = time.perf_counter()
    ties = c.help_ties(threads, posts, known)
    ties_s = time.perf_counter() - t
    t = time.perf_counter()
    found = Circles.of_ties(ties)
    return len(ties), ties_s, time.perf_counter() - t, len(set(found.of.values()))


def row(name: str, f: dict[str, float]) -> str:
    return (
        f"| {name} | {f['suggestions']:.0f} | {f['crossing']:.0f} ({f['share']:.1%}) | {f['share_top3']:.1%} "
        f"| {f['share_first']:.1%} "
        f"| {f['nudged']:.0f} | {f['changed']:.0f} / {f['first_changed']:.0f} | {f['mean_fit']:.4f} "
        f"| {f['fit_lost']:.4f} | {f['top_fit_lost']:.4f} |"
    )


def main() -> None:
    started = time.perf_counter()
    encoder = Encoder()
    engine = demo_engine(encoder)
    built = time.perf_counter() - started
    t = time.perf_counter()
    ties = engine.help_ties()
    engine.circles = Circles.of_ties(ties)
    circles_s = time.perf_counter() - t
    sizes = sorted(
        (sum(1 for v in engine.circles.of.values() if v == k) for k in set(engine.circles.of.values())),
        reverse=True,
    )
    engine.limits.bridging = False
    t = time.perf_counter()
    off = peer_lists(engine)
    off_s = time.perf_counter() - t
    engine.limits.bridging = True
    t = time.perf_counter()
    on = peer_lists(engine)
    on_s = time.perf_counter() - t
    original: Callable[..., list[Scored]] = suggesting.bridge
    sweep = {}
    for bonus in SWEEP:
        suggesting.bridge = functools.partial(original, bonus=bonus)
        sweep[bonus] = figures(engine, peer_lists(engine), off)
    suggesting.bridge = original
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f} (1 min) at the end"
    )
    print(
        f"demo: {len(engine.people)} people, {len(engine.threads)} threads, {len(engine.posts)} answers, "
        f"{sum(1 for t in engine.threads.values() if t.accepted_author_id)} accepted; built in {built:.1f} s"
    )
    print(
        f"circles: {len(ties)} ties, {len(engine.circles.of)} people in {len(sizes)} circles "
        f"(sizes {sizes}); computed in {circles_s * 1000:.0f} ms"
    )
    org_of = {pid: r.org_id for pid, r in engine.people.records.items()}
    main_org = {
        k: Counter(org_of[p] for p, v in engine.circles.of.items() if v == k).most_common(1)[0][0]
        for k in set(engine.circles.of.values())
    }
    aligned = sum(1 for p, k in engine.circles.of.items() if org_of[p] == main_org[k])
    print(f"circles vs orgs: {aligned / len(engine.circles.of):.0%} of people are in their circle's main org")
    print(f"peers for everyone: off {off_s:.2f} s, on {on_s:.2f} s")
    n_ties, ties_s, louvain_s, n_circles = at_scale()
    print(
        f"at scale (10,000 people, 100,000 answers): {n_ties} ties copied in {ties_s * 1000:.0f} ms "
        f"(under the lock), Louvain {louvain_s:.1f} s ({n_circles} circles)"
    )
    print()
    print(
        "| bridging | peer suggestions | crossing circles | of the top 3 | of the first | nudged "
        "| lists / first peer changed | mean fit of a list | fit lost per list | fit lost, first peer |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(row("off", figures(engine, off, off)))
    print(row(f"**on** (bonus {c.BONUS:g})", figures(engine, on, off)))
    for bonus, f in sweep.items():
        print(row(f"sweep: bonus {bonus:g}", f))


if __name__ == "__main__":
    main()
