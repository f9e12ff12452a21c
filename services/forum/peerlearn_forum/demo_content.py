"""The demo's questions, answers and resources, generated from templates x the demo people's skills.

Pure and deterministic (a fixed seed): the same people give the same forum. Askers are
people who want to learn the topic; answerers are people who have it, strongest first, and
always people who can see the space (its org, its cohort, or anyone for the community).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

SEED = 20270102

QUESTIONS = [
    (
        "How do I get started with {t}?",
        "I want to learn {t} for {goal}. Where would you start, and what should I skip at first?",
    ),
    (
        "What are the most common {t} mistakes you see in code reviews?",
        "We are adopting {t} in my team. Which mistakes come up again and again, and how do you catch them?",
    ),
    (
        "{T}: how do you structure a real project?",
        "Tutorials show toy examples. How do you lay out a {t} project that several people work on?",
    ),
    (
        "How do I debug slow {t} work?",
        "Something I built with {t} got slow as the data grew. How do you find out where the time goes?",
    ),
    (
        "Is {t} worth learning alongside {o}?",
        "I already know some {o}. Does {t} add enough to be worth the time, and in which order?",
    ),
    (
        "How do you test {t} code?",
        "What does a good test for {t} work look like for you? I never know what to check.",
    ),
    (
        "Which {t} habits made you faster?",
        "Beyond the basics, what small habits with {t} paid off for you the most?",
    ),
    (
        "How do I explain {t} to my stakeholders?",
        "I use {t} well enough, but I struggle to explain its value to people outside the team.",
    ),
]
ANSWERS = [
    "Start small: pick one real task you have this week and do it with {t}. "
    "The official guide is good, but a real problem teaches the parts that matter.",
    "What helped me most with {t} was pairing with someone for an hour. "
    "Happy to do that with you if you like; I have used it for a few years now.",
    "Watch out for the usual trap: trying to learn all of {t} at once. "
    "Learn the core ideas, then look things up when you need them.",
    "We had the same question in our team. We wrote down three rules for {t} "
    "and reviewed every change against them for a month; after that it stuck.",
    "Measure before you change anything. With {t} the slow part is rarely where you expect it.",
    "I would learn {o} first and then {t}; the concepts carry over and you will move faster.",
    "Write a tiny example that shows the problem, then add one thing at a time. "
    "It sounds slow but it is the fastest way I know to understand {t}.",
    "Good question! Our internal notes on {t} have a checklist for this; the short version: "
    "keep it simple, test the edges, and document the decisions.",
]
DISCUSSIONS = [
    ("Share your {t} setup", "What does your day-to-day {t} setup look like? Tools, habits, shortcuts."),
    ("What's one {t} lesson you learned the hard way?", "Let's collect the lessons so others don't have to."),
]
RESOURCES = [
    (
        "A practical {t} course that helped our team",
        "Short videos with exercises; about four hours in total.",
    ),
    ("{T} cheat sheet", "One page with the things I look up most often."),
    ("Conference talk: {t} in production", "A one-hour talk on running {t} at scale, with the trade-offs."),
]


@dataclass
class Answer:
    author_id: str
    body: str


@dataclass
class ThreadPlan:
    space: tuple[str, ...]  # ("org", org_id) | ("cohort", cohort_id) | ("public",)
    asker_id: str
    kind: str
    title: str
    body: str
    tags: list[str]
    url: str | None = None
    answers: list[Answer] = field(default_factory=list)
    accept: int | None = None  # index of the accepted answer
    voters: list[tuple[str, int, int]] = field(default_factory=list)  # (voter, answer index, value)

    def request(self) -> dict[str, Any]:
        """The body of the ``POST /v1/spaces/{id}/threads`` that asks this thread."""
        body: dict[str, Any] = {"kind": self.kind, "title": self.title, "body": self.body, "tags": self.tags}
        if self.url:
            body["url"] = self.url
        return body


def skills_of(person: dict[str, Any]) -> list[tuple[str, int, bool]]:
    """``(name, level, wants)`` of each skill, whichever shape the profile demo gives."""
    found = []
    for skill in person.get("skills") or []:
        if isinstance(skill, str):
            found.append((skill, 3, False))
        else:
            found.append((str(skill["name"]), int(skill.get("level", 3)), bool(skill.get("wants", False))))
    return found


def tag_of(skill: str) -> str:
    return re.sub(r"[^a-z0-9+#._-]+", "-", skill.lower()).strip("-")[:40] or "general"


def plan_threads(
    people: Sequence[dict[str, Any]],
    cohorts: Sequence[dict[str, Any]],
    *,
    count: int = 300,
) -> list[ThreadPlan]:
    """``count`` threads over org, cohort and community spaces, with answers, votes and acceptances."""
    rng = random.Random(SEED)
    by_id = {p["id"]: p for p in people}
    orgs = sorted({p["org_id"] for p in people})
    audiences: list[tuple[tuple[str, ...], list[str], int]] = [(("public",), sorted(by_id), 6)]
    audiences += [(("org", org), sorted(p["id"] for p in people if p["org_id"] == org), 5) for org in orgs]
    for cohort in cohorts:
        members = sorted(m for m in cohort.get("member_person_ids", []) if m in by_id)
        if len(members) >= 3:
            audiences.append((("cohort", cohort["id"]), members, 2))
    audiences = [a for a in audiences if len(a[1]) >= 2]
    weights = [w for *_, w in audiences]
    plans = []
    for _ in range(count):
        space, members, _w = rng.choices(audiences, weights=weights)[0]
        plans.append(_one_thread(rng, space, members, by_id))
    return plans


def _one_thread(
    rng: random.Random, space: tuple[str, ...], members: list[str], by_id: dict[str, dict[str, Any]]
) -> ThreadPlan:
    wanted = [(s, pid) for pid in members for s, _lvl, wants in skills_of(by_id[pid]) if wants]
    had = [(s, lvl, pid) for pid in members for s, lvl, wants in skills_of(by_id[pid]) if not wants]
    if wanted and rng.random() < 0.8:
        topic, asker = rng.choice(wanted)
    elif had:
        topic, _lvl, asker = rng.choice(had)
    else:
        topic, asker = "learning", rng.choice(members)
    others = sorted({s for s, *_ in had if s != topic}) or ["the basics"]
    fill = {
        "t": topic,
        "T": topic[:1].upper() + topic[1:],
        "o": rng.choice(others),
        "goal": (by_id[asker].get("goal") or "my work").rstrip(".").lower(),
    }
    roll = rng.random()
    tags = [tag_of(topic)] + ([tag_of(fill["o"])] if rng.random() < 0.4 and fill["o"] != "the basics" else [])
    if roll < 0.7:
        kind, (title, body) = "question", rng.choice(QUESTIONS)
    elif roll < 0.85:
        kind, (title, body) = "discussion", rng.choice(DISCUSSIONS)
    else:
        kind, (title, body) = "resource", rng.choice(RESOURCES)
    plan = ThreadPlan(
        space=space,
        asker_id=asker,
        kind=kind,
        title=title.format(**fill),
        body=body.format(**fill),
        tags=list(dict.fromkeys(tags)),
        url=f"https://learn.example.org/{tag_of(topic)}/{rng.randrange(1000, 9999)}"
        if kind == "resource"
        else None,
    )
    # People strong in the topic answer first, in a random order so that no one expert
    # answers everything (and the posting limit spreads nobody thin).
    experts = sorted({pid for s, lvl, pid in had if s == topic and lvl >= 3 and pid != asker})
    rng.shuffle(experts)
    pool = experts + [m for m in members if m != asker and m not in experts]
    n_answers = min(len(pool), rng.choice([1, 2, 3, 3, 4, 5]))
    chosen = pool[: max(1, n_answers // 2)] + rng.sample(
        pool[max(1, n_answers // 2) :], max(0, n_answers - max(1, n_answers // 2))
    )
    for author in chosen[:n_answers]:
        plan.answers.append(Answer(author_id=author, body=rng.choice(ANSWERS).format(**fill)))
    if kind == "question" and plan.answers and rng.random() < 0.6:
        plan.accept = (
            0 if experts and plan.answers[0].author_id in experts else rng.randrange(len(plan.answers))
        )
    for index, answer in enumerate(plan.answers):
        for voter in rng.sample(members, min(len(members), rng.randrange(0, 4))):
            if voter != answer.author_id:
                plan.voters.append((voter, index, 1 if rng.random() < 0.85 else -1))
    return plan
