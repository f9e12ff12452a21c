"""The regenerated samples' table: the learned ranker's lead over each ranker, per replica."""

from __future__ import annotations

from peerlearn_matcher.evaluation.run import LEARNED, replicas_markdown


def test_the_lead_is_the_learned_mrr_minus_the_rankers_averaged_over_replicas() -> None:
    per_replica = {LEARNED: [0.5, 0.4, 0.6], "tag overlap": [0.45, 0.42, 0.54], "random": [0.1, 0.1, 0.1]}

    page = replicas_markdown(per_replica, holdout=0.3)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in page.splitlines() if line.startswith("| ")}

    # tag overlap: leads +0.05, -0.02, +0.06 -> mean +0.030, ahead in 2 of 3
    assert "| 0.470 | +0.030 |" in rows["tag overlap"] and rows["tag overlap"].endswith("| 2/3 |")
    assert "| 0.100 | +0.400 |" in rows["random"] and rows["random"].endswith("| 3/3 |")
    # best mean MRR first
    assert list(rows)[1:] == [LEARNED, "tag overlap", "random"]
