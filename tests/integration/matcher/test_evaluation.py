"""``peerlearn eval`` end to end: the shipped sample and a dump folder given by path."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from peerlearn.cli import main
from peerlearn_matcher.evaluation.sample import generate

ROW = re.compile(r"^\| (?P<name>[^|]+?) \| (?P<cells>[\d.| ]+) \|", re.MULTILINE)


def _table(report: str) -> dict[str, dict[str, float]]:
    """The metrics table of a written report, by ranker name."""
    header = ["P@1", "P@5", "S@5", "MRR", "nDCG@10"]
    rows = {}
    for match in ROW.finditer(report):
        values = [float(v) for v in match["cells"].split("|")[: len(header)] if v.strip()]
        if len(values) == len(header):  # a ranker's row, not a routing threshold's
            rows[match["name"]] = dict(zip(header, values, strict=True))
    return rows


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_eval_on_the_shipped_sample_beats_random_and_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "docs" / "EVALUATION.md"

    assert main(["eval", "--out", str(out)]) == 0

    report = out.read_text()
    rows = _table(report)
    assert {"peerlearn", "random", "most active answerer", "tag overlap", "TF-IDF"} <= set(rows)
    for metrics in rows.values():
        assert all(0.0 <= v <= 1.0 for v in metrics.values())
    assert rows["peerlearn"]["MRR"] > rows["random"]["MRR"]
    assert rows["peerlearn"]["nDCG@10"] > rows["random"]["nDCG@10"]
    assert "questions: 150" in report and "Machine" in report


def test_eval_reads_any_dump_folder_including_the_newer_tag_spelling(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    generate(dump, seed=5)
    posts = dump / "Posts.xml"
    # dumps since 2024 write tags as |a|b| instead of <a><b>
    text = re.sub(
        r'Tags="([^"]*)"',
        lambda m: 'Tags="|' + "|".join(re.findall(r"&lt;(.*?)&gt;", m[1])) + '|"',
        posts.read_text(),
    )
    posts.write_text(text)
    (dump / "Tags.xml").unlink()  # optional in the format
    out = tmp_path / "eval.md"

    assert main(["eval", "--dump", str(dump), "--limit", "100", "--out", str(out)]) == 0

    report = out.read_text()
    assert str(dump) in report and "questions: 100" in report
    rows = _table(report)
    assert rows["tag overlap"]["MRR"] > rows["random"]["MRR"]  # the |a|b| tags were read


def test_eval_says_clearly_when_the_folder_is_not_a_dump(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "--dump", str(tmp_path), "--out", ""]) == 2
    assert "Posts.xml" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_eval_of_a_dump_too_small_to_learn_from_still_reports(tmp_path: Path) -> None:
    # Fewer labelled questions than the learned ranker needs: it keeps its default weights and
    # the report says so (it raised TypeError formatting a shrinkage that was never chosen).
    dump = tmp_path / "dump"
    generate(dump, seed=7)
    out = tmp_path / "eval.md"
    assert main(["eval", "--dump", str(dump), "--limit", "12", "--out", str(out)]) == 0
    report = out.read_text()
    assert "questions: 12" in report and "shrinkage none yet" in report
