"""The matcher service's settings (environment: ``PEERLEARN_MATCHER_*`` then ``PEERLEARN_*``)."""

from __future__ import annotations

from collections.abc import Mapping

from peerlearn.settings import ServiceSettings, SettingsError, load_settings
from peerlearn_matcher.domain.vectors import DEFAULT_ANN_ABOVE

SERVICE = "matcher"
DEFAULT_PORT = 8003


class MatcherSettings(ServiceSettings, kw_only=True):
    """Settings of the matcher service."""

    service: str = SERVICE
    port: int = DEFAULT_PORT
    # The sentence-transformers model; vectors remember it, a change re-embeds at start.
    model_name: str = "all-MiniLM-L6-v2"
    # Suggestions kept per kind (peer, mentor, expert) for each person.
    suggestions_per_kind: int = 10
    # Answerers routed to each new question.
    answerers_per_thread: int = 5
    # Nobody is put forward as mentor, expert or answerer more often than this per ISO week.
    load_cap_per_week: int = 20
    # Accept/decline answers needed before the learned ranking replaces the default weights.
    min_feedback_for_model: int = 50
    # How many other people's suggestions one profile change may refresh at once.
    refresh_fanout: int = 20
    # Open live streams of suggestions per person (tabs); one more is 429.
    streams_per_person: int = 5
    # Days a mentor has to answer a mentorship request before it expires and frees their slot.
    mentorship_request_days: int = 7
    # Nudge a close peer of another circle (community of the help graph) up, saying so; 0: off.
    bridging: bool = True
    # At most this often the circles are recomputed while the forum's ties change.
    circles_seconds: int = 600
    # Above this many people (or threads) searches go through an HNSW graph, re-scored exactly
    # and filtered as before; below, exact search. Default = DEFAULT_ANN_ABOVE (bench/matcher_ann.py:
    # the graph's recall@10 falls below 0.95 by 1M rows, where exact search is ~80 ms a query).
    ann_above: int = DEFAULT_ANN_ABOVE
    # Seconds after which a routed question that nobody but its asker answered is routed to the
    # next candidates (at most twice; 0: never). A question already older than this when first
    # routed (an old one met after an upgrade or a rebuild) is not followed through.
    escalate_after: float = 86_400.0
    # Seconds between looks at what other replicas changed in the index (the lag of what a
    # replica serves from memory; anything it computes reloads their changes first).
    catch_up_seconds: float = 0.5

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in (
            "suggestions_per_kind",
            "answerers_per_thread",
            "load_cap_per_week",
            "refresh_fanout",
            "streams_per_person",
            "mentorship_request_days",
            "circles_seconds",
            "ann_above",
        ):
            if getattr(self, name) < 1:
                raise SettingsError(f"{self.env_name(name)}: must be at least 1")
        if self.escalate_after < 0:
            raise SettingsError(f"{self.env_name('escalate_after')}: must be 0 (off) or more seconds")
        if self.catch_up_seconds <= 0:
            raise SettingsError(f"{self.env_name('catch_up_seconds')}: must be more than 0 seconds")
        if self.min_feedback_for_model < 2:
            raise SettingsError(f"{self.env_name('min_feedback_for_model')}: must be at least 2")


def load(env: Mapping[str, str] | None = None) -> MatcherSettings:
    """Read this service's settings from the environment."""
    return load_settings(MatcherSettings, SERVICE, env)
