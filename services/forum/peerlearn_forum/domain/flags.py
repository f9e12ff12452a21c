"""Flags: when a post's flags hide it, and who reviews a hidden post.

One org's admin can make accounts at will; if every flag counted, three accounts could hide any
post they can see, in another org's space or a public one (issue 9 §3). So the flaggers of the
author's own org count one by one, and the flaggers of each other org count once together.
The admins of the author's org may review the post (as the space's moderators may), so an
unfounded hiding in a public space is not left to the platform admin alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from peerlearn.directory.caller import Caller, Where, may_moderate, may_see


def flag_weight(flagger_orgs: Iterable[str | None], author_org_id: str | None) -> int:
    """How much a post's flags weigh toward hiding it (its flaggers given by their orgs).

    Each flagger of the author's org counts; all the flaggers of any other org (or of no org
    the forum knows) count once together. A post whose author is unknown or erased has no org:
    each org then counts once.
    """
    own = 0
    others: set[str | None] = set()
    for org_id in flagger_orgs:
        if author_org_id is not None and org_id == author_org_id:
            own += 1
        else:
            others.add(org_id)
    return own + len(others)


def hides(weight: int, threshold: int) -> bool:
    """Whether flags of this weight hide a visible post until it is reviewed."""
    return weight >= threshold


def may_review(caller: Caller, where: Where, author_org_id: str | None) -> bool:
    """Whether ``caller`` may see a hidden post at ``where`` and restore or remove it.

    The moderators of its space; and the admins of the author's org, where they may see it.
    """
    if may_moderate(caller, where):
        return True
    return (
        author_org_id is not None
        and caller.is_org_admin
        and caller.org_id == author_org_id
        and may_see(caller, where)
    )
