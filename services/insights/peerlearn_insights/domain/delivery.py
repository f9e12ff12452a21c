"""Delivering statements to a learning record store: what an LRS's answer means for the
statements posted, how long to wait while it is down, and which titles may go to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from peerlearn.directory.caller import Caller, Where, may_see
from peerlearn.retrying import backoff_delay

Outcome = Literal["sent", "split", "refused", "down"]

# Answers about the endpoint or the credentials, not about one statement: splitting the batch
# would only ask the same question again per statement.
ENDPOINT_REFUSALS = frozenset({401, 403, 404, 405, 407})
# Answers that say "later", not "no".
TRANSIENT = frozenset({408, 425, 429})


def outcome(status_code: int | None, statements: int) -> Outcome:
    """What the LRS's answer to a POST of ``statements`` statements means.

    No answer (down, timeout), 5xx, 408/425/429: ``down`` (try again later). 2xx: ``sent``.
    409 for one statement: ``sent`` — the LRS already holds a statement with that id, and our
    ids are derived from the act, so it is this one. Another 4xx (or a 409) for several:
    ``split`` — find the statements it is about by posting halves, so that one bad statement
    holds up no other. Any other answer: ``refused`` for good.
    """
    if status_code is None or status_code >= 500 or status_code in TRANSIENT:
        return "down"
    if 200 <= status_code < 300:
        return "sent"
    if status_code == 409 and statements == 1:
        return "sent"
    if 400 <= status_code < 500 and status_code not in ENDPOINT_REFUSALS and statements > 1:
        return "split"
    return "refused"


def backoff(failures: int, first_seconds: float, cap_seconds: float) -> timedelta:
    """The wait after the ``failures``-th failure in a row of one LRS: doubling, capped."""
    return timedelta(seconds=backoff_delay(failures, base=first_seconds, cap=cap_seconds))


@dataclass(frozen=True)
class Place:
    """Where a thread lives (None when insights does not know the thread)."""

    visibility: str
    org_id: str | None
    cohort_id: str | None


def org_may_see(place: Place | None, org_id: str, org_cohorts: frozenset[str]) -> bool:
    """Whether the admins of ``org_id`` (in ``org_cohorts``) may see a thread: public, their
    org's, or of a cohort their org is in. An org's LRS is theirs to read, so a thread's tags
    go there only then, and never another org's private thread."""
    if place is None:
        return False
    admins = Caller(
        person_id=f"lrs-reader:{org_id}", org_id=org_id, roles=("org_admin",), admin_cohort_ids=org_cohorts
    )
    return may_see(admins, Where(place.visibility, org_id=place.org_id, cohort_id=place.cohort_id))


def title_goes(place: Place | None, org_id: str, org_cohorts: frozenset[str], *, own_lrs: bool) -> bool:
    """Whether a thread's title goes in a statement to the LRS of ``org_id``: to the org's own
    LRS what its admins may see; to the default LRS (``PEERLEARN_XAPI_ENDPOINT``), which holds
    many orgs' statements, public titles only."""
    if not org_may_see(place, org_id, org_cohorts):
        return False
    return own_lrs or (place is not None and place.visibility == "public")
