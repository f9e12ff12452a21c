"""Deterministic generator of the small Stack Exchange-format sample the evaluation tests use.

A plausible mini Q&A site about programming: 40 users with specialities (a data person, a
database person, a DevOps person…) and very unequal activity (a few people write most answers,
as on every real site), 150 questions across 15 tags written as people write them, and about 400
answers. Who answers is *topical with noise*: experts in a question's tags are several times more
likely to answer, but anybody active may chime in; the accepted answer goes more often to an
expert, not always. So routing is neither trivial (the most active person is not always right)
nor hopeless (topic and history carry signal). Regenerate with
``python -m peerlearn_matcher.evaluation.sample [DIR]`` (default: the ``data`` folder beside this file).
"""

from __future__ import annotations

import random
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")
SEED = 20260101
USERS = 40
START = datetime(2024, 1, 8, 9, 0, 0)

# Who knows what: each user draws their focus tags from one persona.
PERSONAS: dict[str, list[str]] = {
    "data": ["python", "pandas", "numpy", "machine-learning"],
    "database": ["sql", "postgresql", "python"],
    "devops": ["docker", "kubernetes", "bash", "git"],
    "frontend": ["javascript", "reactjs", "css"],
    "systems": ["rust", "bash", "git", "regex"],
    "scripting": ["python", "regex", "bash"],
}
ABOUT = {
    "data": ["Data scientist. I mostly write {focus}.", "Analytics engineer working with {focus} every day."],
    "database": ["DBA for ten years: {focus}, query tuning.", "Backend developer, lots of {focus}."],
    "devops": ["Platform engineer: {focus}, CI pipelines.", "SRE. Containers, clusters, {focus}."],
    "frontend": ["Front-end developer ({focus}).", "I build web UIs with {focus}."],
    "systems": ["Systems programmer, {focus}.", "Low-level tooling: {focus}."],
    "scripting": ["Automation and text processing with {focus}.", "Sysadmin who scripts: {focus}."],
}
# Tags that often come along with a question's main tag.
RELATED = {
    "pandas": ["python", "numpy"],
    "numpy": ["python"],
    "machine-learning": ["python", "numpy"],
    "postgresql": ["sql"],
    "sql": ["postgresql"],
    "kubernetes": ["docker"],
    "docker": ["bash"],
    "reactjs": ["javascript"],
    "css": ["javascript"],
    "regex": ["python", "javascript"],
    "bash": ["git"],
}
ANSWER_OPENERS = ("Short answer:", "You are close.", "This is a common", "Try this for your", "For a")


