"""Who may read a thread, and what may be shown on a thread to all its readers."""

from __future__ import annotations

import pytest

from peerlearn.directory.caller import ANONYMOUS, Caller, may_see
from peerlearn_matcher.domain.threads import ThreadRecord, visible_to_audience_of


def t(visibility: str, org: str | None = None, cohort: str | None = None) -> ThreadRecord:
    return ThreadRecord(
        id=f"{visibility}-{org}-{cohort}",
        space_id="s",
        visibility=visibility,
        org_id=org,
        cohort_id=cohort,
        author_id="a",
        kind="question",
        title="x",
    )


@pytest.mark.parametrize(
    ("thread", "org", "cohorts", "sees"),
    [
        (t("public"), None, set(), True),
        (t("org", org="o1"), "o1", set(), True),
        (t("org", org="o1"), "o2", {"c1"}, False),
        (t("org", org="o1"), None, set(), False),
        (t("cohort", cohort="c1"), "o2", {"c1"}, True),
        (t("cohort", cohort="c1"), "o1", set(), False),
    ],
)
def test_who_may_read_a_thread(thread: ThreadRecord, org: str | None, cohorts: set[str], sees: bool) -> None:
    caller = ANONYMOUS if org is None else Caller(person_id="p", org_id=org, cohort_ids=frozenset(cohorts))
    assert may_see(caller, thread.where) is sees


def test_the_thread_field_map_round_trips() -> None:
    """A thread stored and loaded again is the same record (one field map for events and rows)."""
    from types import SimpleNamespace

    thread = ThreadRecord(
        id="t1",
        space_id="s",
        visibility="cohort",
        org_id=None,
        cohort_id="c1",
        author_id="a",
        kind="question",
        title="How?",
        body="Like this",
        tags=["x", "y"],
        accepted_post_id="p1",
        accepted_author_id="b",
    )
    row = thread.row(created_at=None)
    assert ThreadRecord.from_row(SimpleNamespace(**row)) == thread


@pytest.mark.parametrize(
    ("other", "shown_on", "allowed"),
    [
        (t("public"), t("org", org="o1"), True),
        (t("org", org="o1"), t("org", org="o1"), True),
        (t("org", org="o1"), t("org", org="o2"), False),
        (t("org", org="o1"), t("public"), False),
        (t("org", org="o1"), t("cohort", cohort="c1"), False),  # cohort readers come from other orgs
        (t("cohort", cohort="c1"), t("cohort", cohort="c1"), True),
        (t("cohort", cohort="c1"), t("org", org="o1"), False),
        (t("cohort", cohort="c1"), t("public"), False),
    ],
)
def test_only_threads_every_reader_may_see_are_shown_on_a_thread(
    other: ThreadRecord, shown_on: ThreadRecord, allowed: bool
) -> None:
    assert visible_to_audience_of(other, shown_on) is allowed
