"""Reading a Stack Exchange data dump (``Posts.xml``; ``Users.xml``, ``Tags.xml``, ``Votes.xml`` optional).

The files are streamed with ``xml.etree.ElementTree.iterparse`` and every row is cleared once
read, so a dump of several gigabytes never sits in memory as a tree; only what the evaluation
needs is kept (plain text of questions cut to :data:`BODY_CHARS`, and who answered what when).
Both tag spellings of the dump format are understood: ``<python><pandas>`` (older dumps) and
``|python|pandas|`` (dumps since 2024).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

# Enough of a question's body to know its topic; the rest costs memory and encoding time.
BODY_CHARS = 1500
_TAG_MARKUP = re.compile(r"<[^>]+>")
_TAGS = re.compile(r"<([^<>]+)>|\|([^|]+)")


@dataclass(frozen=True)
class Question:
    """A question post: when, by whom, its text, tags and its accepted answer's id (or None)."""

    id: str
    created: datetime
    owner_id: str | None
    title: str
    body: str
    tags: tuple[str, ...]
    accepted_answer_id: str | None
    # Who the live matcher routed it to (its training replay): the first of them to answer labels
    # the question as accepted answers do. A dump routes nobody.
    routed: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """What the matcher reads of the question: title, tags and body."""
        return f"{self.title}\n{' '.join(self.tags)}\n{self.body}"


@dataclass(frozen=True)
class Answer:
    """An answer post: its question, when, by whom."""

    id: str
    question_id: str
    created: datetime
    owner_id: str | None


@dataclass(frozen=True)
class User:
    """A user: id, display name and their "about me" as plain text."""

    id: str
    display_name: str
    about: str


@dataclass
class Dump:
    """What the evaluation reads of a dump, questions and answers each in time order."""

    path: Path
    questions: list[Question] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    # When each accepted answer was accepted, by answer id, where Votes.xml says (a day, no time).
    accepted_on: dict[str, datetime] = field(default_factory=dict)
    # "Not my area": a routed person declined the question (the live matcher's history; none in a dump).
    declines: list[Decline] = field(default_factory=list)


@dataclass(frozen=True)
class Decline:
    """``person_id`` declined question ``question_id`` when it was routed to them, at ``created``."""

    person_id: str
    question_id: str
    created: datetime

    @property
    def id(self) -> str:
        """A stable key for ordering events of one instant."""
        return f"{self.question_id}/{self.person_id}"


def plain_text(markup: str) -> str:
    """The text of a post's HTML body, whitespace collapsed."""
    return " ".join(html.unescape(_TAG_MARKUP.sub(" ", markup)).split())


def parse_tags(value: str) -> tuple[str, ...]:
    """``<a><b>`` or ``|a|b|`` → ``("a", "b")``."""
    return tuple(a or b for a, b in _TAGS.findall(value or ""))


def _rows(path: Path) -> Iterator[dict[str, str]]:
    for _, element in ET.iterparse(path, events=("end",)):
        if element.tag == "row":
            yield dict(element.attrib)
        element.clear()  # keep memory flat on a multi-gigabyte file


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value[:19])


def read_posts(path: Path, limit: int | None = None) -> tuple[list[Question], list[Answer]]:
    """Questions and answers of ``Posts.xml``, each sorted by creation time.

    ``limit`` keeps the first ``limit`` questions of the file and only the answers to them. Dumps
    list posts by id, and ids grow with time, so these are the site's first questions; deciding
    while streaming keeps memory bounded by ``limit`` however big the file is.
    """
    questions: list[Question] = []
    answers: list[Answer] = []
    kept: set[str] = set()
    for row in _rows(path):
        kind = row.get("PostTypeId")
        if kind == "1" and (limit is None or len(questions) < limit):
            kept.add(row["Id"])
            questions.append(
                Question(
                    id=row["Id"],
                    created=_when(row["CreationDate"]),
                    owner_id=row.get("OwnerUserId"),
                    title=html.unescape(row.get("Title", "")),
                    body=plain_text(row.get("Body", ""))[:BODY_CHARS],
                    tags=parse_tags(row.get("Tags", "")),
                    accepted_answer_id=row.get("AcceptedAnswerId"),
                )
            )
        elif kind == "2" and row.get("ParentId") in kept:
            answers.append(
                Answer(
                    id=row["Id"],
                    question_id=row["ParentId"],
                    created=_when(row["CreationDate"]),
                    owner_id=row.get("OwnerUserId"),
                )
            )
    questions.sort(key=lambda q: (q.created, q.id))
    answers.sort(key=lambda a: (a.created, a.id))
    return questions, answers


def read_users(path: Path, wanted: set[str] | None = None) -> dict[str, User]:
    """Users of ``Users.xml`` by id (only those in ``wanted`` when given: a big site has millions)."""
    return {
        row["Id"]: User(
            id=row["Id"],
            display_name=row.get("DisplayName", ""),
            about=plain_text(row.get("AboutMe", ""))[:BODY_CHARS],
        )
        for row in _rows(path)
        if wanted is None or row.get("Id") in wanted
    }


def read_tag_names(path: Path) -> list[str]:
    """Tag names of ``Tags.xml``."""
    return [row["TagName"] for row in _rows(path) if "TagName" in row]


def read_acceptances(path: Path, wanted: set[str]) -> dict[str, datetime]:
    """Day of acceptance of each post in ``wanted`` from ``Votes.xml`` (vote type 1, "accepted by
    originator"); the dump gives the date only, so the time is midnight of that day."""
    return {
        row["PostId"]: _when(row["CreationDate"])
        for row in _rows(path)
        if row.get("VoteTypeId") == "1" and row.get("PostId") in wanted and "CreationDate" in row
    }


def load_dump(directory: str | Path, limit: int | None = None) -> Dump:
    """Read a dump folder: ``Posts.xml`` is required; ``Users.xml`` (the "about me" texts),
    ``Tags.xml`` and ``Votes.xml`` (when answers were accepted) are read when present."""
    root = Path(directory)
    if not (root / "Posts.xml").is_file():
        raise FileNotFoundError(f"{root / 'Posts.xml'} not found: is {root} a Stack Exchange dump folder?")
    questions, answers = read_posts(root / "Posts.xml", limit)
    users = (
        read_users(root / "Users.xml", {a.owner_id for a in answers if a.owner_id})
        if (root / "Users.xml").is_file()
        else {}
    )
    tags = read_tag_names(root / "Tags.xml") if (root / "Tags.xml").is_file() else []
    accepted = {q.accepted_answer_id for q in questions if q.accepted_answer_id}
    votes = read_acceptances(root / "Votes.xml", accepted) if (root / "Votes.xml").is_file() else {}
    return Dump(path=root, questions=questions, answers=answers, users=users, tags=tags, accepted_on=votes)