def _questions() -> list[tuple[str, str, str]]:
    """The sample's question texts (tag, title, body), from ``data/questions.txt``."""
    rows = []
    for line in (DATA_DIR / "questions.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            tag, title, body = (part.strip() for part in line.split(" | ", 2))
            rows.append((tag, title, body.replace(" // ", "\n\n")))
    return rows


FIRST_NAMES = (
    "Ada",
    "Bram",
    "Chloe",
    "Dmitri",
    "Elif",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kemal",
    "Lena",
    "Mateo",
    "Nadia",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tanvi",
    "Umar",
    "Vera",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aiko",
    "Bruno",
    "Carmen",
    "Dev",
    "Emeka",
    "Fatima",
    "Goran",
    "Hana",
    "Ivan",
    "Julia",
    "Kofi",
    "Lucia",
    "Milan",
    "Noor",
)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000")


def _people(rng: random.Random) -> list[dict]:
    people = []
    for i in range(USERS):
        persona = list(PERSONAS)[i % len(PERSONAS)]
        tags = PERSONAS[persona]
        # Zipf-like activity: user 1 answers ~20x more than user 40, like a real site's long tail.
        activity = 1.0 / (1 + i) ** 0.9 * rng.uniform(0.7, 1.3)
        focus = rng.sample(tags, k=min(len(tags), rng.choice((1, 2, 2, 3))))
        about = rng.choice(ABOUT[persona]) if rng.random() < 0.6 else ""
        people.append(
            {
                "id": i + 1,
                "name": f"{FIRST_NAMES[i]} {chr(65 + (i * 7) % 26)}.",
                "activity": activity,
                "focus": set(focus),
                "persona_tags": set(tags),
                "about": about.format(focus=", ".join(focus)),
            }
        )
    rng.shuffle(people)  # so that ids do not tell activity apart
    for new_id, person in enumerate(people, start=1):
        person["id"] = new_id
    return people


def _expertise(person: dict, tags: list[str]) -> float:
    if tags[0] in person["focus"]:
        return 8.0
    if set(tags) & person["focus"]:
        return 4.0
    if set(tags) & person["persona_tags"]:
        return 2.0
    return 0.4  # the noise: anyone may answer anything


def generate(out_dir: Path = DATA_DIR, seed: int = SEED) -> dict[str, int]:
    """Write Users.xml, Posts.xml and Tags.xml into ``out_dir``; return their row counts."""
    rng = random.Random(seed)
    people = _people(rng)
    questions = _questions()
    rng.shuffle(questions)

    posts: list[dict[str, str]] = []
    tag_counts: dict[str, int] = {}
    next_id = 1
    moment = START
    answers_total = 0
    for tag, title, body in questions:
        moment += timedelta(hours=rng.uniform(2, 90))
        extra = [t for t in RELATED.get(tag, ()) if rng.random() < 0.45]
        tags = [tag, *extra[:2]]
        for t in tags:
            tag_counts[t] = tag_counts.get(t, 0) + 1
        asker = rng.choices(people, weights=[0.3 + 1.0 / (1 + p["activity"] * 10) for p in people])[0]
        pool = [p for p in people if p is not asker]
        weights = [p["activity"] * _expertise(p, tags) for p in pool]
        n_answers = min(len(pool), max(1, round(rng.gauss(2.7, 1.2))))
        answerers: list[dict] = []
        while len(answerers) < n_answers:
            pick = rng.choices(pool, weights=weights)[0]
            if pick not in answerers:
                answerers.append(pick)
        question_id = next_id
        next_id += 1
        answer_rows = []
        when = moment
        for person in answerers:
            when += timedelta(minutes=rng.uniform(5, 600))
            opener = rng.choice(ANSWER_OPENERS)
            answer_rows.append(
                {
                    "Id": str(next_id),
                    "PostTypeId": "2",
                    "ParentId": str(question_id),
                    "CreationDate": _stamp(when),
                    "Score": str(max(0, int(rng.gauss(2, 2)) + (2 if person["focus"] & set(tags) else 0))),
                    "Body": f"<p>{opener} {tag} question: see the docs on {title.lower().rstrip('?')}.</p>",
                    "OwnerUserId": str(person["id"]),
                    "ContentLicense": "CC BY-SA 4.0",
                }
            )
            next_id += 1
        accepted = ""
        if rng.random() < 0.8:
            chosen = rng.choices(answer_rows, weights=[3.0 * _expertise(p, tags) + 1 for p in answerers])[0]
            accepted = chosen["Id"]
        question = {
            "Id": str(question_id),
            "PostTypeId": "1",
            "CreationDate": _stamp(moment),
            "Score": str(max(0, int(rng.gauss(3, 3)))),
            "ViewCount": str(rng.randint(20, 4000)),
            "Body": "".join(f"<p>{para}</p>\n" for para in body.split("\n\n")),
            "OwnerUserId": str(asker["id"]),
            "Title": title,
            "Tags": "".join(f"<{t}>" for t in tags),
            "AnswerCount": str(len(answer_rows)),
            "ContentLicense": "CC BY-SA 4.0",
        }
        if accepted:
            question["AcceptedAnswerId"] = accepted
        posts.append(question)
        posts.extend(answer_rows)
        answers_total += len(answer_rows)

    out_dir.mkdir(parents=True, exist_ok=True)
    _write(out_dir / "Posts.xml", "posts", posts)
    users = [
        {
            "Id": str(p["id"]),
            "Reputation": str(int(1 + p["activity"] * 4000)),
            "CreationDate": _stamp(START - timedelta(days=30 + p["id"])),
            "DisplayName": p["name"],
            "AboutMe": f"<p>{p['about']}</p>" if p["about"] else "",
        }
        for p in sorted(people, key=lambda p: p["id"])
    ]
    _write(out_dir / "Users.xml", "users", users)
    tags_rows = [
        {"Id": str(i + 1), "TagName": name, "Count": str(count)}
        for i, (name, count) in enumerate(sorted(tag_counts.items()))
    ]
    _write(out_dir / "Tags.xml", "tags", tags_rows)
    counts = {"users": len(users), "questions": len(questions), "answers": answers_total}
    return counts | {"tags": len(tags_rows)}


def _write(path: Path, root_name: str, rows: list[dict[str, str]]) -> None:
    root = ET.Element(root_name)
    for row in rows:
        ET.SubElement(root, "row", {k: v for k, v in row.items() if v != ""})
    ET.indent(root, space="  ")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_DIR
    print(generate(target))
