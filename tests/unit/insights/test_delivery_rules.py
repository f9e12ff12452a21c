"""insights' rules for delivering statements: what an LRS's answer means, the back-off, which
titles go to which LRS; the settings of the sender; LRS passwords sealed at rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from peerlearn.sealing import SecretSealer
from peerlearn.settings import SettingsError
from peerlearn_insights.domain.delivery import Place, backoff, org_may_see, outcome, title_goes
from peerlearn_insights.domain.xapi import statement
from peerlearn_insights.settings import load


@pytest.mark.parametrize(
    ("status", "statements", "meaning"),
    [
        (200, 10, "sent"),
        (204, 10, "sent"),  # every statement was already there
        (409, 1, "sent"),  # the LRS holds a statement with this (derived) id
        (409, 10, "split"),  # which one? halves tell
        (400, 10, "split"),  # one bad statement must hold up no other
        (413, 10, "split"),
        (400, 1, "refused"),
        (401, 10, "refused"),  # credentials: splitting would ask the same again
        (403, 10, "refused"),
        (404, 10, "refused"),
        (302, 10, "refused"),  # a redirect is not followed with the credentials
        (None, 10, "down"),  # no answer
        (500, 1, "down"),
        (503, 10, "down"),
        (429, 10, "down"),
        (408, 10, "down"),
    ],
)
def test_what_an_lrs_answer_means(status: int | None, statements: int, meaning: str) -> None:
    assert outcome(status, statements) == meaning


def test_back_off_doubles_and_is_capped() -> None:
    waits = [backoff(n, 1.0, 60.0) for n in range(1, 9)]
    assert waits[:4] == [timedelta(seconds=s) for s in (1, 2, 4, 8)]
    assert waits[-1] == timedelta(seconds=60)


COHORTS = frozenset({"c-1"})


@pytest.mark.parametrize(
    ("place", "own_title", "default_title", "tags"),
    [
        (Place("public", None, None), True, True, True),
        (Place("org", "o-1", None), True, False, True),  # the org's own private thread
        (Place("org", "o-2", None), False, False, False),  # another org's private thread
        (Place("cohort", None, "c-1"), True, False, True),  # a cohort the org is in
        (Place("cohort", None, "c-9"), False, False, False),  # a cohort it is not in
        (None, False, False, False),  # a thread insights never heard of
    ],
)
def test_which_titles_go_to_which_lrs(
    place: Place | None, own_title: bool, default_title: bool, tags: bool
) -> None:
    assert title_goes(place, "o-1", COHORTS, own_lrs=True) is own_title
    assert title_goes(place, "o-1", COHORTS, own_lrs=False) is default_title
    assert org_may_see(place, "o-1", COHORTS) is tags


def test_the_default_lrs_settings() -> None:
    env = {
        "PEERLEARN_XAPI_ENDPOINT": "https://lrs.example/xAPI/",
        "PEERLEARN_XAPI_USERNAME": "peerlearn",
        "PEERLEARN_XAPI_PASSWORD": "pw",
        "PEERLEARN_INSIGHTS_XAPI_BATCH_SIZE": "50",
    }
    settings = load(env)
    assert (settings.xapi_endpoint, settings.xapi_batch_size) == ("https://lrs.example/xAPI/", 50)
    assert load({}).xapi_endpoint == ""
    with pytest.raises(SettingsError, match="PEERLEARN_XAPI_USERNAME"):
        load({"PEERLEARN_XAPI_ENDPOINT": "https://lrs.example/xAPI/"})
    with pytest.raises(SettingsError, match="PEERLEARN_XAPI_ENDPOINT"):
        load({**env, "PEERLEARN_XAPI_ENDPOINT": "lrs.example"})
    with pytest.raises(SettingsError, match="PEERLEARN_INSIGHTS_XAPI_BATCH_SIZE: between 1 and 1000"):
        load({**env, "PEERLEARN_INSIGHTS_XAPI_BATCH_SIZE": "0"})
    with pytest.raises(SettingsError, match="PEERLEARN_XAPI_RETRY_SECONDS"):
        load({**env, "PEERLEARN_XAPI_RETRY_SECONDS": "0"})


def test_a_sealed_password_opens_only_under_its_key() -> None:
    sealer = SecretSealer("service-secret-" + "x" * 30, "insights lrs password")
    sealed = sealer.seal("s3cret-pw")
    assert "s3cret-pw" not in sealed
    assert sealer.open(sealed) == "s3cret-pw"
    assert SecretSealer("another-secret-" + "y" * 30, "insights lrs password").open(sealed) is None
    assert SecretSealer("service-secret-" + "x" * 30, "something else").open(sealed) is None
    assert sealer.open("s3cret-pw") is None  # stored before sealing: does not open
    assert "s3cret" not in repr(sealer)


def test_a_free_text_tag_makes_one_valid_iri() -> None:
    made = statement(
        "https://learn.example.org",
        act_id="e-1:asked",
        person_id="p-1",
        verb="asked",
        at=datetime(2026, 5, 1, tzinfo=UTC),
        thread_id="t-1",
        title=None,
        tags=["data science", "c#/.net"],
        cohort_id=None,
    )
    assert made is not None
    assert [a["id"] for a in made["context"]["contextActivities"]["other"]] == [
        "https://learn.example.org/tags/data%20science",
        "https://learn.example.org/tags/c%23%2F.net",
    ]
