"""``peerlearn eval --holdout`` on a dump folder holding Posts.xml alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from peerlearn.cli import main
from peerlearn_matcher.evaluation.sample import generate

ROW = re.compile(r"^\| (?P<name>[^|]+?) \| (?P<cells>[\d.| ]+) \|", re.MULTILINE)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_eval_holds_out_the_last_questions_of_a_posts_only_dump(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    generate(dump, seed=7)
    (dump / "Users.xml").unlink()
    (dump / "Tags.xml").unlink()
    out = tmp_path / "docs" / "EVALUATION.md"

    assert main(["eval", "--dump", str(dump), "--limit", "80", "--holdout", "0.3", "--out", str(out)]) == 0

    report = out.read_text()
    assert "last 0.3 of questions (24, from" in report
    assert "No Users.xml" in report and "No Votes.xml" in report
    names = {m["name"] for m in ROW.finditer(report)}
    assert {
        "peerlearn, learned",
        "peerlearn, default weights",
        "recently active (30 d half-life)",
        "tag experts recently active",
        "random",
    } <= names
    assert "(evaluation-mrr.svg)" in report
    plot = (out.parent / "evaluation-mrr.svg").read_text()
    assert plot.startswith("<svg") and "polyline" in plot and "peerlearn, learned" in plot


def test_eval_refuses_a_holdout_outside_zero_to_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--holdout", "1.5", "--out", ""]) == 2
    assert "--holdout" in capsys.readouterr().err
