"""The insights service's settings (environment: ``PEERLEARN_INSIGHTS_*`` then ``PEERLEARN_*``)."""

from __future__ import annotations

from collections.abc import Mapping

from peerlearn.settings import ServiceSettings, load_settings

SERVICE = "insights"
DEFAULT_PORT = 8005


class InsightsSettings(ServiceSettings, kw_only=True):
    """Settings of the insights service."""

    service: str = SERVICE
    port: int = DEFAULT_PORT


def load(env: Mapping[str, str] | None = None) -> InsightsSettings:
    """Read this service's settings from the environment."""
    return load_settings(InsightsSettings, SERVICE, env)
