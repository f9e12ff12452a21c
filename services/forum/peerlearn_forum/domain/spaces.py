"""Who may create which space, and where a space lives."""

from __future__ import annotations

from typing import Any

from peerlearn.directory.caller import Caller, Where
from peerlearn.errors import Forbidden, Invalid, NotFound


def where_of(space: Any) -> Where:
    """Where a space (anything with ``visibility``, ``org_id``, ``cohort_id``) lives."""
    return Where(visibility=space.visibility, org_id=space.org_id, cohort_id=space.cohort_id)


def placement(
    caller: Caller, visibility: str, org_id: str | None, cohort_id: str | None
) -> tuple[str | None, str | None]:
    """The ``(org_id, cohort_id)`` a new space of ``visibility`` gets; :class:`Invalid` when the
    request names the wrong ones (an org space defaults to the caller's org)."""
    if visibility == "org":
        org_id = org_id or caller.org_id
        if org_id is None:
            raise Invalid("an org space needs org_id")
        if cohort_id:
            raise Invalid("an org space has no cohort_id")
        return org_id, None
    if visibility == "cohort":
        if not cohort_id:
            raise Invalid("a cohort space needs cohort_id")
        if org_id:
            raise Invalid("a cohort space has no org_id")
        return None, cohort_id
    if org_id or cohort_id:
        raise Invalid("a public space has neither org_id nor cohort_id")
    return None, None


def check_may_create_space(
    caller: Caller, visibility: str, org_id: str | None, cohort_member_org_ids: set[str] | None
) -> None:
    """Raise unless ``caller`` may create a space of ``visibility``.

    ``cohort_member_org_ids`` is None when the cohort is unknown to the forum. An org or a
    cohort the caller may not see is :class:`NotFound`, as if it did not exist.
    """
    if caller.person_id is None and not caller.platform_admin:
        raise Forbidden("creating a space needs a token")
    if visibility == "public":
        if not caller.platform_admin:
            raise Forbidden("only the platform admin creates public spaces")
        return
    if visibility == "org":
        if caller.platform_admin:
            return
        if org_id != caller.org_id:
            raise NotFound(f"no organisation {org_id}")
        if not caller.is_org_admin:
            raise Forbidden("only an admin of this organisation creates its spaces")
        return
    if cohort_member_org_ids is None:
        raise NotFound("no such cohort")
    if caller.platform_admin:
        return
    if caller.org_id not in cohort_member_org_ids:
        raise NotFound("no such cohort")
    if not caller.is_org_admin:
        raise Forbidden("only an admin of a member organisation creates this cohort's spaces")
