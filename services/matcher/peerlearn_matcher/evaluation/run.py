"""``peerlearn eval``: read a dump, encode its texts, replay it through every ranker, report."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from peerlearn_matcher.domain.answerers import MIN_ANSWERER_SCORE, AnswererWeights
from peerlearn_matcher.evaluation import thresholds
from peerlearn_matcher.evaluation.dump import Dump, load_dump
from peerlearn_matcher.evaluation.history_rankers import (
    LearnedRanker,
    RecentlyActiveRanker,
    TagExpertsRecentRanker,
)
from peerlearn_matcher.evaluation.metrics import summarise
from peerlearn_matcher.evaluation.plot import svg
from peerlearn_matcher.evaluation.rankers import (
    EncodedTexts,
    MostActiveRanker,
    PeerlearnRanker,
    RandomRanker,
    Ranker,
    TagOverlapRanker,
    TfidfRanker,
)
from peerlearn_matcher.evaluation.replay import ReplayResult, replay
from peerlearn_matcher.evaluation.report import Report, markdown, table

SAMPLE = Path(__file__).with_name("data")
SAMPLE_NAME = "sample"  # ``--dump sample``: the sample shipped with the matcher
PLOTTED = (
    "peerlearn, learned",
    "peerlearn, default weights",
    "peerlearn",
    "tag experts recently active",
    "tag overlap",
)
CHUNK = 256  # texts per encoder call: big enough to batch well, small enough to show progress


def encode_all(encoder: object, ids: Sequence[str], texts: Sequence[str], what: str) -> dict[str, np.ndarray]:
    """Vectors of ``texts`` keyed by ``ids``, encoded in chunks with a progress bar."""
    vectors: dict[str, np.ndarray] = {}
    for start in tqdm(range(0, len(texts), CHUNK), desc=f"encoding {what}", unit="batch"):
        block = encoder.encode(list(texts[start : start + CHUNK]))  # type: ignore[attr-defined]
        vectors.update(zip(ids[start : start + CHUNK], block, strict=True))
    return vectors


def build_rankers(dump: Dump, encoder: object, seed: int) -> list[Ranker]:
    """peerlearn (learned, default weights, the current ranking and an ablation) and the baselines."""
    answered = {a.question_id for a in dump.answers}
    questions = [q for q in dump.questions if q.id in answered or q.accepted_answer_id]
    texts = [q.text for q in questions]
    question_vectors = encode_all(encoder, [q.id for q in questions], texts, "questions")
    abouts = [u for u in dump.users.values() if u.about]
    about_vectors = encode_all(encoder, [u.id for u in abouts], [u.about for u in abouts], "profiles")
    # Ablation: the semantic evidence alone (profile and answered-thread similarity, no tags, no
    # activity prior), to show what the embeddings contribute on their own.
    semantic = AnswererWeights(tags=0.0, tag_answers=0.0, activity=0.0)
    encoded = EncodedTexts(question_vectors, about_vectors)
    return [
        LearnedRanker(encoded),
        LearnedRanker(encoded, learn=False, name="peerlearn, default weights"),
        PeerlearnRanker(encoded),
        PeerlearnRanker(encoded, semantic, name="peerlearn, embeddings only"),
        TfidfRanker(dump.questions),
        TagExpertsRecentRanker(),
        RecentlyActiveRanker(),
        TagOverlapRanker(),
        MostActiveRanker(),
        RandomRanker(seed),
    ]


def _notes(data: Dump, result: ReplayResult, rankers: list[Ranker], sample: bool) -> list[str]:
    notes = [
        f"{result.newcomer_accepted} held-out accepted answers came from first-time answerers (or the "
        "asker): no ranker can place them, so those questions are left out.",
    ]
    if data.accepted_on:
        notes.append("Acceptance times from Votes.xml (a day each; known from the end of that day).")
    else:
        notes.append(
            "No Votes.xml: an acceptance is taken as known when the accepted answer was written. It may "
            "really have come later, so earlier questions can look accepted a little too early: a small "
            "optimistic bias for every ranker that counts acceptances (the peerlearn ones)."
        )
    if not data.users:
        notes.append("No Users.xml: nobody has an offer text, so offer similarity is 0 for everyone.")
    notes.append(
        "TF-IDF's vocabulary and IDF are fitted on all question texts (no labels, no authors): the only "
        "thing any ranker takes from the future, and it is not who answered."
    )
    learned = next((r for r in rankers if isinstance(r, LearnedRanker) and r.model.min_cases < 10**9), None)
    if learned is not None:
        model = learned.model
        window = f"{model.window[0]:%Y-%m-%d} to {model.window[1]:%Y-%m-%d}" if model.window else "none"
        # None until a refit is accepted (a dump with few labelled questions never has one).
        shrinkage = f"{model.prior:g}" if model.prior is not None else "none yet"
        top = sorted(model.weights().items(), key=lambda kv: -abs(kv[1]))[:5]
        held = (
            f"; on the {model.validation} latest cases held out from its fit it ranked MRR "
            f"{model.held_out[0]:.3f} against {model.held_out[1]:.3f} for the model before it"
            if model.held_out
            else ""
        )
        notes.append(
            f"peerlearn, learned: {len(model.cases)} labelled questions by the end, default weights until "
            f"{model.min_cases}; last model's window {window}, shrinkage {shrinkage} (chosen by "
            f"cross-validation over time on its own earlier cases){held}; strongest weights (per s.d., "
            "*_raw* = the count itself, as the baselines use it): "
            + ", ".join(f"{k} {v:+.2f}" for k, v in top)
            + "."
        )
    notes.append(
        f"Routing thresholds (below): the live routing leaves out anyone scoring under "
        f"MIN_ANSWERER_SCORE = {MIN_ANSWERER_SCORE:g}. With answering history the live score of the top "
        "five is far above it (history terms add up), so on a dump it changes nothing; it bites when a "
        "person's only evidence is their offer (a new forum, the demo). Once the live service has "
        "trained a model it keeps that gate, orders those who pass it by the model, and shows the "
        "model's softmax probability as their score."
    )
    if sample:
        notes.append(
            "The sample is small and synthetic (answerers drawn from each user's focus *tags* with noise, "
            "no drift over time): counting past answers under the question's tags is close to the "
            "generator's own rule, a strong baseline here; recency has little to find."
        )
    return notes


LEARNED = "peerlearn, learned"


def replicas_markdown(per_replica: dict[str, list[float]], holdout: float, seed: int = 0) -> str:
    """The table of :func:`replicate`: each ranker's held-out MRR averaged over the regenerated
    samples, and the learned ranker's lead over it (mean, 95% bootstrap interval over replicas,
    and in how many replicas it was ahead)."""
    learned = np.asarray(per_replica[LEARNED])
    count = len(learned)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, count, size=(1000, count))
    lines = [
        f"The sample's generator rerun with seeds 1 to {count} (not the shipped sample's seed), each "
        f"replayed exactly as the sample is (held out: last {holdout:g}). One sample's ~30 held-out "
        "questions leave a wide MRR interval (the table above); the mean over replicas separates rankers "
        "that one sample cannot. Lead: *peerlearn, learned* minus the ranker, per replica.",
        "",
        f"| ranker | mean held-out MRR | lead of {LEARNED} | lead 95% CI | replicas it is ahead in |",
        "|---|---:|---:|---|---:|",
    ]
    for name, values in sorted(per_replica.items(), key=lambda kv: -float(np.mean(kv[1]))):
        mrr = np.asarray(values)
        lead = learned - mrr
        low, high = np.percentile(lead[picks].mean(axis=1), [2.5, 97.5])
        ahead = "" if name == LEARNED else f"{int(np.sum(lead > 0))}/{count}"
        cells = f"{lead.mean():+.3f} | {low:+.3f} to {high:+.3f}" if name != LEARNED else " | "
        lines.append(f"| {name} | {mrr.mean():.3f} | {cells} | {ahead} |")
    return "\n".join(lines)


def replicate(count: int, limit: int | None, seed: int, model: str, holdout: float) -> str:
    """Markdown: the held-out MRR of every ranker on ``count`` samples regenerated with seeds 1 to
    ``count`` by :func:`~peerlearn_matcher.evaluation.sample.generate` (see :func:`replicas_markdown`)."""
    from peerlearn_matcher.adapters.encoder import Encoder
    from peerlearn_matcher.evaluation.sample import generate

    per_replica: dict[str, list[float]] = {}
    encoder = Encoder(model)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for replica in tqdm(range(1, count + 1), desc="replicas", unit="sample"):
                folder = Path(scratch) / f"seed-{replica}"
                generate(folder, seed=replica)
                data = load_dump(folder, limit)
                result = replay(
                    data, build_rankers(data, encoder, seed), seed=seed, holdout=holdout, progress=False
                )
                for name, ranks in result.ranks.items():
                    per_replica.setdefault(name, []).append(float(np.mean(1.0 / np.asarray(ranks))))
    finally:
        encoder.close()
    return replicas_markdown(per_replica, holdout, seed)


def evaluate_one(
    folder: Path, limit: int | None, seed: int, model: str, holdout: float, sample: bool, replicas: int = 0
) -> tuple[Report, ReplayResult]:
    """Read, encode, replay and summarise one dump folder."""
    from peerlearn_matcher.adapters.encoder import Encoder

    started = time.perf_counter()
    data = load_dump(folder, limit)
    encoder = Encoder(model)
    try:
        rankers = build_rankers(data, encoder, seed)
    finally:
        encoder.close()
    result = replay(data, rankers, seed=seed, holdout=holdout, routed=("peerlearn", "peerlearn, learned"))
    rows = {name: summarise(ranks, seed=seed) for name, ranks in result.ranks.items()}
    cases = len(result.candidates)
    counts: dict[str, int | float] = {
        "users with an about text": len(data.users),
        "questions": len(data.questions),
        "answers": len(data.answers),
        "tags": len(data.tags) or len({t for q in data.questions for t in q.tags}),
        "held out": f"last {holdout:g} of questions ({result.held_out_questions}, from "  # type: ignore[dict-item]
        f"{result.held_out_from:%Y-%m-%d})"
        if result.held_out_from
        else "none",
        "held-out questions with an accepted answer": result.with_accepted,
        "evaluated (accepted answerer had answered before)": cases,
        "mean candidates per question": round(float(np.mean(result.candidates)), 1) if cases else 0,
    }
    name = "the sample shipped with peerlearn (evaluation/sample.py)" if sample else f"dump {folder}"
    notes = _notes(data, result, rankers, sample)
    extra = "\n\n".join(
        [
            thresholds.markdown(
                "peerlearn",
                thresholds.sweep(result.routing["peerlearn"], thresholds.RAW_THRESHOLDS),
                "its score, as routed live",
            ),
            thresholds.markdown(
                "peerlearn, learned",
                thresholds.sweep(
                    result.routing["peerlearn, learned"],
                    thresholds.PROBABILITY_THRESHOLDS,
                    probabilities=True,
                ),
                "probability of being the accepted answerer",
            ),
        ]
    )
    if sample and replicas:
        extra = f"Regenerated samples:\n\n{replicate(replicas, limit, seed, model, holdout)}\n\n{extra}"
    seconds = time.perf_counter() - started
    return Report(name, counts, rows, model, seconds, notes, extra), result


def run_evaluation(
    dump: str | list[str] | None,
    limit: int | None = None,
    out: str | None = "docs/EVALUATION.md",
    seed: int = 0,
    model: str = "all-MiniLM-L6-v2",
    holdout: float = 1.0,
    replicas: int = 0,
) -> int:
    """Evaluate answer routing on each dump folder (None or ``sample``: the shipped sample); 0 on success.

    With ``replicas`` N, the sample's section also gives every ranker's held-out MRR over N samples
    regenerated with other seeds (:func:`replicate`).

    Writes ``out`` (one section per dump) and, beside it, ``evaluation-mrr.svg``: MRR over time.
    """
    folders = [dump] if isinstance(dump, str) or dump is None else list(dump)
    if not 0.0 < holdout <= 1.0:
        print("peerlearn eval: --holdout must be in (0, 1]", file=sys.stderr)
        return 2
    reports: list[tuple[Report, ReplayResult]] = []
    for folder in folders:
        sample = folder in (None, SAMPLE_NAME)
        try:
            reports.append(
                evaluate_one(
                    SAMPLE if sample else Path(folder or ""), limit, seed, model, holdout, sample, replicas
                )
            )
        except (FileNotFoundError, OSError) as exc:
            print(f"peerlearn eval: {exc}", file=sys.stderr)
            return 2
    for report, result in reports:
        print(f"{report.dataset}: {len(result.candidates)} questions evaluated")
        print(table(report.rows))
    if out:
        page = Path(out)
        page.parent.mkdir(parents=True, exist_ok=True)
        plot = page.with_name("evaluation-mrr.svg")
        plot.write_text(svg([(r.dataset, res.timeline) for r, res in reports], PLOTTED), encoding="utf-8")
        command = "peerlearn eval" + "".join(f" --dump {folder or SAMPLE_NAME}" for folder in folders)
        for flag, value, default in (
            ("--holdout", holdout, 1.0),
            ("--replicas", replicas, 0),
            ("--limit", limit, None),
            ("--seed", seed, 0),
            ("--model", model, "all-MiniLM-L6-v2"),
        ):
            if value != default:  # the flags given, as given, so the page can be regenerated
                command += f" {flag} {value:g}" if isinstance(value, float) else f" {flag} {value}"
        page.write_text(markdown([r for r, _ in reports], plot.name, command), encoding="utf-8")
        print(f"wrote {out} and {plot}")
    return 0 if all(res.candidates for _, res in reports) else 1
