"""Peers, mentors and experts for one person: masks first, exact top-k, features, reasons, variety.

Pure (numpy only) over the :class:`~peerlearn_matcher.domain.engine.Engine`. The shortlist
of each kind gets its features, a score (default weights or the learned model), reasons a
person understands, a nudge for close peers of another circle (:mod:`.circles`) and a variety
re-ranking (MMR).
"""

from __future__ import annotations

import numpy as np

from peerlearn.directory.caller import may_see
from peerlearn.events import Reason
from peerlearn_matcher.domain import matching
from peerlearn_matcher.domain.availability import weekly_overlap
from peerlearn_matcher.domain.circles import bridge
from peerlearn_matcher.domain.engine import Engine, reader
from peerlearn_matcher.domain.matching import Scored
from peerlearn_matcher.domain.people import PersonRecord
from peerlearn_matcher.domain.ranking import mmr


def suggest(engine: Engine, person_id: str) -> list[Scored]:
    """Peers, mentors and experts for one person, best first within each kind."""
    record = engine.people.records.get(person_id)
    if record is None:
        return []
    need = engine.people.need.vector(person_id)
    if need is None or not np.any(need):
        return []
    people = engine.people
    base = people.offer.live.copy()
    # Declined never come back; accepted ones are already taken up (not suggested twice).
    taken = [*engine.declined.get(person_id, ()), *engine.accepted.get(person_id, ())]
    base &= ~people.mask([person_id, *taken])
    visible = engine.visible_mask(record)
    mine = people.org == people.org_code(record.org_id)
    left = engine.capacity_left()
    result: list[Scored] = []
    masks = {
        "peer": base & visible & people.has_need,
        "mentor": base & mine & people.is_mentor & (left > 0) & engine.under_cap("mentor", person_id),
        "expert": base
        & ~mine
        & visible
        & ((people.is_expert & ((people.capacity == 0) | (left > 0))) | (people.is_mentor & (left > 0)))
        & engine.under_cap("expert", person_id),
    }
    me = reader(record)
    counts = engine.accepted_counts(lambda t: may_see(me, t.where))
    # One mat-vec per index: mentors and experts both search offers with my need.
    scores = {"need": people.need.scores(need), "offer": people.offer.scores(need)}
    me_row = people.row(person_id)
    for kind, mask in masks.items():
        index, key = (people.need, "need") if kind == "peer" else (people.offer, "offer")
        shortlist = index.top(need, mask, engine.limits.pool, scores=scores[key])
        if not shortlist:
            continue
        rows = np.array([people.row(cid) for cid, _ in shortlist])
        hours, fraction = weekly_overlap(
            float(people.offset[me_row]),
            record.profile.weekly_hours,
            people.offset[rows],
            people.hours[rows],
        )
        scored = [
            s
            for s in (
                _score(engine, kind, record, cid, sim, counts, float(hours[i]), float(fraction[i]))
                for i, (cid, sim) in enumerate(shortlist)
            )
            if s
        ]
        if kind == "peer" and engine.limits.bridging:
            scored = bridge(person_id, scored, engine.circles)
        result.extend(_diversify(engine, kind, scored))
    return result


def _score(
    engine: Engine,
    kind: str,
    me: PersonRecord,
    candidate_id: str,
    similarity: float,
    counts: dict[str, int],
    hours: float,
    fraction: float,
) -> Scored | None:
    them = engine.people.records[candidate_id]
    limit = engine.limits.skill_match
    if kind == "peer":
        pairs = matching.skill_pairs(me.want, me.want_vectors, them.want, them.want_vectors, limit)
        if not pairs and similarity < engine.limits.min_peer_similarity:
            return None
        level = matching.level_closeness(pairs)
    else:
        pairs = matching.skill_pairs(me.want, me.want_vectors, them.have, them.have_vectors, limit)
        pairs = [p for p in pairs if p.theirs.level > p.mine.level]
        if not pairs:
            return None
        level = matching.level_gap(pairs)
    shared = sorted(me.cohorts & them.cohorts)
    history = counts.get(candidate_id, 0) if kind != "peer" else 0
    features = (
        max(0.0, min(1.0, similarity)),
        level,
        fraction,
        1.0 if me.org_id == them.org_id else 0.0,
        1.0 if shared else 0.0,
        matching.history_feature(history),
    )
    reasons: list[Reason] = [matching.pair_reason(kind, p) for p in pairs[:3]]
    names = [engine.cohort_names[c] for c in shared if c in engine.cohort_names]
    for extra in (
        matching.cohort_reason(names),
        matching.hours_reason(hours, me.profile.timezone, them.profile.timezone),
        matching.history_reason(history),
    ):
        if extra is not None:
            reasons.append(extra)
    return Scored(
        candidate_id=candidate_id,
        kind=kind,
        features=features,
        score=engine.model.score(kind, features),
        reasons=reasons,
        topic=pairs[0].mine.name.casefold() if pairs else "",
    )


def _diversify(engine: Engine, kind: str, scored: list[Scored]) -> list[Scored]:
    if not scored:
        return []
    index = engine.people.need if kind == "peer" else engine.people.offer
    vectors = np.stack([index.vector(s.candidate_id) for s in scored])  # type: ignore[misc]
    groups = [(f"org:{engine.people.records[s.candidate_id].org_id}", f"topic:{s.topic}") for s in scored]
    order = mmr(scored, [s.score for s in scored], vectors, groups, engine.limits.per_kind)
    return [scored[i] for i in order]
