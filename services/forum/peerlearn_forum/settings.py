"""The forum service's settings (environment: ``PEERLEARN_FORUM_*`` then ``PEERLEARN_*``)."""

from __future__ import annotations

from collections.abc import Mapping

from peerlearn.settings import ServiceSettings, load_settings

SERVICE = "forum"
DEFAULT_PORT = 8002


class ForumSettings(ServiceSettings, kw_only=True):
    """Settings of the forum service."""

    service: str = SERVICE
    port: int = DEFAULT_PORT


def load(env: Mapping[str, str] | None = None) -> ForumSettings:
    """Read this service's settings from the environment."""
    return load_settings(ForumSettings, SERVICE, env)
