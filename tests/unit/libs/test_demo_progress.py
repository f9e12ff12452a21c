"""The demo's progress lines: the end is always said, and in between no more often than asked."""

from __future__ import annotations

import io

from peerlearn.demo import Progress


def test_the_end_is_said_and_nothing_between_within_the_interval() -> None:
    out = io.StringIO()
    progress = Progress("forum answers", 3, every=3600, out=out)
    for _ in range(3):
        progress.advance()
    assert out.getvalue() == "demo: forum answers 3/3 (100%)\n"


def test_every_step_is_said_when_the_interval_is_zero() -> None:
    out = io.StringIO()
    progress = Progress("profiles people", 150, every=0, out=out)
    progress.advance(50)
    progress.advance(100)
    assert out.getvalue().splitlines() == [
        "demo: profiles people 50/150 (33%)",
        "demo: profiles people 150/150 (100%)",
    ]
