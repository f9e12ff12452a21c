"""The matcher service's settings (environment: ``PEERLEARN_MATCHER_*`` then ``PEERLEARN_*``)."""

from __future__ import annotations

from collections.abc import Mapping

from peerlearn.settings import ServiceSettings, load_settings

SERVICE = "matcher"
DEFAULT_PORT = 8003


class MatcherSettings(ServiceSettings, kw_only=True):
    """Settings of the matcher service."""

    service: str = SERVICE
    port: int = DEFAULT_PORT


def load(env: Mapping[str, str] | None = None) -> MatcherSettings:
    """Read this service's settings from the environment."""
    return load_settings(MatcherSettings, SERVICE, env)
