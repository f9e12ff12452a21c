"""Use case: import a CSV roster into an org — good rows in, bad rows reported, re-import a no-op."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from peerlearn.auth import Principal
from peerlearn.errors import Conflict
from peerlearn.events import new_id
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_profiles.adapters import store
from peerlearn_profiles.adapters.store import PersonRecord
from peerlearn_profiles.domain.roster import Roster, RosterRow
from peerlearn_profiles.domain.sight import Viewer
from peerlearn_profiles.http.schemas import ImportedRow, ImportReport, RejectedRow
from peerlearn_profiles.usecases.access import administered_org, viewer_of
from peerlearn_profiles.usecases.people import announce, tell_contact


async def import_roster(uow: UnitOfWork, principal: Principal, org_id: str, roster: Roster) -> ImportReport:
    """Upsert each row by (org, casefolded email); an unchanged person is left alone (no event).
    All rows in one transaction: an import is in whole or not at all."""
    async with uow.writing() as tx:
        return await _import(tx, await viewer_of(tx.session, principal), org_id, roster)


async def _import(tx: Transaction, viewer: Viewer, org_id: str, roster: Roster) -> ImportReport:
    session = tx.session
    await administered_org(session, viewer, org_id, to="import people")
    known = await store.people_by_email(session, org_id, [row.email_key for row in roster.rows])
    existing = {p.id: p for p in await store.get_people(session, list(known.values()), lock=True)}
    imported: list[ImportedRow] = []
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in roster.rows:
        person_id = known.get(row.email_key)
        email_before = None if person_id is None else existing[person_id].email
        if person_id is None:
            person = _new_person(org_id, row)
            try:
                await store.insert_person(session, person, row.email_key)
            except IntegrityError:  # a concurrent request added this email first
                raise Conflict(
                    f"line {row.line}: {row.email!r} was added by another request meanwhile; import again"
                ) from None
            outcome = "created"
        else:
            person = existing[person_id]
            if not _merge(person, row):
                counts["unchanged"] += 1
                imported.append(
                    ImportedRow(line=row.line, id=person.id, email=person.email, outcome="unchanged")
                )
                continue
            person.updated_at = store.now()
            await store.update_person(session, person, row.email_key)
            outcome = "updated"
        await announce(tx, person, viewer.person_id)
        if person.email != email_before:  # new, or the same address written differently
            await tell_contact(tx, person, viewer.person_id)
        counts[outcome] += 1
        imported.append(ImportedRow(line=row.line, id=person.id, email=person.email, outcome=outcome))  # type: ignore[arg-type]
    return ImportReport(
        **counts,
        rejected=[RejectedRow(line=line, reason=reason) for line, reason in sorted(roster.rejected)],
        people=imported,
    )


def _new_person(org_id: str, row: RosterRow) -> PersonRecord:
    stamp = store.now()
    return PersonRecord(
        id=new_id(),
        org_id=org_id,
        display_name=row.display_name,
        email=row.email,
        roles=row.roles,
        bio=row.bio or "",
        goal=row.goal,
        timezone=row.timezone,
        weekly_hours=row.weekly_hours,
        mentor_capacity=row.mentor_capacity or 0,
        open_to_external=bool(row.open_to_external),
        created_at=stamp,
        updated_at=stamp,
        skills=row.skills,
    )


def _merge(person: PersonRecord, row: RosterRow) -> bool:
    """Apply the row to the person; return whether anything changed."""
    wanted = {
        "display_name": row.display_name,
        "email": row.email,
        "roles": row.roles,
        "timezone": row.timezone,
        "weekly_hours": row.weekly_hours,
        "goal": row.goal,
        "skills": row.skills,
    }
    for name in ("bio", "mentor_capacity", "open_to_external"):
        if getattr(row, name) is not None:
            wanted[name] = getattr(row, name)
    changed = any(getattr(person, name) != value for name, value in wanted.items())
    for name, value in wanted.items():
        setattr(person, name, value)
    return changed
