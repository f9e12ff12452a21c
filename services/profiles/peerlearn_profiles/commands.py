"""Profiles' commands: ``peerlearn import-people FILE --org ORG`` sends a CSV roster to the
running profiles service; ``peerlearn profiles publish-contacts`` republishes every address
for notify (:mod:`peerlearn_profiles.usecases.contacts`).

The file is sent in chunks of rows (each with the header) so a large roster stays under
the import body limit and shows progress; the service's line numbers are mapped back to
the file's. Exit status: 0 all rows in, 1 some rows rejected, 2 nothing could be sent.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tqdm import tqdm

DEFAULT_URL = "http://127.0.0.1:8001"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``import-people`` to the ``peerlearn`` command."""
    parser = subparsers.add_parser(
        "import-people",
        help="import people from a CSV roster into an organisation (upsert by email)",
        description="Columns: display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal "
        "(optional: bio,mentor_capacity,open_to_external); skills as name:level;name:level.",
    )
    parser.add_argument("file", type=Path, help="the CSV file (UTF-8)")
    parser.add_argument("--org", required=True, help="id of the organisation")
    parser.add_argument("--url", default=os.environ.get("PEERLEARN_PROFILES_URL", DEFAULT_URL))
    parser.add_argument("--token", default="", help="an org admin's token (default: the platform admin's)")
    parser.add_argument("--chunk-rows", type=int, default=500, help="rows per request")
    parser.set_defaults(func=run_import)
    group = subparsers.add_parser("profiles", help="profiles operations")
    actions = group.add_subparsers(dest="profiles_command", required=True)
    publish = actions.add_parser(
        "publish-contacts",
        help="republish every person's address to notify (a notify started on an existing deployment)",
        description="Records each person's contacts.person.updated in profiles' outbox (the profiles "
        "service publishes it, now or when it starts); a second run republishes nothing.",
    )
    publish.add_argument("--batch", type=int, default=500, help="people per transaction")
    publish.set_defaults(func=run_publish_contacts)


def run_publish_contacts(args: argparse.Namespace) -> int:
    """Record every person's contact in profiles' outbox with a progress bar; print the counts."""
    import asyncio

    from peerlearn.settings import SettingsError
    from peerlearn.store import Database
    from peerlearn.unit_of_work import UnitOfWork
    from peerlearn_profiles.settings import load
    from peerlearn_profiles.usecases.contacts import count_people, republish_contacts

    try:
        settings = load()
    except SettingsError as exc:
        print(f"peerlearn profiles publish-contacts: {exc}", file=sys.stderr)
        return 2

    async def _run() -> int:
        database = Database(settings.sqlalchemy_url, schema=settings.service)
        try:
            uow = UnitOfWork(database)
            total = await count_people(uow)
            with tqdm(total=total, unit="people", desc="contacts", file=sys.stderr) as progress:
                done = await republish_contacts(uow, batch=max(1, args.batch), progress=progress.update)
        finally:
            await database.dispose()
        print(
            f"recorded {done.recorded} contacts in profiles' outbox ({done.already} already there); "
            "the profiles service publishes them to notify"
        )
        return 0

    return asyncio.run(_run())


@dataclass
class Chunk:
    """One request's CSV text and, per line of it where a row starts, that row's line in the file."""

    text: str
    lines: dict[int, int]
    rows: int


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def chunk_roster(text: str, rows_per_chunk: int) -> tuple[list[Chunk], list[tuple[int, str]]]:
    """Split the roster into chunks of whole records; records the CSV reader cannot read are rejected."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], []
    records: list[tuple[int, list[str]]] = []
    unreadable: list[tuple[int, str]] = []
    while True:
        start = reader.line_num + 1
        try:
            records.append((start, next(reader)))
        except StopIteration:
            break
        except csv.Error as exc:
            unreadable.append((start, f"unreadable CSV record: {exc}"))
            if reader.line_num < start:
                break
    chunks = []
    for first in range(0, max(len(records), 1), rows_per_chunk):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        lines: dict[int, int] = {}
        line = 2
        for original, record in records[first : first + rows_per_chunk]:
            before = out.tell()
            writer.writerow(record)
            lines[line] = original
            line += out.getvalue()[before:].count("\n")
        chunks.append(Chunk(out.getvalue(), lines, len(records[first : first + rows_per_chunk])))
    return chunks, unreadable


def _admin_token() -> str:
    token = os.environ.get("PEERLEARN_ADMIN_TOKEN", "")
    path = Path(os.environ.get("PEERLEARN_DATA_DIR", "./var")) / "admin-token"
    if not token and path.exists():
        token = path.read_text().strip()
    return token


def run_import(args: argparse.Namespace) -> int:
    """Send the file in chunks with a progress bar; print rejected rows and the counts."""
    token = args.token or _admin_token()
    if not token:
        print("import-people: no token (give --token or run `peerlearn up` first)", file=sys.stderr)
        return 2
    try:
        text = args.file.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        print(f"import-people: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        print(f"import-people: {args.file} is not UTF-8 (byte offset {exc.start}); export it as UTF-8",
              file=sys.stderr)  # fmt: skip
        return 2
    chunks, unreadable = chunk_roster(text, max(1, args.chunk_rows))
    outcome = Outcome(rejected=list(unreadable))
    path = f"/v1/orgs/{args.org}/people:import"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    with (
        httpx.Client(base_url=args.url, timeout=120) as client,
        tqdm(total=sum(c.rows for c in chunks), unit="rows", desc="import", file=sys.stderr) as progress,
    ):
        for chunk in chunks:
            try:
                response = client.post(path, content=chunk.text.encode(), headers=headers)
            except httpx.HTTPError as exc:
                print(f"\nimport-people: cannot reach {args.url}: {exc}", file=sys.stderr)
                return 2
            if response.status_code != 200:
                detail = response.json().get("detail") if response.content else ""
                print(f"\nimport-people: {response.status_code} {detail}", file=sys.stderr)
                return 2
            report = response.json()
            outcome.created += report["created"]
            outcome.updated += report["updated"]
            outcome.unchanged += report["unchanged"]
            outcome.rejected += [
                (chunk.lines.get(r["line"], r["line"]), r["reason"]) for r in report["rejected"]
            ]
            progress.update(chunk.rows)
    for line, reason in sorted(outcome.rejected):
        print(f"line {line}: {reason}")
    print(
        f"created {outcome.created}, updated {outcome.updated}, unchanged {outcome.unchanged}, "
        f"rejected {len(outcome.rejected)}"
    )
    return 1 if outcome.rejected else 0
