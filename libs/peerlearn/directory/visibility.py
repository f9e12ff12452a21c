"""The SQL form of :func:`peerlearn.directory.caller.may_see` and ``may_moderate``.

Given the columns that say where rows live (visibility, org, cohort), these build the WHERE
clause true exactly for the rows the caller may see (or moderate), so a list, a search, a
count and a suggestion filter by the same rule as a single read does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from peerlearn.directory.caller import Caller


def visible_to(caller: Caller, visibility: Any, org_id: Any, cohort_id: Any) -> sa.ColumnElement[bool]:
    """A WHERE clause true for rows at (visibility, org_id, cohort_id) that ``caller`` may see."""
    if caller.platform_admin:
        return sa.true()
    clauses: list[sa.ColumnElement[bool]] = [visibility == "public"]
    if caller.person_id is not None:
        if caller.org_id is not None:
            clauses.append(sa.and_(visibility == "org", org_id == caller.org_id))
        if caller.seen_cohorts:
            clauses.append(sa.and_(visibility == "cohort", cohort_id.in_(sorted(caller.seen_cohorts))))
    return sa.or_(*clauses)


def moderated_by(caller: Caller, visibility: Any, org_id: Any, cohort_id: Any) -> sa.ColumnElement[bool]:
    """A WHERE clause true for rows at (visibility, org_id, cohort_id) that ``caller`` moderates."""
    if caller.platform_admin:
        return sa.true()
    clauses: list[sa.ColumnElement[bool]] = [sa.false()]
    if caller.person_id is not None and caller.is_org_admin and caller.org_id is not None:
        clauses.append(sa.and_(visibility == "org", org_id == caller.org_id))
        if caller.admin_cohort_ids:
            clauses.append(sa.and_(visibility == "cohort", cohort_id.in_(sorted(caller.admin_cohort_ids))))
    return sa.or_(*clauses)
