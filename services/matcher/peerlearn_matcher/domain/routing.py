"""Who can answer a question, and which answered threads are close to it (pure, over the engine).

Candidates must be able to read the thread's space and, across orgs, be matchable with the
asker; the ranking itself is :func:`peerlearn_matcher.domain.answerers.rank_answerers` (the
default weights), and once the engine holds a learned model (``Engine.routing_model``), those
who clear its evidence threshold are ordered by that model over
:class:`~peerlearn_matcher.domain.answerer_evidence.AnswererEvidence` rows: the scoring
``peerlearn eval``'s learned ranker replays the dump through.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from peerlearn.events import Reason
from peerlearn_matcher.domain import answer_histories, matching
from peerlearn_matcher.domain import answerers as answer_ranking
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.matching import Scored
from peerlearn_matcher.domain.threads import ThreadRecord, visible_to_audience_of

# A question nobody but its asker has answered is routed again to the next candidates, at most
# this many times (issue 14's follow-through; each round asks for ``answerers`` more people).
FOLLOW_UP_ROUNDS = 2


def answerers_wanted(engine: Engine, rounds: int) -> int:
    """How many people a question routed again ``rounds`` times goes to (the first ones stay)."""
    return engine.limits.answerers * (1 + rounds)


def can_see_space(engine: Engine, thread: ThreadRecord) -> np.ndarray:
    """People who may read ``thread``'s space."""
    people = engine.people
    if thread.visibility == "public":
        return people.offer.live.copy()
    if thread.visibility == "org" and thread.org_id:
        return people.offer.live & (people.org == people.org_code(thread.org_id))
    if thread.visibility == "cohort" and thread.cohort_id:
        return people.offer.live & people.mask(engine.members.get(thread.cohort_id, set()))
    return np.zeros(people.offer.size, dtype=bool)


def answerers(
    engine: Engine, thread_id: str, *, cached: bool = True, limit: int | None = None
) -> list[Scored]:
    """The ``limit`` (default: the engine's ``answerers``) people most likely to answer a question,
    best first (asker and outsiders excluded), only those whose score reaches ``MIN_ANSWERER_SCORE``.

    Candidates must be able to read the thread's space and, across orgs, be matchable with
    the asker (shared cohort or consent); the answering history counts only threads that
    everyone reading this one may see, so no private count leaks through a reason. The
    ranking itself is :func:`peerlearn_matcher.domain.answerers.rank_answerers`.
    """
    thread = engine.threads.get(thread_id)
    if thread is None or thread.vector is None:
        return []
    people = engine.people
    mask = can_see_space(engine, thread) & engine.under_cap("answerer", thread_id)
    # Nobody who declined this question ("not my area") is routed it again, by any re-route.
    mask &= ~people.mask([thread.author_id, *engine.decliners.get(thread.id, ())])
    asker = people.records.get(thread.author_id)
    if asker is not None:
        mask &= engine.visible_mask(asker)
    elif thread.visibility == "public":
        mask &= people.external
    limit = limit or engine.limits.answerers
    # A question routed again (follow-through) asks for more people than the first routing did.
    pool_size = max(engine.limits.pool, 2 * limit)
    pool = [key for key, _ in people.offer.top(thread.vector, mask, pool_size)]
    # The answers on the other threads everyone reading this one may see: kept per audience
    # between questions (domain.answer_histories), ``cached=False`` builds it from every post.
    history = (
        engine.answer_histories.history_for(engine, thread)
        if cached
        else answer_histories.build_history(engine, thread)
    )
    allowed = set(pool)
    if history is not None:
        allowed |= {
            person for person in history.person_ids() if (row := people.row(person)) is not None and mask[row]
        }
    candidates = [
        answer_ranking.Candidate(
            person_id=key,
            offer_vector=people.offer.vector(key),
            tags=[s.name for s in people.records[key].have],
        )
        for key in sorted(allowed)
    ]
    # Questions a candidate declined lower their score for similar ones (kept per person as
    # declines happen: only the candidates' own few vectors are read here).
    declined = {
        c.person_id: np.stack(list(found.values()))
        for c in candidates
        if (found := engine.declined_threads.get(c.person_id))
    }
    model = engine.routing_model
    learned = model is not None and model.learned
    # One pass over the history's answers, read by the ranking and by the learned model's
    # evidence (fed the same answers in the same order), not one each.
    similarities = answer_ranking.answer_similarities(history, thread.vector) if history is not None else None
    # Too little evidence to mail someone: nobody under the threshold is ranked.
    ranked = answer_ranking.rank_answerers(
        thread.vector,
        candidates,
        history,
        question_tags=thread.tags,
        limit=None if learned else limit,
        declined=declined,
        similarities=similarities,
        min_score=answer_ranking.MIN_ANSWERER_SCORE,
    )
    scores = [item.score for item in ranked]
    if learned and model is not None and ranked:
        # The same evidence gate, then the learned order: each one's probability of being the
        # one who answers, as the eval's learned ranker scores a question.
        evidence = (
            engine.answer_histories.evidence_for(engine, thread)
            if cached
            else answer_histories.build_evidence(engine, thread)
        )
        ids = [item.person_id for item in ranked]
        offers = {key: offer for key in ids if (offer := people.offer.vector(key)) is not None}
        # The evidence holds the history's answers in its order (both fed from the same posts,
        # the question's own left out of both); a length that differs shares nothing.
        shared = similarities if similarities is not None and len(similarities) == len(evidence) else None
        rows = evidence.features(
            thread.vector, thread.tags, ids, datetime.now(UTC), offers, similarities=shared
        )
        logits = model.score(rows)
        odds = np.exp(logits - logits.max())
        probability = odds / odds.sum()
        order = np.argsort(-logits, kind="stable")[:limit]
        ranked = [ranked[i] for i in order]
        scores = [float(probability[i]) for i in order]
    result = []
    for item, score in zip(ranked, scores, strict=True):
        features = item.features
        result.append(
            Scored(
                candidate_id=item.person_id,
                kind="answerer",
                features=(
                    max(0.0, features.get("offer_similarity", 0.0)),
                    0.0,
                    0.0,
                    0.0,
                    0.0,
                    matching.history_feature(int(features.get("similar_accepted", 0))),
                ),
                score=score,
                reasons=[Reason(text=text) for text in item.reasons],
                thread_id=thread.id,
            )
        )
    return result


def related(
    engine: Engine, thread_id: str, visible: Callable[[ThreadRecord], bool] | None = None
) -> list[tuple[str, float]]:
    """Threads close to this one that have an accepted answer, among those ``visible`` allows
    (default: what everyone reading this thread may see)."""
    thread = engine.threads.get(thread_id)
    if thread is None or thread.vector is None:
        return []
    allowed = visible or (lambda other: visible_to_audience_of(other, thread))
    keys = [t.id for t in engine.threads.values() if t.id != thread.id and t.accepted_post_id and allowed(t)]
    found = engine.thread_index.top(thread.vector, engine.thread_index.mask_of(keys), engine.limits.related)
    return [(key, score) for key, score in found if score >= engine.limits.min_related_similarity]
