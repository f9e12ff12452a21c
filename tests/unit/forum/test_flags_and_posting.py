"""The forum's flag weighing, who reviews a hidden post, and the posting limit's answer."""

from __future__ import annotations

import pytest

from peerlearn.directory.caller import PLATFORM_ADMIN, Caller, Where
from peerlearn.errors import TooMany
from peerlearn_forum.adapters.posting_window import MemoryPostingWindow
from peerlearn_forum.domain.flags import flag_weight, may_review
from peerlearn_forum.domain.posting import counted_post, retry_after

PUBLIC = Where("public")
ORG_X = Where("org", org_id="X")
ADMIN_X = Caller(person_id="ax", org_id="X", roles=("org_admin",))
ADMIN_Y = Caller(person_id="ay", org_id="Y", roles=("org_admin",))
LEARNER_X = Caller(person_id="lx", org_id="X")


@pytest.mark.parametrize(
    ("flaggers", "author_org", "weight"),
    [
        (["Y", "Y", "Y"], "X", 1),  # one org's accounts weigh once on another org's post
        (["Y", "Y", "Z"], "X", 2),
        (["X", "X", "Y", "Y"], "X", 3),  # the author's own org counts one by one
        (["X", "X", "X"], "X", 3),
        ([None, None, "Y"], "X", 2),  # people the forum does not know yet: one group
        (["Y", "Z", "Z"], None, 2),  # an erased author: each org once
        ([], "X", 0),
    ],
)
def test_flag_weight(flaggers: list[str | None], author_org: str | None, weight: int) -> None:
    assert flag_weight(flaggers, author_org) == weight


@pytest.mark.parametrize(
    ("caller", "where", "author_org", "reviews"),
    [
        (ADMIN_X, PUBLIC, "X", True),  # the author's org admin, where they see the post
        (ADMIN_Y, PUBLIC, "X", False),
        (LEARNER_X, PUBLIC, "X", False),
        (ADMIN_X, Where("org", org_id="Y"), "X", False),  # cannot see it: no review
        (ADMIN_X, ORG_X, "Y", True),  # moderates the space anyway
        (ADMIN_X, PUBLIC, None, False),
        (PLATFORM_ADMIN, PUBLIC, None, True),
    ],
)
def test_who_reviews_a_hidden_post(
    caller: Caller, where: Where, author_org: str | None, reviews: bool
) -> None:
    assert may_review(caller, where, author_org) is reviews


def test_retry_after_is_when_the_oldest_counted_post_leaves_the_window() -> None:
    assert retry_after(oldest_counted=100.0, now=130.0) == 30
    assert retry_after(oldest_counted=100.0, now=159.95) == 1  # never 0: the client would spin
    # A place stamped just after ``now`` (a concurrent post, another replica's clock) still says
    # "a minute", not 61 s: the CI run of 3 Dec saw 61 from the Redis window.
    assert retry_after(oldest_counted=100.002, now=100.0) == 60


async def test_only_posts_that_succeed_count() -> None:
    window = MemoryPostingWindow(limit=2)
    with pytest.raises(RuntimeError):
        async with counted_post(window, "p1"):
            raise RuntimeError("the write failed")
    for _ in range(2):
        async with counted_post(window, "p1"):
            pass
    with pytest.raises(TooMany) as refused:
        async with counted_post(window, "p1"):
            pass
    assert 1 <= refused.value.retry_after <= 60
    async with counted_post(window, "p2"):  # another person's window is their own
        pass
    async with counted_post(window, None):  # the platform admin is not counted
        pass
