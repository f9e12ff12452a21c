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
    # New threads and posts per person per minute; past it, 429 with Retry-After.
    post_rate_per_minute: int = 20
    # Flags (by different people) that hide a post until a moderator reviews it.
    flag_threshold: int = 3

    def __post_init__(self) -> None:
        super().__post_init__()
        from peerlearn.settings import SettingsError

        for name in ("post_rate_per_minute", "flag_threshold"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{self.env_name(name)}: must be at least 1")


def load(env: Mapping[str, str] | None = None) -> ForumSettings:
    """Read this service's settings from the environment."""
    return load_settings(ForumSettings, SERVICE, env)
