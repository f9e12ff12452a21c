"""Learning acts as xAPI 1.0.3 statements: the actor as an account (never an email), verbs of the
ADL and community registries, objects as activities under the public URL, tags as context."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote

VERB_IRIS: dict[str, str] = {
    "asked": "http://adlnet.gov/expapi/verbs/asked",
    "discussed": "http://adlnet.gov/expapi/verbs/commented",
    "shared": "http://adlnet.gov/expapi/verbs/shared",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "commented": "http://adlnet.gov/expapi/verbs/commented",
    "answer_accepted": "http://activitystrea.ms/schema/1.0/accept",
    "accepted": "http://activitystrea.ms/schema/1.0/accept",
    "joined_group": "http://activitystrea.ms/schema/1.0/join",
    "mentored": "http://id.tincanapi.com/verb/mentored",
    "attended": "http://adlnet.gov/expapi/verbs/attended",
}
# Fixed namespace: the same event id always gives the same statement id (a redelivery is a
# duplicate the LRS ignores).
NAMESPACE = uuid.UUID("5d1f7a30-2b0e-5c2f-9a57-6a1c2f8e4b13")


def statement_id(act_id: str) -> str:
    """The UUIDv5 of an act's id (the event id and the person's part in it)."""
    return str(uuid.uuid5(NAMESPACE, act_id))


def statement(
    public_url: str,
    *,
    act_id: str,
    person_id: str,
    verb: str,
    at: datetime,
    thread_id: str | None,
    title: str | None,
    tags: list[str],
    cohort_id: str | None,
) -> dict[str, Any] | None:
    """The statement of one act, or None for acts xAPI does not carry (upvotes)."""
    iri = VERB_IRIS.get(verb)
    if iri is None:
        return None
    base = public_url.rstrip("/")
    if thread_id is not None:
        obj: dict[str, Any] = {"objectType": "Activity", "id": f"{base}/threads/{thread_id}"}
        if title is not None:
            obj["definition"] = {"name": {"en": title}}
    elif cohort_id is not None:
        obj = {"objectType": "Activity", "id": f"{base}/cohorts/{cohort_id}"}
    else:
        obj = {"objectType": "Activity", "id": f"{base}/mentoring/{act_id.split(':', 1)[0]}"}
    out: dict[str, Any] = {
        "id": statement_id(act_id),
        "actor": {"objectType": "Agent", "account": {"homePage": base, "name": person_id}},
        "verb": {"id": iri, "display": {"en": verb.replace("_", " ")}},
        "object": obj,
        "timestamp": at.isoformat(),
        "version": "1.0.3",
    }
    if tags:
        out["context"] = {
            "contextActivities": {
                # A tag is free text ("data science"): escaped, so the IRI stays one.
                "other": [
                    {"objectType": "Activity", "id": f"{base}/tags/{quote(tag, safe='')}"} for tag in tags
                ]
            }
        }
    return out
